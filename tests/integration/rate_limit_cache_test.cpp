// Rate limiting and response caching over real sockets, with the in-memory stores.

#include <gtest/gtest.h>

#include <ignis/core/io.hpp>
#include <ignis/http/app.hpp>
#include <ignis/http/cache.hpp>
#include <ignis/http/rate_limit.hpp>
#include <ignis/http/request_id.hpp>
#include <ignis/json/document.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using namespace std::chrono_literals;
using ignis::testing::request;
using ignis::testing::TestServer;

namespace {

Task<Response> generate(Request&) { co_return Response::json({{"data", "result"}}); }

TEST(RateLimit, FiveThenTooManyWithHeaders) {
  App app;
  auto with_rate_limit = rate_limit({.limit = 5, .window = 60s});
  app.route("/api/generate").POST(with_rate_limit(generate));
  TestServer server(app);
  for (int i = 0; i < 5; ++i) {
    auto res = request(server.port(), "POST", "/api/generate");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, R"({"data":"result"})");
    EXPECT_EQ(res->header("X-RateLimit-Limit"), "5");
    EXPECT_EQ(res->header("X-RateLimit-Remaining"), std::to_string(4 - i));
    const int reset = std::stoi(*res->header("X-RateLimit-Reset"));
    EXPECT_GE(reset, 59);
    EXPECT_LE(reset, 60);
  }
  auto denied = request(server.port(), "POST", "/api/generate");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 429);
  EXPECT_EQ(denied->body, R"({"error":"Too many requests"})");
  EXPECT_EQ(denied->header("X-RateLimit-Remaining"), "0");
  ASSERT_TRUE(denied->header("Retry-After"));
  EXPECT_GE(std::stoi(*denied->header("Retry-After")), 1);
  EXPECT_LE(std::stoi(*denied->header("Retry-After")), 60);
}

TEST(RateLimit, KeysOnTheFirstForwardedHopOnlyWhenTrustingTheProxy) {
  App app;
  app.route("/trusting").GET(rate_limit({.limit = 1, .window = 60s, .trust_proxy = true})(generate));
  app.route("/wary").GET(rate_limit({.limit = 1, .window = 60s})(generate));
  TestServer server(app);
  auto first = request(server.port(), "GET", "/trusting", "X-Forwarded-For: 203.0.113.7, 10.0.0.1\r\n");
  auto other_client = request(server.port(), "GET", "/trusting", "X-Forwarded-For: 198.51.100.2\r\n");
  auto same_client = request(server.port(), "GET", "/trusting", "X-Forwarded-For: 203.0.113.7\r\n");
  ASSERT_TRUE(first && other_client && same_client);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(other_client->status, 200);
  EXPECT_EQ(same_client->status, 429);
  // Without trust, X-Forwarded-For is ignored: the peer (127.0.0.1) is the key.
  auto a = request(server.port(), "GET", "/wary", "X-Forwarded-For: 203.0.113.7\r\n");
  auto b = request(server.port(), "GET", "/wary", "X-Forwarded-For: 198.51.100.2\r\n");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(b->status, 429);
  // A forged, implausible first hop falls back to the peer.
  auto junk = request(server.port(), "GET", "/trusting", "X-Forwarded-For: <script>, 1.2.3.4\r\n");
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->status, 200);  // 127.0.0.1's first hit on this limiter
}

