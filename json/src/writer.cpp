#include "ignis/json/writer.hpp"

#include <charconv>
#include <cmath>

namespace ignis::json {

void Writer::integer(std::int64_t v) {
  value_prefix();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
}

void Writer::unsigned_integer(std::uint64_t v) {
  value_prefix();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
}

void Writer::number(double v) {
  if (!std::isfinite(v)) return null();
  value_prefix();
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
}

void Writer::string(std::string_view s) {
  value_prefix();
  append_quoted(out_, s);
}

void Writer::key(std::string_view k) {
  value_prefix();
  append_quoted(out_, k);
  out_.push_back(':');
  after_key_ = true;
}

void Writer::open(char c) {
  value_prefix();
  if (depth_ >= kMaxDepth) throw std::length_error("json::Writer: nesting deeper than 64");
  ++depth_;
  has_items_ &= ~(1ull << (depth_ - 1));
  out_.push_back(c);
}

void Writer::close(char c) {
  if (depth_ == 0) throw std::logic_error("json::Writer: close without open");
  --depth_;
  out_.push_back(c);
}

namespace {

// Length of the valid UTF-8 sequence at s[i] (i at a byte >= 0x80), or 0 if invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t n;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

}  // namespace

void append_quoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (std::size_t n = utf8_sequence(s, i)) {
        i += n;
        continue;
      }
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        if (c < 0x20) {
          const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out.append(esc, sizeof esc);
        } else {
          out.append("\xEF\xBF\xBD");  // U+FFFD for a byte that starts no valid sequence
        }
    }
    ++i;
    run = i;
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void Value::write(Writer& w) const {
  switch (kind_) {
    case Kind::null: return w.null();
    case Kind::boolean: return w.boolean(b_);
    case Kind::integer: return w.integer(i_);
    case Kind::unsigned_integer: return w.unsigned_integer(u_);
    case Kind::number: return w.number(d_);
    case Kind::string: return w.string(s_);
    case Kind::object:
      w.begin_object();
      for (const Member& m : members_) {
        w.key(m.key);
        m.value.write(w);
      }
      return w.end_object();
    case Kind::other: return write_other_(w, other_);
  }
}

}  // namespace ignis::json
