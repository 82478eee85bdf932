#pragma once
// llhttp glue for the HTTP client: parses one response at a time. The head is copied out
// (the receive buffer is reused); body bytes, de-chunked by llhttp, are appended to a sink
// the caller drains piece by piece.

#include <llhttp.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace ignis::detail {

class ResponseParser {
 public:
  static constexpr std::size_t kMaxHeadBytes = 64 * 1024;
  static constexpr std::size_t kMaxHeaders = 100;

  ResponseParser() noexcept;
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Starts a response to a request; a HEAD request's response has no body whatever its
  // head says. Body bytes go to *body.
  void begin(bool head_request, std::string* body) noexcept;
  // Parses [data, data + size). Returns false on a malformed response (see error()).
  bool feed(const char* data, std::size_t size) noexcept;
  // The peer closed: ends a body delimited by the close. Returns false if the response
  // was cut short.
  bool finish() noexcept;

  bool head_complete() const noexcept { return head_complete_; }
  bool message_complete() const noexcept { return message_complete_; }
  bool keep_alive() const noexcept { return keep_alive_; }
  int status() const noexcept { return status_; }
  std::string& status_text() noexcept { return status_text_; }
  std::vector<std::pair<std::string, std::string>>& headers() noexcept { return headers_; }
  const std::string& error() const noexcept { return error_; }
  // Bytes followed the response in what was fed (a connection that cannot be reused).
  bool trailing_bytes() const noexcept { return trailing_bytes_; }

 private:
  static int on_status(llhttp_t* p, const char* at, std::size_t n);
  static int on_header_field(llhttp_t* p, const char* at, std::size_t n);
  static int on_header_value(llhttp_t* p, const char* at, std::size_t n);
  static int on_headers_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, std::size_t n);
  static int on_message_complete(llhttp_t* p);
  static ResponseParser& self(llhttp_t* p) noexcept { return *static_cast<ResponseParser*>(p->data); }
  static const llhttp_settings_t settings_;

  int fail(std::string why) noexcept {
    error_ = std::move(why);
    return -1;
  }
  bool grow_head(std::size_t n) noexcept {
    head_bytes_ += n;
    return head_bytes_ <= kMaxHeadBytes;
  }

  llhttp_t parser_;
  std::string* body_ = nullptr;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string status_text_;
  std::string error_;
  std::size_t head_bytes_ = 0;
  int status_ = 0;
  bool in_value_ = false;
  bool head_request_ = false;
  bool head_complete_ = false;
  bool message_complete_ = false;
  bool keep_alive_ = false;
  bool trailing_bytes_ = false;
};

}  // namespace ignis::detail
