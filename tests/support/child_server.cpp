#include "support/child_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iterator>
#include <cstdlib>
#include <stdexcept>
#include <thread>


namespace ignis::testing {
namespace {

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = ::write(fd, s.data(), s.size());
    if (n <= 0) return;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Reads what the pipe holds until `until` is in it, EOF, or the time runs out.
std::string read_until(int fd, std::string_view until, std::chrono::milliseconds limit) {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (got.find(until) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[256];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

[[noreturn]] void run_child(int out, const std::function<App()>& make_app, ChildOptions options,
                            const std::function<std::string()>& report) {
  if (options.max_descriptors) {
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = options.max_descriptors;
    if (::setrlimit(RLIMIT_NOFILE, &r) != 0) ::_exit(3);
  }
  try {
    App app = make_app();
    app.set_logger([out](LogLevel, std::string_view message) {
      constexpr std::string_view kListening = "listening on http://";
      const std::size_t at = message.find(kListening);
      if (at == std::string_view::npos) {
        std::fprintf(stderr, "[child] %.*s\n", static_cast<int>(message.size()), message.data());
        return;
      }
      std::string_view rest = message.substr(at + kListening.size());
      rest = rest.substr(0, rest.find(' '));
      write_all(out, std::string(rest.substr(rest.rfind(':') + 1)) + "\n");
    });
    app.listen(options.server);
    write_all(out, (report ? report() : std::string()) + "\n");
    ::_exit(0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "[child] %s\n", e.what());
  }
  ::_exit(2);
}

}  // namespace

ChildServer::ChildServer(std::function<App()> make_app, ChildOptions options, std::function<std::string()> report) {
  // Another thread could hold a lock (the allocator's, say) at the fork, for ever in the child.
  if (std::filesystem::exists("/proc/self/task") &&
      std::distance(std::filesystem::directory_iterator("/proc/self/task"), std::filesystem::directory_iterator{}) != 1)
    throw std::logic_error("ChildServer: fork only from a process with no other thread (no TestServer alive)");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::close(fds[0]);
    run_child(fds[1], make_app, options, report);
  }
  ::close(fds[1]);
  pipe_ = fds[0];
  const std::string line = read_until(pipe_, "\n", std::chrono::seconds(10));
  port_ = static_cast<std::uint16_t>(std::atoi(line.c_str()));
  if (port_ == 0) {
    terminate(std::chrono::seconds(2));
    throw std::runtime_error("the child server did not start");
  }
}

ChildServer::~ChildServer() {
  if (pid_ > 0) terminate(std::chrono::seconds(5));
  if (pipe_ >= 0) ::close(pipe_);
}

int terminate_process(pid_t pid, std::chrono::milliseconds limit) {
  ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status;
}

int ChildServer::terminate(std::chrono::milliseconds limit) {
  if (pid_ <= 0) return -1;
  const int status = terminate_process(pid_, limit);
  pid_ = -1;
  std::string rest = read_until(pipe_, "\n", std::chrono::milliseconds(100));
  while (!rest.empty() && rest.back() == '\n') rest.pop_back();
  report_ = rest;
  return status;
}

}  // namespace ignis::testing
