// Middleware and per-route wrappers over real sockets: order, early answers, editing the
// response, 404/405 paths, errors, guards handing values to handlers.

#include <gtest/gtest.h>

#include <atomic>

#include <ignis/http/app.hpp>
#include <ignis/http/middleware.hpp>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using ignis::testing::request;
using ignis::testing::TestServer;

namespace {

struct User {
  std::string name;
};

Task<Response> hello(Request&) { co_return Response::text("hello"); }

TEST(Middleware, RunsInOrderAndEditsTheResponse) {
  App app;
  app.route("/api/hello").GET(hello);
  app.use([](Request&, Next next) -> Task<Response> {
    Response res = co_await next();
    res.headers().append("X-Trace", "outer");
    co_return res;
  });
  app.use("/api/:path*", [](Request&, RouteContext& ctx, Next next) -> Task<Response> {
    Response res = co_await next();
    res.headers().append("X-Trace", "inner");
    res.headers().set("X-Pattern", ctx.pattern);
    co_return res;
  });
  TestServer server(app);
  auto res = request(server.port(), "GET", "/api/hello");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello");
  EXPECT_EQ(res->header("X-Pattern"), "/api/hello");
  // The inner middleware edited the response first, so its header comes first.
  ASSERT_EQ(res->header_count("X-Trace"), 2u);
  std::vector<std::string> trace;
  for (auto& [n, v] : res->headers)
    if (n == "X-Trace") trace.push_back(v);
  EXPECT_EQ(trace, (std::vector<std::string>{"inner", "outer"}));
}

TEST(Middleware, AnswersEarlyWithoutRunningTheHandler) {
  App app;
  std::atomic<int> handler_runs = 0;  // written on the server's thread
  app.route("/api/secret").GET([&](Request&) -> Task<Response> {
    ++handler_runs;
    co_return Response::text("secret");
  });
  app.use("/api/:path*", [](Request& req, Next next) -> Task<Response> {
    if (req.headers().get("x-api-key") != "k") co_return Response::json({{"error", "No key"}}, {.status = 401});
    co_return co_await next();
  });
  TestServer server(app);
  auto denied = request(server.port(), "GET", "/api/secret");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(denied->body, R"({"error":"No key"})");
  EXPECT_EQ(handler_runs, 0);
  auto allowed = request(server.port(), "GET", "/api/secret", "X-Api-Key: k\r\n");
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  EXPECT_EQ(handler_runs, 1);
}

TEST(Middleware, RunsFor404And405PathsItMatchesOnly) {
  App app;
  app.route("/api/hello").GET(hello);
  app.route("/about").GET(hello);
  app.use("/api/:path*", [](Request&, RouteContext& ctx, Next next) -> Task<Response> {
    Response res = co_await next();
    res.headers().set("X-Seen", ctx.pattern.empty() ? "none" : ctx.pattern);
    co_return res;
  });
  TestServer server(app);
  auto missing = request(server.port(), "GET", "/api/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->header("X-Seen"), "none");
  auto not_allowed = request(server.port(), "DELETE", "/api/hello");
  ASSERT_TRUE(not_allowed);
  EXPECT_EQ(not_allowed->status, 405);
  EXPECT_EQ(not_allowed->header("X-Seen"), "/api/hello");
  EXPECT_TRUE(not_allowed->header("Allow"));
  auto outside = request(server.port(), "GET", "/about");
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->status, 200);
  EXPECT_FALSE(outside->header("X-Seen"));
  auto head = request(server.port(), "HEAD", "/api/hello");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length"), "5");
  EXPECT_EQ(head->header("X-Seen"), "/api/hello");
}

TEST(Middleware, HandlerErrorsReachMiddlewareAsResponsesAndMiddlewareErrorsStayPrivate) {
  App app;
  app.route("/api/boom").GET([](Request&) -> Task<Response> {
    throw std::runtime_error("secret detail");
    co_return Response::text("unreachable");
  });
  app.route("/api/mw-boom").GET(hello);
  app.use([](Request& req, Next next) -> Task<Response> {
    if (req.path() == "/api/mw-boom") throw std::runtime_error("middleware secret");
    Response res = co_await next();
    res.headers().set("X-Wrapped", "yes");
    co_return res;
  });
  TestServer server(app);
  auto boom = request(server.port(), "GET", "/api/boom");
  ASSERT_TRUE(boom);
  EXPECT_EQ(boom->status, 500);
  EXPECT_EQ(boom->body, R"({"error":"Internal server error"})");
  EXPECT_EQ(boom->header("X-Wrapped"), "yes");
  auto mw = request(server.port(), "GET", "/api/mw-boom");
  ASSERT_TRUE(mw);
  EXPECT_EQ(mw->status, 500);
  EXPECT_EQ(mw->body, R"({"error":"Internal server error"})");
  EXPECT_TRUE(server.logged("middleware secret"));
}

// A wrapper written from a middleware function, composed with a guard that hands the
// signed-in user to the handler.
TEST(Wrappers, GuardHandsTheUserThroughOtherWrappers) {
  auto with_auth = guard([](Request& req) -> std::optional<User> {
    auto session = req.cookies().get("session");
    if (!session || session->empty()) return std::nullopt;
    return User{std::string(*session)};
  });
  auto with_tag = wrapper([](Request&, Next next) -> Task<Response> {
    Response res = co_await next();
    res.headers().set("X-Tagged", "1");
    co_return res;
  });
  App app;
  app.route("/api/profile").GET(with_auth(with_tag([](Request&, RouteContext& ctx, const User& user) -> Task<Response> {
    co_return Response::json({{"user", json::Value{{"name", user.name}}}, {"pattern", ctx.pattern}});
  })));
  app.route("/api/plain").GET(with_tag(hello));
  TestServer server(app);

  auto anon = request(server.port(), "GET", "/api/profile");
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->status, 401);
  EXPECT_EQ(anon->body, R"({"error":"Unauthorized"})");
  EXPECT_FALSE(anon->header("X-Tagged"));  // the guard is outermost

