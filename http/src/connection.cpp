#include "connection.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <exception>
#include <vector>

#include "ignis/http/error.hpp"
#include "ignis/http/log.hpp"
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
constexpr std::uint64_t kFileSlice = 8 << 20;      // a file goes out in slices, each with its own timeout

std::string_view public_message(int status) noexcept {
  switch (status) {
    case 400: return "Bad request";
    case 408: return "Request timeout";
    case 413: return "Payload too large";
    case 414: return "URI too long";
    case 417: return "Expectation failed";
    case 505: return "HTTP version not supported";
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

}  // namespace

// Starts the handler inline; only if it suspends does the connection watch for the peer
// hanging up meanwhile (a synchronous handler costs no extra system call).
struct Connection::HandlerRun {
  Task<Response> task;
  Connection& c;
  std::exception_ptr thrown;  // by a handler that is a plain function, before any Task
  bool watching = false;

  explicit HandlerRun(Connection& conn) : c(conn) {
    try {
      task = c.worker_.app().dispatch(c.rs_->request, c.rs_->context, false);
    } catch (...) {
      thrown = std::current_exception();
    }
  }

  bool await_ready() const noexcept { return thrown != nullptr; }
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
    try {
      if (thrown) std::rethrow_exception(thrown);
      return task.result();
    } catch (const ConnectionLost&) {
      c.peer_gone_ = true;
    } catch (...) {
      return c.worker_.app().error_response(std::current_exception(), c.rs_->request, c.rs_->context);
    }
    return Response{};
  }
};

// Sends what out_ holds, without a frame of its own: the send's awaiter, with the
// connection's bookkeeping around it. Resumes with false once the peer is gone.
struct Connection::Flush {
  Connection& c;
  iovec part;
  SendAwaiter op;

  explicit Flush(Connection& conn)
      : c(conn), part{c.out_.data(), c.out_.size()}, op(*c.stream_, std::span<const iovec>(&part, 1)) {}
  Flush(const Flush&) = delete;

  bool await_ready() const noexcept { return c.out_.empty(); }
  bool await_suspend(std::coroutine_handle<> h) {
    c.arm(c.worker_.options().idle_timeout);
    return op.await_suspend(h);
  }
  bool await_resume() noexcept {
    if (c.out_.empty()) return !c.peer_gone_;  // nothing to send
    c.disarm();
    c.out_.clear();
    if (op.await_resume() < 0) c.peer_gone_ = true;
    return !c.peer_gone_;
  }
};

Connection::Flush Connection::flush() { return Flush(*this); }

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

