#include "ignis/http/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "ignis/core/timer.hpp"
#include "string_pool.hpp"

namespace ignis {

// ---------------------------------------------------------------------------- memory store

namespace {
constexpr std::size_t kShards = 32;
constexpr std::size_t kFirstSweep = 256;  // a shard this large is swept of expired keys

std::int64_t ceil_seconds(std::chrono::milliseconds ms) { return (ms.count() + 999) / 1000; }
}  // namespace

struct MemoryRateLimitStore::Shard {
  struct Entry {
    std::int64_t window_ms;
    std::int64_t start;     // fixed: when the window began; sliding: the window's index
    std::int64_t count;     // this window's
    std::int64_t previous;  // sliding: the previous window's
    bool sliding;
  };
  mutable std::mutex mutex;
  std::unordered_map<std::string, Entry> entries;
  std::size_t sweep_at = kFirstSweep;  // doubles with what survives a sweep: amortised O(1)

  void sweep(std::int64_t now) {
    for (auto it = entries.begin(); it != entries.end();) {
      const Entry& e = it->second;
      // Fixed windows that ended; sliding ones whose window and the next both ended.
      const bool expired = e.sliding ? (e.start + 2) * e.window_ms <= now : e.start + e.window_ms <= now;
      it = expired ? entries.erase(it) : std::next(it);
    }
  }
};

MemoryRateLimitStore::MemoryRateLimitStore() : shards_(std::make_unique<Shard[]>(kShards)) {}
MemoryRateLimitStore::~MemoryRateLimitStore() = default;

std::size_t MemoryRateLimitStore::size() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    n += shards_[i].entries.size();
  }
  return n;
}

RateLimitDecision MemoryRateLimitStore::hit_at(std::string_view key, std::int64_t limit,
                                               std::chrono::milliseconds window, RateLimitAlgorithm algorithm,
                                               std::chrono::milliseconds now_ms) {
  if (window.count() <= 0 || limit < 0) throw std::invalid_argument("rate limit: window must be > 0, limit >= 0");
  const std::int64_t w = window.count(), now = now_ms.count();
  Shard& shard = shards_[std::hash<std::string_view>()(key) % kShards];
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(std::string(key));
  if (it == shard.entries.end()) {
    if (shard.entries.size() >= shard.sweep_at) {
      shard.sweep(now);
      shard.sweep_at = std::max(kFirstSweep, shard.entries.size() * 2);
    }
    const std::int64_t start = algorithm == RateLimitAlgorithm::fixed_window ? now : now / w;
    it = shard.entries.emplace(std::string(key), Shard::Entry{w, start, 0, 0, false}).first;
  }
  Shard::Entry& e = it->second;
  e.window_ms = w;
  e.sliding = algorithm == RateLimitAlgorithm::sliding_window;
  RateLimitDecision d;
  d.limit = limit;
  if (algorithm == RateLimitAlgorithm::fixed_window) {
    if (now >= e.start + w || now < e.start) {
      e.start = now;
      e.count = 0;
    }
    d.reset = std::chrono::milliseconds(e.start + w - now);
    d.allowed = e.count < limit;
    if (d.allowed) ++e.count;
    d.remaining = std::max<std::int64_t>(0, limit - e.count);
    return d;
  }
  const std::int64_t index = now / w;
  if (e.start != index) {
    e.previous = e.start == index - 1 ? e.count : 0;
    e.count = 0;
    e.start = index;
  }
  const std::int64_t elapsed = now - index * w;
  const double estimate = static_cast<double>(e.previous) * static_cast<double>(w - elapsed) / static_cast<double>(w) +
                          static_cast<double>(e.count);
  d.reset = std::chrono::milliseconds(w - elapsed);
  d.allowed = estimate + 1 <= static_cast<double>(limit);
  if (d.allowed) ++e.count;
  d.remaining = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(limit - estimate - (d.allowed ? 1 : 0))));
  return d;
}

Task<RateLimitDecision> MemoryRateLimitStore::hit(std::string key, std::int64_t limit, std::chrono::milliseconds window,
                                                  RateLimitAlgorithm algorithm) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch());
  co_return hit_at(key, limit, window, algorithm, now);
}

// ---------------------------------------------------------------------------- middleware

struct RateLimit::Config {
  RateLimitOptions options;
};

RateLimit::RateLimit(RateLimitOptions options) {
  if (options.window.count() <= 0) throw std::invalid_argument("rate limit: window must be positive");
  if (options.limit < 0) throw std::invalid_argument("rate limit: limit must not be negative");
  if (!options.store) options.store = std::make_shared<MemoryRateLimitStore>();
  config_ = std::make_shared<Config>(Config{std::move(options)});
}

namespace {

bool plausible_address(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '.' && c != ':' && c != '[' && c != ']') return false;
  return true;
}

void set_limit_headers(ResponseHeaders& h, const RateLimitDecision& d) {
  h.append_trusted("X-RateLimit-Limit", std::to_string(d.limit));
  h.append_trusted("X-RateLimit-Remaining", std::to_string(d.remaining));
  h.append_trusted("X-RateLimit-Reset", std::to_string(ceil_seconds(d.reset)));
}

}  // namespace

std::string_view client_ip(const Request& req, bool trust_proxy) noexcept {
  if (trust_proxy) {
    if (auto xff = req.headers().get("x-forwarded-for")) {
      std::string_view first = xff->substr(0, xff->find(','));
      while (!first.empty() && (first.front() == ' ' || first.front() == '\t')) first.remove_prefix(1);
      while (!first.empty() && (first.back() == ' ' || first.back() == '\t')) first.remove_suffix(1);
      if (plausible_address(first)) return first;
    }
  }
  return req.client_address();
}

Task<Response> RateLimit::operator()(Request& req, RouteContext&, Next next) const {
  const RateLimitOptions& o = config_->options;
  std::string key = o.name;
  key += ':';
  if (o.key)
    key += o.key(req);
  else
    key += client_ip(req, o.trust_proxy);

  std::optional<RateLimitDecision> decision;
  try {
    Task<RateLimitDecision> pending = o.store->hit(std::move(key), o.limit, o.window, o.algorithm);
    decision = co_await pending;
  } catch (const std::exception&) {
    if (!o.fail_open) decision.reset();
  }
  if (!decision) {
    if (!o.fail_open) co_return Response::json({{"error", "Service unavailable"}}, {.status = 503});
    co_return co_await next();  // the store failed: let the request through, unlimited
  }
  if (!decision->allowed) {
    Response res = Response::json({{"error", "Too many requests"}}, {.status = 429});
    set_limit_headers(res.headers(), *decision);
    res.headers().append_trusted("Retry-After", std::to_string(std::max<std::int64_t>(1, ceil_seconds(decision->reset))));
    co_return res;
  }
  Response res = co_await next();
  if (!res.headers().has("X-RateLimit-Limit")) set_limit_headers(res.headers(), *decision);
  co_return res;
}

}  // namespace ignis
