#include "support/memory_connection.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <stdexcept>

#include "connection.hpp"
#include "worker.hpp"

namespace ignis::testing {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The client: its bytes come out of receive() in the pieces chosen, then end of stream.
class MemoryStream final : public Stream {
 public:
  MemoryStream(std::string_view input, std::span<const std::size_t> pieces, std::string& output, bool& misuse)
      : input_(input), pieces_(pieces), output_(output), misuse_(misuse) {
    auto a = SocketAddress::numeric("127.0.0.1", 40000);
    peer_ = *a;
  }

  bool receive(ByteBuffer& into, Completion& c) override {
    if (at_ == input_.size()) {
      c.result = 0;
      return true;
    }
    std::size_t n = next_ < pieces_.size() ? pieces_[next_++] : 0;
    if (n == 0 || n > input_.size() - at_) n = input_.size() - at_;
    into.append(input_.substr(at_, n));
    at_ += n;
    c.result = static_cast<int>(n > INT_MAX ? INT_MAX : n);
    return true;
  }

  bool send(std::span<const iovec> buffers, Completion& c) override {
    if (send_shut_) return refuse(c);
    std::size_t total = 0;
    for (const iovec& v : buffers) {
      output_.append(static_cast<const char*>(v.iov_base), v.iov_len);
      total += v.iov_len;
    }
    c.result = static_cast<int>(total > INT_MAX ? INT_MAX : total);
    return true;
  }

  bool send_file(int fd, std::uint64_t offset, std::size_t count, Completion& c) override {
    if (send_shut_) return refuse(c);
    std::string chunk(count, '\0');
    const ssize_t n = ::pread(fd, chunk.data(), count, static_cast<off_t>(offset));
    if (n < 0 || static_cast<std::size_t>(n) != count) {
      c.result = n < 0 ? -errno : -EIO;
      return true;
    }
    output_ += chunk;
    c.result = static_cast<int>(count > INT_MAX ? INT_MAX : count);
    return true;
  }

  // The client never hangs up early (see the header).
  void watch_hangup(AbortSignal*) override {}
  // Nothing is ever pending.
  void cancel() noexcept override {}
  void shutdown_send() noexcept override { send_shut_ = true; }

 protected:
  void destroy() noexcept override { delete this; }

 private:
  // The server wrote after it said it was done: a bug worth failing on.
  bool refuse(Completion& c) {
    misuse_ = true;
    c.result = -EPIPE;
    return true;
  }

  std::string_view input_;
  std::span<const std::size_t> pieces_;
  std::size_t at_ = 0, next_ = 0;
  std::string& output_;
  bool& misuse_;
  bool send_shut_ = false;
};

}  // namespace

struct MemoryServer::Impl {
  Impl(const App& app, ServerOptions o)
      : options(std::move(o)), reactor(make_reactor({.backend = Backend::epoll})), worker(app, options, *reactor, nullptr) {}
  ServerOptions options;
  std::unique_ptr<Reactor> reactor;  // never run: nothing waits on it
  detail::Worker worker;
};

MemoryServer::MemoryServer(const App& app, ServerOptions options)
    : impl_(std::make_unique<Impl>(app, std::move(options))) {}

MemoryServer::~MemoryServer() = default;

std::string MemoryServer::serve(std::string_view input, std::span<const std::size_t> pieces) {
  std::string output;
  bool misuse = false;
  Task<void> connection =
      detail::serve_connection(impl_->worker, StreamPtr(new MemoryStream(input, pieces, output, misuse)));
  connection.start();
  if (!connection.done()) throw std::logic_error("the connection did not end inline (it waits on something)");
  if (misuse) throw std::logic_error("the server sent after shutting down its side");
  return output;
}

std::size_t MemoryServer::open_connections() const { return impl_->worker.connection_count(); }

// ------------------------------------------------------------------------------ wire

std::optional<std::string_view> WireResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequal(n, name)) return std::string_view(v);
  return std::nullopt;
}

std::size_t WireResponse::header_count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& h : headers) n += iequal(h.first, name);
  return n;
}

