#include "ignis/http/client.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>
#include <unordered_map>

#include "ignis/core/io.hpp"
#include "ignis/core/offload.hpp"
#include "ignis/http/headers.hpp"
#include "ignis/json/document.hpp"
#include "response_parser.hpp"
#include "worker_hooks.hpp"

namespace ignis {
namespace {

constexpr auto kMaxIdleTime = std::chrono::seconds(30);
constexpr std::size_t kMaxIdlePerHost = 16;

struct Url {
  std::string host;  // without brackets
  std::uint16_t port = 80;
  std::string target;       // "/path?query"
  std::string host_header;  // "host[:port]"
};

Url parse_url(std::string_view url) {
  auto invalid = [&](const char* why) { return FetchError(FetchError::Reason::invalid_url, std::string(why) + ": " + std::string(url)); };
  constexpr std::string_view http = "http://";
  if (url.size() >= 8 && iequals(url.substr(0, 8), "https://")) throw invalid("https is not supported");
  if (url.size() < http.size() || !iequals(url.substr(0, http.size()), http)) throw invalid("not an http:// URL");
  std::string_view rest = url.substr(http.size());
  const std::size_t path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view target = path_at == std::string_view::npos ? std::string_view("/") : rest.substr(path_at);
  target = target.substr(0, target.find('#'));
  if (target.empty() || target.front() == '?') throw invalid("missing path");
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) throw invalid("unencoded character in the URL");
  if (authority.find('@') != std::string_view::npos) throw invalid("credentials in URLs are not supported");
  Url u;
  u.host_header = std::string(authority);
  std::string_view host = authority;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) throw invalid("unclosed IPv6 address");
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') throw invalid("bad authority");
      port = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
  } else if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) throw invalid("missing host");
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_')) throw invalid("bad host");
  if (!port.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) throw invalid("bad port");
    u.port = static_cast<std::uint16_t>(value);
  }
  u.host = std::string(host);
  u.target = std::string(target);
  return u;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c))) return false;
  return true;
}

struct Connection {
  StreamPtr stream;
  ByteBuffer in;
  Clock::time_point idle_since{};
};

// Idle keep-alive connections of this thread, by "host:port".
struct Pool {
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;

  std::unique_ptr<Connection> take(const std::string& key) {
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto& list = it->second;
    const auto now = Clock::now();
    while (!list.empty()) {
      std::unique_ptr<Connection> c = std::move(list.back());
      list.pop_back();
      if (now - c->idle_since < kMaxIdleTime) return c;
    }
    return nullptr;
  }
  void give(const std::string& key, std::unique_ptr<Connection> c) {
    auto& list = idle[key];
    if (list.size() >= kMaxIdlePerHost) return;
    c->in.clear();
    c->idle_since = Clock::now();
    list.push_back(std::move(c));
  }
};
thread_local Pool pool;

// The addresses to try, in getaddrinfo's order (a name is looked up on the offload pool).
Task<std::vector<SocketAddress>> resolve(const Url& url) {
  if (auto numeric = SocketAddress::numeric(url.host, url.port)) co_return std::vector<SocketAddress>{*numeric};
  if (!Reactor::current()->offload_pool())
    throw FetchError(FetchError::Reason::resolve, "cannot resolve " + url.host + ": no offload pool on this thread");
  const std::string host = url.host;
  const std::string service = std::to_string(url.port);
  std::vector<SocketAddress> found = co_await offload([&] {
    std::vector<SocketAddress> out;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0) return out;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
      if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
      SocketAddress a;
      std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
      a.length = ai->ai_addrlen;
      out.push_back(a);
    }
    ::freeaddrinfo(res);
    return out;
  });
  if (found.empty()) throw FetchError(FetchError::Reason::resolve, "cannot resolve " + url.host);
  co_return found;
}

}  // namespace

// One request and its response: the connection, the parser, the deadline. Heap-allocated
// so that the timer and the signal's listener stay put while the response moves.
struct FetchResponse::Exchange {
  Exchange(Reactor& r, std::string key, const FetchOptions& o)
      : reactor(r), pool_key(std::move(key)), max_body(o.max_body), timer(&Exchange::on_timer, this),
        listener(&Exchange::on_abort, this) {}
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;
  ~Exchange() {
    reactor.cancel(timer);
    listener.detach();
    if (conn && parser.message_complete() && parser.keep_alive() && !parser.trailing_bytes() && !timed_out &&
        !aborted)
      pool.give(pool_key, std::move(conn));
  }

