#pragma once
// What every route of the blog shares: ignis's API, the app's state (blog()) and a few
// helpers. Routes include this one header, as Next.js routes import from '@/lib'.

#include <ignis/core/channel.hpp>
#include <ignis/core/offload.hpp>
#include <ignis/http/app.hpp>
#include <ignis/http/cache.hpp>
#include <ignis/http/error.hpp>
#include <ignis/http/file.hpp>
#include <ignis/http/metrics.hpp>
#include <ignis/http/rate_limit.hpp>
#include <ignis/http/session.hpp>
#include <ignis/http/sse.hpp>
#include <ignis/json/writer.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "posts.hpp"

namespace blog {

using namespace ignis;
using namespace std::chrono_literals;

// The command line's and the environment's settings (README: "The reference app").
struct Settings {
  std::string data_dir = "./data";
  bool trust_proxy = false;
  std::string webhook_secret, revalidation_secret, session_secret;
  std::vector<std::string> cors_origins;
  std::string weather_url, weather_key;
  std::string redis_url;  // empty: limits and cache in memory

  // Reads the environment; a secret left unset gets a development value and a warning.
  void read_environment();
};

struct Blog {
  explicit Blog(Settings settings);  // creates the data directory; becomes blog()
  Settings settings;
  Posts posts;                        // <data-dir>/blog.db
  FileRoot files;                     // <data-dir>/files
  Sessions sessions;
  Broadcast<SseFrame> events{{.history = 1000}};  // post changes, for /api/events
  std::shared_ptr<CacheStore> cache;              // in memory, or in Redis
  std::shared_ptr<RateLimitStore> limits;
  Metrics metrics;
};

// The running app's Blog.
Blog& blog();

App make_app(Blog& blog);

std::string iso_now();  // 2026-12-06T10:43:34.123Z
std::int64_t now_ms();  // since the Unix epoch

// An integer search parameter in [min, max], or `fallback` when absent; anything else
// answers 400 {"error":"Validation failed","issues":[{"path":name,...}]}.
int query_int(const Request& req, std::string_view name, int fallback, int min, int max);

// Sends a post change to every /api/events subscriber.
void publish(std::string_view event, const Post& post);

}  // namespace blog
