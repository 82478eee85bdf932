#include "connection.hpp"

#include <charconv>
#include <cstring>

#include "ignis/http/error.hpp"
#include "ignis/http/status.hpp"

namespace ignis::detail {
namespace {

constexpr std::size_t kInlineBodyLimit = 16 * 1024;  // smaller bodies are copied after the head
constexpr std::size_t kFlushThreshold = 64 * 1024;   // buffered pipelined responses leave past this
constexpr std::uint64_t kMaxDrain = 256 * 1024;      // an unread body up to this is read and dropped
constexpr std::size_t kBodyBufferSize = 64 * 1024;   // for bodies read piece by piece
constexpr std::size_t kReceiveSlack = 4096;          // free space a receive wants besides the body
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr auto kLingerTimeWhenStopping = std::chrono::milliseconds(200);
constexpr std::size_t kLingerBytes = 1 << 20;

std::string_view public_message(int status) noexcept {
  switch (status) {
    case 400: return "Bad request";
    case 408: return "Request timeout";
    case 413: return "Payload too large";
    case 414: return "URI too long";
    case 417: return "Expectation failed";
    case 431: return "Request header fields too large";
    default: return status >= 500 ? "Internal server error" : reason_phrase(status);
  }
}

Response error_response(int status, std::string_view message) {
  return Response::json({{"error", message}}, {.status = status});
}

void append_status_line(ByteBuffer& out, int status) {
  switch (status) {
    case 200: return out.append("HTTP/1.1 200 OK\r\n");
    case 201: return out.append("HTTP/1.1 201 Created\r\n");
    case 204: return out.append("HTTP/1.1 204 No Content\r\n");
    case 404: return out.append("HTTP/1.1 404 Not Found\r\n");
    default: break;
  }
  char code[4] = {char('0' + status / 100 % 10), char('0' + status / 10 % 10), char('0' + status % 10), ' '};
  out.append("HTTP/1.1 ");
  out.append({code, 4});
  out.append(reason_phrase(status));
  out.append("\r\n");
}

// Framing is the server's business: a handler's Content-Length, Transfer-Encoding or
// Connection would contradict what the server sends, so they are dropped. This runs for
// every response, so each line costs a few byte compares and one memchr: a framing name
// is recognised by its colon at a fixed offset before its letters are compared.
void drop_framing_headers(ResponseHeaders& h) {
  const std::string_view text = h.wire();
  const std::size_t size = text.size();
  auto named = [&](std::size_t pos, std::string_view name) {
    return pos + name.size() < size && text[pos + name.size()] == ':' && iequals(text.substr(pos, name.size()), name);
  };
  for (std::size_t pos = 0; pos < size;) {
    if (named(pos, "connection") || named(pos, "content-length") || named(pos, "transfer-encoding")) {
      h.erase("Content-Length");
      h.erase("Transfer-Encoding");
      h.erase("Connection");
      return;
    }
    const void* eol = std::memchr(text.data() + pos, '\n', size - pos);
    if (!eol) return;
    pos = static_cast<std::size_t>(static_cast<const char*>(eol) - text.data()) + 1;
  }
}

}  // namespace

// Starts the handler inline; only if it suspends does the connection watch for the peer
// hanging up meanwhile (a synchronous handler costs no extra system call).
struct Connection::HandlerRun {
  Task<Response> task;
  Connection& c;
  bool watching = false;

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) {
    task.start();
    if (task.done()) return false;
    task.handle().promise().continuation = h;
    c.stream_->watch_hangup(&c.rs_->request.signal());
    watching = true;
    return true;
  }
  Response await_resume() {
    if (watching) c.stream_->watch_hangup(nullptr);
    return task.result();
  }
};

Connection::Connection(Worker& worker, StreamPtr stream)
    : worker_(worker),
      stream_(std::move(stream)),
      parser_(worker.limits()),
      client_address_(stream_->peer().host()),
      timer_(&Connection::on_timer, this) {
  worker_.add(*this);
}

Connection::~Connection() {
  worker_.reactor().cancel(timer_);
  if (rs_) worker_.release_request(rs_);
  worker_.remove(*this);
}

