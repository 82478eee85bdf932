#include "multipart_parser.hpp"

#include <cstring>

#include "ignis/http/headers.hpp"
#include "ignis/router/url.hpp"

namespace ignis::detail {
namespace {

bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool is_tchar(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7F) return false;
  return std::strchr("\"(),/:;<=>?@[\\]{}", c) == nullptr;
}

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

// Calls fn(name, value) for each `; name=value` of a header's parameters, the value
// unquoted (quoted-pair escapes resolved). False when the syntax is broken.
template <class Fn>
bool for_each_param(std::string_view s, Fn&& fn) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  auto skip_ows = [&] {
    while (i < n && is_ows(s[i])) ++i;
  };
  std::string value;
  for (;;) {
    skip_ows();
    if (i == n) return true;
    if (s[i] != ';') return false;
    ++i;
    skip_ows();
    if (i == n) return true;
    if (s[i] == ';') continue;
    const std::size_t name_start = i;
    while (i < n && is_tchar(s[i])) ++i;
    const std::string_view name = s.substr(name_start, i - name_start);
    skip_ows();
    if (name.empty() || i == n || s[i] != '=') return false;
    ++i;
    skip_ows();
    value.clear();
    if (i < n && s[i] == '"') {
      ++i;
      for (;;) {
        if (i == n) return false;  // unterminated
        char c = s[i++];
        if (c == '"') break;
        if (c == '\\') {
          if (i == n) return false;
          c = s[i++];
        }
        if (c == '\r' || c == '\n' || c == '\0') return false;
        value += c;
      }
    } else {
      const std::size_t start = i;
      while (i < n && s[i] != ';' && !is_ows(s[i])) ++i;
      value.assign(s.substr(start, i - start));
      if (value.empty()) return false;
    }
    fn(name, value);
  }
}

// RFC 2046 bchars, except that a boundary may not end with a space.
bool valid_boundary(std::string_view b) noexcept {
  if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
  for (char c : b) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::strchr("'()+_,-./:=? ", c) != nullptr;
    if (!ok || c == '\0') return false;
  }
  return true;
}

}  // namespace

MultipartType classify_content_type(std::string_view content_type) noexcept {
  const std::string_view media = trim(content_type.substr(0, content_type.find(';')));
  if (iequals(media, "multipart/form-data")) return MultipartType::form_data;
  if (iequals(media, "application/x-www-form-urlencoded")) return MultipartType::urlencoded;
  return MultipartType::other;
}

bool form_data_boundary(std::string_view content_type, std::string& boundary) {
  const std::size_t semi = content_type.find(';');
  if (semi == std::string_view::npos) return false;
  bool found = false;
  const bool ok = for_each_param(content_type.substr(semi), [&](std::string_view name, const std::string& value) {
    if (!found && iequals(name, "boundary")) {
      boundary = value;
      found = true;
    }
  });
  return ok && found && valid_boundary(boundary);
}

MultipartParser::MultipartParser(std::string_view boundary, std::size_t max_head_bytes)
    : delimiter_("\r\n--"), max_head_bytes_(max_head_bytes) {
  delimiter_.append(boundary);
}

MultipartParser::Event MultipartParser::fail(Error e) noexcept {
  state_ = State::failed;
  error_ = e;
  return Event::error;
}

MultipartParser::Event MultipartParser::next() {
  switch (state_) {
    case State::preamble: return scan(false);
    case State::after_delimiter: return after_delimiter();
    case State::head: return head();
    case State::body: return scan(true);
    case State::epilogue: return Event::done;
    case State::failed: return Event::error;
  }
  return Event::error;
}

// Looks for the delimiter; in the body, what comes before it is content.
MultipartParser::Event MultipartParser::scan(bool body) {
  const std::string_view d = delimiter_;
  for (;;) {
    if (matched_ > 0) {
      while (matched_ < d.size() && pos_ < in_.size() && in_[pos_] == d[matched_]) {
        ++matched_;
        ++pos_;
      }
      if (matched_ == d.size()) {
        matched_ = 0;
        tail_ = 0;
        state_ = State::after_delimiter;
        return body ? Event::part_end : after_delimiter();
      }
      if (pos_ == in_.size()) return finished_ ? fail(Error::unexpected_end) : Event::need_more;
      // A false alarm: the bytes matched so far were content. They equal the delimiter's
      // start, and no later byte of them can start it ('\r' is only its first byte).
      const std::size_t k = matched_;
      matched_ = 0;
      if (body) {
        data_ = d.substr(0, k);
        return Event::data;
      }
      continue;
    }
    if (pos_ == in_.size()) return finished_ ? fail(Error::unexpected_end) : Event::need_more;
    const char* base = in_.data() + pos_;
    const std::size_t avail = in_.size() - pos_;
    std::size_t candidate = avail;  // where the delimiter (or, at the end, its start) begins
    for (std::size_t i = 0; i < avail;) {
      const void* cr = std::memchr(base + i, '\r', avail - i);
      if (!cr) break;
      const std::size_t j = static_cast<std::size_t>(static_cast<const char*>(cr) - base);
      const std::size_t m = std::min(avail - j, d.size());
      if (std::memcmp(base + j, d.data(), m) == 0) {
        candidate = j;
        break;
      }
      i = j + 1;
    }
    if (candidate > 0) {
      pos_ += candidate;
      if (body) {
        data_ = std::string_view(base, candidate);
        return Event::data;
      }
      continue;
    }
    // The delimiter starts here: let the matching above take it.
    matched_ = 1;
    ++pos_;
  }
}

