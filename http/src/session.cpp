#include "ignis/http/session.hpp"

#include <charconv>
#include <stdexcept>

#include "ignis/http/crypto.hpp"
#include "ignis/http/request.hpp"
#include "ignis/http/response.hpp"

namespace ignis {

// ------------------------------------------------------------------ Signer

Signer::Signer(std::string secret) : secret_(std::move(secret)) {
  if (secret_.empty()) throw std::invalid_argument("Signer: the secret is empty");
}

// MAC over the purpose's length, the purpose and the value: no two (purpose, value) pairs
// give the same message.
std::string Signer::signature(std::string_view value, std::string_view purpose) const {
  crypto::HmacSha256 mac(secret_);
  const std::uint64_t n = purpose.size();
  char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<char>(n >> (8 * (7 - i)));
  mac.update({length, sizeof length});
  mac.update(purpose);
  mac.update(value);
  const crypto::Digest d = mac.finish();
  return crypto::base64url(std::span<const std::uint8_t>(d));
}

std::string Signer::sign(std::string_view value, std::string_view purpose) const {
  std::string out;
  const std::string sig = signature(value, purpose);
  out.reserve(value.size() + 1 + sig.size());
  out.append(value).append(".").append(sig);
  return out;
}

std::optional<std::string_view> Signer::unsign(std::string_view signed_value, std::string_view purpose) const {
  const std::size_t dot = signed_value.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view value = signed_value.substr(0, dot);
  if (!crypto::constant_time_equal(signature(value, purpose), signed_value.substr(dot + 1))) return std::nullopt;
  return value;
}

// ------------------------------------------------------------------ signed cookies

std::optional<std::string_view> RequestCookies::get_signed(std::string_view name, const Signer& signer) const {
  auto raw = get(name);
  if (!raw) return std::nullopt;
  return signer.unsign(*raw, name);
}

void ResponseCookies::set_signed(std::string_view name, std::string_view value, const Signer& signer,
                                 const CookieOptions& options) {
  set(name, signer.sign(value, name), options);
}

// ------------------------------------------------------------------ Sessions

Sessions::Sessions(std::string secret, SessionOptions options)
    : signer_(std::move(secret)), options_(std::move(options)) {}

CookieOptions Sessions::cookie_options() const {
  CookieOptions o;
  o.path = options_.path;
  o.domain = options_.domain;
  o.max_age = options_.max_age.count();
  o.http_only = options_.http_only;
  o.secure = options_.secure;
  o.same_site = options_.same_site;
  return o;
}

std::string Sessions::issue(std::string_view data, Clock::time_point now) const {
  const auto expires = std::chrono::duration_cast<std::chrono::seconds>((now + options_.max_age).time_since_epoch()).count();
  std::string payload = crypto::base64url(data);
  payload += '.';
  payload += std::to_string(expires);
  return signer_.sign(payload, options_.cookie);
}

std::optional<std::string> Sessions::verify(std::string_view token, Clock::time_point now) const {
  auto payload = signer_.unsign(token, options_.cookie);
  if (!payload) return std::nullopt;
  const std::size_t dot = payload->rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view expiry = payload->substr(dot + 1);
  std::int64_t expires = 0;
  auto r = std::from_chars(expiry.data(), expiry.data() + expiry.size(), expires);
  if (r.ec != std::errc() || r.ptr != expiry.data() + expiry.size()) return std::nullopt;
  if (std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() >= expires) return std::nullopt;
  return crypto::from_base64url(payload->substr(0, dot));
}

void Sessions::set(Response& res, std::string_view data, Clock::time_point now) const {
  res.cookies().set(options_.cookie, issue(data, now), cookie_options());
}

std::optional<std::string> Sessions::get(const Request& req, Clock::time_point now) const {
  auto token = req.cookies().get(options_.cookie);
  if (!token) return std::nullopt;
  return verify(*token, now);
}

void Sessions::clear(Response& res) const { res.cookies().remove(options_.cookie, cookie_options()); }

}  // namespace ignis
