// The io_uring backend, driven directly with liburing.
//
// Each loop turn is one io_uring_enter: it submits everything queued during the previous
// turn (sends, re-armed receives) and waits for completions. Accepts and receives are
// multishot, so a connection costs no submission per request: its socket stays armed and
// data lands in a ring of provided buffers, from which it is copied into the
// connection's own buffer (or kept aside until the connection asks). The ring is set up
// with SINGLE_ISSUER and DEFER_TASKRUN where the kernel has them, so completions are
// produced only when we ask for them, in batches.

#include <fcntl.h>
#include <liburing.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <system_error>
#include <unordered_set>
#include <vector>

#include "ignis/core/reactor.hpp"

namespace ignis {
namespace {

constexpr unsigned kRingEntries = 4096;
// Provided receive buffers per reactor (a power of two). Each is copied out and handed back
// as its completion is read, so a turn holds few; and the ring cycles through all of them,
// so all end up resident: 256 x 16 KiB = 4 MiB per reactor thread.
constexpr unsigned kBufferCount = 256;
constexpr unsigned kBufferSize = 16 * 1024;  // bytes each
constexpr unsigned short kBufferGroup = 0;
// Bytes a stream keeps while nobody receives; past this its socket stops being read until
// the connection catches up (TCP's own flow control then slows the sender).
constexpr std::size_t kMaxPending = 256 * 1024;

class UringReactor;

// What a completion belongs to: the SQE's user_data points at one of these.
struct Op {
  enum class Kind : std::uint8_t { receive, send, poll, connect, accept, wake, poller, timer } kind;
  void* owner;
};

[[noreturn]] void fail(int err, const char* what) { throw std::system_error(err, std::generic_category(), what); }

class UringStream final : public Stream {
 public:
  UringStream(UringReactor& r, int fd, const SocketAddress& peer) : reactor_(r), fd_(fd) { peer_ = peer; }

  void arm_receive();
  void on_receive(const io_uring_cqe& cqe);
  void on_send(int res);
  void on_poll(int res);
  void on_connect(int res);

  bool receive(ByteBuffer& into, Completion& c) override;
  bool send(std::span<const iovec> buffers, Completion& c) override;
  bool send_file(int fd, std::uint64_t offset, std::size_t count, Completion& c) override;
  void watch_hangup(AbortSignal* signal) override;
  void cancel() noexcept override;
  void shutdown_send() noexcept override { ::shutdown(fd_, SHUT_WR); }

  bool connect_to(Completion& c);
  void report_hangup();
  void resume_receiving();

 protected:
  void destroy() noexcept override;

 private:
  void submit_send();
  void arm_poll();
  int pump_file();
  // An operation came back. False once the stream is destroyed (and then perhaps freed):
  // the caller must not touch it any more.
  bool returned(bool& in_flight) {
    in_flight = false;
    if (!destroyed_) return true;
    if (idle_for_deletion()) free_dead();
    return false;
  }
  void free_dead();
  bool idle_for_deletion() const noexcept {
    return !receive_armed_ && !send_pending_ && !poll_pending_ && !connect_pending_ && !hangup_queued_;
  }

  UringReactor& reactor_;
  int fd_;
  bool destroyed_ = false;  // freed once the kernel holds none of its operations
  bool hangup_queued_ = false;  // in the reactor's list of hang-ups to report
  bool send_pending_ = false, poll_pending_ = false, connect_pending_ = false;

  Op receive_op_{Op::Kind::receive, this};
  bool receive_armed_ = false;
  bool receive_paused_ = false;  // cancelled because pending_ is full; armed again when drained
  int receive_end_ = 1;          // 1: open; 0: end of stream; < 0: error
  ByteBuffer pending_;   // bytes that arrived while nobody was receiving
  ByteBuffer* receive_into_ = nullptr;
  std::size_t receive_base_ = 0;  // its size when the receive began
  Completion* receive_ = nullptr;
  AbortSignal* hangup_ = nullptr;