  auto ok = request(server.port(), "GET", "/api/profile", "Cookie: session=ada\r\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, R"({"user":{"name":"ada"},"pattern":"/api/profile"})");
  EXPECT_EQ(ok->header("X-Tagged"), "1");

  auto plain = request(server.port(), "GET", "/api/plain");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->body, "hello");
  EXPECT_EQ(plain->header("X-Tagged"), "1");
}

TEST(Wrappers, AsyncGuardsStackAndAppendTheirValuesInOrder) {
  auto with_user = guard([](Request& req) -> Task<std::optional<User>> {
    auto name = req.headers().get("x-user");
    if (!name) co_return std::nullopt;
    co_return User{std::string(*name)};
  });
  auto with_role = guard(
      [](Request& req) -> std::optional<std::string> {
        auto role = req.headers().get("x-role");
        if (!role || *role != "admin") return std::nullopt;
        return std::string(*role);
      },
      403, "Forbidden");
  App app;
  app.route("/api/admin").GET(with_user(with_role([](Request&, RouteContext&, const User& u, const std::string& role) -> Task<Response> {
    co_return Response::json({{"user", u.name}, {"role", role}});
  })));
  TestServer server(app);
  auto none = request(server.port(), "GET", "/api/admin");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto user = request(server.port(), "GET", "/api/admin", "X-User: bo\r\n");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->status, 403);
  EXPECT_EQ(user->body, R"({"error":"Forbidden"})");
  auto admin = request(server.port(), "GET", "/api/admin", "X-User: bo\r\nX-Role: admin\r\n");
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->status, 200);
  EXPECT_EQ(admin->body, R"({"user":"bo","role":"admin"})");
}

}  // namespace

