#include "ignis/http/cookies.hpp"

#include <ctime>
#include <stdexcept>

namespace ignis {
namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 6265 cookie-octet: visible ASCII but for '"', ',', ';' and '\'.
bool is_cookie_octet(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7E && c != '"' && c != ',' && c != ';' && c != '\\';
}

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return false;
    switch (c) {
      case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':': case '\\':
      case '"': case '/': case '[': case ']': case '?': case '=': case '{': case '}':
        return false;
      default:
        break;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string_view> RequestCookies::get(std::string_view name) const noexcept {
  for (const HeaderField& f : headers_) {
    if (!iequals(f.name, "cookie")) continue;
    std::string_view rest = f.value;
    while (!rest.empty()) {
      std::size_t semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (trim(pair.substr(0, eq)) != name) continue;
      std::string_view value = trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
  }
  return std::nullopt;
}

std::string format_set_cookie(std::string_view name, std::string_view value, const CookieOptions& o) {
  if (!is_token(name)) throw std::invalid_argument("invalid cookie name: " + std::string(name));
  for (char c : value)
    if (!is_cookie_octet(c)) throw std::invalid_argument("invalid character in the value of cookie " + std::string(name));
  for (std::string_view attr : {o.path, o.domain})
    for (char c : attr)
      if (c == ';' || static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
        throw std::invalid_argument("invalid cookie attribute for " + std::string(name));

  std::string out;
  out.reserve(name.size() + value.size() + 96);
  out.append(name).append("=").append(value);
  if (!o.path.empty()) out.append("; Path=").append(o.path);
  if (!o.domain.empty()) out.append("; Domain=").append(o.domain);
  if (o.max_age) out.append("; Max-Age=").append(std::to_string(*o.max_age));
  if (o.expires) {
    std::time_t t = std::chrono::system_clock::to_time_t(*o.expires);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    out.append("; Expires=").append(buf, n);
  }
  if (o.http_only) out.append("; HttpOnly");
  if (o.secure || o.same_site == SameSite::none) out.append("; Secure");  // browsers require it for None
  switch (o.same_site) {
    case SameSite::lax: out.append("; SameSite=Lax"); break;
    case SameSite::strict: out.append("; SameSite=Strict"); break;
    case SameSite::none: out.append("; SameSite=None"); break;
    case SameSite::unset: break;
  }
  return out;
}

}  // namespace ignis