  Op send_op_{Op::Kind::send, this};
  Completion* send_ = nullptr;
  msghdr msg_{};
  std::vector<iovec> send_rest_;  // what is left after a short send
  std::size_t send_total_ = 0;

  Op poll_op_{Op::Kind::poll, this};  // writability while a file is sent
  int file_fd_ = -1;
  off_t file_offset_ = 0;
  std::size_t file_left_ = 0;

  Op connect_op_{Op::Kind::connect, this};
  Completion* connect_ = nullptr;
};

class UringAcceptor final : public Acceptor {
 public:
  UringAcceptor(UringReactor& r, const ListenOptions& o);
  ~UringAcceptor() override;
  bool accept(StreamPtr& out, Completion& c) override;
  void close() noexcept override;
  std::uint16_t port() const noexcept override { return port_; }
  void on_accept(const io_uring_cqe& cqe);

 private:
  StreamPtr make_stream(int fd);
  UringReactor& reactor_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::unique_ptr<Op> op_{new Op{Op::Kind::accept, this}};  // see UringReactor::orphan()
  bool armed_ = false;
  bool closed_ = false;
  std::deque<int> ready_;  // accepted while nobody waited
  int error_ = 0;
  StreamPtr* out_ = nullptr;
  Completion* waiter_ = nullptr;
};

// A foreign descriptor's readiness.
class UringPoller final : public Poller {
 public:
  UringPoller(UringReactor& r, int fd) : reactor_(r), fd_(fd) {}
  ~UringPoller() override;
  bool wait_readable(Completion& c) override { return wait(POLLIN, c); }
  bool wait_writable(Completion& c) override { return wait(POLLOUT, c); }
  void cancel() noexcept override;
  void on_poll(int res) { std::exchange(waiter_, nullptr)->finish(res < 0 ? res : 0); }

 private:
  bool wait(unsigned events, Completion& c);
  UringReactor& reactor_;
  int fd_;
  std::unique_ptr<Op> op_{new Op{Op::Kind::poller, this}};  // see UringReactor::orphan()
  Completion* waiter_ = nullptr;
};

class UringReactor final : public Reactor {
 public:
  UringReactor();
  ~UringReactor() override;

  Backend backend() const noexcept override { return Backend::io_uring; }
  void run() override;
  void stop() noexcept override {
    stopping_.store(true, std::memory_order_release);
    wake();
  }
  void post(std::coroutine_handle<> h) override {
    post([h] { h.resume(); });
  }
  void post(std::function<void()> fn) override;
  std::unique_ptr<Acceptor> listen(const ListenOptions& options) override {
    return std::make_unique<UringAcceptor>(*this, options);
  }
  bool connect(const SocketAddress& to, StreamPtr& out, Completion& c) override;
  std::unique_ptr<Poller> poll(int fd) override { return std::make_unique<UringPoller>(*this, fd); }

  io_uring_sqe* sqe() {
    io_uring_sqe* s;
    while (!(s = io_uring_get_sqe(&ring_))) io_uring_submit(&ring_);
    return s;
  }
  // A completion the interface promises not to deliver inline (after cancel()).
  void defer(Completion* c, int result) { deferred_.emplace_back(c, result); }
  // A hang-up noticed when the watch was armed: reported at the end of the turn.
  void defer_hangup(UringStream* s) { hangups_.push_back(s); }
  // Destroyed streams whose operations the kernel still holds: freed when those come back,
  // or with the reactor (whose ring takes the operations with it).
  void dying(UringStream* s) { dying_.insert(s); }
  void dead(UringStream* s) { dying_.erase(s); }
  // An operation whose owner is gone while the kernel still holds it (an acceptor or a
  // poller destroyed before its cancellation completed): its last completion frees it, or
  // the reactor at its end. Owners that can go first keep their operation on the heap.
  void orphan(std::unique_ptr<Op> op) {
    op->owner = nullptr;
    orphans_.insert(op.release());
  }
  void bury(Op* op) {
    orphans_.erase(op);
    delete op;
  }
  void cancel_op(Op* op) {
    io_uring_sqe* s = sqe();
    io_uring_prep_cancel64(s, reinterpret_cast<std::uint64_t>(op), 0);
    io_uring_sqe_set_data64(s, 0);
  }
  void close_fd(int fd) {
    io_uring_sqe* s = sqe();
    io_uring_prep_close(s, fd);
    io_uring_sqe_set_data64(s, 0);
  }

