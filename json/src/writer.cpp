#include "ignis/json/writer.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

namespace ignis::json {

namespace {

// 1 for the bytes a JSON string cannot carry as they are (controls, '"', '\\') and the
// bytes that start or continue a multi-byte UTF-8 sequence (checked, then kept).
constexpr std::array<bool, 256> kSpecial = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return t;
}();

constexpr std::size_t kShort = 32;  // strings up to this length are staged on the stack

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighs = 0x8080808080808080ull;

// Eight bytes at a time: the high bit of each byte that is special. Borrows can only
// mark bytes after a special one, so the lowest marked byte is always a true one.
inline std::uint64_t special_bytes(std::uint64_t x) noexcept {
  const std::uint64_t control = (x - kOnes * 0x20) & ~x;
  const std::uint64_t q = x ^ (kOnes * '"');
  const std::uint64_t quote = (q - kOnes) & ~q;
  const std::uint64_t b = x ^ (kOnes * '\\');
  const std::uint64_t backslash = (b - kOnes) & ~b;
  return (control | quote | backslash | x) & kHighs;
}

// The first special byte of s at or after i, or s.size(). Eight bytes at a time; the
// bytes left at the end in one word that overlaps bytes already found clean (so its lowest
// marked byte is still the first special one), or in two overlapping 4-byte halves.
inline std::size_t find_special(std::string_view s, std::size_t i) noexcept {
  const char* p = s.data();
  const std::size_t n = s.size();
  if constexpr (std::endian::native == std::endian::little) {
    auto first_in = [](std::uint64_t m) { return static_cast<std::size_t>(std::countr_zero(m)) / 8; };
    std::uint64_t x;
    if (n - i >= 8) {
      for (; i + 8 <= n; i += 8) {
        std::memcpy(&x, p + i, 8);
        if (const std::uint64_t m = special_bytes(x)) return i + first_in(m);
      }
      if (i == n) return n;
      std::memcpy(&x, p + n - 8, 8);
      const std::uint64_t m = special_bytes(x);
      return m ? n - 8 + first_in(m) : n;
    }
    if (n - i >= 4) {
      std::uint32_t lo, hi;
      std::memcpy(&lo, p + i, 4);
      std::memcpy(&hi, p + n - 4, 4);
      const std::uint64_t m = special_bytes(lo | (std::uint64_t(hi) << 32));
      if (!m) return n;
      const std::size_t k = first_in(m);
      return k < 4 ? i + k : n - 8 + k;
    }
  }
  for (; i < n; ++i)
    if (kSpecial[static_cast<unsigned char>(p[i])]) return i;
  return n;
}

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

// Appends s quoted, escaping from `first` (its first special byte) on.
void append_escaped(std::string& out, std::string_view s, std::size_t first) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::size_t n = s.size();
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes that go out as they are
  for (std::size_t i = first; i < n; i = find_special(s, i)) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (std::size_t len = utf8_sequence(s, i)) {
        i += len;
        continue;
      }
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"': out.append("\\\"", 2); break;
      case '\\': out.append("\\\\", 2); break;
      case '\n': out.append("\\n", 2); break;
      case '\r': out.append("\\r", 2); break;
      case '\t': out.append("\\t", 2); break;
      case '\b': out.append("\\b", 2); break;
      case '\f': out.append("\\f", 2); break;
      default:
        if (c < 0x20) {
          const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out.append(esc, sizeof esc);
        } else {
          out.append("\xEF\xBF\xBD", 3);  // U+FFFD for a byte that starts no valid sequence
        }
    }
    ++i;
    run = i;
  }
  out.append(s.data() + run, n - run);
  out.push_back('"');
}

}  // namespace

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
  // Whole numbers print the same as integers, which is several times cheaper than the
  // shortest round-trip search (-0 keeps its sign through the general path).
  constexpr double k2to53 = 9007199254740992.0;
  const bool whole = v == std::trunc(v) && std::fabs(v) < k2to53 && !(v == 0 && std::signbit(v));
  auto r = whole ? std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v)) : std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
}

void Writer::string(std::string_view s) {
  value_prefix();
  append_quoted(out_, s);
}

void Writer::key(std::string_view k) {
  value_prefix();
  after_key_ = true;
  const std::size_t n = k.size();
  if (n <= kShort && find_special(k, 0) == n) {
    char buf[kShort + 3];
    buf[0] = '"';
    if (n > 0) std::memcpy(buf + 1, k.data(), n);  // an empty view may hold no pointer
    buf[n + 1] = '"';
    buf[n + 2] = ':';
    out_.append(buf, n + 3);
    return;
  }
  append_quoted(out_, k);
  out_.push_back(':');
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


void append_quoted(std::string& out, std::string_view s) {
  const std::size_t n = s.size();
  const std::size_t first = find_special(s, 0);
  if (first != n) return append_escaped(out, s, first);
  if (n <= kShort) {
    // Staged on the stack: one append.
    char buf[kShort + 2];
    buf[0] = '"';
    if (n > 0) std::memcpy(buf + 1, s.data(), n);  // an empty view may hold no pointer
    buf[n + 1] = '"';
    out.append(buf, n + 2);
    return;
  }
  out.push_back('"');
  out.append(s);
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