MultipartParser::Event MultipartParser::after_delimiter() {
  for (; pos_ < in_.size(); ++pos_) {
    const char c = in_[pos_];
    switch (tail_) {
      case 0:  // right after the boundary: "--" closes, else optional padding and CRLF
        if (c == '-') {
          tail_ = 1;
        } else if (is_ows(c)) {
          tail_ = 2;
        } else if (c == '\r') {
          tail_ = 3;
        } else {
          return fail(Error::malformed);
        }
        break;
      case 1:
        if (c != '-') return fail(Error::malformed);
        ++pos_;
        state_ = State::epilogue;
        return Event::done;
      case 2:
        if (c == '\r') {
          tail_ = 3;
        } else if (!is_ows(c)) {
          return fail(Error::malformed);
        }
        break;
      case 3:
        if (c != '\n') return fail(Error::malformed);
        ++pos_;
        state_ = State::head;
        head_.clear();
        return head();
    }
  }
  return finished_ ? fail(Error::unexpected_end) : Event::need_more;
}

MultipartParser::Event MultipartParser::head() {
  while (pos_ < in_.size()) {
    const char* start = in_.data() + pos_;
    const void* nl = std::memchr(start, '\n', in_.size() - pos_);
    const std::size_t n = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - start) + 1 : in_.size() - pos_;
    if (head_.size() + n > max_head_bytes_) return fail(Error::head_too_large);
    head_.append(start, n);
    pos_ += n;
    if (!nl) break;
    if (head_.size() < 2 || head_[head_.size() - 2] != '\r') return fail(Error::malformed);  // a bare LF
    const bool empty_line = head_.size() == 2 || (head_.size() >= 4 && head_.compare(head_.size() - 4, 4, "\r\n\r\n") == 0);
    if (!empty_line) continue;
    head_.resize(head_.size() - 2);
    if (!parse_head()) return fail(Error::malformed);
    state_ = State::body;
    matched_ = 0;
    return Event::part_begin;
  }
  return finished_ ? fail(Error::unexpected_end) : Event::need_more;
}

// The part's header lines (each ending in CRLF): Content-Disposition: form-data with a
// name is required; Content-Type is kept; others are ignored.
bool MultipartParser::parse_head() {
  name_.clear();
  filename_.clear();
  content_type_.clear();
  has_filename_ = false;
  bool has_name = false, has_disposition = false;
  std::string extended;  // filename*, which wins over filename when it is UTF-8
  bool has_extended = false;
  std::string_view rest = head_;
  while (!rest.empty()) {
    const std::size_t end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    if (line.empty() || is_ows(line.front())) return false;  // obs-fold
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return false;
    const std::string_view field = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(field, "content-type")) {
      content_type_.assign(value);
    } else if (iequals(field, "content-disposition")) {
      if (has_disposition) return false;
      has_disposition = true;
      const std::size_t semi = value.find(';');
      if (!iequals(trim(value.substr(0, semi)), "form-data") || semi == std::string_view::npos) return false;
      const bool ok = for_each_param(value.substr(semi), [&](std::string_view param, const std::string& v) {
        if (iequals(param, "name") && !has_name) {
          name_ = v;
          has_name = true;
        } else if (iequals(param, "filename") && !has_filename_) {
          filename_ = v;
          has_filename_ = true;
        } else if (iequals(param, "filename*") && !has_extended) {
          // RFC 5987: charset'language'percent-encoded
          const std::size_t q1 = v.find('\''), q2 = q1 == std::string::npos ? q1 : v.find('\'', q1 + 1);
          if (q2 != std::string::npos && iequals(std::string_view(v).substr(0, q1), "utf-8")) {
            extended = url::decode(std::string_view(v).substr(q2 + 1), false);
            has_extended = true;
          }
        }
      });
      if (!ok) return false;
    }
  }
  if (!has_name) return false;
  if (has_extended) {
    filename_ = std::move(extended);
    has_filename_ = true;
  }
  return true;
}

}  // namespace ignis::detail
