// CORS, request ids, metrics, time limits and the access log over real sockets.

#include <gtest/gtest.h>

#include <ignis/core/io.hpp>
#include <ignis/http/access_log.hpp>
#include <ignis/http/app.hpp>
#include <ignis/http/cors.hpp>
#include <ignis/http/metrics.hpp>
#include <ignis/http/request_id.hpp>
#include <ignis/http/sse.hpp>
#include <ignis/http/time_limit.hpp>

#include <mutex>
#include <regex>
#include <thread>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using namespace std::chrono_literals;
using ignis::testing::RawClient;
using ignis::testing::request;
using ignis::testing::TestServer;

namespace {

Task<Response> hello(Request&) { co_return Response::json({{"message", "Hello from the API"}}); }

App cors_app() {
  App app;
  app.route("/api/hello").GET(hello).POST(hello);
  auto public_cors = cors({.origins = {"*"}});
  app.route("/api/public").GET(public_cors(hello)).OPTIONS(public_cors.preflight());
  app.use("/api/:path*", cors({.origins = {"https://your-frontend.com", "https://admin.example"}, .credentials = true}));
  return app;
}

TEST(Cors, ListedOriginGetsItselfBackWithVary) {
  App app = cors_app();
  TestServer server(app);
  auto res = request(server.port(), "GET", "/api/hello", "Origin: https://your-frontend.com\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("Access-Control-Allow-Origin"), "https://your-frontend.com");
  EXPECT_EQ(res->header_count("Access-Control-Allow-Origin"), 1u);
  EXPECT_EQ(res->header("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(res->header("Vary"), "Origin");
}

TEST(Cors, OtherOriginsGetNoCorsHeaders) {
  App app = cors_app();
  TestServer server(app);
  auto res = request(server.port(), "GET", "/api/hello", "Origin: https://evil.example\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(res->header("Access-Control-Allow-Origin"));
  EXPECT_FALSE(res->header("Access-Control-Allow-Credentials"));
  EXPECT_EQ(res->header("Vary"), "Origin");
  auto no_origin = request(server.port(), "GET", "/api/hello");
  ASSERT_TRUE(no_origin);
  EXPECT_FALSE(no_origin->header("Access-Control-Allow-Origin"));
}

TEST(Cors, PreflightFromListedOriginIs204WithMethodsHeadersAndMaxAge) {
  App app = cors_app();
  TestServer server(app);
  auto res = request(server.port(), "OPTIONS", "/api/hello",
                     "Origin: https://admin.example\r\nAccess-Control-Request-Method: POST\r\n"
                     "Access-Control-Request-Headers: content-type\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_EQ(res->header("Access-Control-Allow-Origin"), "https://admin.example");
  EXPECT_EQ(res->header("Access-Control-Allow-Methods"), "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
  EXPECT_EQ(res->header("Access-Control-Allow-Headers"), "Content-Type, Authorization");
  EXPECT_EQ(res->header("Access-Control-Max-Age"), "86400");
  EXPECT_EQ(res->header("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(res->header("Vary"), "Origin");
  EXPECT_EQ(res->body, "");
  // From an unlisted origin, the app's own OPTIONS answer, with no CORS header.
  auto other = request(server.port(), "OPTIONS", "/api/hello",
                       "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 204);
  EXPECT_FALSE(other->header("Access-Control-Allow-Origin"));
  EXPECT_TRUE(other->header("Allow"));
}

TEST(Cors, PerRouteCorsReplacesTheGlobalOne) {
  App app = cors_app();
  TestServer server(app);
  for (const char* origin : {"https://your-frontend.com", "https://evil.example"}) {
    auto res = request(server.port(), "GET", "/api/public", std::string("Origin: ") + origin + "\r\n");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, R"({"message":"Hello from the API"})");
    EXPECT_EQ(res->header_count("Access-Control-Allow-Origin"), 1u) << origin;
    EXPECT_EQ(res->header("Access-Control-Allow-Origin"), "*");
    EXPECT_FALSE(res->header("Access-Control-Allow-Credentials"));
  }
  auto pre = request(server.port(), "OPTIONS", "/api/public");
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->header_count("Access-Control-Allow-Origin"), 1u);
  EXPECT_EQ(pre->header("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(pre->header("Access-Control-Allow-Headers"), "Content-Type, Authorization");
  EXPECT_TRUE(pre->header("Access-Control-Allow-Methods"));
}

TEST(Cors, EchoesRequestedHeadersWhenNoneAreConfiguredAndAddsToVary) {
  App app;
  app.route("/x").GET([](Request&) -> Task<Response> {
    Response r = Response::text("x");
    r.headers().set("Vary", "Accept-Encoding");
    co_return r;
  });
  app.use(cors({.origins = {"https://a.example"}, .allowed_headers = {}, .exposed_headers = {"X-Total"}, .max_age = 0s}));
  TestServer server(app);
  auto pre = request(server.port(), "OPTIONS", "/x",
                     "Origin: https://a.example\r\nAccess-Control-Request-Method: GET\r\n"
                     "Access-Control-Request-Headers: x-one, x-two\r\n");
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->header("Access-Control-Allow-Headers"), "x-one, x-two");
  EXPECT_FALSE(pre->header("Access-Control-Max-Age"));
  auto get = request(server.port(), "GET", "/x", "Origin: https://a.example\r\n");
  ASSERT_TRUE(get);
  std::vector<std::string> vary;
  for (auto& [n, v] : get->headers)
    if (n == "Vary") vary.push_back(v);
  EXPECT_EQ(vary, (std::vector<std::string>{"Accept-Encoding", "Origin"}));
  EXPECT_EQ(get->header("Access-Control-Expose-Headers"), "X-Total");
}

TEST(RequestId, GeneratedOnEveryResponseAndKeptWhenSane) {
  App app;
  app.route("/api/hello").GET(hello);
  app.use(request_id());
  TestServer server(app);
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  auto a = request(server.port(), "GET", "/api/hello");
  auto b = request(server.port(), "GET", "/api/missing");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->header("X-Request-Id") && b->header("X-Request-Id"));
  EXPECT_TRUE(std::regex_match(*a->header("X-Request-Id"), uuid)) << *a->header("X-Request-Id");
  EXPECT_EQ(b->status, 404);
  EXPECT_NE(a->header("X-Request-Id"), b->header("X-Request-Id"));
  auto kept = request(server.port(), "GET", "/api/hello", "X-Request-Id: edge-42.abc:1\r\n");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->header("X-Request-Id"), "edge-42.abc:1");
  auto replaced = request(server.port(), "GET", "/api/hello", "X-Request-Id: <script>\r\n");
  ASSERT_TRUE(replaced);
  EXPECT_TRUE(std::regex_match(*replaced->header("X-Request-Id"), uuid));
  auto too_long = request(server.port(), "GET", "/api/hello", "X-Request-Id: " + std::string(129, 'a') + "\r\n");
  ASSERT_TRUE(too_long);
  EXPECT_EQ(too_long->header("X-Request-Id")->size(), 36u);
  EXPECT_EQ(too_long->header_count("X-Request-Id"), 1u);
}

std::uint64_t metric_value(const std::string& text, const std::string& series) {
  const std::string line = "\n" + series + " ";
  std::size_t at = text.find(line);
  if (at == std::string::npos) return 0;
  return std::stoull(text.substr(at + line.size()));
}

TEST(Metrics, CountsByRoutePatternMethodAndStatusWithAHistogram) {
  Metrics metrics;
  auto& jobs = metrics.gauge("jobs_running", "Jobs running.");
  App app;
  app.use(metrics);
  app.route("/api/posts/[id]").GET([](Request&, RouteContext& ctx) -> Task<Response> {
    if (ctx.params.get("id") == "0") co_return Response::json({{"error", "Post not found"}}, {.status = 404});
    co_return Response::json({{"id", ctx.params.get("id")}});
  });
  app.route("/api/boom").GET([](Request&) -> Task<Response> {
    throw std::runtime_error("x");
    co_return Response::text("");
  });
  app.route("/api/events").GET([](Request&) -> Task<Response> {
    co_return event_stream([](EventStream& es) -> Task<void> { co_await es.sleep_for(std::chrono::seconds(30)); });
  });
  app.route("/metrics").GET(metrics.handler());
  TestServer server(app, [] {
    auto o = TestServer::defaults();
    o.threads = 2;
    return o;
  }());
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(request(server.port(), "GET", "/api/posts/" + std::to_string(i)));
  ASSERT_TRUE(request(server.port(), "GET", "/api/posts/0"));
  ASSERT_TRUE(request(server.port(), "GET", "/api/boom"));
  ASSERT_TRUE(request(server.port(), "GET", "/nowhere"));
  jobs.add(3);
  jobs.add(-1);
  RawClient stream(server.port());  // an open event stream, counted by sse_open_streams
  stream.send("GET /api/events HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(stream.read_response(true));

  RawClient open_conn(server.port());  // an idle connection the gauge must count
  open_conn.send("GET /api/posts/9 HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(open_conn.read_response());

  auto res = request(server.port(), "GET", "/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& t = res->body;
  EXPECT_EQ(metric_value(t, R"(http_requests_total{route="/api/posts/[id]",method="GET",status="200"})"), 6u) << t;
  EXPECT_EQ(metric_value(t, R"(http_requests_total{route="/api/posts/[id]",method="GET",status="404"})"), 1u);
  EXPECT_EQ(metric_value(t, R"(http_requests_total{route="/api/boom",method="GET",status="500"})"), 1u);
  EXPECT_EQ(metric_value(t, R"(http_requests_total{route="",method="GET",status="404"})"), 1u);
  EXPECT_EQ(metric_value(t, R"(http_request_duration_seconds_count{route="/api/posts/[id]",method="GET"})"), 7u);
  EXPECT_EQ(metric_value(t, R"(http_request_duration_seconds_bucket{route="/api/posts/[id]",method="GET",le="+Inf"})"), 7u);
  EXPECT_NE(t.find("# TYPE http_request_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(t.find(R"(http_request_duration_seconds_bucket{route="/api/posts/[id]",method="GET",le="0.0005"})"),
            std::string::npos);
  EXPECT_EQ(metric_value(t, "jobs_running"), 2u);
  EXPECT_EQ(metric_value(t, "sse_open_streams"), 1u);
  // The idle keep-alive connection and the scrape's own.
  EXPECT_GE(metric_value(t, "http_open_connections"), 2u);
  EXPECT_THROW(metrics.gauge("bad name", "x"), std::invalid_argument);

  stream.shutdown_send();  // the client leaves: the stream ends and is no longer counted
  std::uint64_t open = 1;
  for (int i = 0; i < 200 && open != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    open = metric_value(request(server.port(), "GET", "/metrics")->body, "sse_open_streams");
  }
  EXPECT_EQ(open, 0u);
}

TEST(TimeLimit, AbortsTheSignalAndAnswers504) {
  App app;
  app.route("/api/slow").GET(time_limit(100ms)([](Request& req) -> Task<Response> {
    const bool slept = co_await sleep_for(10s, req.signal());
    co_return Response::json({{"slept", slept}});
  }));
  app.route("/api/fast").GET(time_limit(5s)(hello));
  TestServer server(app);
  const auto start = std::chrono::steady_clock::now();
  auto slow = request(server.port(), "GET", "/api/slow");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->status, 504);
  EXPECT_EQ(slow->body, R"({"error":"Gateway timeout"})");
  EXPECT_LT(took, 3s);
  auto fast = request(server.port(), "GET", "/api/fast");
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->status, 200);
  // The connection stays usable after a time-out.
  RawClient c(server.port());
  c.send("GET /api/slow HTTP/1.1\r\nHost: t\r\n\r\nGET /api/fast HTTP/1.1\r\nHost: t\r\n\r\n");
  auto first = c.read_response();
  auto second = c.read_response();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 504);
  EXPECT_EQ(second->status, 200);
}

TEST(AccessLog, WritesOneLinePerRequestOffTheReactorThread) {
  std::mutex m;
  std::string lines;
  std::thread::id writer_thread;
  auto log = access_log({.sink = [&](std::string_view batch) {
    std::lock_guard lock(m);
    lines.append(batch);
    writer_thread = std::this_thread::get_id();
  }});
  App app;
  app.use(log);
  app.use(request_id());
  app.route("/api/hello").GET(hello);
  TestServer server(app);
  auto res = request(server.port(), "GET", "/api/hello?x=\"1\"", "X-Request-Id: abc-1\r\n");
  ASSERT_TRUE(res);
  ASSERT_TRUE(request(server.port(), "GET", "/missing"));
  log.flush();
  std::lock_guard lock(m);
  const std::regex line1(
      R"(127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET /api/hello\?x=\\x221\\x22 HTTP/1\.1" 200 32 \d+\.\d{6} "abc-1"\n)");
  const std::size_t eol = lines.find('\n');
  ASSERT_NE(eol, std::string::npos) << lines;
  EXPECT_TRUE(std::regex_match(lines.substr(0, eol + 1), line1)) << lines;
  EXPECT_NE(lines.find("\"GET /missing HTTP/1.1\" 404 "), std::string::npos) << lines;
  EXPECT_TRUE(writer_thread != std::this_thread::get_id());
  EXPECT_EQ(log.dropped(), 0u);
}

TEST(AccessLog, AStalledWriterDropsLinesInsteadOfBlockingRequests) {
  std::mutex gate;
  std::unique_lock held(gate);  // the writer's first batch waits here until released
  std::atomic<int> batches{0};
  auto log = access_log({.sink = [&](std::string_view) {
                           ++batches;
                           std::lock_guard wait(gate);
                         },
                         .max_pending_bytes = 300});
  // Declared after the log: released before the log's writer is joined, even on failure.
  struct Release {
    std::unique_lock<std::mutex>& lock;
    ~Release() {
      if (lock.owns_lock()) lock.unlock();
    }
  } release{held};
  App app;
  app.use(log);
  app.route("/api/hello").GET(hello);
  TestServer server(app);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    auto res = request(server.port(), "GET", "/api/hello");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_GT(log.dropped(), 0u);  // ~100-byte lines: at most 3 wait while the writer is stuck
  held.unlock();
  log.flush();
  EXPECT_GE(batches.load(), 1);
}

TEST(AccessLog, WritesToAFile) {
  const std::string path = ::testing::TempDir() + "ignis_access_" + std::to_string(::getpid()) + ".log";
  std::remove(path.c_str());
  {
    auto log = access_log({.path = path});
    App app;
    app.use(log);
    app.route("/api/hello").GET(hello);
    TestServer server(app);
    ASSERT_TRUE(request(server.port(), "GET", "/api/hello"));
    log.flush();
  }
  FILE* f = std::fopen(path.c_str(), "r");
  ASSERT_TRUE(f);
  char buf[512] = {};
  std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  std::remove(path.c_str());
  EXPECT_NE(std::string(buf, n).find("\"GET /api/hello HTTP/1.1\" 200 "), std::string::npos);
  EXPECT_THROW(access_log({.path = "/nonexistent-dir/x.log"}), std::system_error);
}

}  // namespace

namespace {

// The server owns framing: whatever a handler (or middleware) says about it is dropped.
TEST(Responses, FramingHeadersFromHandlersAreDropped) {
  App app;
  app.route("/x").GET([](Request&) -> Task<Response> {
    Response r = Response::text("abc");
    r.headers().set("Vary", "Accept");
    r.headers().set("content-length", "999");
    r.headers().set("Transfer-Encoding", "chunked");
    r.headers().set("CONNECTION", "close");
    r.headers().set("X-Connection", "kept");
    co_return r;
  });
  app.use(request_id());
  TestServer server(app);
  RawClient c(server.port());
  c.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\nGET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  for (int i = 0; i < 2; ++i) {
    auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "abc");
    EXPECT_EQ(res->header("Content-Length"), "3");
    EXPECT_EQ(res->header_count("Content-Length"), 1u);
    EXPECT_FALSE(res->header("Transfer-Encoding"));
    EXPECT_FALSE(res->header("Connection"));
    EXPECT_EQ(res->header("X-Connection"), "kept");
    EXPECT_EQ(res->header("Vary"), "Accept");
    EXPECT_TRUE(res->header("X-Request-Id"));
  }
}

}  // namespace
