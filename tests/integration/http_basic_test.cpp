// Route Handler behaviour over real sockets: methods, 404/405/HEAD/OPTIONS, request and
// response objects, errors.

#include <gtest/gtest.h>

#include <ignis/core/io.hpp>
#include <ignis/core/offload.hpp>
#include <ignis/http/app.hpp>
#include <ignis/http/error.hpp>
#include <ignis/json/document.hpp>

#include <thread>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using ignis::testing::RawClient;
using ignis::testing::request;
using ignis::testing::TestServer;

namespace {

App make_app() {
  App app;
  app.route("/api/hello").GET([](Request&) -> Task<Response> { co_return Response::text("Hello, World!"); });
  app.route("/api/posts/[id]")
      .GET([](Request&, RouteContext& ctx) -> Task<Response> {
        co_return Response::json({{"id", ctx.params.get("id")}, {"pattern", ctx.pattern}});
      })
      .DELETE([](Request&) -> Task<Response> { co_return Response::empty(); });
  app.route("/docs/[...slug]").GET([](Request&, RouteContext& ctx) -> Task<Response> {
    co_return Response::json({{"slug", ctx.params.get("slug")}, {"segments", ctx.params.segments("slug")}});
  });
  app.route("/api/custom-options")
      .GET([](Request&) -> Task<Response> { co_return Response::text("get"); })
      .OPTIONS([](Request&) -> Task<Response> { co_return Response::text("mine", {.status = 200}); });
  app.route("/api/echo").POST([](Request& req) -> Task<Response> {
    std::string_view body = co_await req.text();
    co_return Response::text(body, {.headers = {{"X-Length", std::to_string(body.size())}}});
  });
  app.route("/api/json").POST([](Request& req) -> Task<Response> {
    auto doc = co_await req.json();
    std::string_view name = doc["name"];
    co_return Response::json({{"hello", name}});
  });
  app.route("/api/inspect").GET([](Request& req) -> Task<Response> {
    co_return Response::json({{"path", req.path()},
                              {"url", req.url()},
                              {"q", req.search_params().get("q")},
                              {"tags", req.search_params().get_all("tag")},
                              {"has_flag", req.search_params().has("flag")},
                              {"agent", req.headers().get("USER-AGENT")},
                              {"missing", req.headers().get("x-missing")},
                              {"session", req.cookies().get("session")},
                              {"client", req.client_address()},
                              {"version", req.http_version()}});
  });
  app.route("/api/cookie").GET([](Request&) -> Task<Response> {
    Response res = Response::json({{"ok", true}});
    res.cookies().set("session", "abc", {.max_age = 604800, .http_only = true, .same_site = SameSite::lax});
    res.headers().set("Cache-Control", "no-store");
    co_return res;
  });
  app.route("/api/redirect").GET([](Request&) -> Task<Response> { co_return Response::redirect("/api/hello"); });
  app.route("/api/boom").GET([](Request&) -> Task<Response> {
    throw std::runtime_error("secret detail");
    co_return Response::text("unreachable");
  });
  app.route("/api/teapot").GET([](Request&) -> Task<Response> {
    throw HttpError(418, "I am a teapot");
    co_return Response::text("unreachable");
  });
  app.route("/api/big").GET([](Request&) -> Task<Response> { co_return Response::text(std::string(1 << 20, 'x')); });
  app.route("/api/offload").GET([](Request&) -> Task<Response> {
    auto before = std::this_thread::get_id();
    auto worker = co_await offload([] { return std::this_thread::get_id(); });
    auto after = std::this_thread::get_id();
    co_return Response::json({{"same_thread", before == after}, {"ran_elsewhere", worker != before}});
  });
  app.route("/api/sleep").GET([](Request&) -> Task<Response> {
    co_await sleep_for(std::chrono::milliseconds(50));
    co_return Response::text("slept");
  });
  app.route("/").GET([](Request&) -> Task<Response> { co_return Response::text("root"); });
  return app;
}

class HttpBasic : public ::testing::Test {
 protected:
  App app = make_app();
  TestServer server{app};
  std::uint16_t port() { return server.port(); }
};

TEST_F(HttpBasic, GetReturnsBodyWithLengthDateAndType) {
  auto r = request(port(), "GET", "/api/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "Hello, World!");
  EXPECT_EQ(r->header("content-length"), "13");
  EXPECT_EQ(r->header("content-type"), "text/plain; charset=utf-8");
  ASSERT_TRUE(r->header("date"));
  EXPECT_TRUE(r->header("date")->ends_with(" GMT"));
}

TEST_F(HttpBasic, RootAndTrailingSlash) {
  EXPECT_EQ(request(port(), "GET", "/")->body, "root");
  EXPECT_EQ(request(port(), "GET", "/api/hello/")->body, "Hello, World!");
}

TEST_F(HttpBasic, UnknownPathIsJson404) {
  auto r = request(port(), "GET", "/api/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->body, R"({"error":"Not found"})");
}

TEST_F(HttpBasic, MissingMethodIs405WithAllow) {
  auto r = request(port(), "PUT", "/api/posts/1", "", "{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->body, R"({"error":"Method not allowed"})");
  EXPECT_EQ(r->header("allow"), "GET, HEAD, DELETE, OPTIONS");
}

TEST_F(HttpBasic, UnknownMethodOnKnownRouteIs405) {
  auto r = request(port(), "PROPFIND", "/api/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET, HEAD, OPTIONS");
}

TEST_F(HttpBasic, HeadServesGetHeadersWithoutBody) {
  RawClient c(port());
  c.send("HEAD /api/hello HTTP/1.1\r\nHost: t\r\n\r\nGET /api/hello HTTP/1.1\r\nHost: t\r\n\r\n");
  auto head = c.read_response(/*head_only=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "13");
  EXPECT_EQ(head->header("content-type"), "text/plain; charset=utf-8");
  // The next bytes on the wire must be the second response, not a body.
  auto get = c.read_response();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "Hello, World!");
}

TEST_F(HttpBasic, OptionsWithoutHandlerIs204WithAllow) {
  auto r = request(port(), "OPTIONS", "/api/posts/7");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->header("allow"), "GET, HEAD, DELETE, OPTIONS");
  EXPECT_FALSE(r->header("content-length"));
  EXPECT_TRUE(r->body.empty());
}

TEST_F(HttpBasic, ExplicitOptionsHandlerWins) {
  auto r = request(port(), "OPTIONS", "/api/custom-options");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "mine");
}

TEST_F(HttpBasic, DeleteReturns204WithoutBody) {
  RawClient c(port());
  c.send("DELETE /api/posts/3 HTTP/1.1\r\nHost: t\r\n\r\nGET /api/hello HTTP/1.1\r\nHost: t\r\n\r\n");
  auto del = c.read_response();
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 204);
  EXPECT_FALSE(del->header("content-length"));
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "Hello, World!");
}

TEST_F(HttpBasic, DynamicAndCatchAllParamsAreDecoded) {
  auto r = request(port(), "GET", "/api/posts/a%20b");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, R"({"id":"a b","pattern":"/api/posts/[id]"})");
  auto docs = request(port(), "GET", "/docs/guide/getting%2Fstarted");
  ASSERT_TRUE(docs);
  EXPECT_EQ(docs->body, R"({"slug":"guide/getting/started","segments":["guide","getting/started"]})");
}

TEST_F(HttpBasic, RequestObjectExposesUrlQueryHeadersCookies) {
  auto r = request(port(), "GET", "/api/inspect?q=hello+world%21&tag=a&tag=b%20c&flag",
                   "User-Agent: tester/1.0\r\nCookie: theme=dark; session=s3cr3t\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body,
            R"({"path":"/api/inspect","url":"/api/inspect?q=hello+world%21&tag=a&tag=b%20c&flag","q":"hello world!",)"
            R"("tags":["a","b c"],"has_flag":true,"agent":"tester/1.0","missing":null,"session":"s3cr3t",)"
            R"("client":"127.0.0.1","version":"1.1"})");
}

TEST_F(HttpBasic, SetCookieAndCustomHeaders) {
  auto r = request(port(), "GET", "/api/cookie");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("set-cookie"), "session=abc; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax");
  EXPECT_EQ(r->header("cache-control"), "no-store");
}

TEST_F(HttpBasic, Redirect) {
  auto r = request(port(), "GET", "/api/redirect");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 307);
  EXPECT_EQ(r->header("location"), "/api/hello");
}

TEST_F(HttpBasic, HandlerExceptionIsGeneric500AndLogged) {
  auto r = request(port(), "GET", "/api/boom");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, R"({"error":"Internal server error"})");
  EXPECT_EQ(r->body.find("secret"), std::string::npos);
  EXPECT_TRUE(server.logged("secret detail"));
}

TEST_F(HttpBasic, HttpErrorCarriesStatusAndPublicMessage) {
  auto r = request(port(), "GET", "/api/teapot");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 418);
  EXPECT_EQ(r->body, R"({"error":"I am a teapot"})");
}

TEST_F(HttpBasic, EchoesBody) {
  auto r = request(port(), "POST", "/api/echo", "Content-Type: text/plain\r\n", "some body");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "some body");
  EXPECT_EQ(r->header("x-length"), "9");
}

TEST_F(HttpBasic, JsonBody) {
  auto r = request(port(), "POST", "/api/json", "Content-Type: application/json\r\n", R"({"x":1,"name":"ada"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"hello":"ada"})");
}

TEST_F(HttpBasic, InvalidJsonIs400) {
  for (std::string_view bad : {R"({"name":)", "not json", R"({"name":"ada")", ""}) {
    auto r = request(port(), "POST", "/api/json", "Content-Type: application/json\r\n", bad);
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_EQ(r->body, R"({"error":"Invalid JSON"})") << bad;
  }
}

TEST_F(HttpBasic, LargeResponseArrivesWhole) {
  auto r = request(port(), "GET", "/api/big");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("content-length"), std::to_string(1 << 20));
  EXPECT_EQ(r->body, std::string(1 << 20, 'x'));
}

TEST_F(HttpBasic, OffloadRunsElsewhereAndResumesOnReactorThread) {
  auto r = request(port(), "GET", "/api/offload");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, R"({"same_thread":true,"ran_elsewhere":true})");
}

TEST_F(HttpBasic, TimersSuspendAndResume) {
  auto start = std::chrono::steady_clock::now();
  auto r = request(port(), "GET", "/api/sleep");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "slept");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
}

TEST(HttpThreads, ManyConnectionsAcrossTwoReactors) {
  App app = make_app();
  auto options = TestServer::defaults();
  options.threads = 2;
  TestServer server(app, options);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        RawClient c(server.port());
        for (int k = 0; k < 4; ++k) {
          c.send("GET /api/posts/" + std::to_string(k) + " HTTP/1.1\r\nHost: t\r\n\r\n");
          auto r = c.read_response();
          if (r && r->status == 200 && r->body.find("\"id\":\"" + std::to_string(k) + "\"") != std::string::npos) ++ok;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 8 * 25 * 4);
}

}  // namespace
