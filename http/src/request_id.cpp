#include "ignis/http/request_id.hpp"

#include <cstdint>
#include <random>

namespace ignis {
namespace {

// xoshiro256** seeded once per thread: ids need to be unique, not secret.
struct Xoshiro {
  std::uint64_t s[4];
  Xoshiro() {
    std::random_device rd;
    for (auto& w : s) w = (std::uint64_t(rd()) << 32) ^ rd();
  }
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
};
thread_local Xoshiro rng;

}  // namespace

bool RequestId::acceptable(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

void RequestId::generate(char* out) noexcept {
  static constexpr char hex[] = "0123456789abcdef";
  std::uint64_t hi = rng.next(), lo = rng.next();
  hi = (hi & ~0xF000ull) | 0x4000ull;                   // version 4
  lo = (lo & ~(0xC0ull << 56)) | (0x80ull << 56);       // variant 10
  char* p = out;
  for (int i = 0; i < 16; ++i) {
    const unsigned byte = unsigned((i < 8 ? hi >> (56 - 8 * i) : lo >> (56 - 8 * (i - 8))) & 0xFF);
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = hex[byte >> 4];
    *p++ = hex[byte & 15];
  }
}

Task<Response> RequestId::operator()(Request& req, RouteContext&, Next next) const {
  char generated[36];
  std::string_view id;
  if (auto incoming = req.headers().get("x-request-id"); incoming && acceptable(*incoming)) {
    id = *incoming;
  } else {
    generate(generated);
    id = {generated, sizeof generated};
  }
  Response res = co_await next();
  if (!res.headers().has("X-Request-Id")) res.headers().append_trusted("X-Request-Id", id);
  co_return res;
}

}  // namespace ignis
