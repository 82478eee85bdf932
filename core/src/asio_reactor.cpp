// The epoll backend: Asio's reactor tells us when a socket is ready; the reads and writes
// themselves are plain non-blocking syscalls into our own buffers. Waiting for readiness
// instead of posting a read means an idle connection holds no buffer, and a read that
// can finish at once never goes through the scheduler.

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <cerrno>
#include <climits>
#include <system_error>
#include <vector>

#include "ignis/core/io_context.hpp"
#include "ignis/core/reactor.hpp"

namespace ignis {
namespace {

constexpr std::size_t kMinReadSpace = 2048;

// What every object of this backend needs: the Asio loop, and the reactor to make current
// while one of its handlers runs. A host program may run the loop itself (embedding), not
// through Reactor::run(), so each handler says which reactor it belongs to.
struct Loop {
  asio::io_context& io;
  Reactor& reactor;
};

template <class F>
auto bound(Loop& loop, F f) {
  return [&r = loop.reactor, f = std::move(f)](auto&&... args) mutable {
    Reactor::Current current(r);
    f(std::forward<decltype(args)>(args)...);
  };
}

class AsioStream final : public Stream {
 public:
  AsioStream(Loop& loop, int fd, const SocketAddress& peer)
      : loop_(loop), sd_(loop.io, peer.storage.ss_family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), fd) {
    peer_ = peer;
  }

  // Receives through Asio's reactive read, which reads at once when data may be waiting,
  // queues without a system call after a read that drained the socket, and remembers
  // readiness that arrives while nothing waits. A buffer without a block reads into a
  // small staging area first, so that idle connections need no pool block.
  bool receive(ByteBuffer& into, Completion& c) override {
    recv_ = &c;
    recv_buffer_ = &into;
    ++ops_;
    const bool staged = !into.allocated();
    std::span<char> space = staged ? std::span<char>(stage_) : into.prepare(kMinReadSpace);
    sd_.async_receive(asio::buffer(space.data(), space.size()),
                        bound(loop_, [this, staged](const asio::error_code& ec, std::size_t n) {
                          --ops_;
                          if (destroyed_) {
                            if (ops_ == 0) delete this;
                            return;
                          }
                          on_received(ec, n, staged);
                        }));
    return false;
  }

  bool send(std::span<const iovec> buffers, Completion& c) override {
    std::size_t total = 0;
    for (const iovec& v : buffers) total += v.iov_len;
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(buffers.data());
    msg.msg_iovlen = std::min<std::size_t>(buffers.size(), IOV_MAX);
    ssize_t n = ::sendmsg(sd_.native_handle(), &msg, MSG_NOSIGNAL);
    if (n >= 0 && static_cast<std::size_t>(n) == total) {
      c.result = static_cast<int>(n);
      return true;
    }
    if (n < 0 && errno != EAGAIN) {
      c.result = -errno;
      return true;
    }
    // Keep what is left, and finish it when the socket can take more.
    send_iov_.assign(buffers.begin(), buffers.end());
    send_pos_ = 0;
    send_total_ = total;
    send_done_ = 0;
    advance(n > 0 ? static_cast<std::size_t>(n) : 0);
    send_ = &c;
    file_fd_ = -1;
    wait_writable();
    return false;
  }

  bool send_file(int fd, std::uint64_t offset, std::size_t count, Completion& c) override {
    file_fd_ = fd;
    file_offset_ = static_cast<off_t>(offset);
    file_left_ = count;
    send_total_ = count;
    int r = pump_file();
    if (r != -EAGAIN) {
      file_fd_ = -1;
      c.result = r;
      return true;
    }
    send_ = &c;
    wait_writable();
    return false;
  }

  void watch_hangup(AbortSignal* signal) override {
    hangup_ = signal;
    if (signal) wait_readable();
  }

  void cancel() noexcept override {
    asio::error_code ignored;
    sd_.cancel(ignored);
  }

