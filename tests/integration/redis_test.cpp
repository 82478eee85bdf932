// The Redis client, and the Redis-backed rate limit and cache, against a real
// redis-server started on a loopback port: two server instances share one limit and one
// cache.

#include <gtest/gtest.h>

#include <ignis/core/io.hpp>
#include <ignis/http/app.hpp>
#include <ignis/http/cache.hpp>
#include <ignis/http/rate_limit.hpp>
#include <ignis/http/redis.hpp>

#include <atomic>
#include <thread>

#include "support/redis_server.hpp"
#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using namespace std::chrono_literals;
using ignis::testing::RedisServer;
using ignis::testing::request;
using ignis::testing::TestServer;

namespace {

class RedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new RedisServer(); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(redis_->call("FLUSHALL"), "+OK\r\n"); }
  static RedisServer* redis_;
};
RedisServer* RedisTest::redis_ = nullptr;

std::string describe(const redis::Reply& r) {
  switch (r.type) {
    case redis::Reply::Type::nil: return "nil";
    case redis::Reply::Type::string: return "string:" + r.text;
    case redis::Reply::Type::status: return "status:" + r.text;
    case redis::Reply::Type::error: return "error:" + r.text.substr(0, r.text.find(' '));
    case redis::Reply::Type::integer: return "integer:" + std::to_string(r.integer);
    case redis::Reply::Type::array: {
      std::string out = "array:[";
      for (const auto& e : r.elements) out += describe(e) + ",";
      return out + "]";
    }
  }
  return "?";
}

TEST_F(RedisTest, CommandsAndReplyTypes) {
  auto client = redis::Client::from_url(redis_->url());
  App app;
  app.route("/run").GET([client](Request&) -> Task<Response> {
    std::vector<std::string> out;
    out.push_back(describe(co_await client.command("SET", "greeting", std::string("hello\r\nworld\0!", 14))));
    out.push_back(describe(co_await client.command("GET", "greeting")));
    out.push_back(describe(co_await client.command("GET", "missing")));
    out.push_back(describe(co_await client.command("INCR", "n")));
    out.push_back(describe(co_await client.command("INCRBY", "n", 41)));
    out.push_back(describe(co_await client.command("INCR", "greeting")));
    out.push_back(describe(co_await client.command("RPUSH", "list", "a", "b")));
    out.push_back(describe(co_await client.command("LRANGE", "list", 0, -1)));
    co_return Response::json(out);
  });
  TestServer server(app);
  auto res = request(server.port(), "GET", "/run");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body,
            R"(["status:OK","string:hello\r\nworld\u0000!","nil","integer:1","integer:42","error:ERR",)"
            R"("integer:2","array:[string:a,string:b,]"])");
  EXPECT_EQ(redis_->call("GET n"), "$2\r\n42\r\n");
}

TEST_F(RedisTest, ConcurrentRequestsOnTwoThreadsShareEachThreadsConnection) {
  auto client = redis::Client::from_url(redis_->url());
  App app;
  app.route("/incr").GET([client](Request&) -> Task<Response> {
    redis::Reply a = co_await client.command("INCR", "hits");
    redis::Reply b = co_await client.command("INCR", "hits");
    co_return Response::json({{"ok", b.integer > a.integer}});
  });
  auto options = TestServer::defaults();
  options.threads = 2;
  TestServer server(app, options);
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto res = request(server.port(), "GET", "/incr");
        if (res && res->body == R"({"ok":true})") ++ok;
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 200);
  EXPECT_EQ(redis_->call("GET hits"), "$3\r\n400\r\n");
  // One connection per reactor thread (plus ours for the check).
  const std::string list = redis_->call("CLIENT LIST");
  std::size_t connections = 0;
  for (std::size_t at = 0; (at = list.find("id=", at)) != std::string::npos; ++at) ++connections;
  EXPECT_LE(connections, 3u) << list;
}