  static void on_timer(void* self) {
    auto* e = static_cast<Exchange*>(self);
    e->timed_out = true;
    if (e->conn && e->conn->stream) e->conn->stream->cancel();  // completes on a later turn
  }
  static void on_abort(void* self) {
    auto* e = static_cast<Exchange*>(self);
    e->aborted = true;
    if (e->conn && e->conn->stream) e->conn->stream->cancel();
  }

  // The error to throw: the deadline or the signal if either cut the operation short.
  FetchError failure(FetchError::Reason otherwise, const std::string& what) const {
    if (timed_out) return FetchError(FetchError::Reason::timeout, "fetch " + target + ": timed out");
    if (aborted) return FetchError(FetchError::Reason::aborted, "fetch " + target + ": aborted");
    return FetchError(otherwise, "fetch " + target + ": " + what);
  }

  // Receives once and parses what came. Throws FetchError.
  Task<void> receive_more() {
    if (timed_out || aborted) throw failure(FetchError::Reason::closed, "");
    conn->in.clear();
    const int n = co_await receive(*conn->stream, conn->in);
    if (n < 0) throw failure(FetchError::Reason::closed, std::string("connection failed: ") + std::strerror(-n));
    if (n == 0) {
      if (!parser.finish()) throw failure(FetchError::Reason::closed, parser.error());
      co_return;
    }
    if (!parser.feed(conn->in.data(), conn->in.size())) throw failure(FetchError::Reason::protocol, "malformed response: " + parser.error());
  }

  Reactor& reactor;
  std::string pool_key;
  std::string target;  // for messages: "http://host/path"
  std::size_t max_body;
  std::unique_ptr<Connection> conn;
  detail::ResponseParser parser;
  std::string pending;  // body bytes parsed and not yet handed out
  std::string piece;    // the piece handed out last
  Timer timer;
  AbortSignal::Listener listener;
  bool timed_out = false;
  bool aborted = false;
};

FetchResponse::FetchResponse(std::unique_ptr<Exchange> exchange) noexcept : exchange_(std::move(exchange)) {}
FetchResponse::FetchResponse(FetchResponse&&) noexcept = default;
FetchResponse& FetchResponse::operator=(FetchResponse&&) noexcept = default;
FetchResponse::~FetchResponse() = default;

