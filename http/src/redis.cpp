#include "ignis/http/redis.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <charconv>
#include <coroutine>
#include <unordered_map>

#include "ignis/core/io.hpp"

namespace ignis::redis {

struct Client::Shared {
  Options options;
  std::string address;  // numeric, resolved once
  std::uint64_t id;
};

namespace {

std::atomic<std::uint64_t> next_client_id{1};

Reply convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING: out.type = Reply::Type::string; break;
    case REDIS_REPLY_STATUS: out.type = Reply::Type::status; break;
    case REDIS_REPLY_ERROR: out.type = Reply::Type::error; break;
    case REDIS_REPLY_INTEGER: out.type = Reply::Type::integer; break;
    case REDIS_REPLY_ARRAY: out.type = Reply::Type::array; break;
    default: out.type = Reply::Type::nil; break;
  }
  if (r->type == REDIS_REPLY_INTEGER) out.integer = r->integer;
  if (r->str && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR))
    out.text.assign(r->str, r->len);
  if (r->type == REDIS_REPLY_ARRAY) {
    out.elements.reserve(r->elements);
    for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
  }
  return out;
}

class Connection;

// One command in flight: lives in the awaiting frame until its callback resumes it.
struct Pending {
  Connection* connection = nullptr;
  Reactor* reactor = nullptr;
  std::coroutine_handle<> waiter;
  Reply reply;
  std::string error;  // set when no reply came
  bool done = false;
};

// This thread's connection for one Client. hiredis does the protocol and the socket I/O;
// this drives it from the reactor: reads while replies are expected (so an idle connection
// has nothing pending on the reactor), writes at the end of the loop turn in which
// commands were queued (so they leave together), and waits for writability only when the
// socket is full or still connecting.
class Connection {
 public:
  Connection(const Client::Shared& shared, Reactor& reactor) : reactor_(reactor), timeout_(shared.options.timeout) {
    ac_ = redisAsyncConnect(shared.address.c_str(), shared.options.port);
    if (!ac_) throw Error("redis: out of memory");
    if (ac_->err) {
      std::string why = ac_->errstr;
      redisAsyncFree(ac_);
      ac_ = nullptr;
      throw Error("redis: " + why);
    }
    write_fd_ = ::dup(ac_->c.fd);
    if (write_fd_ < 0) {
      redisAsyncFree(ac_);
      throw Error("redis: dup failed");
    }
    read_poller_ = reactor_.poll(ac_->c.fd);
    write_poller_ = reactor_.poll(write_fd_);  // a second descriptor: one wait each
    ac_->data = this;
    ac_->ev.data = this;
    ac_->ev.addRead = [](void*) {};  // reading follows the pending count instead
    ac_->ev.delRead = [](void*) {};
    ac_->ev.addWrite = [](void* self) { static_cast<Connection*>(self)->want_write(); };
    ac_->ev.delWrite = [](void* self) { static_cast<Connection*>(self)->wants_write_ = false; };
    ac_->ev.cleanup = [](void* self) { static_cast<Connection*>(self)->on_cleanup(); };
    redisAsyncSetConnectCallback(ac_, [](const redisAsyncContext*, int) {});  // also arms the first write
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (ac_) {
      redisAsyncContext* ac = std::exchange(ac_, nullptr);
      redisAsyncFree(ac);  // fails what is still pending
    }
    release_descriptors();
    // The loops are finished, or suspended on pollers that no longer exist.
  }

  bool alive() const noexcept { return ac_ != nullptr; }

  void submit(const std::vector<std::string>& argv, Pending& p) {
    std::vector<const char*> ptrs;
    std::vector<std::size_t> lens;
    ptrs.reserve(argv.size());
    lens.reserve(argv.size());
    for (const auto& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAsyncCommandArgv(ac_, &Connection::on_reply, &p, static_cast<int>(argv.size()), ptrs.data(),
                              lens.data()) != REDIS_OK)
      throw Error("redis: cannot send the command");
    ++pending_;
    start_reading();
  }

  // Gives up on the connection: every pending command fails with `why`.
  void fail(const std::string& why) {
    if (!ac_) return;
    failure_ = why;
    redisAsyncFree(ac_);  // fails the pending callbacks, then calls on_cleanup()
  }

  std::chrono::milliseconds timeout() const noexcept { return timeout_; }