App rate_limited_app(const redis::Client& client, RateLimitAlgorithm algorithm) {
  App app;
  auto with_rate_limit = rate_limit({.limit = 5, .window = 60s, .algorithm = algorithm,
                                     .store = redis_rate_limit_store(client), .name = "generate"});
  app.route("/api/generate").POST(with_rate_limit([](Request&) -> Task<Response> {
    co_return Response::json({{"data", "result"}});
  }));
  return app;
}

void expect_shared_limit(RateLimitAlgorithm algorithm, const std::string& url) {
  auto client = redis::Client::from_url(url);
  App a = rate_limited_app(client, algorithm);
  App b = rate_limited_app(client, algorithm);
  TestServer one(a), two(b);
  int allowed = 0, limited = 0;
  for (int i = 0; i < 8; ++i) {
    auto res = request(i % 2 ? two.port() : one.port(), "POST", "/api/generate");
    ASSERT_TRUE(res);
    if (res->status == 200) {
      ++allowed;
      EXPECT_EQ(res->header("X-RateLimit-Limit"), "5");
      EXPECT_EQ(res->header("X-RateLimit-Remaining"), std::to_string(5 - allowed));
      EXPECT_TRUE(res->header("X-RateLimit-Reset"));
    } else {
      ++limited;
      EXPECT_EQ(res->status, 429);
      EXPECT_EQ(res->body, R"({"error":"Too many requests"})");
      EXPECT_TRUE(res->header("Retry-After"));
    }
  }
  EXPECT_EQ(allowed, 5);
  EXPECT_EQ(limited, 3);
}

TEST_F(RedisTest, TwoInstancesShareOneFixedWindowLimit) {
  expect_shared_limit(RateLimitAlgorithm::fixed_window, redis_->url());
  EXPECT_NE(redis_->call("PTTL ignis:rl:f:generate:127.0.0.1"), ":-1\r\n");  // the window expires
}

TEST_F(RedisTest, TwoInstancesShareOneSlidingWindowLimit) {
  expect_shared_limit(RateLimitAlgorithm::sliding_window, redis_->url());
}

struct Runs {
  std::atomic<int> n{0};
};

App cached_app(const std::shared_ptr<CacheStore>& store, std::shared_ptr<Runs> runs) {
  App app;
  app.route("/api/config").GET(cache({.store = store})([runs](Request&) -> Task<Response> {
    const int n = ++runs->n;
    co_return Response::json({{"version", "1.0.0"}, {"generatedAt", n}});
  }));
  app.route("/api/time").GET(cache({.revalidate = 60s, .tags = {"time"}, .store = store})([runs](Request&) -> Task<Response> {
    co_return Response::json({{"now", ++runs->n}});
  }));
  app.route("/api/revalidate").POST([store](Request& req) -> Task<Response> {
    if (req.search_params().has("tag"))
      co_await store->revalidate_tag(std::string(*req.search_params().get("tag")));
    else
      co_await store->revalidate_path(std::string(req.search_params().get("path").value_or("")));
    co_return Response::json({{"revalidated", true}});
  });
  return app;
}

TEST_F(RedisTest, TwoInstancesShareOneCache) {
  auto client = redis::Client::from_url(redis_->url());
  auto store = redis_cache_store(client);
  auto runs_a = std::make_shared<Runs>(), runs_b = std::make_shared<Runs>();
  App a = cached_app(store, runs_a);
  App b = cached_app(store, runs_b);
  TestServer one(a), two(b);

  auto first = request(one.port(), "GET", "/api/config");
  auto second = request(two.port(), "GET", "/api/config");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, R"({"version":"1.0.0","generatedAt":1})");
  EXPECT_EQ(second->body, first->body);
  EXPECT_EQ(second->header("Content-Type"), "application/json");
  EXPECT_EQ(second->header("X-Cache"), "HIT");
  EXPECT_EQ(runs_b->n.load(), 0);  // instance two never ran its handler

  auto t1 = request(two.port(), "GET", "/api/time");
  auto t2 = request(one.port(), "GET", "/api/time");
  ASSERT_TRUE(t1 && t2);
  EXPECT_EQ(t1->body, R"({"now":1})");
  EXPECT_EQ(t2->body, R"({"now":1})");
  // Revalidating the tag on one instance drops the copy for both.
  ASSERT_TRUE(request(one.port(), "POST", "/api/revalidate?tag=time"));
  auto t3 = request(one.port(), "GET", "/api/time");
  auto t4 = request(two.port(), "GET", "/api/time");
  ASSERT_TRUE(t3 && t4);
  EXPECT_EQ(t3->body, R"({"now":2})");
  EXPECT_EQ(t4->body, R"({"now":2})");
  EXPECT_EQ(runs_b->n.load(), 1);  // t1
  ASSERT_TRUE(request(two.port(), "POST", "/api/revalidate?path=/api/config"));
  auto c3 = request(two.port(), "GET", "/api/config");
  auto c4 = request(one.port(), "GET", "/api/config");
  ASSERT_TRUE(c3 && c4);
  EXPECT_EQ(c3->body, R"({"version":"1.0.0","generatedAt":2})");  // two ran it, for both
  EXPECT_EQ(c4->body, c3->body);
  EXPECT_EQ(runs_b->n.load(), 2);
}

