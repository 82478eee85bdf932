// TestClient: requests answered in process through the real connection code.

#include <gtest/gtest.h>
#include <unistd.h>

#include <ignis/core/io.hpp>
#include <ignis/core/offload.hpp>
#include <ignis/http/cache.hpp>
#include <ignis/http/error.hpp>
#include <ignis/http/file.hpp>
#include <ignis/http/sse.hpp>
#include <ignis/http/test_client.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace ignis;
using namespace std::chrono_literals;

namespace {

struct NewPost {
  std::string title;
};
constexpr auto json_schema(json::For<NewPost>) { return json::object(json::field<&NewPost::title>("title").min(1)); }

App posts_app() {
  App app;
  app.route("/api/posts/[id:int]")
      .GET([](Request& req, RouteContext& ctx) -> Task<Response> {
        auto id = ctx.params.as<long>("id");
        if (*id != 1) throw HttpError(404, "Post not found");
        co_return Response::json({{"id", *id},
                                  {"title", "Hello"},
                                  {"fields", req.search_params().get("fields").value_or("all")},
                                  {"accept", req.headers().get("accept").value_or("")}});
      })
      .DELETE([](Request&) -> Task<Response> { co_return Response::empty(); });
  app.route("/api/posts").POST([](Request& req) -> Task<Response> {
    NewPost post = co_await req.json<NewPost>();
    co_return Response::json({{"title", post.title}}, {.status = 201, .headers = {{"Location", "/api/posts/2"}}});
  });
  app.route("/api/boom").GET([](Request&) -> Task<Response> {
    throw std::runtime_error("database on fire");
    co_return Response::empty();
  });
  return app;
}

TEST(InProcessClient, RoutesParamsQueryAndHeaders) {
  App app = posts_app();
  TestClient client(app);
  auto res = client.get("/api/posts/1?fields=title", {.headers = {{"Accept", "application/json"}}});
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(res.ok());
  EXPECT_TRUE(res.complete);
  EXPECT_EQ(res.header("content-type"), "application/json");
  EXPECT_EQ(res.text(), R"({"id":1,"title":"Hello","fields":"title","accept":"application/json"})");
  auto doc = res.json();
  EXPECT_EQ(std::int64_t(doc["id"]), 1);
  EXPECT_EQ(std::string_view(doc["title"]), "Hello");
  // The connection's own headers are there, as from a socket.
  EXPECT_TRUE(res.header("date"));
  EXPECT_EQ(res.header("content-length"), std::to_string(res.body.size()));
}

TEST(InProcessClient, JsonBodiesAndValidation) {
  App app = posts_app();
  TestClient client(app);
  auto created = client.post("/api/posts", {.json = R"({"title":"Hi"})"});
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created.header("location"), "/api/posts/2");
  EXPECT_EQ(created.text(), R"({"title":"Hi"})");

  auto invalid = client.post("/api/posts", {.json = "{nope"});
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(invalid.text(), R"({"error":"Invalid JSON"})");
  auto empty_title = client.post("/api/posts", {.json = R"({"title":""})"});
  EXPECT_EQ(empty_title.status, 400);
  EXPECT_EQ(std::string_view(empty_title.json()["error"]), "Validation failed");
}

TEST(InProcessClient, TheAppsOwnAnswers) {
  App app = posts_app();
  TestClient client(app);
  EXPECT_EQ(client.get("/nowhere").status, 404);
  EXPECT_EQ(client.get("/api/posts/abc").status, 404);  // [id:int] does not match

  auto not_allowed = client.request("PUT", "/api/posts/1");
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(not_allowed.header("allow"), "GET, HEAD, DELETE, OPTIONS");

  auto options = client.request("OPTIONS", "/api/posts/1");
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(options.header("allow"), "GET, HEAD, DELETE, OPTIONS");

  auto get = client.get("/api/posts/1");
  auto head = client.request("HEAD", "/api/posts/1");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.complete);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.header("content-length"), get.header("content-length"));

  EXPECT_EQ(client.request("DELETE", "/api/posts/1").status, 204);
}

TEST(InProcessClient, ErrorsAreMappedAndLoggedToTheAppsSink) {
  App app = posts_app();
  std::vector<std::string> lines;
  app.set_logger([&](LogLevel, std::string_view m) { lines.emplace_back(m); });
  TestClient client(app);

  auto boom = client.get("/api/boom");
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.text(), R"({"error":"Internal server error"})");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("database on fire"), std::string::npos);

  auto missing = client.get("/api/posts/2");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.text(), R"({"error":"Post not found"})");
}

