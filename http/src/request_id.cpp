#include "ignis/http/request_id.hpp"

#include "string_pool.hpp"

#include <array>
#include <cstdint>
#include <cstring>
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

namespace {
// Two hex digits per byte value.
constexpr auto kHexPairs = [] {
  std::array<char, 512> t{};
  constexpr char hex[] = "0123456789abcdef";
  for (int i = 0; i < 256; ++i) {
    t[2 * i] = hex[i >> 4];
    t[2 * i + 1] = hex[i & 15];
  }
  return t;
}();
// Writes the 8 bytes of v, most significant first, as 16 hex digits.
void hex64(char* out, std::uint64_t v) noexcept {
  for (int i = 7; i >= 0; --i, v >>= 8) std::memcpy(out + 2 * i, &kHexPairs[2 * (v & 0xFF)], 2);
}
}  // namespace

// The first half (8-4-4, with the version digit) is random per thread and formatted once;
// the second half (4-12, with the variant) mixes a per-thread counter, so ids never repeat
// on a thread and collide across threads or processes only if 60 random bits do.
void RequestId::generate(char* out) noexcept {
  struct PerThread {
    char prefix[19];  // "xxxxxxxx-xxxx-4xxx-"
    std::uint64_t key, counter = 0;
    PerThread() {
      std::uint64_t hi = rng.next();
      hi = (hi & ~0xF000ull) | 0x4000ull;  // version 4
      char digits[16];
      hex64(digits, hi);
      std::memcpy(prefix, digits, 8);
      prefix[8] = '-';
      std::memcpy(prefix + 9, digits + 8, 4);
      prefix[13] = '-';
      std::memcpy(prefix + 14, digits + 12, 4);
      prefix[18] = '-';
      key = rng.next();
    }
  };
  thread_local PerThread t;
  // splitmix64 of a counter under a per-thread key: distinct, and not guessable in order.
  std::uint64_t z = (t.key + ++t.counter * 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  z = (z & ~(0xC0ull << 56)) | (0x80ull << 56);  // variant 10
  char digits[16];
  hex64(digits, z);
  std::memcpy(out, t.prefix, 19);
  std::memcpy(out + 19, digits, 4);
  out[23] = '-';
  std::memcpy(out + 24, digits + 4, 12);
}

std::optional<Response> RequestId::before(Request& req, RouteContext&, State& state) const {
  if (auto incoming = req.headers().get("x-request-id"); incoming && acceptable(*incoming)) {
    state.id = *incoming;
  } else {
    generate(state.generated);
    state.id = {state.generated, sizeof state.generated};
  }
  return std::nullopt;
}

void RequestId::after(Request&, RouteContext&, State& state, Response& res) const {
  // The whole field line in one append.
  static constexpr std::string_view kName = "X-Request-Id: ";
  char line[kName.size() + 128 + 2];
  std::memcpy(line, kName.data(), kName.size());
  std::memcpy(line + kName.size(), state.id.data(), state.id.size());
  std::size_t size = kName.size() + state.id.size();
  line[size++] = '\r';
  line[size++] = '\n';
  detail::prepare_headers(res.headers());
  res.headers().storage().append(line, size);
}

}  // namespace ignis