  // For a connect in progress: finishes c with 0 or -errno once the socket is writable.
  void wait_connected(Completion& c) {
    ++ops_;
    sd_.async_wait(asio::socket_base::wait_write, bound(loop_, [this, &c](const asio::error_code& ec) {
      --ops_;
      if (destroyed_) {
        if (ops_ == 0) delete this;
        return;
      }
      int err = 0;
      socklen_t len = sizeof err;
      if (ec)
        err = ec == asio::error::operation_aborted ? ECANCELED : ec.value();
      else if (::getsockopt(sd_.native_handle(), SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
      c.finish(-err);
    }));
  }

  void shutdown_send() noexcept override { ::shutdown(sd_.native_handle(), SHUT_WR); }

 protected:
  void destroy() noexcept override {
    destroyed_ = true;
    hangup_ = nullptr;
    asio::error_code ignored;
    sd_.close(ignored);
    if (ops_ == 0) delete this;
  }

 private:
  int read_now(ByteBuffer& into) {
    std::span<char> space = into.prepare(kMinReadSpace);
    ssize_t n = ::recv(sd_.native_handle(), space.data(), space.size(), 0);
    if (n > 0) {
      into.commit(static_cast<std::size_t>(n));
      return static_cast<int>(n);
    }
    return n == 0 ? 0 : -errno;
  }

  void wait_readable() {
    if (read_waiting_) return;
    read_waiting_ = true;
    ++ops_;
    sd_.async_wait(asio::socket_base::wait_read, bound(loop_, [this](const asio::error_code& ec) {
      read_waiting_ = false;
      --ops_;
      if (destroyed_) {
        if (ops_ == 0) delete this;
        return;
      }
      on_readable(ec);
    }));
  }

  void on_readable(const asio::error_code& ec) {
    if (!hangup_ || ec) return;
    char byte;
    ssize_t n = ::recv(sd_.native_handle(), &byte, 1, MSG_PEEK);
    if (n < 0 && errno == EAGAIN) return wait_readable();
    // n > 0: the next request is already here; it is no hang-up, and the watch ends.
    if (n <= 0) std::exchange(hangup_, nullptr)->abort();
  }

  void on_received(const asio::error_code& ec, std::size_t n, bool staged) {
    ByteBuffer& into = *std::exchange(recv_buffer_, nullptr);
    Completion* c = std::exchange(recv_, nullptr);
    int r;
    if (ec == asio::error::eof) {
      r = 0;
    } else if (ec) {
      r = ec == asio::error::operation_aborted ? -ECANCELED : -ec.value();
    } else {
      if (staged) {
        into.append({stage_, n});
        // A full staging area may have left more behind: take it now, into the block.
        if (n == sizeof stage_) {
          int more = read_now(into);
          if (more > 0) n += static_cast<std::size_t>(more);
        }
      } else {
        into.commit(n);
      }
      r = static_cast<int>(n);
    }
    c->finish(r);
  }

  void wait_writable() {
    ++ops_;
    sd_.async_wait(asio::socket_base::wait_write, bound(loop_, [this](const asio::error_code& ec) {
      --ops_;
      if (destroyed_) {
        if (ops_ == 0) delete this;
        return;
      }
      on_writable(ec);
    }));
  }

  void on_writable(const asio::error_code& ec) {
    if (!send_) return;
    int r;
    if (ec) {
      r = -ECANCELED;
    } else if (file_fd_ >= 0) {
      r = pump_file();
    } else {
      r = pump_iov();
    }
    if (r == -EAGAIN) return wait_writable();
    file_fd_ = -1;
    std::exchange(send_, nullptr)->finish(r);
  }

  int pump_iov() {
    while (send_pos_ < send_iov_.size()) {
      msghdr msg{};
      msg.msg_iov = send_iov_.data() + send_pos_;
      msg.msg_iovlen = std::min<std::size_t>(send_iov_.size() - send_pos_, IOV_MAX);
      ssize_t n = ::sendmsg(sd_.native_handle(), &msg, MSG_NOSIGNAL);
      if (n < 0) return errno == EINTR ? pump_iov() : -errno;
      advance(static_cast<std::size_t>(n));
    }
    return static_cast<int>(send_total_ > INT_MAX ? INT_MAX : send_total_);
  }

  void advance(std::size_t n) {
    send_done_ += n;
    while (send_pos_ < send_iov_.size() && n >= send_iov_[send_pos_].iov_len) {
      n -= send_iov_[send_pos_].iov_len;
      ++send_pos_;
    }
    if (send_pos_ < send_iov_.size()) {
      send_iov_[send_pos_].iov_base = static_cast<char*>(send_iov_[send_pos_].iov_base) + n;
      send_iov_[send_pos_].iov_len -= n;
    }
  }

  int pump_file() {
    while (file_left_ > 0) {
      ssize_t n = ::sendfile(sd_.native_handle(), file_fd_, &file_offset_, file_left_);
      if (n < 0) {
        if (errno == EINTR) continue;
        return -errno;
      }
      if (n == 0) return -EIO;  // the file is shorter than promised
      file_left_ -= static_cast<std::size_t>(n);
    }
    return static_cast<int>(send_total_ > INT_MAX ? INT_MAX : send_total_);
  }

  Loop& loop_;
  asio::ip::tcp::socket sd_;
  int ops_ = 0;  // handlers still queued in Asio that point at this object
  bool destroyed_ = false;
  bool read_waiting_ = false;

  ByteBuffer* recv_buffer_ = nullptr;
  Completion* recv_ = nullptr;
  AbortSignal* hangup_ = nullptr;

  char stage_[512];  // where an idle connection's first bytes land

  Completion* send_ = nullptr;
  std::vector<iovec> send_iov_;
  std::size_t send_pos_ = 0;
  std::size_t send_total_ = 0;
  std::size_t send_done_ = 0;
  int file_fd_ = -1;
  off_t file_offset_ = 0;
  std::size_t file_left_ = 0;
};

class AsioAcceptor final : public Acceptor {
 public:
  AsioAcceptor(Loop& loop, const ListenOptions& o) : loop_(loop), acceptor_(loop.io) {
    asio::ip::tcp::endpoint ep(asio::ip::make_address(o.host), o.port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    if (o.reuse_port) {
      int one = 1;
      if (::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
    }
    acceptor_.bind(ep);
    acceptor_.listen(o.backlog);
    acceptor_.non_blocking(true);
    port_ = acceptor_.local_endpoint().port();
  }

  ~AsioAcceptor() override { close(); }

  bool accept(StreamPtr& out, Completion& c) override {
    int r = accept_now(out);
    if (r != -EAGAIN) {
      c.result = r;
      return true;
    }
    acceptor_.async_wait(asio::socket_base::wait_read, bound(loop_, [this, &out, &c](const asio::error_code& ec) {
      // -EAGAIN after a spurious wake-up: the caller simply asks again.
      c.finish(ec ? -ECANCELED : accept_now(out));
    }));
    return false;
  }

  void close() noexcept override {
    asio::error_code ignored;
    acceptor_.close(ignored);
  }

  std::uint16_t port() const noexcept override { return port_; }

 private:
  int accept_now(StreamPtr& out) {
    if (!acceptor_.is_open()) return -ECANCELED;
    SocketAddress peer;
    peer.length = sizeof peer.storage;
    for (;;) {
      int fd = ::accept4(acceptor_.native_handle(), reinterpret_cast<sockaddr*>(&peer.storage), &peer.length,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        out = StreamPtr(new AsioStream(loop_, fd, peer));
        return 0;
      }
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return -errno;
    }
  }

  Loop& loop_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
};

// Completes a non-blocking connect once the socket turns writable.
class AsioConnect {
 public:
  static bool start(Loop& loop, const SocketAddress& to, StreamPtr& out, Completion& c) {
    int fd = ::socket(to.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      c.result = -errno;
      return true;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&to.storage), to.length) == 0) {
      out = StreamPtr(new AsioStream(loop, fd, to));
      c.result = 0;
      return true;
    }
    if (errno != EINPROGRESS) {
      c.result = -errno;
      ::close(fd);
      return true;
    }
    // The stream object owns the socket from here on; its readiness tells when connected.
    auto* stream = new AsioStream(loop, fd, to);
    out = StreamPtr(stream);
    stream->wait_connected(c);
    return false;
  }
};

// A descriptor owned elsewhere: watched through a stream_descriptor that is released, not
// closed, when the poller goes.
class AsioPoller final : public Poller {
 public:
  AsioPoller(Loop& loop, int fd) : loop_(loop), sd_(loop.io, fd), alive_(std::make_shared<bool>(true)) {}
  ~AsioPoller() override {
    *alive_ = false;
    asio::error_code ignored;
    sd_.cancel(ignored);
    sd_.release();
  }
  bool wait_readable(Completion& c) override { return wait(asio::posix::descriptor_base::wait_read, c); }
  bool wait_writable(Completion& c) override { return wait(asio::posix::descriptor_base::wait_write, c); }
  void cancel() noexcept override {
    asio::error_code ignored;
    sd_.cancel(ignored);
  }

 private:
  bool wait(asio::posix::descriptor_base::wait_type type, Completion& c) {
    sd_.async_wait(type, bound(loop_, [&c, alive = alive_](const asio::error_code& ec) {
      if (!*alive) return;  // the poller (and whoever waited) is gone
      c.finish(ec ? (ec == asio::error::operation_aborted ? -ECANCELED : -ec.value()) : 0);
    }));
    return false;
  }
  Loop& loop_;
  asio::posix::stream_descriptor sd_;
  std::shared_ptr<bool> alive_;
};

class AsioReactor final : public Reactor {
 public:
  // Sockets and timers are only touched by this reactor's thread, so the reactor's I/O
  // needs no locks; post() from other threads still goes through the locked scheduler.
  AsioReactor() : owned_(std::make_unique<asio::io_context>(ASIO_CONCURRENCY_HINT_UNSAFE_IO)), io_(*owned_) {}
  // On a loop the host program owns and runs: timers tick from now on, and stop() is the
  // host's business.
  explicit AsioReactor(asio::io_context& host) : io_(host) { start_ticking(); }

  Backend backend() const noexcept override { return Backend::epoll; }

  void run() override {
    RunScope scope(*this);
    auto work = asio::make_work_guard(io_);
    io_.run();
    // Completions already due (sockets closed just before the stop) still run, so that
    // what waits on them is released.
    io_.restart();
    io_.poll();
  }

  void stop() noexcept override {
    if (owned_) io_.stop();
  }

  void post(std::coroutine_handle<> h) override {
    asio::post(io_, bound(loop_, [h] { h.resume(); }));
  }
  void post(std::function<void()> fn) override { asio::post(io_, bound(loop_, std::move(fn))); }

  std::unique_ptr<Acceptor> listen(const ListenOptions& options) override {
    return std::make_unique<AsioAcceptor>(loop_, options);
  }

  bool connect(const SocketAddress& to, StreamPtr& out, Completion& c) override {
    return AsioConnect::start(loop_, to, out, c);
  }

  std::unique_ptr<Poller> poll(int fd) override { return std::make_unique<AsioPoller>(loop_, fd); }

 protected:
  void wake_at(Clock::time_point when) override {
    if (armed_ && armed_at_ <= when) return;
    armed_ = true;
    armed_at_ = when;
    wake_.expires_at(when);  // a wait already pending finishes with operation_aborted
    wake_.async_wait(bound(loop_, [this](const asio::error_code& ec) {
      if (ec) return;
      armed_ = false;
      if (auto next = fire_timers()) wake_at(*next);
    }));
  }

 private:
  std::unique_ptr<asio::io_context> owned_;  // null on a host's loop
  asio::io_context& io_;
  Loop loop_{io_, *this};
  asio::steady_timer wake_{io_};
  bool armed_ = false;
  Clock::time_point armed_at_{};
};

}  // namespace

std::unique_ptr<Reactor> make_asio_reactor() { return std::make_unique<AsioReactor>(); }

std::unique_ptr<Reactor> make_reactor(asio::io_context& host) { return std::make_unique<AsioReactor>(host); }

}  // namespace ignis