int FetchResponse::status() const noexcept { return exchange_->parser.status(); }
std::string_view FetchResponse::status_text() const noexcept { return exchange_->parser.status_text(); }
const std::vector<std::pair<std::string, std::string>>& FetchResponse::headers() const noexcept {
  return exchange_->parser.headers();
}
std::optional<std::string_view> FetchResponse::header(std::string_view name) const noexcept {
  for (const auto& [n, v] : exchange_->parser.headers())
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

Task<std::string_view> FetchResponse::BodyReader::read() {
  Exchange& e = *response_.exchange_;
  for (;;) {
    if (!e.pending.empty()) {
      e.piece.swap(e.pending);
      e.pending.clear();
      co_return std::string_view(e.piece);
    }
    if (e.parser.message_complete()) co_return std::string_view{};
    co_await e.receive_more();
  }
}

Task<std::string> FetchResponse::text() {
  std::string out;
  BodyReader reader = body();
  for (;;) {
    std::string_view piece = co_await reader.read();
    if (piece.empty()) break;
    if (out.size() + piece.size() > exchange_->max_body)
      throw FetchError(FetchError::Reason::too_large, "fetch " + exchange_->target + ": body over max_body");
    out += piece;
  }
  co_return out;
}

Task<json::Document> FetchResponse::json() {
  json_buffer_ = co_await text();
  json_buffer_.reserve(json_buffer_.size() + simdjson::SIMDJSON_PADDING);
  co_return json::Document::parse(json_buffer_, json_buffer_.capacity());
}

Task<FetchResponse> fetch(std::string url_text, FetchOptions o) {
  Reactor* reactor = Reactor::current();
  if (!reactor) throw std::logic_error("ignis::fetch runs on a reactor thread");
  const Url url = parse_url(url_text);
  if (!is_token(o.method)) throw std::invalid_argument("fetch: invalid method " + std::string(o.method));
  std::string head;
  head.reserve(256);
  head.append(o.method).append(" ").append(url.target).append(" HTTP/1.1\r\nHost: ").append(url.host_header).append("\r\n");
  bool has_agent = false;
  for (const auto& [name, value] : o.headers) {
    if (!is_token(name) || value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
      throw std::invalid_argument("fetch: invalid header " + std::string(name));
    if (iequals(name, "host") || iequals(name, "content-length") || iequals(name, "transfer-encoding")) continue;
    has_agent = has_agent || iequals(name, "user-agent");
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_agent) head += "User-Agent: ignis\r\n";
  const bool head_request = o.method == "HEAD";
  if (!o.body.empty() || o.method == "POST" || o.method == "PUT" || o.method == "PATCH")
    head += "Content-Length: " + std::to_string(o.body.size()) + "\r\n";
  head += "\r\n";
  const bool idempotent = o.method == "GET" || o.method == "HEAD" || o.method == "PUT" || o.method == "DELETE" ||
                          o.method == "OPTIONS";

  auto ex = std::make_unique<FetchResponse::Exchange>(*reactor, url.host + ":" + std::to_string(url.port), o);
  ex->target = "http://" + url.host_header + url.target;
  reactor->schedule(ex->timer, Clock::now() + o.timeout);
  if (o.signal) o.signal->subscribe(ex->listener);  // at once if already aborted
  if (ex->aborted) throw ex->failure(FetchError::Reason::aborted, "");

  for (int attempt = 0;; ++attempt) {
    ex->conn = pool.take(ex->pool_key);
    const bool reused = ex->conn != nullptr;
    if (!reused) {
      const std::vector<SocketAddress> addresses = co_await resolve(url);
      int r = -ECONNREFUSED;
      for (const SocketAddress& address : addresses) {  // each in turn ("localhost": ::1, then 127.0.0.1)
        if (ex->timed_out || ex->aborted) break;
        ex->conn = std::make_unique<Connection>();
        r = co_await connect(address, ex->conn->stream);
        if (r == 0) break;
        ex->conn.reset();
      }
      if (r < 0 || !ex->conn)
        throw ex->failure(FetchError::Reason::connect, "cannot connect to " + url.host_header + ": " + std::strerror(-r));
    }
    // A reused connection the server has closed fails on first use: retry once, anew.
    const bool may_retry = reused && idempotent && attempt == 0;
    iovec parts[2] = {{head.data(), head.size()}, {const_cast<char*>(o.body.data()), o.body.size()}};
    const int sent = co_await send(*ex->conn->stream, std::span<const iovec>(parts, o.body.empty() ? 1 : 2));
    if (sent < 0) {
      if (may_retry && !ex->timed_out && !ex->aborted) continue;
      throw ex->failure(FetchError::Reason::closed, std::string("send failed: ") + std::strerror(-sent));
    }
    ex->parser.begin(head_request, &ex->pending);
    bool received_any = false;
    bool retry = false;
    while (!ex->parser.head_complete()) {
      ex->conn->in.clear();
      const int n = co_await receive(*ex->conn->stream, ex->conn->in);
      if (n <= 0) {
        if (may_retry && !received_any && !ex->timed_out && !ex->aborted) {
          retry = true;
          break;
        }
        if (n == 0) throw ex->failure(FetchError::Reason::closed, "the server closed the connection before answering");
        throw ex->failure(FetchError::Reason::closed, std::string("connection failed: ") + std::strerror(-n));
      }
      received_any = true;
      if (!ex->parser.feed(ex->conn->in.data(), ex->conn->in.size()))
        throw ex->failure(FetchError::Reason::protocol, "malformed response: " + ex->parser.error());
    }
    if (!retry) break;
  }
  co_return FetchResponse(std::move(ex));
}

namespace detail {
void close_idle_client_connections() noexcept { pool.idle.clear(); }
}  // namespace detail

std::string encode_uri_component(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

}  // namespace ignis