TEST(InProcessClient, MiddlewareRunsAroundHandlers) {
  App app = posts_app();
  app.use("/api/:path*", [](Request& req, Next next) -> Task<Response> {
    if (!req.headers().has("authorization")) co_return Response::json({{"error", "Unauthorized"}}, {.status = 401});
    Response res = co_await next();
    res.headers().set("X-Checked", "yes");
    co_return res;
  });
  TestClient client(app);
  EXPECT_EQ(client.get("/api/posts/1").status, 401);
  auto res = client.get("/api/posts/1", {.headers = {{"Authorization", "Bearer t"}}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("x-checked"), "yes");
}

TEST(InProcessClient, HandlersMayWaitOnTimersAndOffload) {
  App app;
  app.route("/slow").GET([](Request& req) -> Task<Response> {
    const auto caller = std::this_thread::get_id();
    co_await sleep_for(20ms, req.signal());
    const auto worker = co_await offload([] { return std::this_thread::get_id(); });
    // Back on the calling thread after the pool's.
    co_return Response::json({{"offloaded", worker != caller}, {"resumed_here", std::this_thread::get_id() == caller}});
  });
  TestClient client(app);
  auto res = client.get("/slow");
  EXPECT_EQ(res.text(), R"({"offloaded":true,"resumed_here":true})");
}

TEST(InProcessClient, StreamedBodiesAreCollectedWhole) {
  App app;
  app.route("/ticks").GET([](Request&) -> Task<Response> {
    co_return Response::stream(
        [](StreamWriter& out) -> Task<void> {
          for (int i = 0; i < 3; ++i) {
            if (!co_await out.write("tick " + std::to_string(i) + "\n")) co_return;
            if (!co_await out.sleep_for(5ms)) co_return;
          }
        },
        {.headers = {{"Content-Type", "text/plain"}}});
  });
  TestClient client(app);
  auto res = client.get("/ticks");
  EXPECT_TRUE(res.complete);
  EXPECT_EQ(res.header("transfer-encoding"), "chunked");
  EXPECT_EQ(res.body, "tick 0\ntick 1\ntick 2\n");
}

TEST(InProcessClient, AnEndlessStreamIsCutAtTheTimeoutAndItsProducerSeesTheClientLeave) {
  App app;
  auto left = std::make_shared<bool>(false);
  app.route("/events").GET([left](Request&) -> Task<Response> {
    co_return event_stream([left](EventStream& es) -> Task<void> {
      for (int i = 0;; ++i) {
        if (!co_await es.send({.data = "n" + std::to_string(i)}) || !co_await es.sleep_for(10ms)) {
          *left = true;
          co_return;
        }
      }
    });
  });
  TestClient client(app);
  auto res = client.get("/events", {.timeout = 100ms});
  EXPECT_EQ(res.status, 200);
  EXPECT_FALSE(res.complete);
  EXPECT_EQ(res.header("content-type"), "text/event-stream");
  EXPECT_EQ(res.body.rfind("data: n0\n\ndata: n1\n\n", 0), 0u) << res.body;
  EXPECT_TRUE(*left);
}

TEST(InProcessClient, CookiesSetByResponsesGoBackUntilRemoved) {
  App app;
  app.route("/login").POST([](Request&) -> Task<Response> {
    auto res = Response::json({{"ok", true}});
    res.cookies().set("session", "abc123", {.http_only = true});
    co_return res;
  });
  app.route("/logout").POST([](Request&) -> Task<Response> {
    auto res = Response::empty();
    res.cookies().remove("session");
    co_return res;
  });
  app.route("/me").GET([](Request& req) -> Task<Response> {
    co_return Response::json({{"session", req.cookies().get("session").value_or("none")},
                              {"theme", req.cookies().get("theme").value_or("none")}});
  });
  TestClient client(app);
  EXPECT_EQ(client.get("/me").text(), R"({"session":"none","theme":"none"})");
  auto login = client.post("/login");
  EXPECT_EQ(login.header_values("set-cookie").size(), 1u);
  EXPECT_EQ(client.cookie("session"), "abc123");
  client.set_cookie("theme", "dark");
  EXPECT_EQ(client.get("/me").text(), R"({"session":"abc123","theme":"dark"})");
  // A request's own Cookie header replaces the jar's.
  EXPECT_EQ(client.get("/me", {.headers = {{"Cookie", "theme=light"}}}).text(), R"({"session":"none","theme":"light"})");
  client.post("/logout");
  EXPECT_FALSE(client.cookie("session"));
  EXPECT_EQ(client.get("/me").text(), R"({"session":"none","theme":"dark"})");
}

TEST(InProcessClient, BigBodiesArriveWholeAndLimitsApply) {
  App app;
  app.route("/size").POST([](Request& req) -> Task<Response> {
    auto body = co_await req.text();
    co_return Response::json({{"size", body.size()}, {"last", body.substr(body.size() - 1)}});
  });
  std::string big(300 * 1024, 'a');
  big.back() = 'z';
  TestClient client(app);
  EXPECT_EQ(client.post("/size", {.body = big}).text(), R"({"size":307200,"last":"z"})");

  TestClient strict(app, {.max_body_bytes = 1024});
  EXPECT_EQ(strict.post("/size", {.body = big}).status, 413);
}

TEST(InProcessClient, FilesGoThroughTheSendFilePath) {
  char path[] = "/tmp/ignis_test_client_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string content(200 * 1024, 'x');
  for (std::size_t i = 0; i < content.size(); i += 997) content[i] = static_cast<char>('a' + i % 26);
  ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  ::close(fd);
  App app;
  const std::string file = path;
  app.route("/file").GET([file](Request& req) -> Task<Response> { co_return Response::file(req, file); });
  TestClient client(app);
  auto whole = client.get("/file");
  auto range = client.get("/file", {.headers = {{"Range", "bytes=1000-1999"}}});
  ::unlink(path);
  EXPECT_EQ(whole.status, 200);
  EXPECT_TRUE(whole.body == content);
  EXPECT_EQ(range.status, 206);
  EXPECT_EQ(range.header("content-range"), "bytes 1000-1999/" + std::to_string(content.size()));
  EXPECT_TRUE(range.body == content.substr(1000, 1000));
}

TEST(InProcessClient, RefusesRequestsThatCannotBeSent) {
  App app;
  TestClient client(app);
  EXPECT_THROW(client.request("GE T", "/"), std::invalid_argument);
  EXPECT_THROW(client.get("/a b"), std::invalid_argument);
  EXPECT_THROW(client.get("/", {.headers = {{"X-Bad", "a\r\nInjected: 1"}}}), std::invalid_argument);
  EXPECT_THROW(client.post("/", {.body = "a", .json = "{}"}), std::invalid_argument);
}

// Two apps in one process keep their caches apart: the same path, cached in both, and a
// revalidation in one leaves the other's copy.
TEST(InProcessClient, EachAppHasItsOwnCache) {
  auto make = [](std::string name, std::shared_ptr<std::atomic<int>> runs) {
    App app;
    app.route("/api/time").GET(cache({.tags = {"time"}})([name, runs](Request&) -> Task<Response> {
      co_return Response::json({{"app", name}, {"run", ++*runs}});
    }));
    app.route("/api/revalidate").POST([](Request& req) -> Task<Response> {
      co_await revalidate_tag(req, "time");
      co_return Response::empty();
    });
    return app;
  };
  auto runs_a = std::make_shared<std::atomic<int>>(0), runs_b = std::make_shared<std::atomic<int>>(0);
  App a = make("a", runs_a), b = make("b", runs_b);
  TestClient client_a(a), client_b(b);

  EXPECT_EQ(client_a.get("/api/time").text(), R"({"app":"a","run":1})");
  EXPECT_EQ(client_b.get("/api/time").text(), R"({"app":"b","run":1})");
  EXPECT_EQ(client_a.get("/api/time").header("x-cache"), "HIT");
  EXPECT_EQ(client_b.get("/api/time").text(), R"({"app":"b","run":1})");

  client_a.post("/api/revalidate");
  EXPECT_EQ(client_a.get("/api/time").text(), R"({"app":"a","run":2})");
  EXPECT_EQ(client_b.get("/api/time").header("x-cache"), "HIT");
  EXPECT_EQ(*runs_b, 1);
}

}  // namespace