namespace {

bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Parses one response from the front of `wire`, advancing it; an error message or "".
std::string parse_one(std::string_view& wire, std::string_view marker, WireResponse& r) {
  const std::size_t head_end = wire.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return "a head without its end";
  std::string_view head = wire.substr(0, head_end);
  wire.remove_prefix(head_end + 4);

  std::size_t eol = head.find("\r\n");
  const std::string_view status_line = head.substr(0, eol);
  head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
  if (status_line.size() < 13 || status_line.substr(0, 9) != "HTTP/1.1 " || status_line[12] != ' ')
    return "a bad status line: " + std::string(status_line);
  for (int i = 9; i < 12; ++i)
    if (status_line[i] < '0' || status_line[i] > '9') return "a bad status code: " + std::string(status_line);
  r.status = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');
  if (r.status < 100 || r.status > 599) return "a status out of range";
  for (char c : status_line.substr(13))
    if (c == '\r' || c == '\n' || c == '\0') return "a control character in the reason";

  while (!head.empty()) {
    eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return "a header line without a name: " + std::string(line);
    const std::string_view name = line.substr(0, colon);
    for (char c : name)
      if (!is_tchar(c)) return "a header name that is not a token: " + std::string(name);
    std::string_view value = line.substr(colon + 1);
    if (value.empty() || value.front() != ' ') return "a header without a space after the colon";
    value.remove_prefix(1);
    for (char c : value)
      if (c == '\r' || c == '\n' || c == '\0') return "a control character in a header value";
    r.headers.emplace_back(std::string(name), std::string(value));
  }

  const std::size_t lengths = r.header_count("content-length");
  const std::size_t encodings = r.header_count("transfer-encoding");
  if (lengths > 1 || encodings > 1 || (lengths && encodings)) return "conflicting framing headers";
  const bool bodyless = (r.status >= 100 && r.status < 200) || r.status == 204 || r.status == 304;
  if (bodyless && (lengths || encodings)) return "framing on a bodyless status";
  if (bodyless || r.header(marker)) {
    r.framing = WireResponse::Framing::none;
    return "";
  }
  if (encodings) {
    if (*r.header("transfer-encoding") != "chunked") return "an unknown transfer coding";
    r.framing = WireResponse::Framing::chunked;
    for (;;) {
      const std::size_t line_end = wire.find("\r\n");
      if (line_end == std::string_view::npos || line_end == 0 || line_end > 16) return "a bad chunk size line";
      std::size_t size = 0;
      for (char c : wire.substr(0, line_end)) {
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return "a bad chunk size";
        size = size * 16 + static_cast<std::size_t>(d);
      }
      wire.remove_prefix(line_end + 2);
      if (size == 0) {
        if (wire.substr(0, 2) != "\r\n") return "trailers or garbage after the last chunk";
        wire.remove_prefix(2);
        return "";
      }
      if (wire.size() < size + 2 || wire.substr(size, 2) != "\r\n") return "a chunk cut short";
      r.body.append(wire.substr(0, size));
      wire.remove_prefix(size + 2);
    }
  }
  if (lengths) {
    const std::string_view text = *r.header("content-length");
    std::size_t size = 0;
    if (text.empty() || text.size() > 15) return "a bad Content-Length";
    for (char c : text) {
      if (c < '0' || c > '9') return "a bad Content-Length";
      size = size * 10 + static_cast<std::size_t>(c - '0');
    }
    if (wire.size() < size) return "a body shorter than its Content-Length";
    r.framing = WireResponse::Framing::length;
    r.body = std::string(wire.substr(0, size));
    wire.remove_prefix(size);
    return "";
  }
  r.framing = WireResponse::Framing::close;
  r.body = std::string(wire);
  wire = {};
  return "";
}

}  // namespace

WireParse parse_wire(std::string_view wire, std::string_view marker) {
  WireParse p;
  while (!wire.empty()) {
    WireResponse r;
    std::string error = parse_one(wire, marker, r);
    if (!error.empty()) {
      p.error = "response " + std::to_string(p.responses.size() + 1) + ": " + error;
      return p;
    }
    const bool last = wire.empty();
    const bool interim = r.status >= 100 && r.status < 200;
    if (interim && r.status != 100) p.error = "an interim response other than 100 Continue";
    if (!last && r.framing == WireResponse::Framing::close) p.error = "bytes after a close-delimited body";
    if (!last && !interim) {
      auto c = r.header("connection");
      if (c && iequal(*c, "close")) p.error = "bytes after a response that said Connection: close";
    }
    p.responses.push_back(std::move(r));
    if (!p.error.empty()) {
      p.error = "response " + std::to_string(p.responses.size()) + ": " + p.error;
      return p;
    }
  }
  return p;
}

}  // namespace ignis::testing
