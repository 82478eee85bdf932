// The Redis-backed stores of rate_limit.hpp and cache.hpp.

#include <charconv>

#include "ignis/http/cache.hpp"
#include "ignis/http/rate_limit.hpp"

namespace ignis {
namespace {

// ---------------------------------------------------------------------------- rate limits

// KEYS[1] the counter; ARGV window ms, limit. Returns {count, ms to reset}.
constexpr std::string_view kFixedWindow = R"lua(
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
)lua";

// KEYS[1] the key's prefix; ARGV window ms, limit. The previous window's count weighs by
// how much of it still overlaps the sliding window. Returns {allowed, remaining, ms to reset}.
constexpr std::string_view kSlidingWindow = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local index = math.floor(now / window)
local current_key = KEYS[1] .. ':' .. index
local current = tonumber(redis.call('GET', current_key) or '0')
local previous = tonumber(redis.call('GET', KEYS[1] .. ':' .. (index - 1)) or '0')
local elapsed = now - index * window
local estimate = previous * (window - elapsed) / window + current
if estimate + 1 > limit then
  return {0, math.max(0, math.floor(limit - estimate)), window - elapsed}
end
redis.call('INCR', current_key)
redis.call('PEXPIRE', current_key, window * 2)
return {1, math.max(0, math.floor(limit - estimate - 1)), window - elapsed}
)lua";

std::int64_t element(const redis::Reply& r, std::size_t i) {
  if (r.type != redis::Reply::Type::array || r.elements.size() <= i ||
      r.elements[i].type != redis::Reply::Type::integer)
    throw redis::Error("redis: unexpected reply from the rate limit script" +
                       (r.is_error() ? ": " + r.text : std::string()));
  return r.elements[i].integer;
}

class RedisRateLimitStore final : public RateLimitStore {
 public:
  RedisRateLimitStore(redis::Client client, std::string prefix) : client_(std::move(client)), prefix_(std::move(prefix)) {}

  Task<RateLimitDecision> hit(std::string key, std::int64_t limit, std::chrono::milliseconds window,
                              RateLimitAlgorithm algorithm) override {
    RateLimitDecision d;
    d.limit = limit;
    if (algorithm == RateLimitAlgorithm::fixed_window) {
      redis::Reply r = co_await client_.command("EVAL", kFixedWindow, 1, prefix_ + "f:" + key, window.count(), limit);
      const std::int64_t count = element(r, 0);
      d.allowed = count <= limit;
      d.remaining = std::max<std::int64_t>(0, limit - count);
      d.reset = std::chrono::milliseconds(std::max<std::int64_t>(0, element(r, 1)));
    } else {
      redis::Reply r = co_await client_.command("EVAL", kSlidingWindow, 1, prefix_ + "s:" + key, window.count(), limit);
      d.allowed = element(r, 0) == 1;
      d.remaining = element(r, 1);
      d.reset = std::chrono::milliseconds(std::max<std::int64_t>(0, element(r, 2)));
    }
    co_return d;
  }

 private:
  redis::Client client_;
  std::string prefix_;
};

// ---------------------------------------------------------------------------- cache

// A copy as one string: "<status> <stored_at_ms> <header bytes>\n<headers><body>".
std::string serialize(const CachedResponse& c) {
  std::string out = std::to_string(c.status) + ' ' + std::to_string(c.stored_at_ms) + ' ' +
                    std::to_string(c.headers.size()) + '\n';
  out += c.headers;
  out += c.body;
  return out;
}

std::shared_ptr<const CachedResponse> deserialize(std::string_view s) {
  auto c = std::make_shared<CachedResponse>();
  const std::size_t nl = s.find('\n');
  if (nl == std::string_view::npos) return nullptr;
  std::string_view head = s.substr(0, nl);
  std::size_t header_bytes = 0;
  const char* p = head.data();
  const char* end = head.data() + head.size();
  auto r1 = std::from_chars(p, end, c->status);
  if (r1.ec != std::errc() || r1.ptr == end) return nullptr;
  auto r2 = std::from_chars(r1.ptr + 1, end, c->stored_at_ms);
  if (r2.ec != std::errc() || r2.ptr == end) return nullptr;
  auto r3 = std::from_chars(r2.ptr + 1, end, header_bytes);
  if (r3.ec != std::errc() || r3.ptr != end) return nullptr;
  std::string_view rest = s.substr(nl + 1);
  if (header_bytes > rest.size() || c->status < 100 || c->status > 999) return nullptr;
  c->headers.assign(rest.substr(0, header_bytes));
  c->body.assign(rest.substr(header_bytes));
  return c;
}

// KEYS[1] the copy, KEYS[2] its path's set, KEYS[3..] its tags' sets; ARGV[1] the copy,
// ARGV[2] the key the sets hold.
constexpr std::string_view kPut = R"lua(
redis.call('SET', KEYS[1], ARGV[1])
for i = 2, #KEYS do redis.call('SADD', KEYS[i], ARGV[2]) end
return 1
)lua";

// KEYS[1] a path's or tag's set; ARGV[1] the prefix of copies. Drops the set's copies.
constexpr std::string_view kDropSet = R"lua(
local keys = redis.call('SMEMBERS', KEYS[1])
for _, k in ipairs(keys) do redis.call('DEL', ARGV[1] .. k) end
redis.call('DEL', KEYS[1])
return #keys
)lua";

class RedisCacheStore final : public CacheStore {
 public:
  RedisCacheStore(redis::Client client, std::string prefix) : client_(std::move(client)), prefix_(std::move(prefix)) {}

  Task<std::shared_ptr<const CachedResponse>> get(std::string key) override {
    redis::Reply r = co_await client_.command("GET", prefix_ + "entry:" + key);
    if (r.is_error()) throw redis::Error("redis: " + r.text);
    if (r.type != redis::Reply::Type::string) co_return nullptr;
    co_return deserialize(r.text);
  }

  Task<void> put(std::string key, std::string path, std::vector<std::string> tags, CachedResponse entry) override {
    std::vector<std::string> argv = {"EVAL", std::string(kPut), std::to_string(2 + tags.size()),
                                     prefix_ + "entry:" + key, prefix_ + "path:" + path};
    for (const auto& t : tags) argv.push_back(prefix_ + "tag:" + t);
    argv.push_back(serialize(entry));
    argv.push_back(key);
    redis::Reply r = co_await client_.send(std::move(argv));
    if (r.is_error()) throw redis::Error("redis: " + r.text);
  }

  Task<void> revalidate_path(std::string path) override { return drop("path:" + path); }
  Task<void> revalidate_tag(std::string tag) override { return drop("tag:" + tag); }

 private:
  Task<void> drop(std::string set) {
    redis::Reply r = co_await client_.command("EVAL", kDropSet, 1, prefix_ + set, prefix_ + "entry:");
    if (r.is_error()) throw redis::Error("redis: " + r.text);
  }

  redis::Client client_;
  std::string prefix_;
};

}  // namespace

std::shared_ptr<RateLimitStore> redis_rate_limit_store(redis::Client client, std::string prefix) {
  return std::make_shared<RedisRateLimitStore>(std::move(client), std::move(prefix));
}

std::shared_ptr<CacheStore> redis_cache_store(redis::Client client, std::string prefix) {
  return std::make_shared<RedisCacheStore>(std::move(client), std::move(prefix));
}

}  // namespace ignis
