#pragma once
// The reactor: one event loop per thread, behind one small interface with two backends.
//
//   Reactor   run / stop, post work from another thread, timers, listen, connect
//   Acceptor  the next accepted connection
//   Stream    receive, send (gathered), send a file, watch for hang-up, cancel
//   Poller    readiness of a descriptor owned by someone else (a library's socket)
//
// Nothing here is shared between threads except post() and stop(): a connection lives and
// dies on the thread that accepted it. Each operation reports through a Completion kept in
// the waiting coroutine's frame, and either finishes at once (returns true with the result
// set) or later (returns false and resumes the waiter on the reactor's thread). Results are
// byte counts, or a negated errno.

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <coroutine>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ignis/core/abort.hpp"
#include "ignis/core/buffer.hpp"
#include "ignis/core/timer.hpp"

namespace ignis {

class OffloadPool;

enum class Backend { epoll, io_uring };

// The backend the build was configured with (CMake IGNIS_DEFAULT_BACKEND; io_uring unless
// configured otherwise).
Backend default_backend() noexcept;
std::string_view to_string(Backend b) noexcept;
std::optional<Backend> parse_backend(std::string_view name) noexcept;

struct Completion {
  std::coroutine_handle<> waiter;
  int result = 0;
  void finish(int r) {
    result = r;
    waiter.resume();
  }
};

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  std::string host() const;  // "127.0.0.1", "::1"; empty when unknown
  std::uint16_t port() const noexcept;
  // A numeric IPv4 or IPv6 address and a port (no name lookup); nullopt if not numeric.
  static std::optional<SocketAddress> numeric(std::string_view host, std::uint16_t port);
};

class Stream {
 public:
  // Appends at least one received byte to `into`, taking a pool block if it has none.
  // Result: bytes received, 0 when the peer closed its side, or -errno.
  virtual bool receive(ByteBuffer& into, Completion& c) = 0;
  // Sends every byte of the buffers (which must stay valid until the operation finishes).
  virtual bool send(std::span<const iovec> buffers, Completion& c) = 0;
  // Sends `count` bytes of an open file from `offset` without copying them through user space.
  virtual bool send_file(int fd, std::uint64_t offset, std::size_t count, Completion& c) = 0;
  // While armed and no receive is pending, aborts `signal` if the peer closes or resets the
  // connection. nullptr disarms. Bytes that arrive meanwhile are kept for the next receive.
  virtual void watch_hangup(AbortSignal* signal) = 0;
  // Pending operations finish with -ECANCELED, never inside this call (on a later turn of
  // the loop), so a caller may cancel while iterating over what it owns.
  virtual void cancel() noexcept = 0;
  // Sends FIN after the data already sent.
  virtual void shutdown_send() noexcept = 0;

  const SocketAddress& peer() const noexcept { return peer_; }

  struct Deleter {
    void operator()(Stream* s) const noexcept { s->destroy(); }
  };

 protected:
  virtual ~Stream() = default;
  // Closes the socket; the object frees itself once no operation refers to it.
  virtual void destroy() noexcept = 0;
  SocketAddress peer_;
};
using StreamPtr = std::unique_ptr<Stream, Stream::Deleter>;

struct ListenOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 picks a free port
  int backlog = 4096;
  bool reuse_port = true;  // one acceptor per reactor thread on the same port
};

class Acceptor {
 public:
  virtual ~Acceptor() = default;
  // Result 0 with `out` set, or -errno (-ECANCELED once closed).
  virtual bool accept(StreamPtr& out, Completion& c) = 0;
  // Stops listening; a pending accept finishes with -ECANCELED.
  virtual void close() noexcept = 0;
  virtual std::uint16_t port() const noexcept = 0;
};

// Waits for a descriptor the reactor does not own to become readable or writable, for
// libraries that do their own I/O (hiredis). Destroying it stops watching and leaves the
// descriptor open.
class Poller {
 public:
  virtual ~Poller() = default;
  // Result 0 once ready, or -errno (-ECANCELED after cancel()).
  virtual bool wait_readable(Completion& c) = 0;
  virtual bool wait_writable(Completion& c) = 0;
  virtual void cancel() noexcept = 0;
};

class Reactor {
 public:
  // The reactor running on this thread (nullptr outside a reactor thread).
  static Reactor* current() noexcept { return current_; }

  virtual ~Reactor() = default;
  virtual Backend backend() const noexcept = 0;
  // Runs the event loop on the calling thread until stop().
  virtual void run() = 0;
  // Thread-safe.
  virtual void stop() noexcept = 0;
  // Resumes h (or calls fn) on this reactor's thread. Thread-safe.
  virtual void post(std::coroutine_handle<> h) = 0;
  virtual void post(std::function<void()> fn) = 0;
  // Opens a listening socket served by this reactor. Throws std::system_error.
  virtual std::unique_ptr<Acceptor> listen(const ListenOptions& options) = 0;
  // Opens a TCP connection (TCP_NODELAY). Result 0 with `out` set, or -errno.
  virtual bool connect(const SocketAddress& to, StreamPtr& out, Completion& c) = 0;
  // Watches a descriptor owned by the caller.
  virtual std::unique_ptr<Poller> poll(int fd) = 0;

  // Makes r the current reactor of this thread for a scope. Backends wrap their completion
  // handlers in it, so that Reactor::current() is right even on a loop a host program runs.
  class Current {
   public:
    explicit Current(Reactor& r) noexcept : previous_(current_) { current_ = &r; }
    ~Current() { current_ = previous_; }
    Current(const Current&) = delete;
    Current& operator=(const Current&) = delete;

   private:
    Reactor* previous_;
  };

  void schedule(Timer& t, Clock::time_point when) {
    if (timers_.schedule(t, when)) wake_at(when);
  }
  void cancel(Timer& t) noexcept { timers_.cancel(t); }
  // The time of the last timer pass: at most a second old, and free to read.
  Clock::time_point coarse_now() const noexcept { return coarse_now_; }

  OffloadPool* offload_pool() const noexcept { return offload_; }
  void set_offload_pool(OffloadPool* pool) noexcept { offload_ = pool; }

 protected:
  Reactor();
  // The earliest timer moved to `when`: the backend must wake up by then.
  virtual void wake_at(Clock::time_point when) = 0;
  // Fires due timers; backends call it when they wake. Returns the next deadline, if any.
  std::optional<Clock::time_point> fire_timers();
  // Starts the once-a-second tick that keeps coarse_now() fresh (RunScope does it too).
  void start_ticking();
  // Binds the reactor to the calling thread for the duration of run(), and starts the
  // once-a-second tick that keeps coarse_now() fresh.
  class RunScope {
   public:
    explicit RunScope(Reactor& r);
    ~RunScope();
    RunScope(const RunScope&) = delete;
    RunScope& operator=(const RunScope&) = delete;

   private:
    Reactor& reactor_;
    Reactor* previous_;
  };

 private:
  static void on_tick(void* self);

  TimerQueue timers_;
  Timer tick_;
  Clock::time_point coarse_now_;
  OffloadPool* offload_ = nullptr;
  static inline thread_local Reactor* current_ = nullptr;
};

struct ReactorOptions {
  Backend backend = default_backend();
  // When io_uring cannot start here (disabled by sysctl or a seccomp profile, a kernel
  // before 6.0), run on epoll instead of failing.
  bool fallback = true;
};

// Throws std::system_error when the backend cannot start here (io_uring disabled, say)
// and options.fallback is off.
std::unique_ptr<Reactor> make_reactor(const ReactorOptions& options = {});

}  // namespace ignis