Task<void> serve_connection(Worker& worker, StreamPtr stream) {
  Connection c(worker, std::move(stream));
  co_await c.run();
}

Task<void> Connection::run() {
  try {
    while (co_await serve_one()) {
    }
    if (linger_ && !peer_gone_ && !aborted_) co_await linger();
  } catch (const std::exception& e) {
    worker_.log(LogLevel::error, std::string("connection: ") + e.what());
  } catch (...) {
    worker_.log(LogLevel::error, "connection: unknown exception");
  }
}

void Connection::close_if_idle() noexcept {
  keep_alive_ = false;
  if (idle_) stream_->cancel();
}

void Connection::abort() noexcept {
  aborted_ = true;
  keep_alive_ = false;
  stream_->cancel();
  // Last: aborting may resume the handler at once, and the connection may end with it.
  if (rs_) rs_->request.signal().abort();
}

Task<bool> Connection::serve_one() {
  if (!co_await read_head()) co_return false;
  Response res = co_await respond();
  if (peer_gone_ || aborted_) co_return false;
  const bool body_done = co_await finish_body();
  keep_alive_ = keep_alive_ && body_done && parser_.keep_alive() && !worker_.draining();
  const bool sent = co_await write_response(res);
  end_request();
  if (sent && !keep_alive_) linger_ = true;
  co_return sent && keep_alive_;
}

// ------------------------------------------------------------------------------ head

Task<bool> Connection::read_head() {
  const ServerOptions& o = worker_.options();
  if (parsed_ == in_.size()) {
    // Nothing buffered: send what is pending, give the buffers back, wait for a request.
    if (!co_await flush()) co_return false;
    if (!keep_alive_ || worker_.draining()) co_return false;
    in_.release();
    out_.release();
    start_ = parsed_ = 0;
    idle_ = true;
    arm(o.idle_timeout);
    const int n = co_await receive(*stream_, in_);
    idle_ = false;
    disarm();
    if (n <= 0) co_return false;  // closed, reset, idle too long, or the server is stopping
  }

  rs_ = worker_.acquire_request();
  parser_.begin_message(rs_->spans.data());
  head_started_ = worker_.reactor().coarse_now();
  for (;;) {
    parsed_ += parser_.feed(in_.data() + start_, in_.data() + parsed_, in_.size() - parsed_);
    if (parser_.error() != ParseError::none) {
      co_await reject(status_of(parser_.error()));
      co_return false;
    }
    if (parser_.head_complete()) break;
    if (parsed_ - start_ > o.max_head_bytes) {
      co_await reject(431);
      co_return false;
    }
    // The head is incomplete: make room at the front and read more, within the head timeout.
    if (!co_await flush()) co_return false;
    if (start_ > 0) {
      in_.consume(start_);
      parsed_ -= start_;
      start_ = 0;
    }
    arm_at(head_started_ + o.header_timeout);
    const int n = co_await receive(*stream_, in_);
    disarm();
    if (n <= 0) {
      if (timed_out_ && !aborted_) co_await reject(408);
      co_return false;
    }
  }
  build_request();
  co_return true;
}

void Connection::build_request() {
  const char* base = in_.data() + start_;
  const std::size_t n = parser_.header_count();
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const HeaderSpan& s = rs_->spans[i];
    rs_->fields[i] = {{base + s.name_offset, s.name_length}, trim({base + s.value_offset, s.value_length})};
  }
  Request::Head head;
  head.method = parser_.method();
  head.method_name = {base + parser_.method_offset(), parser_.method_length()};
  head.target = {base + parser_.target_offset(), parser_.target_length()};
  head.version_minor = parser_.version_minor();
  head.headers = {rs_->fields.data(), n};
  if (parser_.has_content_length()) head.content_length = parser_.content_length();
  head.client_address = client_address_;
  rs_->request.reset(head, this);
  rs_->context.params.clear();
  rs_->context.pattern = {};
  parse_buf_ = &in_;
  continue_sent_ = false;
}

// ------------------------------------------------------------------------------ respond

