// Unit tests for ignis::App routing: App::route(...).GET(...), App::resolve() and the
// responses the app gives by itself (404, 405 with Allow, OPTIONS).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <coroutine>
#include <memory>
#include <utility>
#include <vector>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ignis/http/app.hpp"
#include "ignis/http/error.hpp"
#include "ignis/json/document.hpp"

using ignis::App;
using ignis::Method;
using ignis::Params;
using ignis::Request;
using ignis::Response;
using ignis::RouteContext;
using ignis::Task;
using Kind = ignis::App::Target::Kind;
using ::testing::HasSubstr;

namespace {

// A handler that answers with a fixed text.
auto says(std::string text) {
  return [text](Request&, RouteContext&) -> Task<Response> { co_return Response::text(text); };
}

// Runs a resolved handler synchronously and returns its response body.
std::string call(const App::Target& t, Request& req, RouteContext& ctx) {
  EXPECT_EQ(t.kind, Kind::handler);
  if (t.kind != Kind::handler || !t.handler) return "<no handler>";
  auto task = (*t.handler)(req, ctx);
  task.start();
  EXPECT_TRUE(task.done());
  return task.result().body();
}

struct Fixture {
  App app;
  Request req;
  RouteContext ctx;
  App::Target resolve(Method m, std::string_view path) { return app.resolve(m, path, ctx.params); }
  std::string run(Method m, std::string_view path) {
    auto t = resolve(m, path);
    ctx.pattern = t.pattern;
    return call(t, req, ctx);
  }
};

TEST(App, ResolvesHandlerPerMethod) {
  Fixture f;
  f.app.route("/api/posts").GET(says("list")).POST(says("create"));
  EXPECT_EQ(f.run(Method::GET, "/api/posts"), "list");
  EXPECT_EQ(f.run(Method::POST, "/api/posts"), "create");
  auto t = f.resolve(Method::GET, "/api/posts");
  EXPECT_EQ(t.kind, Kind::handler);
  EXPECT_EQ(t.pattern, "/api/posts");
  EXPECT_EQ(t.allow, "GET, HEAD, POST, OPTIONS");
}

TEST(App, AllRouteMethods) {
  Fixture f;
  f.app.route("/r")
      .GET(says("get"))
      .HEAD(says("head"))
      .POST(says("post"))
      .PUT(says("put"))
      .PATCH(says("patch"))
      .DELETE(says("delete"))
      .OPTIONS(says("options"));
  EXPECT_EQ(f.run(Method::GET, "/r"), "get");
  EXPECT_EQ(f.run(Method::HEAD, "/r"), "head") << "an explicit HEAD handler wins over GET";
  EXPECT_EQ(f.run(Method::POST, "/r"), "post");
  EXPECT_EQ(f.run(Method::PUT, "/r"), "put");
  EXPECT_EQ(f.run(Method::PATCH, "/r"), "patch");
  EXPECT_EQ(f.run(Method::DELETE, "/r"), "delete");
  EXPECT_EQ(f.run(Method::OPTIONS, "/r"), "options") << "an explicit OPTIONS handler wins";
  EXPECT_EQ(f.resolve(Method::GET, "/r").allow, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
}

TEST(App, NotFound) {
  Fixture f;
  f.app.route("/a").GET(says("a"));
  auto t = f.resolve(Method::GET, "/b");
  EXPECT_EQ(t.kind, Kind::not_found);
  EXPECT_EQ(t.handler, nullptr);
  EXPECT_EQ(t.pattern, "");
  EXPECT_EQ(t.allow, "");
  EXPECT_EQ(f.resolve(Method::other, "/b").kind, Kind::not_found);
  EXPECT_EQ(f.resolve(Method::GET, "").kind, Kind::not_found);
  EXPECT_EQ(f.resolve(Method::GET, "a").kind, Kind::not_found);
}

TEST(App, EmptyAppFindsNothing) {
  Fixture f;
  EXPECT_EQ(f.resolve(Method::GET, "/").kind, Kind::not_found);
}

TEST(App, MethodNotAllowedCarriesAllow) {
  Fixture f;
  f.app.route("/posts/[id]").GET(says("get")).PATCH(says("patch")).DELETE(says("delete"));
  auto t = f.resolve(Method::POST, "/posts/1");
  EXPECT_EQ(t.kind, Kind::not_allowed);
  EXPECT_EQ(t.handler, nullptr);
  EXPECT_EQ(t.pattern, "/posts/[id]");
  EXPECT_EQ(t.allow, "GET, HEAD, PATCH, DELETE, OPTIONS");
  EXPECT_EQ(f.resolve(Method::PUT, "/posts/1").kind, Kind::not_allowed);
}

TEST(App, UnknownMethodIsNotAllowedOnAnExistingRoute) {
  Fixture f;
  f.app.route("/x").GET(says("x"));
  auto t = f.resolve(Method::other, "/x");
  EXPECT_EQ(t.kind, Kind::not_allowed);
  EXPECT_EQ(t.allow, "GET, HEAD, OPTIONS");
}

TEST(App, HeadFallsBackToGet) {
  Fixture f;
  f.app.route("/page").GET(says("page body"));
  auto t = f.resolve(Method::HEAD, "/page");
  ASSERT_EQ(t.kind, Kind::handler);
  auto g = f.resolve(Method::GET, "/page");
  EXPECT_EQ(t.handler, g.handler) << "HEAD resolves to the GET handler itself";
  EXPECT_EQ(f.run(Method::HEAD, "/page"), "page body");
}

TEST(App, HeadWithoutGetIsNotAllowed) {
  Fixture f;
  f.app.route("/submit").POST(says("ok"));
  auto t = f.resolve(Method::HEAD, "/submit");
  EXPECT_EQ(t.kind, Kind::not_allowed);
  EXPECT_EQ(t.allow, "POST, OPTIONS");
}

TEST(App, HeadOnlyRoute) {
  Fixture f;
  f.app.route("/h").HEAD(says("h"));
  EXPECT_EQ(f.resolve(Method::HEAD, "/h").kind, Kind::handler);
  EXPECT_EQ(f.resolve(Method::GET, "/h").kind, Kind::not_allowed);
  EXPECT_EQ(f.resolve(Method::GET, "/h").allow, "HEAD, OPTIONS");
}

TEST(App, OptionsIsAnsweredByTheApp) {
  Fixture f;
  f.app.route("/o").GET(says("o")).PUT(says("p"));
  auto t = f.resolve(Method::OPTIONS, "/o");
  EXPECT_EQ(t.kind, Kind::options);
  EXPECT_EQ(t.handler, nullptr);
  EXPECT_EQ(t.pattern, "/o");
  EXPECT_EQ(t.allow, "GET, HEAD, PUT, OPTIONS");
}

TEST(App, RouteWithoutHandlers) {
  Fixture f;
  f.app.route("/nothing");
  auto t = f.resolve(Method::GET, "/nothing");
  EXPECT_EQ(t.kind, Kind::not_allowed);
  EXPECT_EQ(t.allow, "OPTIONS");
  EXPECT_EQ(f.resolve(Method::OPTIONS, "/nothing").kind, Kind::options);
}

TEST(App, OptionsHandlerDoesNotRepeatOptionsInAllow) {
  Fixture f;
  f.app.route("/c").OPTIONS(says("cors"));
  EXPECT_EQ(f.resolve(Method::GET, "/c").allow, "OPTIONS");
}

TEST(App, SamePatternTwiceIsTheSameRoute) {
  Fixture f;
  f.app.route("/a/[id]").GET(says("get"));
  f.app.route("/a/[id]").POST(says("post"));
  EXPECT_EQ(f.run(Method::GET, "/a/1"), "get");
  EXPECT_EQ(f.run(Method::POST, "/a/1"), "post");
  EXPECT_EQ(f.resolve(Method::GET, "/a/1").allow, "GET, HEAD, POST, OPTIONS");
}

TEST(App, LaterHandlerReplacesEarlier) {
  Fixture f;
  f.app.route("/r").GET(says("first"));
  f.app.route("/r").GET(says("second"));
  EXPECT_EQ(f.run(Method::GET, "/r"), "second");
  f.app.route("/r").handle(Method::GET, says("third"));
  EXPECT_EQ(f.run(Method::GET, "/r"), "third");
}

TEST(App, HandleRejectsOtherMethod) {
  Fixture f;
  EXPECT_THROW(f.app.route("/x").handle(Method::other, says("x")), std::invalid_argument);
  EXPECT_EQ(f.resolve(Method::GET, "/x").allow, "OPTIONS") << "the route exists, without handlers";
}

TEST(App, HandleAtRunTime) {
  Fixture f;
  for (Method m : {Method::GET, Method::POST, Method::PUT})
    f.app.route("/dyn").handle(m, says(std::string(ignis::to_string(m))));
  EXPECT_EQ(f.run(Method::PUT, "/dyn"), "PUT");
  EXPECT_EQ(f.run(Method::POST, "/dyn"), "POST");
}

TEST(App, ConflictingRouteThrowsAndLeavesTheAppUsable) {
  Fixture f;
  f.app.route("/users/[id]").GET(says("user"));
  try {
    f.app.route("/users/[userId]/posts");
    FAIL() << "expected RouteConflict";
  } catch (const ignis::RouteConflict& e) {
    EXPECT_THAT(e.what(), HasSubstr("/users/[id]"));
    EXPECT_THAT(e.what(), HasSubstr("/users/[userId]/posts"));
  }
  // (As literals these would not compile: RoutePattern checks them at compile time.)
  EXPECT_THROW(f.app.route(ignis::RoutePattern::runtime("bad")), ignis::InvalidRoutePattern);
  EXPECT_THROW(f.app.route(ignis::RoutePattern::runtime("/x/[a-b]")), ignis::InvalidRoutePattern);
  // Later routes get the right handlers (ids stay in step with the router).
  f.app.route("/after").GET(says("after"));
  EXPECT_EQ(f.run(Method::GET, "/after"), "after");
  EXPECT_EQ(f.run(Method::GET, "/users/9"), "user");
  EXPECT_EQ(f.resolve(Method::GET, "/after").pattern, "/after");
}

TEST(App, ParamsReachTheHandler) {
  Fixture f;
  f.app.route("/api/posts/[id]").GET([](Request&, RouteContext& ctx) -> Task<Response> {
    co_return Response::text(std::string(ctx.params.get("id")) + "@" + std::string(ctx.pattern));
  });
  EXPECT_EQ(f.run(Method::GET, "/api/posts/a%20b"), "a b@/api/posts/[id]");
}

TEST(App, CatchAllParams) {
  Fixture f;
  f.app.route("/docs/[...slug]").GET([](Request&, RouteContext& ctx) -> Task<Response> {
    co_return Response::text(std::string(ctx.params.get("slug")));
  });
  f.app.route("/shop/[[...slug]]").GET([](Request&, RouteContext& ctx) -> Task<Response> {
    co_return Response::text(ctx.params.has("slug") ? std::string(ctx.params.get("slug")) : "<none>");
  });
  EXPECT_EQ(f.run(Method::GET, "/docs/a/b"), "a/b");
  EXPECT_EQ(f.resolve(Method::GET, "/docs").kind, Kind::not_found);
  EXPECT_EQ(f.run(Method::GET, "/shop"), "<none>");
  EXPECT_EQ(f.run(Method::GET, "/shop/x/y"), "x/y");
}

TEST(App, RequestOnlyHandler) {
  Fixture f;
  f.app.route("/echo").POST([](Request& req) -> Task<Response> { co_return Response::text(req.method_name()); });
  Request::Head head;
  head.method = Method::POST;
  head.method_name = "POST";
  head.target = "/echo";
  f.req.reset(head, nullptr);
  EXPECT_EQ(f.run(Method::POST, "/echo"), "POST");
}

Task<Response> free_handler(Request&, RouteContext&) { co_return Response::text("free"); }
Task<Response> free_request_only(Request&) { co_return Response::text("free-req"); }

TEST(App, FunctionPointersAndStatefulFunctors) {
  Fixture f;
  f.app.route("/f").GET(free_handler).POST(&free_request_only);
  auto counter = std::make_shared<int>(0);
  f.app.route("/count").GET([counter](Request&, RouteContext&) -> Task<Response> {
    co_return Response::text(std::to_string(++*counter));
  });
  EXPECT_EQ(f.run(Method::GET, "/f"), "free");
  EXPECT_EQ(f.run(Method::POST, "/f"), "free-req");
  EXPECT_EQ(f.run(Method::GET, "/count"), "1");
  EXPECT_EQ(f.run(Method::GET, "/count"), "2");
}

TEST(App, HandlerExceptionsReachTheCaller) {
  Fixture f;
  f.app.route("/boom").GET([](Request&, RouteContext&) -> Task<Response> {
    throw ignis::HttpError(404, "Post not found");
    co_return Response::text("unreachable");
  });
  auto t = f.resolve(Method::GET, "/boom");
  ASSERT_EQ(t.kind, Kind::handler);
  auto task = (*t.handler)(f.req, f.ctx);
  task.start();
  ASSERT_TRUE(task.done());
  try {
    (void)task.result();
    FAIL() << "expected HttpError";
  } catch (const ignis::HttpError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_STREQ(e.what(), "Post not found");
  }
}

TEST(App, StaticBeatsDynamicThroughResolve) {
  Fixture f;
  f.app.route("/posts/[id]").GET(says("dynamic"));
  f.app.route("/posts/new").GET(says("static"));
  EXPECT_EQ(f.run(Method::GET, "/posts/new"), "static");
  EXPECT_EQ(f.run(Method::GET, "/posts/old"), "dynamic");
  // A method the static route lacks does not fall through to the dynamic one.
  EXPECT_EQ(f.resolve(Method::DELETE, "/posts/new").kind, Kind::not_allowed);
  EXPECT_EQ(f.resolve(Method::DELETE, "/posts/new").pattern, "/posts/new");
}

TEST(App, TrailingSlashResolvesToTheSameRoute) {
  Fixture f;
  f.app.route("/about").GET(says("about"));
  EXPECT_EQ(f.run(Method::GET, "/about/"), "about");
}

std::string numbered(std::string prefix, int i) {
  prefix += std::to_string(i);
  return prefix;
}

TEST(App, ManyRoutesKeepTheirPatterns) {
  Fixture f;
  for (int i = 0; i < 100; ++i) f.app.route(ignis::RoutePattern::runtime(numbered("/r", i))).GET(says(numbered("h", i)));
  for (int i = 0; i < 100; i += 7) {
    const std::string path = numbered("/r", i);
    auto t = f.resolve(Method::GET, path);
    EXPECT_EQ(t.pattern, path);
    EXPECT_EQ(f.run(Method::GET, path), numbered("h", i));
  }
}

// ------------------------------------------------------------------ App::handle

// Feeds requests to App::handle and runs it to completion.
struct Handled {
  App app;
  std::vector<std::pair<ignis::LogLevel, std::string>> logs;
  Request req;
  RouteContext ctx;

  Handled() {
    app.set_logger([this](ignis::LogLevel level, std::string_view msg) { logs.emplace_back(level, std::string(msg)); });
  }
  void prepare(Method m, std::string_view target, ignis::BodySource* body = nullptr) {
    Request::Head head;
    head.method = m;
    head.method_name = ignis::to_string(m);
    head.target = target;
    req.reset(head, body);
    ctx.params.clear();
    ctx.pattern = {};
  }
  Response answer(Method m, std::string_view target) {
    prepare(m, target);
    auto t = app.handle(req, ctx);
    t.start();
    EXPECT_TRUE(t.done());
    return t.result();
  }
};

TEST(AppHandle, NotFound) {
  Handled h;
  h.app.route("/a").GET(says("a"));
  Response r = h.answer(Method::GET, "/nope");
  EXPECT_EQ(r.status(), 404);
  EXPECT_EQ(r.body(), R"({"error":"Not found"})");
}

TEST(AppHandle, MethodNotAllowed) {
  Handled h;
  h.app.route("/a").GET(says("a")).POST(says("b"));
  Response r = h.answer(Method::DELETE, "/a");
  EXPECT_EQ(r.status(), 405);
  EXPECT_EQ(r.headers().get("allow"), "GET, HEAD, POST, OPTIONS");
  EXPECT_EQ(r.body(), R"({"error":"Method not allowed"})");
  EXPECT_EQ(h.answer(Method::other, "/a").status(), 405);
}

TEST(AppHandle, Options) {
  Handled h;
  h.app.route("/a").PUT(says("a"));
  Response r = h.answer(Method::OPTIONS, "/a");
  EXPECT_EQ(r.status(), 204);
  EXPECT_EQ(r.headers().get("allow"), "PUT, OPTIONS");
  EXPECT_TRUE(r.body().empty());
}

TEST(AppHandle, RunsTheHandlerWithParamsAndPattern) {
  Handled h;
  h.app.route("/api/posts/[id]").GET([](Request& req, RouteContext& ctx) -> Task<Response> {
    co_return Response::json({{"id", ctx.params.get("id")}, {"pattern", ctx.pattern}, {"path", req.path()}},
                             {.status = 201});
  });
  Response r = h.answer(Method::GET, "/api/posts/a%2Fb?x=1");
  EXPECT_EQ(r.status(), 201);
  EXPECT_EQ(r.body(), R"({"id":"a/b","pattern":"/api/posts/[id]","path":"/api/posts/a%2Fb"})");
  EXPECT_EQ(h.ctx.pattern, "/api/posts/[id]");
}

TEST(AppHandle, HeadRunsTheGetHandler) {
  Handled h;
  h.app.route("/page").GET(says("body"));
  Response r = h.answer(Method::HEAD, "/page");
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(r.body(), "body") << "the server drops the body of a HEAD answer, not the app";
}

TEST(AppHandle, HttpErrorBecomesItsStatusAndMessage) {
  Handled h;
  h.app.route("/p").GET([](Request&) -> Task<Response> {
    throw ignis::HttpError(404, "Post \"7\" not found");
    co_return Response::text("unreachable");
  });
  Response r = h.answer(Method::GET, "/p");
  EXPECT_EQ(r.status(), 404);
  EXPECT_EQ(r.body(), R"({"error":"Post \"7\" not found"})");
  EXPECT_EQ(r.headers().get("content-type"), "application/json");
  EXPECT_TRUE(h.logs.empty()) << "an HttpError is an answer, not a server error";
}

// Regression (was a bug): App::handle promises never to throw, but an HttpError whose status is outside
// 100..999 makes Response::json (Response::set_status) throw std::invalid_argument from
// inside the catch clause (http/src/app.cpp, `catch (const HttpError& e)` in App::handle),
// so the exception escapes handle(). Expected: a 500 answer (and a log line), like any
// other handler bug.
TEST(AppHandle, HttpErrorWithAnInvalidStatusIsA500) {
  Handled h;
  h.app.route("/p").GET([](Request&) -> Task<Response> {
    throw ignis::HttpError(42, "odd");
    co_return Response::text("unreachable");
  });
  h.prepare(Method::GET, "/p");
  auto t = h.app.handle(h.req, h.ctx);
  t.start();
  ASSERT_TRUE(t.done());
  Response r;
  ASSERT_NO_THROW(r = t.result());
  EXPECT_EQ(r.status(), 500);
}

TEST(AppHandle, InvalidJsonBodyIs400) {
  struct Body : ignis::BodySource {
    std::string data = std::string("{not json") + std::string(64, '\0');
    Task<std::string_view> read() override { co_return std::string_view{}; }
    Task<std::string_view> read_all() override { co_return std::string_view(data.data(), 9); }
  } body;
  Handled h;
  h.app.route("/j").POST([](Request& req) -> Task<Response> {
    auto doc = co_await req.json();
    std::string_view name = doc["name"];
    co_return Response::text(name);
  });
  h.prepare(Method::POST, "/j", &body);
  auto t = h.app.handle(h.req, h.ctx);
  t.start();
  ASSERT_TRUE(t.done());
  Response r = t.result();
  EXPECT_EQ(r.status(), 400);
  EXPECT_EQ(r.body(), R"({"error":"Invalid JSON"})");
}

TEST(AppHandle, ParseErrorsAreInvalidJson) {
  Handled h;
  h.app.route("/a").GET([](Request&) -> Task<Response> {
    throw ignis::json::ParseError("bad");
    co_return Response::text("unreachable");
  });
  h.app.route("/b").GET([](Request&) -> Task<Response> {
    throw simdjson::simdjson_error(simdjson::INCORRECT_TYPE);
    co_return Response::text("unreachable");
  });
  for (const char* path : {"/a", "/b"}) {
    Response r = h.answer(Method::GET, path);
    EXPECT_EQ(r.status(), 400) << path;
    EXPECT_EQ(r.body(), R"({"error":"Invalid JSON"})") << path;
  }
}

TEST(AppHandle, OtherExceptionsAre500AndLogged) {
  Handled h;
  h.app.route("/boom/[id]").POST([](Request&) -> Task<Response> {
    throw std::runtime_error("database is on fire");
    co_return Response::text("unreachable");
  });
  Response r = h.answer(Method::POST, "/boom/1");
  EXPECT_EQ(r.status(), 500);
  EXPECT_EQ(r.body(), R"({"error":"Internal server error"})");
  EXPECT_EQ(r.body().find("fire"), std::string::npos) << "the exception text is not sent to the client";
  ASSERT_EQ(h.logs.size(), 1u);
  EXPECT_EQ(h.logs[0].first, ignis::LogLevel::error);
  EXPECT_THAT(h.logs[0].second, HasSubstr("database is on fire"));
  EXPECT_THAT(h.logs[0].second, HasSubstr("POST"));
  EXPECT_THAT(h.logs[0].second, HasSubstr("/boom/[id]"));
}

TEST(AppHandle, NonExceptionThrowIs500AndLogged) {
  Handled h;
  h.app.route("/int").GET([](Request&) -> Task<Response> {
    throw 42;
    co_return Response::text("unreachable");
  });
  Response r = h.answer(Method::GET, "/int");
  EXPECT_EQ(r.status(), 500);
  ASSERT_EQ(h.logs.size(), 1u);
  EXPECT_THAT(h.logs[0].second, HasSubstr("/int"));
}

TEST(AppHandle, ConnectionLostIsRethrown) {
  Handled h;
  h.app.route("/gone").GET([](Request&) -> Task<Response> {
    throw ignis::ConnectionLost();
    co_return Response::text("unreachable");
  });
  h.prepare(Method::GET, "/gone");
  auto t = h.app.handle(h.req, h.ctx);
  t.start();
  ASSERT_TRUE(t.done());
  EXPECT_THROW(t.result(), ignis::ConnectionLost);
  EXPECT_TRUE(h.logs.empty());
}

struct Parked {
  std::coroutine_handle<> waiter;
};
// Awaited by value, referring to the Parked: g++ 12 copies an lvalue awaitable into the frame.
struct ParkOn {
  Parked& p;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> c) noexcept { p.waiter = c; }
  void await_resume() const noexcept {}
};

