#include "ignis/http/webhook.hpp"

#include <charconv>

#include "ignis/http/crypto.hpp"

namespace ignis {
namespace {

std::string expected_signature(std::string_view payload, std::string_view secret, std::string_view timestamp) {
  crypto::HmacSha256 mac(secret);
  mac.update(timestamp);
  mac.update(".");
  mac.update(payload);
  const crypto::Digest d = mac.finish();
  return crypto::hex(std::span<const std::uint8_t>(d));
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

SignatureCheck verify_stripe_signature(std::optional<std::string_view> header, std::string_view payload,
                                       std::string_view secret, std::chrono::seconds tolerance,
                                       std::chrono::system_clock::time_point now) {
  if (!header) return SignatureCheck::missing;
  std::string_view timestamp;
  bool has_v1 = false;
  for (std::string_view rest = *header; !rest.empty();) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.starts_with("t=") && timestamp.empty()) timestamp = item.substr(2);
    if (item.starts_with("v1=")) has_v1 = true;
  }
  std::int64_t t = 0;
  auto r = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), t);
  if (timestamp.empty() || r.ec != std::errc() || r.ptr != timestamp.data() + timestamp.size() || !has_v1)
    return SignatureCheck::malformed;

  const std::string expected = expected_signature(payload, secret, timestamp);
  bool matched = false;
  for (std::string_view rest = *header; !rest.empty();) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.starts_with("v1=")) matched |= crypto::constant_time_equal(expected, item.substr(3));
  }
  if (!matched) return SignatureCheck::mismatch;

  const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (t < now_s - tolerance.count() || t > now_s + tolerance.count()) return SignatureCheck::expired;
  return SignatureCheck::valid;
}

std::string stripe_signature_header(std::string_view payload, std::string_view secret, std::int64_t timestamp) {
  const std::string t = std::to_string(timestamp);
  return "t=" + t + ",v1=" + expected_signature(payload, secret, t);
}

}  // namespace ignis