TEST(RedisFailures, ATimeoutOrALostServerFailsTheCommandAndTheNextOneReconnects) {
  RedisServer redis;
  redis::Client client({.host = "127.0.0.1", .port = redis.port(), .timeout = 300ms});
  App app;
  app.route("/get").GET([client](Request&) -> Task<Response> {
    try {
      redis::Reply r = co_await client.command("INCR", "k");
      co_return Response::json({{"n", r.integer}});
    } catch (const redis::Error& e) {
      co_return Response::json({{"error", e.what()}}, {.status = 503});
    }
  });
  app.route("/limited").GET(rate_limit({.limit = 1, .store = redis_rate_limit_store(client)})(
      [](Request&) -> Task<Response> { co_return Response::text("ok"); }));
  auto runs = std::make_shared<std::atomic<int>>(0);
  app.route("/cached").GET(cache({.store = redis_cache_store(client)})([runs](Request&) -> Task<Response> {
    co_return Response::json({{"run", ++*runs}});
  }));
  TestServer server(app);
  auto ok = request(server.port(), "GET", "/get");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body, R"({"n":1})");

  ASSERT_EQ(redis.call("CLIENT PAUSE 1500"), "+OK\r\n");
  const auto start = std::chrono::steady_clock::now();
  auto slow = request(server.port(), "GET", "/get");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->status, 503);
  EXPECT_EQ(slow->body, R"({"error":"redis: no reply within the timeout"})");
  EXPECT_LT(took, 1200ms);
  std::this_thread::sleep_for(1500ms);
  auto again = request(server.port(), "GET", "/get");  // a new connection
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);

  redis.stop();
  auto gone = request(server.port(), "GET", "/get");
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 503);
  // The cache answers from the handler, uncached.
  for (int i = 1; i <= 2; ++i) {
    auto res = request(server.port(), "GET", "/cached");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "{\"run\":" + std::to_string(i) + "}");
  }
  // The rate limiter fails open: the request goes through, without limit headers.
  for (int i = 0; i < 2; ++i) {
    auto res = request(server.port(), "GET", "/limited");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_FALSE(res->header("X-RateLimit-Limit"));
  }
}

TEST(RedisClient, UrlsAreParsedOrRejected) {
  auto c = redis::Client::from_url("redis://localhost:6390/0");
  EXPECT_EQ(c.options().host, "localhost");
  EXPECT_EQ(c.options().port, 6390);
  EXPECT_EQ(redis::Client::from_url("redis://127.0.0.1").options().port, 6379);
  EXPECT_THROW(redis::Client::from_url("http://x:1"), std::invalid_argument);
  EXPECT_THROW(redis::Client::from_url("redis://x:99999"), std::invalid_argument);
  EXPECT_THROW(redis::Client::from_url("redis://:1"), std::invalid_argument);
  EXPECT_THROW(redis::Client::from_url("redis://no-such-host.invalid:1"), redis::Error);
}

}  // namespace
