// The in-process test client: the real connection coroutine (connection.cpp) over a Stream
// that hands it the request and parses what it sends, on a reactor that runs on the
// calling thread only while a request is answered.

#include "ignis/http/test_client.hpp"

#include <unistd.h>

#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <map>
#include <stdexcept>

#include "connection.hpp"
#include "ignis/core/offload.hpp"
#include "response_parser.hpp"
#include "worker.hpp"
#include "worker_hooks.hpp"

namespace ignis {
namespace {

constexpr std::size_t kReceivePiece = 64 * 1024;  // the request arrives in pieces, as from a socket

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool has_control(std::string_view s) noexcept {
  return std::any_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// One request's exchange, shared by the stream and the callbacks posted for it (which
// may outlive the stream).
struct Exchange {
  Exchange(Reactor& r, std::string in, bool head) : reactor(r), input(std::move(in)) {
    parser.begin(head, &body);
  }

  Reactor& reactor;
  std::string input;
  std::size_t sent = 0;  // bytes of input handed to the server

  detail::ResponseParser parser;
  std::string body;
  bool malformed = false;

  bool done = false;     // the response ended (or was malformed): the client closes
  bool left = false;     // the client left at the timeout
  bool shut = false;     // the server shut its sending side
  bool finished = false;  // the connection coroutine has ended

  Completion* receiving = nullptr;  // a receive waiting for the client
  AbortSignal* watched = nullptr;   // the request's signal, while the server watches for hang-ups

  void feed(const char* data, std::size_t n) {
    if (done) return;
    if (!parser.feed(data, n)) {
      malformed = true;
      done = true;
    } else if (parser.message_complete()) {
      done = true;
    }
  }
  // A waiting receive learns that the client closed (0); never inline, as from a socket.
  static void wake_receive(const std::shared_ptr<Exchange>& self, int result) {
    if (!self->receiving) return;
    self->reactor.post([self, result] {
      if (Completion* c = std::exchange(self->receiving, nullptr)) c->finish(result);
    });
  }
};

class TestStream final : public Stream {
 public:
  explicit TestStream(std::shared_ptr<Exchange> ex) : ex_(std::move(ex)) {
    peer_ = *SocketAddress::numeric("127.0.0.1", 50000);
  }

  bool receive(ByteBuffer& into, Completion& c) override {
    Exchange& ex = *ex_;
    if (ex.sent < ex.input.size()) {
      const std::size_t n = std::min(kReceivePiece, ex.input.size() - ex.sent);
      into.append(std::string_view(ex.input).substr(ex.sent, n));
      ex.sent += n;
      c.result = static_cast<int>(n);
      return true;
    }
    if (ex.done || ex.left) {
      c.result = 0;  // the client has closed its side
      return true;
    }
    ex.receiving = &c;  // until the response ends or the client leaves
    return false;
  }

  bool send(std::span<const iovec> buffers, Completion& c) override {
    if (refuse(c)) return true;
    std::size_t total = 0;
    for (const iovec& v : buffers) {
      ex_->feed(static_cast<const char*>(v.iov_base), v.iov_len);
      total += v.iov_len;
    }
    after_send();
    c.result = static_cast<int>(std::min<std::size_t>(total, INT_MAX));
    return true;
  }

  bool send_file(int fd, std::uint64_t offset, std::size_t count, Completion& c) override {
    if (refuse(c)) return true;
    std::string chunk(std::min<std::size_t>(count, 1 << 20), '\0');
    const ssize_t n = ::pread(fd, chunk.data(), chunk.size(), static_cast<off_t>(offset));
    if (n <= 0) {
      c.result = n < 0 ? -errno : -EIO;
      return true;
    }
    ex_->feed(chunk.data(), static_cast<std::size_t>(n));
    after_send();
    c.result = static_cast<int>(n);
    return true;
  }

  void watch_hangup(AbortSignal* signal) override {
    ex_->watched = signal;
    if (signal && ex_->left) {
      // Reported on a later turn, as a backend would: aborting here could resume the
      // handler inside the connection's own call.
      auto ex = ex_;
      ex->reactor.post([ex] {
        if (ex->watched) ex->watched->abort();
      });
    }
  }

  void cancel() noexcept override {
    try {
      Exchange::wake_receive(ex_, -ECANCELED);
    } catch (...) {
      // Only a failed allocation: the receive then ends when the client closes.
    }
  }

  void shutdown_send() noexcept override { ex_->shut = true; }

 protected:
  void destroy() noexcept override { delete this; }

 private:
  // Writes after the client left, or after the server's own shutdown, fail as on a socket.
  bool refuse(Completion& c) {
    if (!ex_->left && !ex_->shut) return false;
    c.result = -EPIPE;
    return true;
  }
  // The response has ended: the client closes, which ends a connection waiting for more.
  void after_send() {
    if (ex_->done) Exchange::wake_receive(ex_, 0);
  }

  std::shared_ptr<Exchange> ex_;
};

// The client's timeout: it leaves, as a closed tab leaves a stream.
void on_timeout(void* arg) {
  auto& ex = *static_cast<std::shared_ptr<Exchange>*>(arg);
  ex->left = true;
  if (ex->watched) ex->watched->abort();
  Exchange::wake_receive(ex, 0);
}

Task<void> run_connection(detail::Worker& worker, StreamPtr stream, std::shared_ptr<Exchange> ex) {
  co_await detail::serve_connection(worker, std::move(stream));
  // fetch() keeps idle connections per thread; the next request may run on another
  // client's reactor, so they go now, while this loop can still finish closing them.
  detail::close_idle_client_connections();
  ex->finished = true;
  ex->reactor.stop();
}

// name=value of a Set-Cookie value, and whether it asks the client to drop the cookie.
struct SetCookie {
  std::string_view name, value;
  bool drop = false;
};

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<SetCookie> parse_set_cookie(std::string_view text) {
  std::string_view pair = text.substr(0, text.find(';'));
  const std::size_t eq = pair.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  SetCookie c{trim(pair.substr(0, eq)), trim(pair.substr(eq + 1))};
  if (c.name.empty()) return std::nullopt;
  for (std::size_t at = text.find(';'); at != std::string_view::npos;) {
    const std::size_t next = text.find(';', at + 1);
    const std::string_view attr = trim(text.substr(at + 1, next == std::string_view::npos ? next : next - at - 1));
    if (attr.size() > 8 && iequals(attr.substr(0, 8), "max-age=")) {
      const std::string_view v = attr.substr(8);
      c.drop = !v.empty() && (v.front() == '-' || v.find_first_not_of('0') == std::string_view::npos);
    }
    at = next;
  }
  return c;
}

}  // namespace

// ------------------------------------------------------------------------------ response

std::optional<std::string_view> TestResponse::header(std::string_view name) const noexcept {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

std::vector<std::string_view> TestResponse::header_values(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) out.emplace_back(v);
  return out;
}

json::Document TestResponse::json() const {
  if (body.capacity() >= body.size() + simdjson::SIMDJSON_PADDING) return json::Document::parse(body, body.capacity());
  padded_.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  padded_.assign(body);
  return json::Document::parse(padded_, padded_.capacity());
}

// ------------------------------------------------------------------------------ client

struct TestClient::Impl {
  Impl(const App& app, ServerOptions o)
      : options(std::move(o)),
        pool(2),
        reactor(make_reactor({.backend = Backend::epoll})),
        worker(app, options, *reactor, nullptr) {
    reactor->set_offload_pool(&pool);
    worker.start();  // no acceptor: only the Date line
  }