 private:
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
    auto* p = static_cast<Pending*>(privdata);
    auto* self = static_cast<Connection*>(ac->data);
    if (reply) {
      p->reply = convert(static_cast<redisReply*>(reply));
    } else {
      p->error = !self->failure_.empty() ? self->failure_
                 : ac->errstr && *ac->errstr ? std::string(ac->errstr)
                                             : std::string("connection lost");
    }
    --self->pending_;
    p->done = true;
    p->reactor->post(p->waiter);  // resumed on a later turn, outside hiredis
  }

  void want_write() {
    wants_write_ = true;
    if (flush_posted_ || writing_) return;
    flush_posted_ = true;
    // Commands queued during this turn go out together.
    reactor_.post([this, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired()) return;
      flush_posted_ = false;
      flush();
    });
  }

  void flush() {
    if (!ac_ || !wants_write_) return;
    // Until connected, writability is what says the connect finished: wait for it.
    if (ac_->c.flags & REDIS_CONNECTED) redisAsyncHandleWrite(ac_);  // may free ac_
    if (ac_ && wants_write_ && !writing_) {
      writing_ = true;
      writer_ = write_loop();
      writer_.start();
    }
  }

  Task<void> write_loop() {
    while (ac_ && wants_write_ && write_poller_) {
      const int r = co_await writable(*write_poller_);
      if (!ac_) break;
      if (r < 0) {
        fail("redis: " + std::string(std::strerror(-r)));
        break;
      }
      redisAsyncHandleWrite(ac_);
    }
    writing_ = false;
  }

  void start_reading() {
    if (reading_ || !read_poller_) return;
    reading_ = true;
    reader_ = read_loop();
    reader_.start();
  }

  Task<void> read_loop() {
    while (ac_ && pending_ > 0 && read_poller_) {
      const int r = co_await readable(*read_poller_);
      if (!ac_) break;
      if (r < 0) {
        fail("redis: " + std::string(std::strerror(-r)));
        break;
      }
      redisAsyncHandleRead(ac_);  // replies resume their waiters; may free ac_
    }
    reading_ = false;
  }

  // hiredis is about to free the context and close its socket.
  void on_cleanup() {
    ac_ = nullptr;
    wants_write_ = false;
    release_descriptors();
  }

  void release_descriptors() {
    read_poller_.reset();  // stop watching before the socket closes
    write_poller_.reset();
    if (write_fd_ >= 0) ::close(std::exchange(write_fd_, -1));
  }

  Reactor& reactor_;
  std::chrono::milliseconds timeout_;
  redisAsyncContext* ac_ = nullptr;
  int write_fd_ = -1;
  std::unique_ptr<Poller> read_poller_, write_poller_;
  Task<void> reader_, writer_;
  std::size_t pending_ = 0;
  bool reading_ = false, writing_ = false, wants_write_ = false, flush_posted_ = false;
  std::string failure_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for posted flushes
};

// This thread's connections, by client id. Destroyed at thread exit, on this thread.
thread_local std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections;

Connection& connection_for(const Client::Shared& shared) {
  Reactor* reactor = Reactor::current();
  if (!reactor) throw Error("redis: commands are sent from a reactor thread");
  auto& slot = connections[shared.id];
  if (!slot || !slot->alive()) {
    slot.reset();
    slot = std::make_unique<Connection>(shared, *reactor);
  }
  return *slot;
}

// Awaits a Pending's reply; fails the connection if it takes longer than the timeout.
struct ReplyAwaiter {
  Pending& p;
  Connection& c;
  Timer timer{&ReplyAwaiter::on_timeout, this};

  ReplyAwaiter(Pending& pending, Connection& conn) : p(pending), c(conn) {}
  ~ReplyAwaiter() { p.reactor->cancel(timer); }
  bool await_ready() const noexcept { return p.done; }
  void await_suspend(std::coroutine_handle<> h) {
    p.waiter = h;
    p.reactor->schedule(timer, Clock::now() + c.timeout());
  }
  void await_resume() {
    p.reactor->cancel(timer);
    if (!p.error.empty()) throw Error(p.error.rfind("redis:", 0) == 0 ? p.error : "redis: " + p.error);
  }
  static void on_timeout(void* self) {
    auto* a = static_cast<ReplyAwaiter*>(self);
    if (!a->p.done) a->c.fail("redis: no reply within the timeout");
  }
};

std::string resolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res) throw Error("redis: cannot resolve " + host + ": " + gai_strerror(rc));
  char buf[NI_MAXHOST];
  const int n = ::getnameinfo(res->ai_addr, res->ai_addrlen, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST);
  ::freeaddrinfo(res);
  if (n != 0) throw Error("redis: cannot resolve " + host);
  return buf;
}

}  // namespace

Client::Client(Options options) {
  auto s = std::make_shared<Shared>();
  s->address = resolve(options.host);
  s->options = std::move(options);
  s->id = next_client_id.fetch_add(1);
  shared_ = std::move(s);
}

Client Client::from_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, scheme.size()) != scheme) throw std::invalid_argument("redis URL must start with redis://");
  std::string_view rest = url.substr(scheme.size());
  rest = rest.substr(0, rest.find('/'));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);  // no AUTH support
  Options o;
  const std::size_t colon = rest.rfind(':');
  const bool bracketed = !rest.empty() && rest.front() == '[';
  if (colon != std::string_view::npos && (!bracketed || rest[colon - 1] == ']')) {
    std::string_view port = rest.substr(colon + 1);
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535)
      throw std::invalid_argument("invalid port in redis URL");
    o.port = static_cast<std::uint16_t>(value);
    rest = rest.substr(0, colon);
  }
  if (bracketed) rest = rest.substr(1, rest.size() - 2);
  if (rest.empty()) throw std::invalid_argument("redis URL without a host");
  o.host = std::string(rest);
  return Client(std::move(o));
}

const Options& Client::options() const noexcept { return shared_->options; }

Task<Reply> Client::send(std::vector<std::string> argv) const {
  if (argv.empty()) throw std::invalid_argument("redis: empty command");
  std::shared_ptr<const Shared> shared = shared_;  // the client may go while we wait
  Connection& c = connection_for(*shared);
  Pending p;
  p.connection = &c;
  p.reactor = Reactor::current();
  c.submit(argv, p);
  {
    ReplyAwaiter wait(p, c);
    co_await wait;
  }
  co_return std::move(p.reply);
}

}  // namespace ignis::redis
