#include "ignis/router/url.hpp"

namespace ignis::url {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes the character at s[i], advancing i past it.
char next_decoded(std::string_view s, std::size_t& i, bool plus_is_space) noexcept {
  char c = s[i];
  if (c == '%' && i + 2 < s.size()) {
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi >= 0 && lo >= 0) {
      i += 3;
      return static_cast<char>(hi * 16 + lo);
    }
  }
  ++i;
  return plus_is_space && c == '+' ? ' ' : c;
}

}  // namespace

std::size_t decode(std::string_view s, char* out, bool plus_is_space) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) out[n++] = next_decoded(s, i, plus_is_space);
  return n;
}

std::string decode(std::string_view s, bool plus_is_space) {
  std::string out(s.size(), '\0');
  out.resize(decode(s, out.data(), plus_is_space));
  return out;
}

bool decoded_equals(std::string_view raw, std::string_view decoded, bool plus_is_space) noexcept {
  std::size_t i = 0, j = 0;
  while (i < raw.size()) {
    if (j == decoded.size() || next_decoded(raw, i, plus_is_space) != decoded[j]) return false;
    ++j;
  }
  return j == decoded.size();
}

std::string encode_component(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace ignis::url