  // The provided buffers: where multishot receives put their bytes.
  std::string_view buffer(unsigned id, unsigned length) const noexcept {
    return {buffers_ + std::size_t(id) * kBufferSize, length};
  }
  void recycle(unsigned id) noexcept {
    io_uring_buf_ring_add(buf_ring_, buffers_ + std::size_t(id) * kBufferSize, kBufferSize,
                          static_cast<unsigned short>(id), io_uring_buf_ring_mask(kBufferCount), 0);
    io_uring_buf_ring_advance(buf_ring_, 1);
  }

 protected:
  // The earliest timer is an absolute io_uring timeout: a turn without timers to fire
  // reads no clock.
  void wake_at(Clock::time_point when) override;

 private:
  void wake() noexcept {
    std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }
  void arm_wake();
  bool turn();
  void dispatch(const io_uring_cqe& cqe);
  void run_posted();

  io_uring ring_{};
  io_uring_buf_ring* buf_ring_ = nullptr;
  char* buffers_ = nullptr;
  int wake_fd_ = -1;
  Op wake_op_{Op::Kind::wake, this};
  Op timer_op_{Op::Kind::timer, this};
  bool timer_armed_ = false;
  Clock::time_point timer_at_{};
  __kernel_timespec timer_ts_{};  // read by the kernel when the timeout is issued
  bool ring_disabled_ = false;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> has_posted_{false};
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;   // from other threads
  std::vector<std::function<void()>> running_;  // the batch being run
  std::vector<std::pair<Completion*, int>> deferred_;
  std::vector<UringStream*> hangups_;
  std::unordered_set<UringStream*> dying_;
  std::unordered_set<Op*> orphans_;
};

// ---------------------------------------------------------------------------- reactor

// Multishot receive came with Linux 6.0; before it the ring starts but every receive fails.
bool kernel_has_multishot_receive() noexcept {
  utsname u{};
  if (::uname(&u) != 0) return false;
  unsigned major = 0;
  if (std::sscanf(u.release, "%u.", &major) != 1) return false;
  return major >= 6;
}

UringReactor::UringReactor() {
  if (!kernel_has_multishot_receive()) fail(ENOSYS, "io_uring backend: Linux 6.0 or later needed");
  // SINGLE_ISSUER ties the ring to one thread: create it disabled and enable it from the
  // thread that runs it. Older kernels lack the flags; fall back to a plain ring.
  io_uring_params p{};
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED |
            IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE;
  p.cq_entries = kRingEntries * 4;
  int r = io_uring_queue_init_params(kRingEntries, &ring_, &p);
  if (r == -EINVAL) {
    p = {};
    p.flags = IORING_SETUP_CQSIZE;
    p.cq_entries = kRingEntries * 4;
    r = io_uring_queue_init_params(kRingEntries, &ring_, &p);
  } else {
    ring_disabled_ = r == 0;
  }
  if (r < 0) fail(-r, "io_uring_queue_init");
  if (!(p.features & IORING_FEAT_EXT_ARG)) {
    io_uring_queue_exit(&ring_);
    fail(ENOSYS, "io_uring without IORING_FEAT_EXT_ARG");
  }

  // The buffer ring and its buffers; the kernel picks one per receive.
  const std::size_t ring_bytes = kBufferCount * sizeof(io_uring_buf);
  void* mem = ::mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) fail(errno, "mmap");
  buf_ring_ = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(buf_ring_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uint64_t>(buf_ring_);
  reg.ring_entries = kBufferCount;
  reg.bgid = kBufferGroup;
  if ((r = io_uring_register_buf_ring(&ring_, &reg, 0)) < 0) fail(-r, "io_uring_register_buf_ring");
  buffers_ = static_cast<char*>(::mmap(nullptr, std::size_t(kBufferCount) * kBufferSize, PROT_READ | PROT_WRITE,
                                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (buffers_ == MAP_FAILED) fail(errno, "mmap");
  for (unsigned i = 0; i < kBufferCount; ++i)
    io_uring_buf_ring_add(buf_ring_, buffers_ + std::size_t(i) * kBufferSize, kBufferSize,
                          static_cast<unsigned short>(i), io_uring_buf_ring_mask(kBufferCount), static_cast<int>(i));
  io_uring_buf_ring_advance(buf_ring_, kBufferCount);

  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) fail(errno, "eventfd");
}

UringReactor::~UringReactor() {
  io_uring_queue_exit(&ring_);  // the kernel drops what it still held
  for (UringStream* s : dying_) delete s;
  for (Op* op : orphans_) delete op;
  ::munmap(buffers_, std::size_t(kBufferCount) * kBufferSize);
  ::munmap(buf_ring_, kBufferCount * sizeof(io_uring_buf));
  ::close(wake_fd_);
}

void UringReactor::post(std::function<void()> fn) {
  if (Reactor::current() == this) {
    running_.push_back(std::move(fn));  // run at the end of this turn
    return;
  }
  {
    std::lock_guard lock(posted_mutex_);
    posted_.push_back(std::move(fn));
    has_posted_.store(true, std::memory_order_release);
  }
  wake();
}

void UringReactor::arm_wake() {
  io_uring_sqe* s = sqe();
  io_uring_prep_poll_multishot(s, wake_fd_, POLLIN);
  io_uring_sqe_set_data(s, &wake_op_);
}

void UringReactor::run_posted() {
  // The lock only when another thread posted something: most turns have nothing.
  if (has_posted_.load(std::memory_order_acquire)) {
    std::lock_guard lock(posted_mutex_);
    for (auto& fn : posted_) running_.push_back(std::move(fn));
    posted_.clear();
    has_posted_.store(false, std::memory_order_relaxed);
  }
  if (running_.empty()) return;
  // Functions may post more; those run on the next turn.
  std::vector<std::function<void()>> batch;
  batch.swap(running_);
  for (auto& fn : batch) fn();
}

void UringReactor::run() {
  if (ring_disabled_) {
    // liburing 2.3 declares io_uring_enable_rings() but does not export it.
    ::syscall(__NR_io_uring_register, ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0);
    ring_disabled_ = false;
  }
  RunScope scope(*this);
  stopping_.store(false, std::memory_order_release);
  arm_wake();
  if (auto next = fire_timers()) wake_at(*next);
  while (!stopping_.load(std::memory_order_acquire)) {
    // Submit what the last turn queued, and wait for completions unless work is waiting.
    const int r = !deferred_.empty() || !running_.empty() || !hangups_.empty() ? io_uring_submit_and_get_events(&ring_)
                                                          : io_uring_submit_and_wait(&ring_, 1);
    if (r < 0 && r != -ETIME && r != -EINTR && r != -EAGAIN && r != -EBUSY) fail(-r, "io_uring_enter");
    turn();
  }
  // Operations cancelled just before the stop (closed connections) come back now, so
  // that what waits on them is released.
  for (int i = 0; i < 8 && io_uring_submit_and_get_events(&ring_) >= 0; ++i)
    if (!turn()) break;
}

// Handles every completion that is in, then what was deferred or posted. Returns whether
// there was anything.
bool UringReactor::turn() {
  unsigned head, seen = 0;
  io_uring_cqe* cqe;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    ++seen;
    dispatch(*cqe);
  }
  io_uring_cq_advance(&ring_, seen);
  bool work = seen > 0 || !deferred_.empty() || !running_.empty() || !hangups_.empty();
  for (std::size_t i = 0; i < hangups_.size(); ++i) hangups_[i]->report_hangup();  // may queue more
  hangups_.clear();
  while (!deferred_.empty()) {
    auto batch = std::move(deferred_);
    deferred_.clear();
    for (auto [c, result] : batch) c->finish(result);
  }
  run_posted();
  return work;
}

void UringReactor::dispatch(const io_uring_cqe& cqe) {
  auto* op = static_cast<Op*>(io_uring_cqe_get_data(&cqe));
  if (!op) return;  // cancellations and closes: nothing waits for them
  switch (op->kind) {
    case Op::Kind::receive: return static_cast<UringStream*>(op->owner)->on_receive(cqe);
    case Op::Kind::send: return static_cast<UringStream*>(op->owner)->on_send(cqe.res);
    case Op::Kind::poll: return static_cast<UringStream*>(op->owner)->on_poll(cqe.res);
    case Op::Kind::connect: return static_cast<UringStream*>(op->owner)->on_connect(cqe.res);
    case Op::Kind::accept:
      if (op->owner) return static_cast<UringAcceptor*>(op->owner)->on_accept(cqe);
      if (cqe.res >= 0) ::close(cqe.res);  // accepted just before the cancellation
      if (!(cqe.flags & IORING_CQE_F_MORE)) bury(op);
      return;
    case Op::Kind::poller:
      if (op->owner) return static_cast<UringPoller*>(op->owner)->on_poll(cqe.res);
      return bury(op);
    case Op::Kind::timer:
      if (cqe.res == -ETIME) {  // expired (not replaced by an earlier one)
        timer_armed_ = false;
        if (auto next = fire_timers()) wake_at(*next);
      }
      return;
    case Op::Kind::wake: {
      std::uint64_t n;
      (void)!::read(wake_fd_, &n, sizeof n);
      if (!(cqe.flags & IORING_CQE_F_MORE)) arm_wake();
      return;
    }
  }
}

void UringReactor::wake_at(Clock::time_point when) {
  if (timer_armed_ && timer_at_ <= when) return;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
  timer_ts_.tv_sec = ns / 1'000'000'000;
  timer_ts_.tv_nsec = ns % 1'000'000'000;
  io_uring_sqe* s = sqe();
  if (timer_armed_) {
    io_uring_prep_timeout_update(s, &timer_ts_, reinterpret_cast<std::uint64_t>(&timer_op_), IORING_TIMEOUT_ABS);
    io_uring_sqe_set_data64(s, 0);
  } else {
    io_uring_prep_timeout(s, &timer_ts_, 0, IORING_TIMEOUT_ABS);  // CLOCK_MONOTONIC, as steady_clock
    io_uring_sqe_set_data(s, &timer_op_);
  }
  timer_armed_ = true;
  timer_at_ = when;
}

bool UringReactor::connect(const SocketAddress& to, StreamPtr& out, Completion& c) {
  int fd = ::socket(to.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    c.result = -errno;
    return true;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto* stream = new UringStream(*this, fd, to);
  out = StreamPtr(stream);
  return stream->connect_to(c);
}

// ---------------------------------------------------------------------------- stream

void UringStream::arm_receive() {
  io_uring_sqe* s = reactor_.sqe();
  io_uring_prep_recv_multishot(s, fd_, nullptr, 0, 0);
  s->flags |= IOSQE_BUFFER_SELECT;
  s->buf_group = kBufferGroup;
  io_uring_sqe_set_data(s, &receive_op_);
  receive_armed_ = true;
}

void UringStream::on_receive(const io_uring_cqe& cqe) {
  const bool more = cqe.flags & IORING_CQE_F_MORE;
  if (cqe.flags & IORING_CQE_F_BUFFER) {
    const unsigned id = cqe.flags >> IORING_CQE_BUFFER_SHIFT;
    if (!destroyed_ && cqe.res > 0)
      (receive_ ? *receive_into_ : pending_).append(reactor_.buffer(id, static_cast<unsigned>(cqe.res)));
    reactor_.recycle(id);
  }
  if (!more) {
    if (!returned(receive_armed_)) return;
    if (cqe.res == 0)
      receive_end_ = 0;  // the peer closed its side
    else if (cqe.res < 0 && cqe.res != -ENOBUFS && cqe.res != -ECANCELED)
      receive_end_ = cqe.res;
    // Still open: the multishot ended (out of buffers, or paused by us); arm it again
    // unless the pause still holds.
    if (receive_end_ == 1 && !receive_paused_) arm_receive();
  } else if (destroyed_) {
    return;
  } else if (!receive_ && pending_.size() >= kMaxPending && !receive_paused_) {
    receive_paused_ = true;
    reactor_.cancel_op(&receive_op_);
  }

  if (receive_) {
    const std::size_t added = receive_into_->size() - receive_base_;
    if (added > 0 || receive_end_ != 1) {
      receive_into_ = nullptr;
      std::exchange(receive_, nullptr)->finish(added > 0 ? static_cast<int>(added) : receive_end_);
    }
  } else if (hangup_ && receive_end_ != 1 && pending_.empty()) {
    std::exchange(hangup_, nullptr)->abort();  // last: it may end whoever watched
  }
}

bool UringStream::receive(ByteBuffer& into, Completion& c) {
  if (!pending_.empty()) {
    c.result = static_cast<int>(pending_.size());
    if (into.empty()) {
      into = std::move(pending_);  // hand the whole block over
    } else {
      into.append(pending_.view());
      pending_.release();
    }
    resume_receiving();
    return true;
  }
  if (receive_end_ != 1) {
    c.result = receive_end_;
    return true;
  }
  receive_into_ = &into;
  receive_base_ = into.size();
  receive_ = &c;
  return false;
}

// The backlog was taken: read the socket again (once the cancelled receive is back).
void UringStream::resume_receiving() {
  if (!receive_paused_) return;
  receive_paused_ = false;
  if (!receive_armed_ && receive_end_ == 1) arm_receive();
}

void UringStream::watch_hangup(AbortSignal* signal) {
  hangup_ = signal;
  // The peer may have gone already; say so on the next turn, never inside this call.
  if (signal && receive_end_ != 1 && pending_.empty() && !hangup_queued_) {
    hangup_queued_ = true;
    reactor_.defer_hangup(this);
  }
}

void UringStream::free_dead() {
  reactor_.dead(this);
  delete this;
}

void UringStream::report_hangup() {
  hangup_queued_ = false;
  if (destroyed_) {
    if (idle_for_deletion()) free_dead();
    return;
  }
  if (hangup_ && receive_end_ != 1 && pending_.empty()) std::exchange(hangup_, nullptr)->abort();
}

bool UringStream::send(std::span<const iovec> buffers, Completion& c) {
  send_total_ = 0;
  for (const iovec& v : buffers) send_total_ += v.iov_len;
  send_rest_.clear();
  msg_ = {};
  msg_.msg_iov = const_cast<iovec*>(buffers.data());
  msg_.msg_iovlen = std::min<std::size_t>(buffers.size(), IOV_MAX);
  send_ = &c;
  submit_send();
  return false;
}

void UringStream::submit_send() {
  io_uring_sqe* s = reactor_.sqe();
  // One buffer (most responses: the write buffer) goes as a plain send, which spares the
  // kernel importing a msghdr and an iovec array.
  if (msg_.msg_iovlen == 1)
    io_uring_prep_send(s, fd_, msg_.msg_iov[0].iov_base, msg_.msg_iov[0].iov_len, MSG_NOSIGNAL);
  else
    io_uring_prep_sendmsg(s, fd_, &msg_, MSG_NOSIGNAL);
  io_uring_sqe_set_data(s, &send_op_);
  send_pending_ = true;
}

void UringStream::on_send(int res) {
  if (!returned(send_pending_)) return;
  if (res > 0) {
    std::size_t n = static_cast<std::size_t>(res);
    std::size_t left = 0;
    for (std::size_t i = 0; i < msg_.msg_iovlen; ++i) left += msg_.msg_iov[i].iov_len;
    if (n < left) {
      // A short send: keep what is left and go again.
      if (send_rest_.empty()) send_rest_.assign(msg_.msg_iov, msg_.msg_iov + msg_.msg_iovlen);
      std::size_t i = 0;
      while (n >= send_rest_[i].iov_len) n -= send_rest_[i++].iov_len;
      send_rest_.erase(send_rest_.begin(), send_rest_.begin() + static_cast<std::ptrdiff_t>(i));
      send_rest_[0].iov_base = static_cast<char*>(send_rest_[0].iov_base) + n;
      send_rest_[0].iov_len -= n;
      msg_.msg_iov = send_rest_.data();
      msg_.msg_iovlen = std::min<std::size_t>(send_rest_.size(), IOV_MAX);
      return submit_send();
    }
  }
  const int r = res < 0 ? res : static_cast<int>(send_total_ > INT_MAX ? INT_MAX : send_total_);
  std::exchange(send_, nullptr)->finish(r);
}

bool UringStream::send_file(int fd, std::uint64_t offset, std::size_t count, Completion& c) {
  file_fd_ = fd;
  file_offset_ = static_cast<off_t>(offset);
  file_left_ = count;
  send_total_ = count;
  int r = pump_file();
  if (r != -EAGAIN) {
    c.result = r;
    return true;
  }
  send_ = &c;
  arm_poll();
  return false;
}

int UringStream::pump_file() {
  while (file_left_ > 0) {
    ssize_t n = ::sendfile(fd_, file_fd_, &file_offset_, file_left_);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) return -EIO;  // the file is shorter than promised
    file_left_ -= static_cast<std::size_t>(n);
  }
  return static_cast<int>(send_total_ > INT_MAX ? INT_MAX : send_total_);
}

// sendfile() stopped with a full socket: wait until it can take more.
void UringStream::arm_poll() {
  io_uring_sqe* s = reactor_.sqe();
  io_uring_prep_poll_add(s, fd_, POLLOUT);
  io_uring_sqe_set_data(s, &poll_op_);
  poll_pending_ = true;
}

void UringStream::on_poll(int res) {
  if (!returned(poll_pending_)) return;
  const int r = res < 0 ? res : pump_file();
  if (r == -EAGAIN) return arm_poll();
  std::exchange(send_, nullptr)->finish(r);
}

bool UringStream::connect_to(Completion& c) {
  connect_ = &c;
  io_uring_sqe* s = reactor_.sqe();
  io_uring_prep_connect(s, fd_, reinterpret_cast<const sockaddr*>(&peer_.storage), peer_.length);
  io_uring_sqe_set_data(s, &connect_op_);
  connect_pending_ = true;
  return false;
}

void UringStream::on_connect(int res) {
  if (!returned(connect_pending_)) return;
  if (res == 0) arm_receive();
  std::exchange(connect_, nullptr)->finish(res);
}

void UringStream::cancel() noexcept {
  // A pending receive ends (on the next turn); the socket stays armed for later.
  if (receive_) {
    receive_into_ = nullptr;
    reactor_.defer(std::exchange(receive_, nullptr), -ECANCELED);
  }
  if (send_pending_) reactor_.cancel_op(&send_op_);
  if (poll_pending_) reactor_.cancel_op(&poll_op_);
  if (connect_pending_) reactor_.cancel_op(&connect_op_);
}

void UringStream::destroy() noexcept {
  destroyed_ = true;
  hangup_ = nullptr;
  receive_ = nullptr;
  send_ = nullptr;
  connect_ = nullptr;
  // Cancel by operation, not by descriptor: the number may be reused by the next accept.
  // The close is queued after the cancellations, which the kernel issues in order.
  if (receive_armed_) reactor_.cancel_op(&receive_op_);
  if (send_pending_) reactor_.cancel_op(&send_op_);
  if (poll_pending_) reactor_.cancel_op(&poll_op_);
  if (connect_pending_) reactor_.cancel_op(&connect_op_);
  reactor_.close_fd(fd_);
  if (idle_for_deletion())
    delete this;
  else
    reactor_.dying(this);
}

// ---------------------------------------------------------------------------- acceptor

UringAcceptor::UringAcceptor(UringReactor& r, const ListenOptions& o) : reactor_(r) {
  auto addr = SocketAddress::numeric(o.host, o.port);
  if (!addr) fail(EINVAL, "listen: not a numeric address");
  fd_ = ::socket(addr->storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) fail(errno, "socket");
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (o.reuse_port && ::setsockopt(fd_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int e = errno;
    ::close(fd_);
    fail(e, "SO_REUSEPORT");
  }
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr->storage), addr->length) != 0 ||
      ::listen(fd_, o.backlog) != 0) {
    int e = errno;
    ::close(fd_);
    fail(e, "bind/listen");
  }
  SocketAddress bound;
  bound.length = sizeof bound.storage;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound.storage), &bound.length);
  port_ = bound.port();
}