namespace {

// A synchronous middleware that answers early for one path and stamps the rest.
struct Stamp : SyncMiddlewareBase<Stamp> {
  explicit Stamp(std::string n) : name(std::move(n)) {}
  struct State {
    int seen;
  };
  std::optional<Response> before(Request& req, RouteContext&, State& s) const {
    s.seen = 1;
    if (req.path() == "/closed/" + name) return Response::json({{"error", "closed by " + name}}, {.status = 503});
    return std::nullopt;
  }
  void after(Request&, RouteContext&, State& s, Response& res) const {
    res.headers().append("X-Stamp", name + (s.seen == 1 ? "" : "?"));
  }
  std::string name;
};

std::vector<std::string> all(const ignis::testing::HttpResponse& res, std::string_view name) {
  std::vector<std::string> out;
  for (auto& [n, v] : res.headers)
    if (n == name) out.push_back(v);
  return out;
}

TEST(SyncMiddleware, MixesWithCoroutineMiddlewareInRegistrationOrder) {
  App app;
  app.route("/api/hello").GET(hello);
  app.route("/api/boom").GET([](Request&) -> Task<Response> {
    throw std::runtime_error("inner secret");
    co_return Response::text("");
  });
  app.use(Stamp("a"));
  app.use([](Request& req, Next next) -> Task<Response> {
    if (req.path() == "/api/thrown") throw std::runtime_error("coroutine middleware secret");
    Response res = co_await next();
    res.headers().append("X-Stamp", "co");
    co_return res;
  });
  app.use("/api/:path*", Stamp("b"));
  app.use("/nowhere", Stamp("never"));
  app.use(Stamp("c"));
  TestServer server(app);

  auto ok = request(server.port(), "GET", "/api/hello");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body, "hello");
  EXPECT_EQ(all(*ok, "X-Stamp"), (std::vector<std::string>{"c", "b", "co", "a"}));

  // An error inside a row of synchronous middleware is a 500 they still stamp.
  auto boom = request(server.port(), "GET", "/api/boom");
  ASSERT_TRUE(boom);
  EXPECT_EQ(boom->status, 500);
  EXPECT_EQ(all(*boom, "X-Stamp"), (std::vector<std::string>{"c", "b", "co", "a"}));
  // A coroutine middleware's error: the outer synchronous one still sees the 500.
  auto thrown = request(server.port(), "GET", "/api/thrown");
  ASSERT_TRUE(thrown);
  EXPECT_EQ(thrown->status, 500);
  EXPECT_EQ(thrown->body, R"({"error":"Internal server error"})");
  EXPECT_EQ(all(*thrown, "X-Stamp"), (std::vector<std::string>{"a"}));

  // An early answer skips the rest, and the after() of the one that answered.
  auto closed = request(server.port(), "GET", "/closed/b");  // b does not match /closed
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->status, 404);
  auto closed_c = request(server.port(), "GET", "/closed/c");
  ASSERT_TRUE(closed_c);
  EXPECT_EQ(closed_c->status, 503);
  EXPECT_EQ(closed_c->body, R"({"error":"closed by c"})");
  EXPECT_EQ(all(*closed_c, "X-Stamp"), (std::vector<std::string>{"co", "a"}));
  EXPECT_TRUE(server.logged("inner secret"));
}

TEST(SyncMiddleware, AllSynchronousAndMoreThanOneFrameHolds) {
  App app;
  app.route("/api/hello").GET(hello);
  std::vector<std::string> expected;
  for (int i = 0; i < 11; ++i) {
    app.use(Stamp(std::to_string(i)));
    expected.insert(expected.begin(), std::to_string(i));
  }
  TestServer server(app);
  auto res = request(server.port(), "GET", "/api/hello");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "hello");
  EXPECT_EQ(all(*res, "X-Stamp"), expected);
  auto early = request(server.port(), "GET", "/closed/9");
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 503);
  EXPECT_EQ(all(*early, "X-Stamp"), (std::vector<std::string>{"8", "7", "6", "5", "4", "3", "2", "1", "0"}));
}

TEST(SyncMiddleware, AsAWrapperAroundOneRoute) {
  App app;
  app.route("/api/hello").GET(Stamp("w")(hello));
  app.route("/closed/w").GET(Stamp("w")(hello));
  TestServer server(app);
  auto res = request(server.port(), "GET", "/api/hello");
  ASSERT_TRUE(res);
  EXPECT_EQ(all(*res, "X-Stamp"), (std::vector<std::string>{"w"}));
  auto early = request(server.port(), "GET", "/closed/w");
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 503);
}

}  // namespace
