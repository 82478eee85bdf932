#include "response_parser.hpp"

namespace ignis::detail {

const llhttp_settings_t ResponseParser::settings_ = [] {
  llhttp_settings_t s;
  llhttp_settings_init(&s);
  s.on_status = &ResponseParser::on_status;
  s.on_header_field = &ResponseParser::on_header_field;
  s.on_header_value = &ResponseParser::on_header_value;
  s.on_headers_complete = &ResponseParser::on_headers_complete;
  s.on_body = &ResponseParser::on_body;
  s.on_message_complete = &ResponseParser::on_message_complete;
  return s;
}();

ResponseParser::ResponseParser() noexcept {
  llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
  parser_.data = this;
}

void ResponseParser::begin(bool head_request, std::string* body) noexcept {
  llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
  parser_.data = this;
  body_ = body;
  headers_.clear();
  status_text_.clear();
  error_.clear();
  head_bytes_ = 0;
  status_ = 0;
  in_value_ = false;
  head_request_ = head_request;
  head_complete_ = message_complete_ = keep_alive_ = trailing_bytes_ = false;
}

bool ResponseParser::feed(const char* data, std::size_t size) noexcept {
  if (message_complete_) {
    trailing_bytes_ = trailing_bytes_ || size > 0;
    return true;
  }
  const llhttp_errno_t err = llhttp_execute(&parser_, data, size);
  if (err == HPE_OK) return true;
  if (err == HPE_PAUSED && message_complete_) {
    trailing_bytes_ = llhttp_get_error_pos(&parser_) != data + size;
    return true;
  }
  if (error_.empty()) error_ = llhttp_errno_name(err);
  return false;
}

bool ResponseParser::finish() noexcept {
  if (message_complete_) return true;
  const llhttp_errno_t err = llhttp_finish(&parser_);
  if ((err == HPE_OK || err == HPE_PAUSED) && message_complete_) return true;  // PAUSED: our own callback's
  if (error_.empty()) error_ = head_complete_ ? "the response body was cut short" : "the response head was cut short";
  return false;
}

int ResponseParser::on_status(llhttp_t* p, const char* at, std::size_t n) {
  ResponseParser& s = self(p);
  if (!s.grow_head(n)) return s.fail("response head too large");
  s.status_text_.append(at, n);
  return 0;
}

int ResponseParser::on_header_field(llhttp_t* p, const char* at, std::size_t n) {
  ResponseParser& s = self(p);
  if (!s.grow_head(n)) return s.fail("response head too large");
  if (s.headers_.empty() || s.in_value_) {
    if (s.headers_.size() == kMaxHeaders) return s.fail("too many response header fields");
    s.headers_.emplace_back();
    s.in_value_ = false;
  }
  s.headers_.back().first.append(at, n);
  return 0;
}

int ResponseParser::on_header_value(llhttp_t* p, const char* at, std::size_t n) {
  ResponseParser& s = self(p);
  if (!s.grow_head(n)) return s.fail("response head too large");
  s.in_value_ = true;
  s.headers_.back().second.append(at, n);
  return 0;
}

int ResponseParser::on_headers_complete(llhttp_t* p) {
  ResponseParser& s = self(p);
  s.status_ = p->status_code;
  s.keep_alive_ = llhttp_should_keep_alive(p) != 0;
  for (auto& [name, value] : s.headers_) {
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  }
  if (s.status_ >= 100 && s.status_ < 200) {
    // An interim response (we send no Expect, but a server may still say 100 or 103):
    // forget it and wait for the real one.
    s.headers_.clear();
    s.status_text_.clear();
    s.head_bytes_ = 0;
    return 0;
  }
  s.head_complete_ = true;
  return s.head_request_ ? 1 : 0;  // 1: no body follows
}

int ResponseParser::on_body(llhttp_t* p, const char* at, std::size_t n) {
  self(p).body_->append(at, n);
  return 0;
}

int ResponseParser::on_message_complete(llhttp_t* p) {
  ResponseParser& s = self(p);
  if (!s.head_complete_) return 0;  // the end of an interim response
  s.message_complete_ = true;
  return HPE_PAUSED;
}

}  // namespace ignis::detail
