#pragma once
// Crypto helpers on OpenSSL (libcrypto): hashes, HMAC, constant-time comparison, random
// bytes, and the encodings that carry them (hex, base64url). Nothing here is hand-written
// cryptography; OpenSSL does the work.
//
//   std::string digest = crypto::hex(crypto::sha256(body));
//   auto mac = crypto::hmac_sha256(secret, message);
//   if (!crypto::constant_time_equal(crypto::hex(mac), claimed)) ...
//
//   crypto::Sha256 hash;                       // piece by piece, for uploads of any size
//   while (...) hash.update(piece);
//   std::string hex = crypto::hex(hash.finish());

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ignis::crypto {

using Digest = std::array<std::uint8_t, 32>;

Digest sha256(std::string_view data);
Digest hmac_sha256(std::string_view key, std::string_view data);

// SHA-256 over data given in pieces.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(std::string_view data);
  // The digest; the object starts over afterwards.
  Digest finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// HMAC-SHA256 over data given in pieces (a webhook's "<timestamp>.<body>", say).
class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(HmacSha256&&) noexcept;
  HmacSha256& operator=(HmacSha256&&) noexcept;
  void update(std::string_view data);
  // The MAC; the object starts over (same key) afterwards.
  Digest finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Equal contents, compared in time that depends only on the lengths (CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// Bytes from OpenSSL's CSPRNG. Throws std::runtime_error if it cannot deliver.
void random_bytes(std::span<std::uint8_t> out);
// A random token of `bytes` bytes, base64url-encoded (32 bytes: 43 characters).
std::string random_token(std::size_t bytes = 32);

// Lower-case hex.
std::string hex(std::span<const std::uint8_t> bytes);
inline std::string hex(std::string_view bytes) {
  return hex(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}
// Hex (either case) to bytes; nullopt for an odd length or a non-hex character.
std::optional<std::string> from_hex(std::string_view hex);

// Base64url without padding (RFC 4648 section 5), as cookies and tokens carry it.
std::string base64url(std::span<const std::uint8_t> bytes);
inline std::string base64url(std::string_view bytes) {
  return base64url(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}
// nullopt for characters outside the alphabet, padding, or an impossible length.
std::optional<std::string> from_base64url(std::string_view text);

}  // namespace ignis::crypto
