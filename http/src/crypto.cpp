#include "ignis/http/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace ignis::crypto {
namespace {

[[noreturn]] void openssl_failed(const char* what) { throw std::runtime_error(std::string("OpenSSL: ") + what + " failed"); }

// Fetched once: explicit fetches skip the per-call lookup that EVP_sha256() implies, and
// fetched algorithms may be shared between threads.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!md) openssl_failed("EVP_MD_fetch(SHA256)");
  return md;
}

EVP_MAC* hmac_mac() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!mac) openssl_failed("EVP_MAC_fetch(HMAC)");
  return mac;
}

}  // namespace

Digest sha256(std::string_view data) {
  Digest d;
  unsigned int n = 0;
  if (!EVP_Digest(data.data(), data.size(), d.data(), &n, sha256_md(), nullptr)) openssl_failed("EVP_Digest");
  return d;
}

Digest hmac_sha256(std::string_view key, std::string_view data) {
  HmacSha256 mac(key);
  mac.update(data);
  return mac.finish();
}

// ------------------------------------------------------------------ Sha256

struct Sha256::State {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(ctx); }
  void init() {
    if (!ctx || !EVP_DigestInit_ex(ctx, sha256_md(), nullptr)) openssl_failed("EVP_DigestInit_ex");
  }
};

Sha256::Sha256() : state_(std::make_unique<State>()) { state_->init(); }
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::string_view data) {
  if (!EVP_DigestUpdate(state_->ctx, data.data(), data.size())) openssl_failed("EVP_DigestUpdate");
}

Digest Sha256::finish() {
  Digest d;
  unsigned int n = 0;
  if (!EVP_DigestFinal_ex(state_->ctx, d.data(), &n)) openssl_failed("EVP_DigestFinal_ex");
  state_->init();
  return d;
}

// ------------------------------------------------------------------ HmacSha256

struct HmacSha256::State {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac_mac());
  ~State() { EVP_MAC_CTX_free(ctx); }
};

HmacSha256::HmacSha256(std::string_view key) : state_(std::make_unique<State>()) {
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  // OpenSSL rejects a null key pointer even for an empty key.
  static const unsigned char kEmpty = 0;
  const auto* k = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (!state_->ctx || !EVP_MAC_init(state_->ctx, k, key.size(), params)) openssl_failed("EVP_MAC_init");
}
HmacSha256::~HmacSha256() = default;
HmacSha256::HmacSha256(HmacSha256&&) noexcept = default;
HmacSha256& HmacSha256::operator=(HmacSha256&&) noexcept = default;

void HmacSha256::update(std::string_view data) {
  if (!EVP_MAC_update(state_->ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()))
    openssl_failed("EVP_MAC_update");
}

Digest HmacSha256::finish() {
  Digest d;
  std::size_t n = 0;
  if (!EVP_MAC_final(state_->ctx, d.data(), &n, d.size()) || n != d.size()) openssl_failed("EVP_MAC_final");
  // Initialising again with no key keeps the key: ready for the next message.
  if (!EVP_MAC_init(state_->ctx, nullptr, 0, nullptr)) openssl_failed("EVP_MAC_init");
  return d;
}

// ------------------------------------------------------------------ comparison, randomness

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void random_bytes(std::span<std::uint8_t> out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) openssl_failed("RAND_bytes");
}

std::string random_token(std::size_t bytes) {
  std::string raw(bytes, '\0');
  random_bytes(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(raw.data()), raw.size()));
  return base64url(raw);
}

// ------------------------------------------------------------------ encodings

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view text) {
  if (text.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(text.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

// Base64 itself is OpenSSL's (EVP_EncodeBlock / EVP_DecodeBlock); the URL alphabet and
// the dropped padding are translated around it.
std::string base64url(std::span<const std::uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string padded(text);
  for (char& c : padded) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return std::nullopt;  // '+', '/', '=' and white space are not base64url
    }
  }
  const std::size_t pad = (4 - padded.size() % 4) % 4;
  padded.append(pad, '=');
  std::string out(padded.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(padded.data()), static_cast<int>(padded.size()));
  if (n < 0 || static_cast<std::size_t>(n) < pad) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  // One text per value: unused low bits must be zero ("QR" is not another spelling of "QQ").
  if (base64url(out) != text) return std::nullopt;
  return out;
}

}  // namespace ignis::crypto
