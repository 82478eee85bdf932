// io_uring, and the fallback to epoll where io_uring cannot start: checked in a
// child process whose seccomp filter refuses io_uring_setup (as container runtimes do).

#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "ignis/core/reactor.hpp"
#include "ignis/core/runtime.hpp"

namespace {

// Makes io_uring_setup fail with ENOSYS for this process from now on.
bool refuse_io_uring() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

// Runs fn in a child process without io_uring; its exit code (0: all held).
template <class Fn>
int without_io_uring(Fn fn) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!refuse_io_uring()) ::_exit(90);
    ::_exit(fn());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

}  // namespace

TEST(Backend, IoUringStartsHere) {
  auto r = ignis::make_reactor({.backend = ignis::Backend::io_uring, .fallback = false});
  EXPECT_EQ(r->backend(), ignis::Backend::io_uring);
}

TEST(Backend, FallsBackToEpollWhereIoUringCannotStart) {
  EXPECT_EQ(without_io_uring([] {
              auto r = ignis::make_reactor({.backend = ignis::Backend::io_uring});
              return r->backend() == ignis::Backend::epoll ? 0 : 1;
            }),
            0);
  EXPECT_EQ(without_io_uring([] {
              ignis::Runtime rt({.threads = 2, .backend = ignis::Backend::io_uring});
              return rt.backend() == ignis::Backend::epoll && rt.reactor(1).backend() == ignis::Backend::epoll ? 0 : 1;
            }),
            0);
}

TEST(Backend, WithoutFallbackTheFailureIsReported) {
  EXPECT_EQ(without_io_uring([] {
              try {
                ignis::make_reactor({.backend = ignis::Backend::io_uring, .fallback = false});
              } catch (const std::system_error& e) {
                return e.code().value() == ENOSYS ? 0 : 2;
              }
              return 1;
            }),
            0);
}
