// The README's "Production features" example, compiled and run: keep the two in step.

#include <gtest/gtest.h>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

// README begin
#include <ignis/http/app.hpp>
#include <ignis/http/cache.hpp>
#include <ignis/http/client.hpp>
#include <ignis/http/cors.hpp>
#include <ignis/http/metrics.hpp>
#include <ignis/http/rate_limit.hpp>
#include <ignis/http/request_id.hpp>
#include <ignis/http/time_limit.hpp>
#include <ignis/json/document.hpp>

using namespace std::chrono_literals;

struct User {
  std::string name;
};

// withAuth: a wrapper that hands the signed-in user to the handler.
auto with_auth = ignis::guard([](ignis::Request& req) -> std::optional<User> {
  auto session = req.cookies().get("session");
  if (!session || session->empty()) return std::nullopt;  // -> 401 {"error":"Unauthorized"}
  return User{std::string(*session)};
});
auto with_rate_limit = ignis::rate_limit({.limit = 5, .window = 60s});

ignis::Task<ignis::Response> profile(ignis::Request&, ignis::RouteContext&, const User& user) {
  co_return ignis::Response::json({{"user", ignis::json::Value{{"name", user.name}}}});
}

ignis::Task<ignis::Response> get_time(ignis::Request&) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  co_return ignis::Response::json({{"now", std::chrono::duration_cast<std::chrono::milliseconds>(now).count()}});
}

ignis::Task<ignis::Response> revalidate(ignis::Request& req) {
  co_await ignis::revalidate_tag(req, std::string(req.search_params().get("tag").value_or("time")));
  co_return ignis::Response::json({{"revalidated", true}});
}

ignis::Task<ignis::Response> weather(ignis::Request& req) {
  try {
    auto res = co_await ignis::fetch("http://127.0.0.1:9/v1/current", {.timeout = 5s, .signal = &req.signal()});
    if (res.ok()) {
      auto data = co_await res.json();
      co_return ignis::Response::json({{"temperature", double(data["temp"])}});
    }
  } catch (const ignis::FetchError&) {
  }
  co_return ignis::Response::json({{"error", "Failed to fetch weather"}}, {.status = 502});
}

ignis::App make_app(ignis::Metrics& metrics) {
  ignis::App app;
  app.use(metrics);                  // outermost: counts and times everything
  app.use(ignis::request_id());
  app.use("/api/:path*", ignis::cors({.origins = {"https://your-frontend.com"}}));
  app.route("/api/profile").GET(with_auth(with_rate_limit(profile)));
  app.route("/api/time").GET(ignis::cache({.revalidate = 2s, .tags = {"time"}})(get_time));
  app.route("/api/revalidate").POST(revalidate);
  app.route("/api/weather").GET(ignis::time_limit(10s)(weather));
  app.route("/metrics").GET(metrics.handler());
  return app;
}
// README end


using ignis::testing::request;
using ignis::testing::TestServer;

TEST(ReadmeProduction, TheExampleServesWhatItSays) {
  ignis::Metrics metrics;
  ignis::App app = make_app(metrics);
  TestServer server(app);
  auto anon = request(server.port(), "GET", "/api/profile", "Origin: https://your-frontend.com\r\n");
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->status, 401);
  EXPECT_EQ(anon->header("Access-Control-Allow-Origin"), "https://your-frontend.com");
  EXPECT_TRUE(anon->header("X-Request-Id"));
  auto me = request(server.port(), "GET", "/api/profile", "Cookie: session=ada\r\n");
  ASSERT_TRUE(me);
  EXPECT_EQ(me->body, R"({"user":{"name":"ada"}})");
  EXPECT_EQ(me->header("X-RateLimit-Limit"), "5");
  auto t1 = request(server.port(), "GET", "/api/time");
  auto t2 = request(server.port(), "GET", "/api/time");
  ASSERT_TRUE(t1 && t2);
  EXPECT_EQ(t1->body, t2->body);
  ASSERT_TRUE(request(server.port(), "POST", "/api/revalidate?tag=time"));
  auto w = request(server.port(), "GET", "/api/weather");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->status, 502);  // nothing listens on port 9
  auto m = request(server.port(), "GET", "/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find(R"(http_requests_total{route="/api/profile",method="GET",status="401"} 1)"), std::string::npos);
}