Task<Response> Connection::respond() {
  try {
    // A named awaiter: g++ 12 destroys a temporary Task twice inside `co_await Aggregate{f()}`.
    HandlerRun run{worker_.app().handle(rs_->request, rs_->context), *this};
    co_return co_await run;
  } catch (const ConnectionLost&) {
    peer_gone_ = true;
  }
  co_return Response{};
}

// ------------------------------------------------------------------------------ body

Task<std::string_view> Connection::read() {
  for (;;) {
    const std::size_t begin = parser_.body_begin(), end = parser_.body_end();
    if (begin < end) {
      parser_.move_body_region(end, end);
      co_return std::string_view(body_base() + begin, end - begin);
    }
    if (parser_.error() == ParseError::body_too_large) throw HttpError(413, "Payload too large");
    if (parser_.error() != ParseError::none) throw HttpError(400, "Bad request");
    if (parser_.message_complete() || !parser_.has_body()) co_return std::string_view{};
    co_await receive_body(false);
  }
}

Task<std::string_view> Connection::read_all() {
  while (!parser_.message_complete() && parser_.has_body()) {
    if (parser_.error() == ParseError::body_too_large) throw HttpError(413, "Payload too large");
    if (parser_.error() != ParseError::none) throw HttpError(400, "Bad request");
    co_await receive_body(true);
  }
  if (parser_.error() == ParseError::body_too_large) throw HttpError(413, "Payload too large");
  const std::size_t begin = parser_.body_begin(), end = parser_.body_end();
  parser_.move_body_region(end, end);
  // Both buffers keep 64 readable bytes past their capacity, as simdjson needs.
  co_return std::string_view(body_base() + begin, end - begin);
}

Task<void> Connection::receive_body(bool whole) {
  if (parser_.expects_continue() && !continue_sent_) {
    continue_sent_ = true;
    out_.append("HTTP/1.1 100 Continue\r\n\r\n");
    if (!co_await flush()) throw ConnectionLost();
  }
  if (parse_buf_ == &in_) {
    switch_to_body_buffer(whole);
  } else if (!whole && parser_.body_begin() == parser_.body_end() && parsed_ == body_in_.size()) {
    // Everything read so far was handed out: reuse the space.
    body_in_.clear();
    parsed_ = 0;
    parser_.move_body_region(0, 0);
  }
  arm(worker_.options().idle_timeout);
  const int n = co_await receive(*stream_, body_in_);
  disarm();
  if (n <= 0) {
    peer_gone_ = true;
    rs_->request.signal().abort();
    throw ConnectionLost();
  }
  parsed_ += parser_.feed(body_in_.data(), body_in_.data() + parsed_, body_in_.size() - parsed_);
}

// The head stays where the request's views point; the body continues in its own buffer,
// sized for the whole body when the handler wants it in one piece.
void Connection::switch_to_body_buffer(bool whole) {
  const char* base = in_.data() + start_;
  const std::size_t begin = parser_.body_begin(), end = parser_.body_end();
  std::size_t want = kBodyBufferSize;
  if (whole && parser_.has_content_length())
    want = static_cast<std::size_t>(parser_.content_length() - parser_.body_received()) + (end - begin);
  body_in_.clear();
  body_in_.prepare(want + kReceiveSlack);
  body_in_.append({base + begin, end - begin});
  parser_.move_body_region(0, end - begin);
  parse_buf_ = &body_in_;
  parsed_ = body_in_.size();
}

Task<bool> Connection::finish_body() {
  if (parser_.error() != ParseError::none) co_return false;
  if (!parser_.has_body() || parser_.message_complete()) co_return true;
  // A client waiting for "100 Continue" will not send the body: the framing is lost.
  if (parser_.expects_continue() && !continue_sent_) co_return false;
  if (parser_.has_content_length() && parser_.content_length() - parser_.body_received() > kMaxDrain) co_return false;
  std::uint64_t dropped = 0;
  try {
    for (;;) {
      std::string_view piece = co_await read();
      if (piece.empty()) co_return true;
      dropped += piece.size();
      if (dropped > kMaxDrain) co_return false;
    }
  } catch (...) {
  }
  co_return false;
}

// ------------------------------------------------------------------------------ write

