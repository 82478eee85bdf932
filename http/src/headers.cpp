#include "ignis/http/headers.hpp"

#include <stdexcept>
#include <utility>

#include "string_pool.hpp"

namespace ignis {
namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool is_token_char(char c) noexcept {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

void check_field(std::string_view name, std::string_view value) {
  if (name.empty()) throw std::invalid_argument("empty header name");
  for (char c : name)
    if (!is_token_char(c)) throw std::invalid_argument("invalid header name: " + std::string(name));
  for (char c : value)
    if (c == '\r' || c == '\n' || c == '\0') throw std::invalid_argument("invalid header value for " + std::string(name));
}

// The line of `text` starting at pos: its name, value and the position after its CRLF.
struct Line {
  std::string_view name, value;
  std::size_t next;
};
Line line_at(std::string_view text, std::size_t pos) noexcept {
  std::size_t end = text.find("\r\n", pos);
  if (end == std::string_view::npos) end = text.size();
  std::string_view line = text.substr(pos, end - pos);
  std::size_t colon = line.find(':');
  std::string_view name = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return {name, value, std::min(end + 2, text.size())};
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::optional<std::string_view> RequestHeaders::get(std::string_view name) const noexcept {
  for (const HeaderField& f : fields_)
    if (f.name.size() == name.size() && iequals(f.name, name)) return f.value;  // sizes first: no call
  return std::nullopt;
}

std::size_t RequestHeaders::count(std::string_view name) const noexcept {
  std::size_t n = 0;
  for (const HeaderField& f : fields_) n += iequals(f.name, name);
  return n;
}

namespace {

bool is_framing(std::string_view name) noexcept {
  switch (name.size()) {
    case 10: return iequals(name, "connection");
    case 14: return iequals(name, "content-length");
    case 17: return iequals(name, "transfer-encoding");
    default: return false;
  }
}

bool is_content_type(std::string_view name) noexcept { return name.size() == 12 && iequals(name, "content-type"); }

}  // namespace

void ResponseHeaders::set(std::string_view name, std::string_view value) {
  check_field(name, value);
  erase(name);
  append_trusted(name, value);
}

void ResponseHeaders::append(std::string_view name, std::string_view value) {
  check_field(name, value);
  if (is_content_type(name) && !type_.empty()) {
    // Keep every field in text_ once the literal is joined by another.
    std::string_view literal = std::exchange(type_, {});
    type_in_line_ = false;
    append_trusted("Content-Type", literal);
  }
  append_trusted(name, value);
}

void ResponseHeaders::append_trusted(std::string_view name, std::string_view value) {
  framing_ = framing_ || is_framing(name);
  detail::prepare_headers(*this);  // a recycled string, not an allocation, for the first field
  text_.reserve(text_.size() + name.size() + value.size() + 4);
  text_.append(name);
  text_.append(": ");
  text_.append(value);
  text_.append("\r\n");
}

std::optional<std::string_view> ResponseHeaders::get(std::string_view name) const noexcept {
  if (!type_.empty() && is_content_type(name)) return type_;
  for (std::size_t pos = 0; pos < text_.size();) {
    Line l = line_at(text_, pos);
    if (iequals(l.name, name)) return l.value;
    pos = l.next;
  }
  return std::nullopt;
}

void ResponseHeaders::erase(std::string_view name) {
  if (is_content_type(name)) {
    type_ = {};
    type_in_line_ = false;
  }
  erase_named(name);
}

void ResponseHeaders::erase_named(std::string_view name) {
  for (std::size_t pos = 0; pos < text_.size();) {
    Line l = line_at(text_, pos);
    if (iequals(l.name, name))
      text_.erase(pos, l.next - pos);
    else
      pos = l.next;
  }
}

void ResponseHeaders::remove_framing() {
  if (!framing_) return;
  erase_named("Content-Length");
  erase_named("Transfer-Encoding");
  erase_named("Connection");
  framing_ = false;
}

HeaderField ResponseHeaders::iterator::operator*() const noexcept {
  if (on_type_) return {"Content-Type", h_->type_};
  Line l = line_at(h_->text_, pos_);
  return {l.name, l.value};
}

ResponseHeaders::iterator& ResponseHeaders::iterator::operator++() noexcept {
  if (on_type_)
    on_type_ = false;
  else
    pos_ = line_at(h_->text_, pos_).next;
  return *this;
}

}  // namespace ignis