TEST(RateLimit, UserKeyAsMiddlewareAcrossThreads) {
  App app;
  app.route("/api/a").GET(generate);
  app.route("/api/b").GET(generate);
  app.route("/open").GET(generate);
  app.use("/api/:path*", rate_limit({.limit = 20, .window = 60s, .algorithm = RateLimitAlgorithm::sliding_window,
                                     .key = [](Request& req) { return std::string(req.headers().get("x-api-key").value_or("anon")); }}));
  auto options = TestServer::defaults();
  options.threads = 2;
  TestServer server(app, options);
  // 4 clients x 10 requests on two reactor threads: exactly 20 of key "k" get through.
  std::atomic<int> ok{0}, limited{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c)
    clients.emplace_back([&, c] {
      for (int i = 0; i < 10; ++i) {
        auto res = request(server.port(), "GET", c % 2 ? "/api/a" : "/api/b", "X-Api-Key: k\r\n");
        if (res && res->status == 200) ++ok;
        if (res && res->status == 429) ++limited;
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(limited.load(), 20);
  auto other = request(server.port(), "GET", "/api/a", "X-Api-Key: other\r\n");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  auto open = request(server.port(), "GET", "/open", "X-Api-Key: k\r\n");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, 200);
  EXPECT_FALSE(open->header("X-RateLimit-Limit"));
}

// A store that always fails, for fail_open.
class BrokenStore final : public RateLimitStore {
 public:
  Task<RateLimitDecision> hit(std::string, std::int64_t, std::chrono::milliseconds, RateLimitAlgorithm) override {
    throw std::runtime_error("store down");
    co_return RateLimitDecision{};
  }
};

TEST(RateLimit, AFailingStoreFailsOpenOrClosedAsAsked) {
  App app;
  auto broken = std::make_shared<BrokenStore>();
  app.route("/open").GET(rate_limit({.limit = 1, .store = broken})(generate));
  app.route("/closed").GET(rate_limit({.limit = 1, .store = broken, .fail_open = false})(generate));
  TestServer server(app);
  for (int i = 0; i < 3; ++i) {
    auto res = request(server.port(), "GET", "/open");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  auto closed = request(server.port(), "GET", "/closed");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->status, 503);
  EXPECT_EQ(closed->body, R"({"error":"Service unavailable"})");
}

// ---------------------------------------------------------------------------- cache

struct Counter {
  std::atomic<int> runs{0};
};

TEST(Cache, StaticRunsTheHandlerOnceAndServesTheSameBytes) {
  auto store = std::make_shared<MemoryCacheStore>();
  auto counter = std::make_shared<Counter>();
  App app;
  app.use(request_id());
  app.route("/api/config").GET(cache({.store = store})([counter](Request&) -> Task<Response> {
    const int n = ++counter->runs;
    co_await sleep_for(50ms);  // concurrent first requests wait for this one
    Response r = Response::json({{"version", "1.0.0"}, {"features", json::Array{"a", "b"}}, {"generatedAt", n}});
    r.headers().set("X-Custom", "kept");
    co_return r;
  }));
  auto options = TestServer::defaults();
  options.threads = 2;
  TestServer server(app, options);
  std::vector<std::future<std::optional<ignis::testing::HttpResponse>>> first;
  for (int i = 0; i < 6; ++i)
    first.push_back(std::async(std::launch::async, [&] { return request(server.port(), "GET", "/api/config"); }));
  std::string body;
  for (auto& f : first) {
    auto res = f.get();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    if (body.empty()) body = res->body;
    EXPECT_EQ(res->body, body);
    EXPECT_EQ(res->header("X-Custom"), "kept");
    EXPECT_EQ(res->header("Content-Type"), "application/json");
  }
  EXPECT_EQ(body, R"({"version":"1.0.0","features":["a","b"],"generatedAt":1})");
  auto later = request(server.port(), "GET", "/api/config");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->body, body);
  EXPECT_EQ(later->header("X-Cache"), "HIT");
  EXPECT_EQ(later->header_count("X-Request-Id"), 1u);  // outer middleware, not cached
  auto head = request(server.port(), "HEAD", "/api/config");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->header("Content-Length"), std::to_string(body.size()));
  EXPECT_EQ(counter->runs.load(), 1);
}

TEST(Cache, RevalidatesAfterTheWindowWhileOthersGetTheOldCopy) {
  auto store = std::make_shared<MemoryCacheStore>();
  auto counter = std::make_shared<Counter>();
  App app;
  app.route("/api/time").GET(cache({.revalidate = 300ms, .tags = {"time"}, .store = store})(
      [counter](Request& req) -> Task<Response> {
        const int n = ++counter->runs;
        if (req.search_params().has("slow") || n == 2) co_await sleep_for(400ms);
        co_return Response::json({{"now", n}});
      }));
  auto options = TestServer::defaults();
  options.threads = 2;
  TestServer server(app, options);
  auto a = request(server.port(), "GET", "/api/time");
  auto b = request(server.port(), "GET", "/api/time");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, R"({"now":1})");
  EXPECT_EQ(a->header("X-Cache"), "MISS");
  EXPECT_EQ(b->body, R"({"now":1})");
  EXPECT_EQ(b->header("X-Cache"), "HIT");
  std::this_thread::sleep_for(350ms);
  // The first request after the window refreshes (slowly); one meanwhile gets the old copy.
  auto refresh = std::async(std::launch::async, [&] { return request(server.port(), "GET", "/api/time"); });
  std::this_thread::sleep_for(100ms);
  auto meanwhile = request(server.port(), "GET", "/api/time");
  ASSERT_TRUE(meanwhile);
  EXPECT_EQ(meanwhile->body, R"({"now":1})");
  EXPECT_EQ(meanwhile->header("X-Cache"), "STALE");
  auto refreshed = refresh.get();
  ASSERT_TRUE(refreshed);
  EXPECT_EQ(refreshed->body, R"({"now":2})");
  auto after = request(server.port(), "GET", "/api/time");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, R"({"now":2})");
  EXPECT_EQ(counter->runs.load(), 2);
}

