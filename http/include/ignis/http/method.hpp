#pragma once
#include <cstdint>
#include <string_view>

namespace ignis {

// The methods a route can export. Anything else a client sends is Method::other
// (and gets 405 from a route, or 404 from an unknown path).
enum class Method : std::uint8_t { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, other };
inline constexpr std::size_t kRouteMethods = 7;

constexpr std::string_view to_string(Method m) noexcept {
  constexpr std::string_view names[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"};
  return names[static_cast<std::size_t>(m)];
}

}  // namespace ignis