void Connection::append_head(int status, const ResponseHeaders& headers, std::size_t content_length,
                             bool send_length) {
  append_status_line(out_, status);
  out_.append(worker_.common_headers());
  out_.append(headers.wire());
  if (send_length) {
    char digits[24];
    auto r = std::to_chars(digits, digits + sizeof digits, content_length);
    out_.append("Content-Length: ");
    out_.append({digits, static_cast<std::size_t>(r.ptr - digits)});
    out_.append("\r\n");
  }
  if (!keep_alive_)
    out_.append("Connection: close\r\n");
  else if (parser_.version_minor() == 0)
    out_.append("Connection: keep-alive\r\n");
  out_.append("\r\n");
}

Task<bool> Connection::write_response(Response& res) {
  const int status = res.status();
  const bool bodyless = status_has_no_body(status);
  const bool head_only = rs_->request.method() == Method::HEAD;
  const std::string& body = res.body();
  drop_framing_headers(res.headers());
  append_head(status, res.headers(), body.size(), !bodyless);

  if (!bodyless && !head_only && !body.empty()) {
    if (body.size() <= kInlineBodyLimit) {
      out_.append(body);
    } else {
      // Head and body in one gathered write, without copying the body.
      iovec parts[2] = {{out_.data(), out_.size()}, {const_cast<char*>(body.data()), body.size()}};
      arm(worker_.options().idle_timeout);
      const int r = co_await send(*stream_, parts);
      disarm();
      out_.clear();
      if (r < 0) peer_gone_ = true;
      co_return r >= 0;
    }
  }
  if (!keep_alive_ || out_.size() >= kFlushThreshold) co_return co_await flush();
  co_return true;
}

Task<bool> Connection::flush() {
  if (out_.empty()) co_return !peer_gone_;
  iovec part{out_.data(), out_.size()};
  arm(worker_.options().idle_timeout);
  const int r = co_await send(*stream_, std::span<const iovec>(&part, 1));
  disarm();
  out_.clear();
  if (r < 0) peer_gone_ = true;
  co_return r >= 0;
}

void Connection::end_request() noexcept {
  worker_.release_request(std::exchange(rs_, nullptr));
  if (parse_buf_ == &body_in_) {
    // Bytes after the body (a pipelined request) become the read buffer.
    in_ = std::move(body_in_);
    parse_buf_ = &in_;
  }
  start_ = parsed_;
  if (start_ == in_.size()) {
    in_.clear();
    start_ = parsed_ = 0;
  }
}

Task<void> Connection::reject(int status) {
  keep_alive_ = false;
  linger_ = true;
  Response res = error_response(status, public_message(status));
  append_head(status, res.headers(), res.body().size(), true);
  out_.append(res.body());
  co_await flush();
}

// Closing while the peer still sends would make the kernel answer with a reset, which can
// destroy the response in flight: send FIN, then read and drop for a moment.
Task<void> Connection::linger() {
  stream_->shutdown_send();
  arm(worker_.draining() ? Clock::duration(kLingerTimeWhenStopping) : Clock::duration(kLingerTime));
  std::size_t total = 0;
  while (total < kLingerBytes) {
    in_.clear();
    const int n = co_await receive(*stream_, in_);
    if (n <= 0) break;
    total += static_cast<std::size_t>(n);
  }
  disarm();
}

// ------------------------------------------------------------------------------ timeouts

void Connection::arm_at(Clock::time_point deadline) {
  deadline_ = deadline;
  timed_out_ = false;
  if (!timer_.scheduled() || deadline < timer_.deadline()) worker_.reactor().schedule(timer_, deadline);
}

void Connection::on_timer(void* self) {
  auto* c = static_cast<Connection*>(self);
  if (c->deadline_ == Clock::time_point::max()) return;  // disarmed: stay unscheduled
  if (Clock::now() < c->deadline_) {
    c->worker_.reactor().schedule(c->timer_, c->deadline_);
    return;
  }
  c->timed_out_ = true;
  c->deadline_ = Clock::time_point::max();
  c->stream_->cancel();
}

}  // namespace ignis::detail
