#pragma once
// Caching of GET responses, as Next.js route segment config does it: static (the handler
// runs once), time-based revalidation, and on-demand revalidation by path or tag; in
// memory, or in Redis so that several instances share one cache.
//
//   // export const dynamic = 'force-static'
//   app.route("/api/config").GET(ignis::cache()(get_config));
//   // export const revalidate = 2, tagged 'time'
//   app.route("/api/time").GET(ignis::cache({.revalidate = 2s, .tags = {"time"}})(get_time));
//   // revalidatePath('/api/time') / revalidateTag('time'), in a handler
//   co_await ignis::revalidate_path(req, "/api/time");
//   co_await ignis::revalidate_tag(req, "time");
//
// A fresh copy is served as it was stored (same status, headers and bytes) with
// `X-Cache: HIT`. Once a copy is older than `revalidate`, the next request runs the handler
// and gets the new copy (`X-Cache: MISS`) while requests arriving meanwhile still get the
// old one (`X-Cache: STALE`); with no copy at all, concurrent requests wait for the one
// that runs the handler, so in a process it runs once per fill. Only 200 responses without
// Set-Cookie, and with their body in memory (not streamed, not a file), are stored. The
// key is the request's path and query; HEAD is served from GET's copy. If the store fails
// (Redis down), the handler answers, uncached.
//
// Copies live in the store of the app answering the request (App::cache_store(): its own
// memory unless App::set_cache_store() replaced it), so two apps in one process keep
// apart, and revalidate_*(req, ...) clear that app's copies.
//
// | option     | default          | meaning                                              |
// |------------|------------------|------------------------------------------------------|
// | revalidate | none (static)    | how long a copy is fresh                             |
// | tags       | none             | names for revalidate_tag()                           |
// | store      | the app's store  | where copies live (redis_cache_store(client), say)   |

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ignis/http/middleware.hpp"
#include "ignis/http/redis.hpp"

namespace ignis {

struct CachedResponse {
  int status = 200;
  std::string headers;  // as they go on the wire
  std::string body;
  std::int64_t stored_at_ms = 0;  // Unix time
};

// Where copies live; called from any reactor thread.
class CacheStore {
 public:
  virtual ~CacheStore() = default;
  virtual Task<std::shared_ptr<const CachedResponse>> get(std::string key) = 0;
  virtual Task<void> put(std::string key, std::string path, std::vector<std::string> tags, CachedResponse entry) = 0;
  // Drop every copy stored for a path (any query) or carrying a tag.
  virtual Task<void> revalidate_path(std::string path) = 0;
  virtual Task<void> revalidate_tag(std::string tag) = 0;
};

class MemoryCacheStore final : public CacheStore {
 public:
  MemoryCacheStore();
  ~MemoryCacheStore() override;
  Task<std::shared_ptr<const CachedResponse>> get(std::string key) override;
  Task<void> put(std::string key, std::string path, std::vector<std::string> tags, CachedResponse entry) override;
  Task<void> revalidate_path(std::string path) override;
  Task<void> revalidate_tag(std::string tag) override;
  std::size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Copies in Redis under `prefix`, with a set per path and per tag for revalidation.
std::shared_ptr<CacheStore> redis_cache_store(redis::Client client, std::string prefix = "ignis:cache:");

// Drop the copies of a path (any query) or of a tag from the store of the app answering
// `req` (a cache() given its own store is cleared through that store).
Task<void> revalidate_path(const Request& req, std::string path);
Task<void> revalidate_tag(const Request& req, std::string tag);

struct CacheOptions {
  std::optional<std::chrono::milliseconds> revalidate = std::nullopt;
  std::vector<std::string> tags = {};
  std::shared_ptr<CacheStore> store = {};
};

class Cache : public WrapperBase<Cache> {
 public:
  explicit Cache(CacheOptions options);
  using WrapperBase<Cache>::operator();
  Task<Response> operator()(Request& req, RouteContext& ctx, Next next) const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

inline Cache cache(CacheOptions options = {}) { return Cache(std::move(options)); }

}  // namespace ignis