TEST(AppHandle, HandlerThatSuspendsThenThrows) {
  Handled h;
  Parked* gate = new Parked;
  h.app.route("/slow").GET([gate](Request&) -> Task<Response> {
    co_await ParkOn{*gate};
    throw ignis::HttpError(409, "late conflict");
  });
  h.prepare(Method::GET, "/slow");
  auto t = h.app.handle(h.req, h.ctx);
  t.start();
  EXPECT_FALSE(t.done());
  ASSERT_TRUE(gate->waiter);
  gate->waiter.resume();
  ASSERT_TRUE(t.done());
  Response r = t.result();
  EXPECT_EQ(r.status(), 409);
  EXPECT_EQ(r.body(), R"({"error":"late conflict"})");
  delete gate;
}

TEST(AppHandle, LoggerReplacement) {
  App app;
  std::vector<std::string> seen;
  app.set_logger([&](ignis::LogLevel, std::string_view m) { seen.emplace_back(m); });
  app.log(ignis::LogLevel::info, "hello");
  EXPECT_EQ(seen, (std::vector<std::string>{"hello"}));
}

TEST(App, MovedAppKeepsItsRoutes) {
  App a;
  a.route("/x/[id]").GET(says("x"));
  App b(std::move(a));
  Params p;
  auto t = b.resolve(Method::GET, "/x/1", p);
  ASSERT_EQ(t.kind, Kind::handler);
  EXPECT_EQ(t.pattern, "/x/[id]");
  EXPECT_EQ(p.get("id"), "1");
  App c;
  c.route("/other").GET(says("o"));
  c = std::move(b);
  EXPECT_EQ(c.resolve(Method::GET, "/x/2", p).kind, Kind::handler);
  EXPECT_EQ(c.resolve(Method::GET, "/other", p).kind, Kind::not_found);
  Request req;
  RouteContext ctx;
  EXPECT_EQ(call(c.resolve(Method::GET, "/x/3", ctx.params), req, ctx), "x");
}

// ------------------------------------------------------------------ the app's own responses

TEST(App, NotFoundResponse) {
  auto r = App::not_found();
  EXPECT_EQ(r.status(), 404);
  EXPECT_EQ(r.body(), R"({"error":"Not found"})");
  EXPECT_EQ(r.headers().get("content-type"), "application/json");
}

TEST(App, MethodNotAllowedResponse) {
  auto r = App::method_not_allowed("GET, HEAD, OPTIONS");
  EXPECT_EQ(r.status(), 405);
  EXPECT_EQ(r.body(), R"({"error":"Method not allowed"})");
  EXPECT_EQ(r.headers().get("allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(r.headers().get("content-type"), "application/json");
}

TEST(App, OptionsResponse) {
  auto r = App::options("GET, HEAD, OPTIONS");
  EXPECT_EQ(r.status(), 204);
  EXPECT_TRUE(r.body().empty());
  EXPECT_EQ(r.headers().get("allow"), "GET, HEAD, OPTIONS");
}

}  // namespace
