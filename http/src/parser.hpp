#pragma once
// llhttp glue: feeds a connection's bytes to llhttp and records what a request needs.
//
// The head is recorded as offsets from the request's first byte, so the buffer may grow
// or move while a head is still arriving. Body bytes are gathered into one contiguous
// region of the buffer being parsed: a Content-Length body already is one; a chunked body
// is de-chunked in place (each chunk's bytes moved down over the chunk framing), so no
// body byte is ever copied into a second buffer. Parsing pauses at the end of each
// message, which is how pipelined requests are taken one at a time.

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ignis/http/method.hpp"

namespace ignis::detail {

struct HeaderSpan {
  std::uint32_t name_offset, name_length;
  std::uint32_t value_offset, value_length;
};

// What made a request unacceptable; each has its status code.
enum class ParseError : std::uint8_t {
  none,
  bad_request,        // 400: malformed, smuggling shapes, Host missing or repeated
  uri_too_long,       // 414
  head_too_large,     // 431: too many bytes or too many fields
  body_too_large,     // 413
  expectation_failed, // 417: an Expect other than 100-continue
  bad_version         // 505: anything but HTTP/1.0 and HTTP/1.1
};
int status_of(ParseError e) noexcept;

struct ParserLimits {
  std::size_t max_head_bytes;
  std::size_t max_request_line;
  std::size_t max_headers;
  std::uint64_t max_body_bytes;
};

class RequestParser {
 public:
  explicit RequestParser(const ParserLimits& limits) noexcept;
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Starts a new message whose head fields go to `spans`, which grows (up to
  // limits.max_headers) when the head has more fields than it holds: it is the request's
  // pooled storage, so a long-lived request keeps what its head needed, not the maximum.
  void begin_message(std::vector<HeaderSpan>& spans) noexcept;

  // Parses [data, data + size). `base` is what offsets count from: the request's first
  // byte while its head arrives, the body buffer afterwards. Returns the bytes consumed,
  // which is fewer than size only when a message ended (the rest belongs to the next).
  std::size_t feed(char* base, const char* data, std::size_t size) noexcept;

  // Offsets into `base` of the body bytes gathered so far and not yet taken.
  void move_body_region(std::size_t begin, std::size_t end) noexcept {
    body_begin_ = begin;
    body_end_ = end;
  }
  std::size_t body_begin() const noexcept { return body_begin_; }
  std::size_t body_end() const noexcept { return body_end_; }

  ParseError error() const noexcept { return error_; }
  bool head_complete() const noexcept { return head_complete_; }
  bool message_complete() const noexcept { return message_complete_; }

  // The head, once complete.
  Method method() const noexcept;
  std::uint32_t method_offset() const noexcept { return method_offset_; }
  std::uint32_t method_length() const noexcept { return method_length_; }
  std::uint32_t target_offset() const noexcept { return url_offset_; }
  std::uint32_t target_length() const noexcept { return url_length_; }
  std::size_t header_count() const noexcept { return header_count_; }
  int version_minor() const noexcept { return parser_.http_minor; }
  bool has_body() const noexcept { return chunked_ || content_length_ > 0; }
  bool chunked() const noexcept { return chunked_; }
  bool has_content_length() const noexcept { return has_content_length_; }
  std::uint64_t content_length() const noexcept { return content_length_; }
  bool expects_continue() const noexcept { return expect_continue_; }
  bool keep_alive() const noexcept { return keep_alive_; }
  std::uint64_t body_received() const noexcept { return body_received_; }

 private:
  static int on_message_begin(llhttp_t* p);
  static int on_method(llhttp_t* p, const char* at, std::size_t n);
  static int on_url(llhttp_t* p, const char* at, std::size_t n);
  static int on_header_field(llhttp_t* p, const char* at, std::size_t n);
  static int on_header_value(llhttp_t* p, const char* at, std::size_t n);
  static int on_header_value_complete(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, std::size_t n);
  static int on_chunk_header(llhttp_t* p);
  static int on_chunk_extension(llhttp_t* p, const char* at, std::size_t n);
  static int on_message_complete(llhttp_t* p);
  static RequestParser& self(llhttp_t* p) noexcept { return *static_cast<RequestParser*>(p->data); }
  static const llhttp_settings_t settings_;

  static constexpr std::size_t kMaxChunkExtension = 4096;

  // Trailer fields (after a chunked body) are not kept, but bounded like a head.
  int on_trailer(std::size_t n) noexcept {
    trailer_bytes_ += n;
    return trailer_bytes_ > limits_.max_head_bytes ? fail(ParseError::head_too_large) : 0;
  }
  // Any non-zero return from a callback stops llhttp with an error; ours says which.
  int fail(ParseError e) noexcept {
    error_ = e;
    return -1;
  }
  std::uint32_t offset(const char* at) const noexcept { return static_cast<std::uint32_t>(at - base_); }
  // llhttp 8 lets a bare LF stand for the empty line that ends a head or a chunked body
  // (every other line must end in CRLF): parsers that disagree on where a message ends
  // are what request smuggling feeds on, so those are refused too.
  bool head_ends_with_crlf() const noexcept;
  void remember_tail(const char* data, std::size_t size) noexcept;
  bool chunked_end_is_crlf(const char* data, std::size_t size) const noexcept;
  // A target that is not "/...": neither absolute-form naming Host's authority nor OPTIONS "*".
  bool bad_target() const noexcept;
  bool grow_spans() noexcept;  // room for one more field; false if memory ran out
  bool head_overflows(const char* end) const noexcept { return static_cast<std::size_t>(end - base_) > limits_.max_head_bytes; }

  llhttp_t parser_;
  ParserLimits limits_;
  char* base_ = nullptr;
  std::vector<HeaderSpan>* span_store_ = nullptr;
  HeaderSpan* spans_ = nullptr;  // span_store_'s data, its size the room there is
  std::size_t header_count_ = 0;
  bool in_value_ = false;  // the last callback was a value piece: a field piece starts a new field

  std::uint32_t method_offset_ = 0, method_length_ = 0;
  std::uint32_t url_offset_ = 0, url_length_ = 0;
  std::uint32_t host_count_ = 0, transfer_encoding_count_ = 0;
  std::uint32_t host_field_ = 0;  // index of the Host field, when host_count_ is 1
  bool chunked_ = false, has_content_length_ = false, expect_continue_ = false, keep_alive_ = true;
  std::uint64_t content_length_ = 0;

  std::size_t body_begin_ = 0, body_end_ = 0;
  std::uint64_t body_received_ = 0;
  bool body_started_ = false;
  std::size_t trailer_bytes_ = 0;          // fields after a chunked body, bounded like a head
  std::size_t chunk_extension_bytes_ = 0;  // of the current chunk
  char tail_[3] = {};                      // a chunked message's last bytes fed so far
  std::uint8_t tail_size_ = 0;

  bool head_complete_ = false;
  bool message_complete_ = false;
  ParseError error_ = ParseError::none;
};

}  // namespace ignis::detail
