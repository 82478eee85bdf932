// Middleware and per-route wrappers over real sockets: order, early answers, editing the
// response, 404/405 paths, errors, guards handing values to handlers.

#include <gtest/gtest.h>

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
  int handler_runs = 0;
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
