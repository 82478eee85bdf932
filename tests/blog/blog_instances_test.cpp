// The reference app's command line and environment, its upstream (a stub weather API),
// and two instances sharing limits and cache through a real redis-server.

#include <gtest/gtest.h>

#include <ignis/core/timer.hpp>
#include <ignis/http/app.hpp>

#include <mutex>
#include <regex>
#include <thread>

#include "blog_process.hpp"
#include "support/redis_server.hpp"
#include "support/test_server.hpp"

namespace blog::testing {
namespace {

using namespace std::chrono_literals;

TEST(BlogCommandLine, PortZeroPrintsOneListeningLine) {
  BlogProcess blog({.args = {"--threads", "1", "--host", "127.0.0.1"}});
  EXPECT_EQ(blog.listening_line(), "listening on http://127.0.0.1:" + std::to_string(blog.port()) + "\n");
  EXPECT_EQ(blog.curl("/api/health").status, 200);
  EXPECT_EQ(blog.stdout_rest(), "");  // exactly one line
  EXPECT_EQ(blog.terminate(), 0);
}

TEST(BlogCommandLine, UnsetSecretsGetWarningsAndBadFlagsAreRefused) {
  // Unset secrets: development values and a warning each.
  BlogProcess blog({.env = {"WEBHOOK_SECRET=", "REVALIDATION_SECRET=", "SESSION_SECRET="}});
  std::this_thread::sleep_for(50ms);
  const std::string log = blog.stderr_text();
  for (const char* name : {"WEBHOOK_SECRET", "REVALIDATION_SECRET", "SESSION_SECRET"})
    EXPECT_NE(log.find(std::string("warning: ") + name + " is not set"), std::string::npos) << log;
  auto [help, help_exit] = run({IGNIS_BLOG_BINARY, "--help"});
  EXPECT_EQ(help_exit, 0);
  for (const char* flag : {"--host", "--port", "--threads", "--data-dir", "--max-body", "--trust-proxy"})
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
  EXPECT_NE(run({IGNIS_BLOG_BINARY, "--max-body", "lots"}).second, 0);
  EXPECT_NE(run({IGNIS_BLOG_BINARY, "--port", "70000"}).second, 0);
}

TEST(BlogCommandLine, TrustProxyKeysRateLimitsOnTheFirstForwardedHop) {
  BlogProcess blog({.args = {"--trust-proxy"}});
  auto generate = [&](const std::string& forwarded) {
    return blog.curl("/api/generate", {"-X", "POST", "-H", "X-Forwarded-For: " + forwarded}).status;
  };
  for (int i = 0; i < 5; ++i) EXPECT_EQ(generate("203.0.113.7, 10.0.0.1"), 200);
  EXPECT_EQ(generate("203.0.113.7, 10.0.0.2"), 429);  // the same client behind the proxy
  EXPECT_EQ(generate("198.51.100.9, 10.0.0.1"), 200);  // another client
}

// A stand-in for the weather API: it records what it was asked, and answers by city.
struct Upstream {
  std::mutex mutex;
  std::vector<std::string> queries;
  ignis::App app;
  std::optional<ignis::testing::TestServer> server;

  Upstream() {
    app.route("/v1/current").GET([this](ignis::Request& req) -> ignis::Task<ignis::Response> {
      {
        std::lock_guard lock(mutex);
        queries.emplace_back(req.query());
      }
      const auto city = req.search_params().get("city").value_or("");
      if (city == "Slow") co_await ignis::sleep_for(7s, req.signal());
      if (city == "Broken") co_return ignis::Response::json({{"error", "upstream down"}}, {.status = 503});
      if (city == "Garbled") co_return ignis::Response::text("<html>not json</html>");
      co_return ignis::Response::json({{"temp", 12.5}, {"conditions", "Light rain"}});
    });
    server.emplace(app);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
  std::vector<std::string> seen() {
    std::lock_guard lock(mutex);
    return queries;
  }
};

TEST(BlogWeather, ProxiesTheUpstreamWithTheFrameworksClient) {
  Upstream upstream;
  BlogProcess blog({.env = {"WEATHER_API_URL=" + upstream.url(), "WEATHER_API_KEY=k&y=1"}});
  Reply ok = blog.curl("/api/weather?city=S%C3%A3o%20Paulo");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"city":"São Paulo","temperature":12.5,"conditions":"Light rain"})");
  ASSERT_EQ(upstream.seen().size(), 1u);
  EXPECT_EQ(upstream.seen()[0], "city=S%C3%A3o%20Paulo&key=k%26y%3D1");  // both url-encoded

  Reply none = blog.curl("/api/weather");
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(none.body, R"({"error":"City parameter required"})");
  for (const char* city : {"Broken", "Garbled"}) {
    Reply bad = blog.curl("/api/weather?city=" + std::string(city));
    EXPECT_EQ(bad.status, 502) << city;
    EXPECT_EQ(bad.body, R"({"error":"Failed to fetch weather"})");
  }
  const auto start = std::chrono::steady_clock::now();
  Reply slow = blog.curl("/api/weather?city=Slow");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(slow.status, 502);
  EXPECT_GE(took, 4900ms);
  EXPECT_LT(took, 6500ms);  // the 5 s timeout, not the upstream's 7 s
}

TEST(BlogWeather, AnUnreachableUpstreamIs502) {
  BlogProcess blog({.env = {"WEATHER_API_URL=http://127.0.0.1:1"}});
  Reply r = blog.curl("/api/weather?city=London");
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.body, R"({"error":"Failed to fetch weather"})");
}

TEST(BlogRedis, TwoInstancesShareOneRateLimitAndOneCache) {
  std::optional<ignis::testing::RedisServer> redis;
  try {
    redis.emplace();
  } catch (const std::exception& e) {
    GTEST_SKIP() << e.what();
  }
  BlogProcess a({.env = {"REDIS_URL=" + redis->url()}});
  BlogProcess b({.env = {"REDIS_URL=" + redis->url()}});
  auto generate = [](const BlogProcess& p) { return p.curl("/api/generate", {"-X", "POST"}); };
  for (int i = 0; i < 5; ++i) {
    Reply r = generate(i % 2 ? b : a);
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.header("X-RateLimit-Remaining"), std::to_string(4 - i));
  }
  EXPECT_EQ(generate(a).status, 429);
  EXPECT_EQ(generate(b).status, 429);

  // /api/config: generated once, by whichever instance came first.
  const std::string config = a.curl("/api/config").body;
  EXPECT_EQ(b.curl("/api/config").body, config);
  // /api/time: one copy per window for both, and a revalidation on one refreshes both.
  const std::string time = a.curl("/api/time").body;
  EXPECT_EQ(b.curl("/api/time").body, time);
  std::this_thread::sleep_for(20ms);
  Reply revalidated = b.curl("/api/revalidate", {"-X", "POST", "--data",
                                                 R"({"tag":"time","secret":")" + std::string(kRevalidationSecret) + "\"}"});
  EXPECT_EQ(revalidated.status, 200);
  const std::string fresh = a.curl("/api/time").body;
  EXPECT_NE(fresh, time);
  EXPECT_EQ(b.curl("/api/time").body, fresh);
}

}  // namespace
}  // namespace blog::testing
