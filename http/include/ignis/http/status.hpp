#pragma once
#include <string_view>

namespace ignis {

// The reason phrase for a status code ("Not Found"), or "Unknown".
std::string_view reason_phrase(int status) noexcept;

// Responses with these statuses carry no body (and, but for 304, no Content-Length).
constexpr bool status_has_no_body(int status) noexcept {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

}  // namespace ignis
