#include "parser.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <string_view>

#include "ignis/http/headers.hpp"

namespace ignis::detail {
namespace {

// RFC 9110 tchar: what a field name may be made of.
constexpr auto kTokenChars = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!kTokenChars[static_cast<unsigned char>(c)]) return false;
  return true;
}

// A field name already known to be a token against a lowercase literal of the same size:
// in a token, c | 0x20 equals a lowercase letter only for that letter in either case, and
// '-' only for itself.
inline bool name_is(std::string_view name, std::string_view lower) noexcept {
  for (std::size_t i = 0; i < lower.size(); ++i)
    if ((static_cast<unsigned char>(name[i]) | 0x20) != static_cast<unsigned char>(lower[i])) return false;
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

int status_of(ParseError e) noexcept {
  switch (e) {
    case ParseError::none: return 200;
    case ParseError::bad_request: return 400;
    case ParseError::uri_too_long: return 414;
    case ParseError::head_too_large: return 431;
    case ParseError::body_too_large: return 413;
    case ParseError::expectation_failed: return 417;
    case ParseError::bad_version: return 505;
  }
  return 400;
}

const llhttp_settings_t RequestParser::settings_ = [] {
  llhttp_settings_t s;
  llhttp_settings_init(&s);
  s.on_method = &RequestParser::on_method;
  s.on_url = &RequestParser::on_url;
  s.on_header_field = &RequestParser::on_header_field;
  s.on_header_value = &RequestParser::on_header_value;
  s.on_header_value_complete = &RequestParser::on_header_value_complete;
  s.on_headers_complete = &RequestParser::on_headers_complete;
  s.on_body = &RequestParser::on_body;
  s.on_chunk_header = &RequestParser::on_chunk_header;
  s.on_chunk_extension_name = &RequestParser::on_chunk_extension;
  s.on_chunk_extension_value = &RequestParser::on_chunk_extension;
  s.on_message_complete = &RequestParser::on_message_complete;
  return s;
}();

RequestParser::RequestParser(const ParserLimits& limits) noexcept : limits_(limits) {
  llhttp_init(&parser_, HTTP_REQUEST, &settings_);
  parser_.data = this;
}

void RequestParser::begin_message(std::vector<HeaderSpan>& spans) noexcept {
  llhttp_resume(&parser_);  // after the pause at the end of the previous message
  span_store_ = &spans;
  spans_ = spans.data();
  header_count_ = 0;
  in_value_ = false;
  method_offset_ = method_length_ = 0;
  url_offset_ = url_length_ = 0;
  host_count_ = transfer_encoding_count_ = host_field_ = 0;
  chunked_ = has_content_length_ = expect_continue_ = false;
  keep_alive_ = true;
  content_length_ = 0;
  body_begin_ = body_end_ = 0;
  body_received_ = 0;
  body_started_ = false;
  trailer_bytes_ = chunk_extension_bytes_ = 0;
  tail_size_ = 0;
  head_complete_ = message_complete_ = false;
  error_ = ParseError::none;
}

std::size_t RequestParser::feed(char* base, const char* data, std::size_t size) noexcept {
  if (message_complete_) return 0;  // the rest belongs to the next message (begin_message first)
  base_ = base;
  const llhttp_errno_t err = llhttp_execute(&parser_, data, size);
  if (err == HPE_OK) {
    if (chunked_) remember_tail(data, size);
    return size;
  }
  if (err == HPE_PAUSED && message_complete_) {
    const auto used = static_cast<std::size_t>(llhttp_get_error_pos(&parser_) - data);
    if (chunked_ && !chunked_end_is_crlf(data, used)) {
      message_complete_ = false;
      error_ = ParseError::bad_request;
    }
    return used;
  }
  if (error_ == ParseError::none) error_ = ParseError::bad_request;
  return size;
}

bool RequestParser::head_ends_with_crlf() const noexcept {
  // From the last byte recorded (the last field's value or name, or the target) to the end
  // of its line, then the empty line. llhttp has consumed all of it: it is in the buffer.
  const HeaderSpan* last = header_count_ ? &spans_[header_count_ - 1] : nullptr;
  const char* p = base_ + (last ? last->value_offset + last->value_length : url_offset_ + url_length_);
  while (*p != '\r' && *p != '\n') ++p;
  return p[0] == '\r' && p[1] == '\n' && p[2] == '\r' && p[3] == '\n';
}

void RequestParser::remember_tail(const char* data, std::size_t size) noexcept {
  if (size >= sizeof tail_) {
    std::memcpy(tail_, data + size - sizeof tail_, sizeof tail_);
    tail_size_ = sizeof tail_;
    return;
  }
  const std::size_t keep = std::min<std::size_t>(tail_size_, sizeof tail_ - size);
  std::memmove(tail_, tail_ + tail_size_ - keep, keep);
  std::memcpy(tail_ + keep, data, size);
  tail_size_ = static_cast<std::uint8_t>(keep + size);
}

bool RequestParser::chunked_end_is_crlf(const char* data, std::size_t size) const noexcept {
  // The message's last four bytes: the end of this piece, after what was kept of earlier ones.
  char last[4];
  const std::size_t from_data = std::min<std::size_t>(size, 4);
  const std::size_t from_tail = std::min<std::size_t>(tail_size_, 4 - from_data);
  std::memcpy(last, tail_ + tail_size_ - from_tail, from_tail);
  std::memcpy(last + from_tail, data + size - from_data, from_data);
  return from_tail + from_data == 4 && std::memcmp(last, "\r\n\r\n", 4) == 0;
}

// A target other than origin-form ("/p?q"): absolute-form naming the same host as Host
// (RFC 9112 3.2.2), or "*" for OPTIONS (3.2.4). Anything else (authority-form is CONNECT's,
// which this server does not tunnel) is refused, not routed as a path.
bool RequestParser::bad_target() const noexcept {
  const std::string_view target(base_ + url_offset_, url_length_);
  if (target == "*") return parser_.method != HTTP_OPTIONS;
  // A scheme of letters (llhttp lets no other through), then "://".
  std::size_t scheme = 0;
  while (scheme < target.size() && ((target[scheme] | 0x20) >= 'a' && (target[scheme] | 0x20) <= 'z')) ++scheme;
  if (scheme == 0 || target.substr(scheme, 3) != "://") return true;
  std::string_view authority = target.substr(scheme + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  // userinfo ("http://user@host/") has no place in a request (RFC 9110 4.2.4).
  if (authority.find('@') != std::string_view::npos) return true;
  if (host_count_ == 0) return false;  // HTTP/1.0 without Host: the target's authority stands
  const HeaderSpan& h = spans_[host_field_];
  return !iequals(authority, trim({base_ + h.value_offset, h.value_length}));
}

Method RequestParser::method() const noexcept {
  switch (parser_.method) {
    case HTTP_GET: return Method::GET;
    case HTTP_HEAD: return Method::HEAD;
    case HTTP_POST: return Method::POST;
    case HTTP_PUT: return Method::PUT;
    case HTTP_PATCH: return Method::PATCH;
    case HTTP_DELETE: return Method::DELETE;
    case HTTP_OPTIONS: return Method::OPTIONS;
    default: return Method::other;
  }
}

int RequestParser::on_method(llhttp_t* p, const char* at, std::size_t n) {
  RequestParser& s = self(p);
  if (s.method_length_ == 0) s.method_offset_ = s.offset(at);
  s.method_length_ += static_cast<std::uint32_t>(n);
  return 0;
}

int RequestParser::on_url(llhttp_t* p, const char* at, std::size_t n) {
  RequestParser& s = self(p);
  if (s.url_length_ == 0) s.url_offset_ = s.offset(at);
  s.url_length_ += static_cast<std::uint32_t>(n);
  if (s.url_length_ > s.limits_.max_request_line) return s.fail(ParseError::uri_too_long);
  if (s.head_overflows(at + n)) return s.fail(ParseError::head_too_large);
  return 0;
}

bool RequestParser::grow_spans() noexcept {
  try {
    span_store_->resize(std::min(limits_.max_headers, std::max<std::size_t>(16, 2 * header_count_)));
  } catch (const std::bad_alloc&) {
    return false;
  }
  spans_ = span_store_->data();
  return true;
}

int RequestParser::on_header_field(llhttp_t* p, const char* at, std::size_t n) {
  RequestParser& s = self(p);
  if (s.head_complete_) return s.on_trailer(n);
  if (s.head_overflows(at + n)) return s.fail(ParseError::head_too_large);
  if (s.header_count_ == 0 || s.in_value_) {
    if (s.header_count_ == s.limits_.max_headers) return s.fail(ParseError::head_too_large);
    if (s.header_count_ == s.span_store_->size() && !s.grow_spans()) return s.fail(ParseError::head_too_large);
    s.spans_[s.header_count_++] = {s.offset(at), static_cast<std::uint32_t>(n), s.offset(at + n), 0};
    s.in_value_ = false;
  } else {
    s.spans_[s.header_count_ - 1].name_length += static_cast<std::uint32_t>(n);
  }
  return 0;
}

int RequestParser::on_header_value(llhttp_t* p, const char* at, std::size_t n) {
  RequestParser& s = self(p);
  if (s.head_complete_) return s.on_trailer(n);
  if (s.head_overflows(at + n)) return s.fail(ParseError::head_too_large);
  // llhttp reports an empty value as an empty piece at the start of the next line: the
  // field keeps an empty value where its name ends.
  if (n == 0) return 0;
  HeaderSpan& h = s.spans_[s.header_count_ - 1];
  if (!s.in_value_) {
    // A value begins on its name's line, after the colon and optional whitespace: llhttp
    // also lets it begin on the next line (obs-fold after an empty value).
    const char* gap = s.base_ + h.name_offset + h.name_length;
    if (*gap == ':') ++gap;
    for (; gap < at; ++gap)
      if (*gap != ' ' && *gap != '\t') return s.fail(ParseError::bad_request);
    h.value_offset = s.offset(at);
    s.in_value_ = true;
  } else if (s.offset(at) != h.value_offset + h.value_length) {
    // A piece that does not continue the last one: a line folded onto the next
    // (obs-fold), which RFC 9112 lets a server reject, and which smuggling relies on.
    return s.fail(ParseError::bad_request);
  }
  h.value_length += static_cast<std::uint32_t>(n);
  return 0;
}

int RequestParser::on_header_value_complete(llhttp_t* p) {
  RequestParser& s = self(p);
  if (s.head_complete_) return 0;  // a trailer field: counted, not kept
  s.in_value_ = true;  // the next field callback starts a new field, even after an empty value
  const HeaderSpan& h = s.spans_[s.header_count_ - 1];
  const std::string_view name(s.base_ + h.name_offset, h.name_length);
  // llhttp lets spaces (even before the colon) and empty names through.
  if (!is_token(name)) return s.fail(ParseError::bad_request);
  auto value = [&] { return trim({s.base_ + h.value_offset, h.value_length}); };
  switch (name.size()) {
    case 4:
      if (name_is(name, "host")) {
        ++s.host_count_;
        s.host_field_ = static_cast<std::uint32_t>(s.header_count_ - 1);
      }
      break;
    case 6:
      if (name_is(name, "expect")) {
        if (!iequals(value(), "100-continue")) return s.fail(ParseError::expectation_failed);
        s.expect_continue_ = true;
      }
      break;
    case 17:
      // Only "chunked" itself: other codings (or lists ending in chunked) cannot be decoded
      // here, and ambiguity in them is what request smuggling feeds on.
      if (name_is(name, "transfer-encoding")) {
        ++s.transfer_encoding_count_;
        if (!iequals(value(), "chunked")) return s.fail(ParseError::bad_request);
      }
      break;
    default:
      break;
  }
  return 0;
}

int RequestParser::on_headers_complete(llhttp_t* p) {
  RequestParser& s = self(p);
  s.head_complete_ = true;
  if (p->http_major != 1 || p->http_minor > 1) return s.fail(ParseError::bad_version);
  if (!s.head_ends_with_crlf()) return s.fail(ParseError::bad_request);
  const bool http11 = p->http_minor == 1;
  if ((http11 && s.host_count_ != 1) || s.host_count_ > 1) return s.fail(ParseError::bad_request);
  if (s.url_length_ > 0 && s.base_[s.url_offset_] != '/' && s.bad_target())
    return s.fail(ParseError::bad_request);
  // Transfer-Encoding is HTTP/1.1's: an HTTP/1.0 message with it has faulty framing (RFC
  // 9112 6.1), and a chain of 1.0 hops that ignored it would read the body differently.
  if (s.transfer_encoding_count_ > 1 || (s.transfer_encoding_count_ && !http11)) return s.fail(ParseError::bad_request);
  s.chunked_ = (p->flags & F_CHUNKED) != 0;
  s.has_content_length_ = (p->flags & F_CONTENT_LENGTH) != 0;
  s.content_length_ = s.has_content_length_ ? p->content_length : 0;
  if (s.has_content_length_ && s.content_length_ > s.limits_.max_body_bytes) return s.fail(ParseError::body_too_large);
  // llhttp_should_keep_alive() for a request (which never needs EOF to end): HTTP/1.1
  // unless "Connection: close", HTTP/1.0 only with "Connection: keep-alive".
  s.keep_alive_ = http11 ? !(p->flags & F_CONNECTION_CLOSE) : (p->flags & F_CONNECTION_KEEP_ALIVE) != 0;
  p->upgrade = 0;  // no protocol upgrades here: such a request is answered as a plain one
  return 0;
}

int RequestParser::on_body(llhttp_t* p, const char* at, std::size_t n) {
  RequestParser& s = self(p);
  if (!s.body_started_) {
    s.body_started_ = true;
    s.body_begin_ = s.body_end_ = s.offset(at);
  }
  s.body_received_ += n;
  if (s.body_received_ > s.limits_.max_body_bytes) return s.fail(ParseError::body_too_large);
  char* dst = s.base_ + s.body_end_;
  if (dst != at) std::memmove(dst, at, n);
  s.body_end_ += n;
  return 0;
}

int RequestParser::on_chunk_header(llhttp_t* p) {
  self(p).chunk_extension_bytes_ = 0;
  return 0;
}

// Chunk extensions carry nothing we use; they only need a bound.
int RequestParser::on_chunk_extension(llhttp_t* p, const char*, std::size_t n) {
  RequestParser& s = self(p);
  s.chunk_extension_bytes_ += n;
  return s.chunk_extension_bytes_ > kMaxChunkExtension ? s.fail(ParseError::bad_request) : 0;
}

int RequestParser::on_message_complete(llhttp_t* p) {
  self(p).message_complete_ = true;
  return HPE_PAUSED;
}

}  // namespace ignis::detail
