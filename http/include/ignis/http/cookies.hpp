#pragma once
// Cookies: reading the request's Cookie header, and building Set-Cookie. Signed cookies
// (get_signed / set_signed) take a Signer from ignis/http/session.hpp.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ignis/http/headers.hpp"

namespace ignis {

class Signer;

enum class SameSite { unset, lax, strict, none };

struct CookieOptions {
  std::string_view path = "/";
  std::string_view domain = {};
  std::optional<std::int64_t> max_age = {};  // seconds
  std::optional<std::chrono::system_clock::time_point> expires = {};
  bool http_only = false;
  bool secure = false;
  SameSite same_site = SameSite::unset;
};

// The cookies a request carries: a view over its Cookie header(s), parsed on each lookup
// (a request carries few), so nothing is stored or allocated.
class RequestCookies {
 public:
  explicit RequestCookies(const RequestHeaders& headers) noexcept : headers_(headers) {}
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  bool has(std::string_view name) const noexcept { return get(name).has_value(); }
  // The value of a cookie set with set_signed(), or nullopt when missing or tampered.
  std::optional<std::string_view> get_signed(std::string_view name, const Signer& signer) const;

 private:
  RequestHeaders headers_;
};

// The Set-Cookie header value for a cookie. Throws std::invalid_argument for a name that
// is not a token or a value with characters a cookie may not hold.
std::string format_set_cookie(std::string_view name, std::string_view value, const CookieOptions& options);

// Adds Set-Cookie fields to a response.
class ResponseCookies {
 public:
  explicit ResponseCookies(ResponseHeaders& headers) noexcept : headers_(headers) {}
  void set(std::string_view name, std::string_view value, const CookieOptions& options = {}) {
    headers_.append("Set-Cookie", format_set_cookie(name, value, options));
  }
  // Sets "<value>.<signature>" (value: cookie-safe characters), for get_signed().
  void set_signed(std::string_view name, std::string_view value, const Signer& signer,
                  const CookieOptions& options = {});
  // Tells the client to drop the cookie (empty value, Max-Age=0).
  void remove(std::string_view name, CookieOptions options = {}) {
    options.max_age = 0;
    set(name, "", options);
  }

 private:
  ResponseHeaders& headers_;
};

}  // namespace ignis
