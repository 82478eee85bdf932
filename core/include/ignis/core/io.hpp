#pragma once
// co_await-able forms of the reactor's operations, and timers.
//
//   int n = co_await receive(stream, buffer);     // bytes, 0 at end of stream, or -errno
//   int r = co_await send(stream, iovecs);        // bytes, or -errno
//   bool slept = co_await sleep_for(100ms, req.signal());  // false when aborted first

#include <chrono>
#include <coroutine>

#include "ignis/core/reactor.hpp"

namespace ignis {

namespace detail {
// Shared shape of one-shot operations: start in await_suspend, suspend only if pending.
template <class Derived>
struct OperationAwaiter {
  Completion completion;
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) {
    completion.waiter = h;
    return !static_cast<Derived*>(this)->start();
  }
  int await_resume() const noexcept { return completion.result; }
};
}  // namespace detail

struct ReceiveAwaiter : detail::OperationAwaiter<ReceiveAwaiter> {
  ReceiveAwaiter(Stream& s, ByteBuffer& b) noexcept : stream(s), buffer(b) {}
  bool start() { return stream.receive(buffer, completion); }
  Stream& stream;
  ByteBuffer& buffer;
};
inline ReceiveAwaiter receive(Stream& s, ByteBuffer& into) noexcept { return {s, into}; }

struct SendAwaiter : detail::OperationAwaiter<SendAwaiter> {
  SendAwaiter(Stream& s, std::span<const iovec> b) noexcept : stream(s), buffers(b) {}
  bool start() { return stream.send(buffers, completion); }
  Stream& stream;
  std::span<const iovec> buffers;
};
inline SendAwaiter send(Stream& s, std::span<const iovec> buffers) noexcept { return {s, buffers}; }

struct SendFileAwaiter : detail::OperationAwaiter<SendFileAwaiter> {
  SendFileAwaiter(Stream& s, int f, std::uint64_t o, std::size_t n) noexcept
      : stream(s), fd(f), offset(o), count(n) {}
  bool start() { return stream.send_file(fd, offset, count, completion); }
  Stream& stream;
  int fd;
  std::uint64_t offset;
  std::size_t count;
};
inline SendFileAwaiter send_file(Stream& s, int fd, std::uint64_t offset, std::size_t count) noexcept {
  return {s, fd, offset, count};
}

struct AcceptAwaiter : detail::OperationAwaiter<AcceptAwaiter> {
  AcceptAwaiter(Acceptor& a, StreamPtr& o) noexcept : acceptor(a), out(o) {}
  bool start() { return acceptor.accept(out, completion); }
  Acceptor& acceptor;
  StreamPtr& out;
};
inline AcceptAwaiter accept(Acceptor& a, StreamPtr& out) noexcept { return {a, out}; }

struct ConnectAwaiter : detail::OperationAwaiter<ConnectAwaiter> {
  ConnectAwaiter(Reactor& r, const SocketAddress& a, StreamPtr& o) noexcept : reactor(r), to(a), out(o) {}
  bool start() { return reactor.connect(to, out, completion); }
  Reactor& reactor;
  const SocketAddress& to;
  StreamPtr& out;
};
// Connects from the current reactor thread.
inline ConnectAwaiter connect(const SocketAddress& to, StreamPtr& out) noexcept {
  return {*Reactor::current(), to, out};
}

struct PollAwaiter : detail::OperationAwaiter<PollAwaiter> {
  PollAwaiter(Poller& p, bool w) noexcept : poller(p), write(w) {}
  bool start() { return write ? poller.wait_writable(completion) : poller.wait_readable(completion); }
  Poller& poller;
  bool write;
};
inline PollAwaiter readable(Poller& p) noexcept { return {p, false}; }
inline PollAwaiter writable(Poller& p) noexcept { return {p, true}; }

// Suspends until `deadline` on the current reactor; true if the time came, false if
// `signal` aborted first.
class SleepAwaiter {
 public:
  SleepAwaiter(Clock::time_point deadline, AbortSignal* signal) noexcept
      : deadline_(deadline), signal_(signal), timer_(&on_timer, this), listener_(&on_abort, this) {}
  SleepAwaiter(const SleepAwaiter&) = delete;
  SleepAwaiter& operator=(const SleepAwaiter&) = delete;

  bool await_ready() const noexcept { return (signal_ && signal_->aborted()) || deadline_ <= Clock::now(); }
  void await_suspend(std::coroutine_handle<> h) {
    waiter_ = h;
    reactor_ = Reactor::current();
    reactor_->schedule(timer_, deadline_);
    if (signal_) signal_->subscribe(listener_);
  }
  bool await_resume() const noexcept { return !(signal_ && signal_->aborted()); }

 private:
  static void on_timer(void* self) {
    auto* s = static_cast<SleepAwaiter*>(self);
    s->listener_.detach();
    s->waiter_.resume();
  }
  static void on_abort(void* self) {
    auto* s = static_cast<SleepAwaiter*>(self);
    s->reactor_->cancel(s->timer_);
    s->waiter_.resume();
  }

  Clock::time_point deadline_;
  AbortSignal* signal_;
  Timer timer_;
  AbortSignal::Listener listener_;
  Reactor* reactor_ = nullptr;
  std::coroutine_handle<> waiter_;
};

inline SleepAwaiter sleep_until(Clock::time_point deadline, AbortSignal* signal = nullptr) noexcept {
  return {deadline, signal};
}
template <class Rep, class Period>
SleepAwaiter sleep_for(std::chrono::duration<Rep, Period> d, AbortSignal* signal = nullptr) noexcept {
  return {Clock::now() + std::chrono::duration_cast<Clock::duration>(d), signal};
}
template <class Rep, class Period>
SleepAwaiter sleep_for(std::chrono::duration<Rep, Period> d, AbortSignal& signal) noexcept {
  return sleep_for(d, &signal);
}

}  // namespace ignis