  ServerOptions options;            // the worker keeps a reference
  OffloadPool pool;                 // outlives the reactor, to which its jobs post
  std::unique_ptr<Reactor> reactor;
  detail::Worker worker;
  std::map<std::string, std::string, std::less<>> cookies;
};

TestClient::TestClient(const App& app, ServerOptions options) : impl_(std::make_unique<Impl>(app, std::move(options))) {}

TestClient::~TestClient() = default;

TestResponse TestClient::request(std::string_view method, std::string_view target, const TestRequest& init) {
  if (!is_token(method)) throw std::invalid_argument("TestClient: not a method: " + std::string(method));
  if (target.empty() || has_control(target) || target.find(' ') != std::string_view::npos)
    throw std::invalid_argument("TestClient: not a request target: " + std::string(target));
  if (!init.body.empty() && !init.json.empty())
    throw std::invalid_argument("TestClient: a request has a body or a json body, not both");

  bool host = false, length = false, type = false, cookie = false;
  std::string wire;
  wire.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  for (const auto& [name, value] : init.headers) {
    if (!is_token(name) || has_control(value))
      throw std::invalid_argument("TestClient: a header that cannot be sent: " + name);
    host = host || iequals(name, "host");
    length = length || iequals(name, "content-length") || iequals(name, "transfer-encoding");
    type = type || iequals(name, "content-type");
    cookie = cookie || iequals(name, "cookie");
    wire.append(name).append(": ").append(value).append("\r\n");
  }
  const std::string& body = init.json.empty() ? init.body : init.json;
  if (!host) wire += "Host: localhost\r\n";
  if (!init.json.empty() && !type) wire += "Content-Type: application/json\r\n";
  if (!length && (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH"))
    wire += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (!cookie && !impl_->cookies.empty()) {
    std::string_view separator = "Cookie: ";
    for (const auto& [name, value] : impl_->cookies) {
      wire.append(separator).append(name).append("=").append(value);
      separator = "; ";
    }
    wire += "\r\n";
  }
  wire += "\r\n";
  wire += body;

  Reactor& reactor = *impl_->reactor;
  auto ex = std::make_shared<Exchange>(reactor, std::move(wire), method == "HEAD");
  Timer timeout(&on_timeout, &ex);
  Task<void> connection = run_connection(impl_->worker, StreamPtr(new TestStream(ex)), ex);
  reactor.post([&connection] { connection.start(); });
  reactor.schedule(timeout, Clock::now() + init.timeout);
  while (!ex->finished) reactor.run();
  reactor.cancel(timeout);

  if (!ex->malformed && !ex->parser.message_complete() && !ex->left) ex->parser.finish();  // close-delimited
  if (ex->malformed) throw std::runtime_error("TestClient: malformed response: " + ex->parser.error());
  TestResponse res;
  res.status = ex->parser.status();
  res.headers = std::move(ex->parser.headers());
  res.complete = ex->parser.message_complete();
  res.body = std::move(ex->body);
  res.body.reserve(res.body.size() + simdjson::SIMDJSON_PADDING);  // json() parses it in place

  for (std::string_view value : res.header_values("set-cookie")) {
    auto c = parse_set_cookie(value);
    if (!c) continue;
    if (c->drop) {
      if (auto it = impl_->cookies.find(c->name); it != impl_->cookies.end()) impl_->cookies.erase(it);
    } else {
      impl_->cookies.insert_or_assign(std::string(c->name), std::string(c->value));
    }
  }
  return res;
}

std::optional<std::string> TestClient::cookie(std::string_view name) const {
  auto it = impl_->cookies.find(name);
  if (it == impl_->cookies.end()) return std::nullopt;
  return it->second;
}

void TestClient::set_cookie(std::string name, std::string value) {
  impl_->cookies.insert_or_assign(std::move(name), std::move(value));
}

void TestClient::clear_cookies() noexcept { impl_->cookies.clear(); }

}  // namespace ignis
