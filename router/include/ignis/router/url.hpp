#pragma once
// Percent-decoding shared by the router (path segments) and the query-string parser.

#include <cstddef>
#include <string>
#include <string_view>

namespace ignis::url {

// True if s holds anything decoding would change ('%', and '+' when it means a space).
inline bool needs_decoding(std::string_view s, bool plus_is_space) noexcept {
  for (char c : s)
    if (c == '%' || (plus_is_space && c == '+')) return true;
  return false;
}

// Decodes s into out (which needs s.size() bytes; decoding never lengthens) and returns
// the decoded length. A '%' not followed by two hex digits is kept as it is, as browsers do.
std::size_t decode(std::string_view s, char* out, bool plus_is_space) noexcept;

// Decoded copy of s.
std::string decode(std::string_view s, bool plus_is_space = false);

// True if the decoding of `raw` equals `decoded`, without a buffer.
bool decoded_equals(std::string_view raw, std::string_view decoded, bool plus_is_space) noexcept;

// Percent-encodes everything but unreserved characters (RFC 3986), for URL components.
std::string encode_component(std::string_view s);

}  // namespace ignis::url