TEST(Cache, OnDemandRevalidationByPathAndTag) {
  auto store = std::make_shared<MemoryCacheStore>();
  auto counter = std::make_shared<Counter>();
  App app;
  auto handler = [counter](Request&) -> Task<Response> { co_return Response::json({{"n", ++counter->runs}}); };
  app.route("/api/time").GET(cache({.tags = {"time"}, .store = store})(handler));
  app.route("/api/other").GET(cache({.tags = {"other"}, .store = store})(handler));
  app.route("/api/revalidate").POST([store](Request& req) -> Task<Response> {
    auto body = co_await req.json();
    if (std::string_view(body["secret"]) != "s3cret") co_return Response::json({{"error", "Invalid secret"}}, {.status = 401});
    std::string_view path, tag;
    if (!body.raw()["path"].get(path)) co_await store->revalidate_path(std::string(path));
    if (!body.raw()["tag"].get(tag)) co_await store->revalidate_tag(std::string(tag));
    co_return Response::json({{"revalidated", true}});
  });
  TestServer server(app);
  auto get = [&](const char* path) { return request(server.port(), "GET", path)->body; };
  EXPECT_EQ(get("/api/time"), R"({"n":1})");
  EXPECT_EQ(get("/api/time?x=1"), R"({"n":2})");  // another query, another copy
  EXPECT_EQ(get("/api/other"), R"({"n":3})");
  EXPECT_EQ(get("/api/time"), R"({"n":1})");
  auto wrong = request(server.port(), "POST", "/api/revalidate", "", R"({"path":"/api/time","secret":"no"})");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto by_path = request(server.port(), "POST", "/api/revalidate", "", R"({"path":"/api/time","secret":"s3cret"})");
  ASSERT_TRUE(by_path);
  EXPECT_EQ(by_path->body, R"({"revalidated":true})");
  EXPECT_EQ(get("/api/time"), R"({"n":4})");
  EXPECT_EQ(get("/api/time?x=1"), R"({"n":5})");  // every query of the path was dropped
  EXPECT_EQ(get("/api/other"), R"({"n":3})");
  ASSERT_TRUE(request(server.port(), "POST", "/api/revalidate", "", R"({"tag":"other","secret":"s3cret"})"));
  EXPECT_EQ(get("/api/other"), R"({"n":6})");
  EXPECT_EQ(get("/api/time"), R"({"n":4})");
}

TEST(Cache, OnlyCachesSuccessfulResponsesWithoutCookies) {
  auto store = std::make_shared<MemoryCacheStore>();
  auto counter = std::make_shared<Counter>();
  App app;
  app.route("/api/flaky").GET(cache({.store = store})([counter](Request&) -> Task<Response> {
    const int n = ++counter->runs;
    if (n == 1) co_return Response::json({{"error", "not yet"}}, {.status = 503});
    co_return Response::json({{"n", n}});
  }));
  app.route("/api/cookie").GET(cache({.store = store})([counter](Request&) -> Task<Response> {
    Response r = Response::json({{"n", ++counter->runs}});
    r.cookies().set("session", "x");
    co_return r;
  }));
  app.route("/api/post").POST(cache({.store = store})([counter](Request&) -> Task<Response> {
    co_return Response::json({{"n", ++counter->runs}});
  }));
  TestServer server(app);
  EXPECT_EQ(request(server.port(), "GET", "/api/flaky")->status, 503);
  EXPECT_EQ(request(server.port(), "GET", "/api/flaky")->body, R"({"n":2})");
  EXPECT_EQ(request(server.port(), "GET", "/api/flaky")->body, R"({"n":2})");
  EXPECT_EQ(request(server.port(), "GET", "/api/cookie")->body, R"({"n":3})");
  EXPECT_EQ(request(server.port(), "GET", "/api/cookie")->body, R"({"n":4})");
  EXPECT_EQ(request(server.port(), "POST", "/api/post")->body, R"({"n":5})");
  EXPECT_EQ(request(server.port(), "POST", "/api/post")->body, R"({"n":6})");
}

}  // namespace
