#include "blog.hpp"

#include <ignis/http/redis.hpp>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>

namespace blog {
namespace {

Blog* current = nullptr;

std::string env(const char* name, std::string_view fallback = {}) {
  const char* v = std::getenv(name);
  return v && *v ? v : std::string(fallback);
}

std::string secret(const char* name) {
  if (const char* v = std::getenv(name); v && *v) return v;
  std::fprintf(stderr, "warning: %s is not set; using a development secret\n", name);
  return std::string("dev-") + name;
}

// Creates the data directory and its files/ if missing; returns the database's path.
std::string open_data_dir(const Settings& s) {
  std::filesystem::create_directories(s.data_dir + "/files");
  return s.data_dir + "/blog.db";
}

}  // namespace

void Settings::read_environment() {
  webhook_secret = secret("WEBHOOK_SECRET");
  revalidation_secret = secret("REVALIDATION_SECRET");
  session_secret = secret("SESSION_SECRET");
  cors_origins.clear();
  const std::string origins = env("CORS_ORIGINS", "https://your-frontend.com");
  for (std::size_t at = 0; at <= origins.size();) {
    std::size_t comma = std::min(origins.find(',', at), origins.size());
    if (comma > at) cors_origins.push_back(origins.substr(at, comma - at));
    at = comma + 1;
  }
  weather_url = env("WEATHER_API_URL", "http://127.0.0.1:9");
  weather_key = env("WEATHER_API_KEY");
  redis_url = env("REDIS_URL");
}

Blog::Blog(Settings s)
    : settings(std::move(s)),
      posts(open_data_dir(settings)),
      files(settings.data_dir + "/files"),
      sessions(settings.session_secret) {
  if (settings.redis_url.empty()) {
    cache = std::make_shared<MemoryCacheStore>();
    limits = std::make_shared<MemoryRateLimitStore>();
  } else {
    auto redis = redis::Client::from_url(settings.redis_url);
    cache = redis_cache_store(redis);
    limits = redis_rate_limit_store(redis);
  }
  current = this;
}

Blog& blog() { return *current; }

std::string iso_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec,
                int(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000));
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int query_int(const Request& req, std::string_view name, int fallback, int min, int max) {
  auto raw = req.search_params().get(name);
  if (!raw) return fallback;
  int v = 0;
  auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
  std::string message;
  if (raw->empty() || ec != std::errc{} || end != raw->data() + raw->size())
    message = "Expected integer";
  else if (v < min)
    message = "Number must be greater than or equal to " + std::to_string(min);
  else if (v > max)
    message = "Number must be less than or equal to " + std::to_string(max);
  else
    return v;
  throw json::ValidationError({{std::string(name), message}});
}

void publish(std::string_view event, const Post& post) {
  blog().events.publish(SseFrame::make(event, json::stringify(post)));
}

}  // namespace blog