// One loop for every request of the connection. Its steps are plain functions and
// frameless awaiters; only rarer paths (a head in pieces, an unread body, a big or
// streamed body) are coroutines of their own. A request costs the handler's frame only.
Task<void> Connection::run() {
  try {
    for (;;) {
      if (parsed_ == in_.size()) {
        // Nothing buffered: send what is pending, give the buffers back, wait for a request.
        if (!co_await flush()) break;
        if (!keep_alive_ || worker_.draining()) break;
        in_.release();
        out_.release();
        start_ = parsed_ = 0;
        idle_ = true;
        arm(worker_.options().idle_timeout);
        const int n = co_await receive(*stream_, in_);
        idle_ = false;
        disarm();
        if (n <= 0) break;  // closed, reset, idle too long, or the server is stopping
      }
      const int head = parse_head();
      if (head == kHeadPartial && !co_await read_rest_of_head()) break;
      if (head > 0) {
        co_await reject(head);
        break;
      }
      build_request();

      Response res = co_await HandlerRun(*this);
      if (peer_gone_ || aborted_) break;
      int body = body_state();
      if (body == kBodyUnread) body = co_await finish_body();
      keep_alive_ = keep_alive_ && body == kBodyDone && parser_.keep_alive() && !worker_.draining();

      bool sent = true;
      if (res.producer())
        sent = co_await write_streamed(res);
      else if (!buffer_response(res))
        sent = co_await send_with_body(res.body());
      else if (!keep_alive_ || out_.size() >= kFlushThreshold)
        sent = co_await flush();
      end_request();
      if (sent && !keep_alive_) linger_ = true;
      if (!sent || !keep_alive_) break;
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
  if (streaming_) {
    // Aborting here could resume the producer and end this connection while the worker
    // walks its list: let the timer do it on its own turn.
    stop_stream_ = true;
    worker_.reactor().schedule(timer_, Clock::now());
  }
}

void Connection::abort() noexcept {
  aborted_ = true;
  keep_alive_ = false;
  stream_->cancel();
  // Last: aborting may resume the handler at once, and the connection may end with it.
  if (rs_) rs_->request.signal().abort();
}

// ------------------------------------------------------------------------------ head

// Parses what the read buffer holds of a new request's head: kHeadComplete, kHeadPartial,
// or the status to refuse it with.
int Connection::parse_head() {
  rs_ = worker_.acquire_request();
  parser_.begin_message(rs_->spans);
  head_started_ = worker_.reactor().coarse_now();
  return feed_head();
}

int Connection::feed_head() {
  parsed_ += parser_.feed(in_.data() + start_, in_.data() + parsed_, in_.size() - parsed_);
  if (parser_.error() != ParseError::none) return status_of(parser_.error());
  if (parser_.head_complete()) return kHeadComplete;
  if (parsed_ - start_ > worker_.options().max_head_bytes) return 431;
  return kHeadPartial;
}

// The head is incomplete: make room at the front and read more, within the head timeout.
Task<bool> Connection::read_rest_of_head() {
  for (;;) {
    if (!co_await flush()) co_return false;
    if (start_ > 0) {
      in_.consume(start_);
      parsed_ -= start_;
      start_ = 0;
    }
    arm_at(head_started_ + worker_.options().header_timeout);
    const int n = co_await receive(*stream_, in_);
    disarm();
    if (n <= 0) {
      if (timed_out_ && !aborted_) co_await reject(408);
      co_return false;
    }
    const int head = feed_head();
    if (head == kHeadComplete) co_return true;
    if (head > 0) {
      co_await reject(head);
      co_return false;
    }
  }
}

void Connection::build_request() {
  const char* base = in_.data() + start_;
  const std::size_t n = parser_.header_count();
  if (rs_->fields.size() < n) rs_->fields.resize(rs_->spans.size());
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
  head.app = &worker_.app();
  rs_->request.reset(head, this);
  rs_->context.params.clear();
  rs_->context.pattern = {};
  parse_buf_ = &in_;
  continue_sent_ = false;
}

// ------------------------------------------------------------------------------ body

// A body that went wrong while the handler read it: its status reaches the client.
void Connection::throw_body_error() const {
  const int status = status_of(parser_.error());
  throw HttpError(status, std::string(public_message(status)));
}

Task<std::string_view> Connection::read() {
  for (;;) {
    const std::size_t begin = parser_.body_begin(), end = parser_.body_end();
    if (begin < end) {
      parser_.move_body_region(end, end);
      co_return std::string_view(body_base() + begin, end - begin);
    }
    if (parser_.error() != ParseError::none) throw_body_error();
    if (parser_.message_complete() || !parser_.has_body()) co_return std::string_view{};
    co_await receive_body(false);
  }
}

Task<std::string_view> Connection::read_all() {
  while (!parser_.message_complete() && parser_.has_body()) {
    if (parser_.error() != ParseError::none) throw_body_error();
    co_await receive_body(true);
  }
  if (parser_.error() != ParseError::none) throw_body_error();
  const std::size_t begin = parser_.body_begin(), end = parser_.body_end();
  parser_.move_body_region(end, end);
  // Both buffers keep 64 readable bytes past their capacity, as simdjson needs.
  co_return std::string_view(body_base() + begin, end - begin);
}

Task<void> Connection::receive_body(bool whole) {
  if (parser_.expects_continue() && !continue_sent_) {
    continue_sent_ = true;
    out_.append("HTTP/1.1 100 Continue\r\n\r\n");
  }
  // Answers to pipelined requests before this one leave now, not after a body that may be
  // slow or never come.
  if (!out_.empty() && !co_await flush()) throw ConnectionLost();
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
    // A body that stopped coming is answered (and the connection closed: finish_body()
    // does not wait again); a client that left or a server that stops are not.
    if (timed_out_ && !aborted_) throw HttpError(408, std::string(public_message(408)));
    peer_gone_ = true;
    rs_->request.signal().abort();
    throw ConnectionLost();
  }
  parsed_ += parser_.feed(body_in_.data(), body_in_.data() + parsed_, body_in_.size() - parsed_);
  // Chunk framing the parser consumed lies past the gathered body: drop it, so that what a
  // request holds is bounded by its body, whatever its framing.
  if (parsed_ == body_in_.size() && parser_.body_end() < parsed_) {
    body_in_.resize(parser_.body_end());
    parsed_ = parser_.body_end();
  }
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

// After the handler: whether the request's body is behind us (kBodyDone), can never be
// (kBodyLost: the connection must close), or is still to be read (kBodyUnread).
int Connection::body_state() const noexcept {
  if (parser_.error() != ParseError::none || timed_out_) return kBodyLost;
  if (!parser_.has_body() || parser_.message_complete()) return kBodyDone;
  // A client waiting for "100 Continue" will not send the body: the framing is lost.
  if (parser_.expects_continue() && !continue_sent_) return kBodyLost;
  if (parser_.has_content_length() && parser_.content_length() - parser_.body_received() > kMaxDrain)
    return kBodyLost;
  return kBodyUnread;
}

// Reads and drops a small body the handler left unread, to keep the connection.
Task<int> Connection::finish_body() {
  std::uint64_t dropped = 0;
  try {
    for (;;) {
      std::string_view piece = co_await read();
      if (piece.empty()) co_return kBodyDone;
      dropped += piece.size();
      if (dropped > kMaxDrain) co_return kBodyLost;
    }
  } catch (...) {
  }
  co_return kBodyLost;
}

// ------------------------------------------------------------------------------ write

void Connection::append_head(int status, const ResponseHeaders& headers, std::size_t content_length,
                             bool send_length, std::string_view framing) {
  if (status == 200) {
    out_.append(worker_.ok_head());
  } else {
    append_status_line(out_, status);
    out_.append(worker_.common_headers());
  }
  headers.write_to(out_);
  if (!framing.empty()) out_.append(framing);
  // Content-Length, Connection and the empty line, gathered into one append.
  constexpr std::string_view length_name = "Content-Length: ", close = "Connection: close\r\n",
                             keep = "Connection: keep-alive\r\n";
  char tail[length_name.size() + 24 + keep.size() + 2];
  char* p = tail;
  if (send_length) {
    std::memcpy(p, length_name.data(), length_name.size());
    p = std::to_chars(p + length_name.size(), p + length_name.size() + 20, content_length).ptr;
    *p++ = '\r';
    *p++ = '\n';
  }
  if (!keep_alive_) {
    std::memcpy(p, close.data(), close.size());
    p += close.size();
  } else if (parser_.version_minor() == 0) {
    std::memcpy(p, keep.data(), keep.size());
    p += keep.size();
  }
  *p++ = '\r';
  *p++ = '\n';
  out_.append({tail, static_cast<std::size_t>(p - tail)});
}

// Puts a response with its whole body into out_, unless the body is big enough to go out
// by itself (then only the head is buffered, and this returns false).
bool Connection::buffer_response(Response& res) {
  const int status = res.status();
  const bool bodyless = status_has_no_body(status);
  const bool head_only = rs_->request.method() == Method::HEAD;
  const std::string& body = res.body();
  res.headers().remove_framing();  // framing is the server's business
  append_head(status, res.headers(), body.size(), !bodyless);

  if (bodyless || head_only || body.empty()) return true;
  if (body.size() > kInlineBodyLimit) return false;
  out_.append(body);
  return true;
}

// What out_ holds, then a big body, in one gathered write without copying the body.
Task<bool> Connection::send_with_body(std::string_view body) {
  iovec parts[2] = {{out_.data(), out_.size()}, {const_cast<char*>(body.data()), body.size()}};
  arm(worker_.options().idle_timeout);
  const int r = co_await send(*stream_, parts);
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

// ------------------------------------------------------------------------------ streamed bodies

// The StreamWriter a producer writes to: frames each piece (chunked, or raw within a known
// length or up to the end of the connection), sends it gathered with whatever waits in
// out_ (the head, the previous chunk's end), and resumes the producer once the socket took
// it all.
class Connection::BodyWriter final : public StreamWriter {
 public:
  enum class Framing { length, chunked, close };

  BodyWriter(Connection& c, Framing framing, std::uint64_t length) noexcept
      : c_(c), framing_(framing), length_(length) {}

  Task<bool> write_file(int fd, std::uint64_t offset, std::uint64_t count) override;
  Task<bool> flush() override;
  AbortSignal& signal() noexcept override { return c_.rs_->request.signal(); }
  Request& request() noexcept override { return c_.rs_->request; }
  bool closed() const noexcept override { return failed_; }

  bool head_sent() const noexcept { return head_sent_; }
  std::uint64_t written() const noexcept { return written_; }

 protected:
  Task<bool> send(std::string_view first, std::span<const std::string_view> rest) override;

 private:
  // Whether a write may go ahead: false (and closed from then on) once the client left or
  // the server stops; a write after that throws, so a producer ignoring false still stops.
  bool may_write(std::uint64_t bytes);
  Task<bool> transmit(std::span<const iovec> parts);

  Connection& c_;
  Framing framing_;
  std::uint64_t length_;
  std::uint64_t written_ = 0;
  bool head_sent_ = false;
  bool failed_ = false;
};

bool Connection::BodyWriter::may_write(std::uint64_t bytes) {
  if (failed_) throw ConnectionLost();
  if (c_.stream_busy_) throw std::logic_error("a stream write started before the previous one finished");
  if (signal().aborted() || c_.peer_gone_ || c_.aborted_) {
    failed_ = true;
    return false;
  }
  if (framing_ == Framing::length && bytes > length_ - written_)
    throw std::logic_error("a streamed body wrote more than its declared length");
  written_ += bytes;
  return true;
}

Task<bool> Connection::BodyWriter::transmit(std::span<const iovec> parts) {
  c_.arm(c_.worker_.options().idle_timeout);
  c_.stream_busy_ = true;
  const int r = co_await ignis::send(*c_.stream_, parts);
  c_.stream_busy_ = false;
  c_.disarm();
  // A long-lived stream holds no write buffer between writes (the pool gives it back fast).
  c_.out_.release();
  head_sent_ = true;
  if (r < 0) {
    c_.peer_gone_ = true;
    failed_ = true;
  }
  co_return r >= 0;
}

Task<bool> Connection::BodyWriter::send(std::string_view first, std::span<const std::string_view> rest) {
  std::uint64_t total = first.size();
  for (std::string_view p : rest) total += p.size();
  if (!may_write(total)) co_return false;
  if (total == 0) co_return true;  // an empty chunk would end a chunked body

  // [what waits in out_] [chunk size] first rest... [CRLF]
  std::array<iovec, 16> inline_parts;
  std::vector<iovec> heap_parts;
  const std::size_t max_parts = rest.size() + 4;
  iovec* parts = inline_parts.data();
  if (max_parts > inline_parts.size()) {
    heap_parts.resize(max_parts);
    parts = heap_parts.data();
  }
  std::size_t n = 0;
  auto add = [&](const char* p, std::size_t len) {
    if (len > 0) parts[n++] = {const_cast<char*>(p), len};
  };
  char size_line[20];
  if (framing_ == Framing::chunked) {
    auto r = std::to_chars(size_line, size_line + 16, total, 16);
    r.ptr[0] = '\r';
    r.ptr[1] = '\n';
    c_.out_.append({size_line, static_cast<std::size_t>(r.ptr + 2 - size_line)});
  }
  add(c_.out_.data(), c_.out_.size());
  add(first.data(), first.size());
  for (std::string_view p : rest) add(p.data(), p.size());
  if (framing_ == Framing::chunked) add("\r\n", 2);
  co_return co_await transmit({parts, n});
}

Task<bool> Connection::BodyWriter::write_file(int fd, std::uint64_t offset, std::uint64_t count) {
  if (!may_write(count)) co_return false;
  if (count == 0) co_return true;
  if (framing_ == Framing::chunked) {
    char size_line[20];
    auto r = std::to_chars(size_line, size_line + 16, count, 16);
    r.ptr[0] = '\r';
    r.ptr[1] = '\n';
    c_.out_.append({size_line, static_cast<std::size_t>(r.ptr + 2 - size_line)});
  }
  if (!c_.out_.empty()) {
    iovec head{c_.out_.data(), c_.out_.size()};
    if (!co_await transmit({&head, 1})) co_return false;
  }
  head_sent_ = true;
  while (count > 0) {
    const std::uint64_t slice = std::min(count, kFileSlice);
    c_.arm(c_.worker_.options().idle_timeout);
    c_.stream_busy_ = true;
    const int r = co_await ignis::send_file(*c_.stream_, fd, offset, static_cast<std::size_t>(slice));
    c_.stream_busy_ = false;
    c_.disarm();
    if (r < 0) {
      // Whatever failed (the peer, or a file shorter than it was), the body is cut: only
      // closing the connection can tell the client.
      c_.peer_gone_ = true;
      failed_ = true;
      co_return false;
    }
    offset += slice;
    count -= slice;
  }
  if (framing_ == Framing::chunked) c_.out_.append("\r\n");  // leaves with the next piece
  co_return true;
}

Task<bool> Connection::BodyWriter::flush() {
  // Like a write: nothing leaves once the client is gone (a head sent then would announce
  // a body that can never follow).
  if (failed_ || !may_write(0)) co_return false;
  if (c_.out_.empty()) co_return true;
  iovec part{c_.out_.data(), c_.out_.size()};
  co_return co_await transmit({&part, 1});
}

Task<bool> Connection::write_streamed(Response& res) {
  detail::BodyProducer& producer = *res.producer();
  const int status = res.status();
  const bool bodyless = status_has_no_body(status);
  const bool head_only = rs_->request.method() == Method::HEAD || bodyless;
  res.headers().remove_framing();  // framing is the server's business

  using Framing = BodyWriter::Framing;
  Framing framing = Framing::length;
  std::string_view framing_line;
  if (!producer.length && !bodyless) {
    if (parser_.version_minor() > 0) {
      framing = Framing::chunked;
      framing_line = "Transfer-Encoding: chunked\r\n";
    } else if (!head_only) {
      framing = Framing::close;  // HTTP/1.0: the end of the connection ends the body
      keep_alive_ = false;
    }
  }
  const std::size_t head_mark = out_.size();
  append_head(status, res.headers(), producer.length.value_or(0), producer.length && !bodyless, framing_line);
  if (head_only) {
    if (!keep_alive_ || out_.size() >= kFlushThreshold) co_return co_await flush();
    co_return true;
  }

  BodyWriter writer(*this, framing, producer.length.value_or(0));
  enum class Outcome { done, lost, http_error, failed } outcome = Outcome::done;
  int error_status = 500;
  std::string error_message;
  streaming_ = true;
  stream_->watch_hangup(&rs_->request.signal());
  if (worker_.draining()) rs_->request.signal().abort();  // nothing new starts while stopping
  try {
    Task<void> run = producer.produce(writer);
    co_await run;
  } catch (const ConnectionLost&) {
    outcome = Outcome::lost;
  } catch (const HttpError& e) {
    outcome = Outcome::http_error;
    error_status = e.status();
    error_message = e.what();
  } catch (const std::exception& e) {
    outcome = Outcome::failed;
    worker_.log(LogLevel::error, std::string("stream producer for ") + std::string(rs_->request.method_name()) + " " +
                                     std::string(rs_->context.pattern) + " threw: " + e.what());
  } catch (...) {
    outcome = Outcome::failed;
    worker_.log(LogLevel::error, "stream producer threw a non-exception");
  }
  streaming_ = false;
  stop_stream_ = false;
  stream_->watch_hangup(nullptr);
  if (peer_gone_ || aborted_) co_return false;

  if (outcome != Outcome::done) {
    if (writer.head_sent() || outcome == Outcome::lost) {
      keep_alive_ = false;  // the body is cut short: only closing tells the client
      co_await flush();
      co_return false;
    }
    // Nothing left yet: the head is replaced by an error response.
    out_.resize(head_mark);
    if (outcome == Outcome::failed) error_message = "Internal server error";
    Response err = error_response(error_status, error_message);
    append_head(error_status, err.headers(), err.body().size(), true);
    out_.append(err.body());
  } else if (framing == Framing::chunked) {
    out_.append("0\r\n\r\n");
  } else if (framing == Framing::length && writer.written() != *producer.length) {
    worker_.log(LogLevel::error, "a streamed body ended short of its declared length; closing");
    keep_alive_ = false;
    co_await flush();
    co_return false;
  }
  if (!keep_alive_ || out_.size() >= kFlushThreshold) co_return co_await flush();
  co_return true;
}

// ------------------------------------------------------------------------------ timeouts

void Connection::arm_at(Clock::time_point deadline) {
  deadline_ = deadline;
  timed_out_ = false;
  if (!timer_.scheduled() || deadline < timer_.deadline()) worker_.reactor().schedule(timer_, deadline);
}

void Connection::on_timer(void* self) {
  auto* c = static_cast<Connection*>(self);
  if (c->stop_stream_) {
    // A graceful stop reached a streamed body: its producer learns through the signal, and
    // the body ends properly when it returns.
    c->stop_stream_ = false;
    if (c->deadline_ != Clock::time_point::max()) c->worker_.reactor().schedule(c->timer_, c->deadline_);
    if (c->streaming_) c->rs_->request.signal().abort();  // last: it may resume the producer
    return;
  }
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
