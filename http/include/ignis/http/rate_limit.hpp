#pragma once
// Rate limiting per key (the client's address, or a key you compute), in fixed or sliding
// windows, in memory or in Redis (redis.hpp) so that several instances share one limit.
//
//   auto with_rate_limit = ignis::rate_limit({.limit = 5, .window = 60s});
//   app.route("/api/generate").POST(with_rate_limit(generate));     // a wrapper
//   app.use("/api/:path*", ignis::rate_limit({.limit = 100}));       // or middleware
//
// Allowed responses carry X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset
// (whole seconds until the window resets); past the limit the answer is
// 429 {"error":"Too many requests"} with the same headers and Retry-After (seconds).
//
// | option      | default              | meaning                                              |
// |-------------|----------------------|------------------------------------------------------|
// | limit       | 60                   | requests allowed per window                          |
// | window      | 60 s                 | the window's length                                  |
// | algorithm   | fixed_window         | fixed_window: a window starts at a key's first hit;  |
// |             |                      | sliding_window: the previous window's count, weighted|
// |             |                      | by how much of it still overlaps, plus this one's    |
// | trust_proxy | false                | key on X-Forwarded-For's first hop (set it only      |
// |             |                      | behind a proxy that writes that header)              |
// | key         | client address       | your own key from the request (user id, API key)     |
// | store       | a new memory store   | where counts live; redis_rate_limit_store(client)    |
// |             |                      | shares them between instances                        |
// | name        | "ratelimit"          | namespaces keys: give each limiter on a shared store |
// |             |                      | its own                                              |
// | fail_open   | true                 | if the store fails (Redis down): allow the request   |
// |             |                      | (true) or answer 503 (false)                         |

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ignis/http/middleware.hpp"
#include "ignis/http/redis.hpp"

namespace ignis {

enum class RateLimitAlgorithm { fixed_window, sliding_window };

struct RateLimitDecision {
  bool allowed = true;
  std::int64_t limit = 0;
  std::int64_t remaining = 0;
  std::chrono::milliseconds reset{0};  // until the current window ends
};

// Where counts live. hit() counts one request for `key` when it is allowed, atomically
// with the decision; it is called from any reactor thread.
class RateLimitStore {
 public:
  virtual ~RateLimitStore() = default;
  virtual Task<RateLimitDecision> hit(std::string key, std::int64_t limit, std::chrono::milliseconds window,
                                      RateLimitAlgorithm algorithm) = 0;
};

// In this process's memory, shared by its reactor threads (sharded, locked maps; expired
// keys are swept as the maps grow).
class MemoryRateLimitStore final : public RateLimitStore {
 public:
  MemoryRateLimitStore();
  ~MemoryRateLimitStore() override;
  Task<RateLimitDecision> hit(std::string key, std::int64_t limit, std::chrono::milliseconds window,
                              RateLimitAlgorithm algorithm) override;
  // The same decision at a given time (milliseconds on any steady scale), for tests.
  RateLimitDecision hit_at(std::string_view key, std::int64_t limit, std::chrono::milliseconds window,
                           RateLimitAlgorithm algorithm, std::chrono::milliseconds now);
  std::size_t size() const;

 private:
  struct Shard;
  std::unique_ptr<Shard[]> shards_;
};

// Counts in Redis, so that every instance using the same Redis shares each limit. Each hit
// is one atomic Lua script (a fixed window is INCR + PEXPIRE on its first hit; a sliding
// one weighs the previous window's counter by Redis's own clock).
std::shared_ptr<RateLimitStore> redis_rate_limit_store(redis::Client client, std::string prefix = "ignis:rl:");

struct RateLimitOptions {
  std::int64_t limit = 60;
  std::chrono::milliseconds window = std::chrono::seconds(60);
  RateLimitAlgorithm algorithm = RateLimitAlgorithm::fixed_window;
  bool trust_proxy = false;
  std::function<std::string(Request&)> key = {};
  std::shared_ptr<RateLimitStore> store = {};
  std::string name = "ratelimit";
  bool fail_open = true;
};

class RateLimit : public WrapperBase<RateLimit> {
 public:
  explicit RateLimit(RateLimitOptions options);
  using WrapperBase<RateLimit>::operator();
  Task<Response> operator()(Request& req, RouteContext& ctx, Next next) const;

  struct Config;

 private:
  std::shared_ptr<const Config> config_;
};

inline RateLimit rate_limit(RateLimitOptions options = {}) { return RateLimit(std::move(options)); }

// The client's address: the peer's, or with trust_proxy the first X-Forwarded-For hop
// (when it is a plausible address; else the peer's).
std::string_view client_ip(const Request& req, bool trust_proxy) noexcept;

}  // namespace ignis