UringAcceptor::~UringAcceptor() {
  close();  // cancels the accept if it is armed
  if (armed_) reactor_.orphan(std::move(op_));
}

StreamPtr UringAcceptor::make_stream(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  SocketAddress peer;
  peer.length = sizeof peer.storage;
  ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer.storage), &peer.length);
  auto* s = new UringStream(reactor_, fd, peer);
  s->arm_receive();
  return StreamPtr(s);
}

bool UringAcceptor::accept(StreamPtr& out, Completion& c) {
  if (!ready_.empty()) {
    out = make_stream(ready_.front());
    ready_.pop_front();
    c.result = 0;
    return true;
  }
  if (closed_) {
    c.result = -ECANCELED;
    return true;
  }
  if (int e = std::exchange(error_, 0)) {
    c.result = e;
    return true;
  }
  if (!armed_) {
    io_uring_sqe* s = reactor_.sqe();
    io_uring_prep_multishot_accept(s, fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    io_uring_sqe_set_data(s, op_.get());
    armed_ = true;
  }
  out_ = &out;
  waiter_ = &c;
  return false;
}

void UringAcceptor::on_accept(const io_uring_cqe& cqe) {
  if (!(cqe.flags & IORING_CQE_F_MORE)) armed_ = false;  // the next accept() arms it again
  if (cqe.res >= 0) {
    if (closed_) {
      ::close(cqe.res);
    } else if (waiter_) {
      *std::exchange(out_, nullptr) = make_stream(cqe.res);
      std::exchange(waiter_, nullptr)->finish(0);
    } else {
      ready_.push_back(cqe.res);
    }
    return;
  }
  if (closed_) return;
  if (waiter_) {
    out_ = nullptr;
    std::exchange(waiter_, nullptr)->finish(cqe.res);
  } else {
    error_ = cqe.res;
  }
}

void UringAcceptor::close() noexcept {
  if (closed_) return;
  closed_ = true;
  if (armed_) reactor_.cancel_op(op_.get());
  // The socket stops listening once the kernel drops the cancelled accept's reference too.
  ::close(std::exchange(fd_, -1));
  for (int fd : ready_) ::close(fd);
  ready_.clear();
  if (waiter_) {
    out_ = nullptr;
    reactor_.defer(std::exchange(waiter_, nullptr), -ECANCELED);
  }
}

// ---------------------------------------------------------------------------- poller

bool UringPoller::wait(unsigned events, Completion& c) {
  waiter_ = &c;
  io_uring_sqe* s = reactor_.sqe();
  io_uring_prep_poll_add(s, fd_, events);
  io_uring_sqe_set_data(s, op_.get());
  return false;
}

void UringPoller::cancel() noexcept {
  if (waiter_) reactor_.cancel_op(op_.get());
}

UringPoller::~UringPoller() {
  if (waiter_) {
    reactor_.cancel_op(op_.get());
    reactor_.orphan(std::move(op_));
  }
}

}  // namespace

std::unique_ptr<Reactor> make_uring_reactor() { return std::make_unique<UringReactor>(); }

}  // namespace ignis
