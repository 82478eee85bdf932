// Unit tests for ignis::Response and ignis::ResponseInit.

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ignis/http/method.hpp"
#include "ignis/http/response.hpp"
#include "ignis/http/status.hpp"

using ignis::Response;
using ignis::ResponseInit;

namespace {

std::size_t count_fields(const Response& r, std::string_view name) {
  std::size_t n = 0;
  for (auto f : r.headers()) n += ignis::iequals(f.name, name);
  return n;
}

struct Post {
  int id;
  std::string title;
};
void to_json(ignis::json::Writer& w, const Post& p) {
  w.begin_object();
  w.key("id");
  w.integer(p.id);
  w.key("title");
  w.string(p.title);
  w.end_object();
}

std::string wire(const ignis::ResponseHeaders& h) {
  std::string out;
  h.write_to(out);
  return out;
}

TEST(Response, DefaultIs200WithNothing) {
  Response r;
  EXPECT_EQ(r.status(), 200);
  EXPECT_TRUE(r.body().empty());
  EXPECT_TRUE(r.headers().empty());
}

TEST(Response, BodyConstructor) {
  Response r("raw body", {.status = 201, .headers = {{"X-A", "1"}}});
  EXPECT_EQ(r.status(), 201);
  EXPECT_EQ(r.body(), "raw body");
  EXPECT_EQ(r.headers().get("x-a"), "1");
  EXPECT_FALSE(r.headers().has("content-type")) << "the plain constructor sets no type";
}

TEST(Response, Text) {
  auto r = Response::text("Hello, World!");
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(r.body(), "Hello, World!");
  EXPECT_EQ(r.headers().get("Content-Type"), "text/plain; charset=utf-8");
}

TEST(Response, Html) {
  auto r = Response::html("<h1>x</h1>", {.status = 404});
  EXPECT_EQ(r.status(), 404);
  EXPECT_EQ(r.body(), "<h1>x</h1>");
  EXPECT_EQ(r.headers().get("content-type"), "text/html; charset=utf-8");
}

TEST(Response, AMovedBodyIsTakenOverNotCopied) {
  std::string big(1 << 20, 'x');
  const char* data = big.data();
  auto r = Response::text(std::move(big), {.status = 201, .headers = {{"X-A", "1"}}});
  EXPECT_EQ(r.body().data(), data);
  EXPECT_EQ(r.body().size(), 1u << 20);
  EXPECT_EQ(r.status(), 201);
  EXPECT_EQ(r.headers().get("X-A"), "1");
  EXPECT_EQ(r.headers().get("Content-Type"), "text/plain; charset=utf-8");
  std::string page = "<p>hi</p>";
  auto h = Response::html(std::move(page));
  EXPECT_EQ(h.body(), "<p>hi</p>");
  EXPECT_EQ(h.headers().get("Content-Type"), "text/html; charset=utf-8");
  const std::string kept = "kept";
  EXPECT_EQ(Response::text(kept).body(), "kept");  // an lvalue is copied, and stays
  EXPECT_EQ(kept, "kept");
}

TEST(Response, BinaryBodyIsKeptExactly) {
  std::string bin;
  for (int i = 0; i < 256; ++i) bin.push_back(static_cast<char>(i));
  auto r = Response::text(bin);
  EXPECT_EQ(r.body(), bin);
}

TEST(Response, JsonObjectLiteral) {
  auto r = Response::json({{"error", "Post not found"}}, {.status = 404});
  EXPECT_EQ(r.status(), 404);
  EXPECT_EQ(r.body(), R"({"error":"Post not found"})");
  EXPECT_EQ(r.headers().get("content-type"), "application/json");
  EXPECT_EQ(count_fields(r, "content-type"), 1u);
}

TEST(Response, JsonOfValues) {
  EXPECT_EQ(Response::json(std::vector<int>{1, 2, 3}).body(), "[1,2,3]");
  EXPECT_EQ(Response::json(std::string("s")).body(), R"("s")");
  EXPECT_EQ(Response::json(42).body(), "42");
  EXPECT_EQ(Response::json(nullptr).body(), "null");
  EXPECT_EQ(Response::json(std::map<std::string, bool>{{"ok", true}}).body(), R"({"ok":true})");
  EXPECT_EQ(Response::json(Post{7, "T\"itle"}).body(), R"({"id":7,"title":"T\"itle"})");
  EXPECT_EQ(Response::json(ignis::json::Array{1, "x"}).body(), R"([1,"x"])");
}

TEST(Response, JsonNestedLiteral) {
  const std::vector<std::string> tags{"a", "b"};
  auto r = Response::json({{"success", true}, {"data", ignis::json::Value{{"tags", tags}, {"count", 2}}}});
  EXPECT_EQ(r.body(), R"({"success":true,"data":{"tags":["a","b"],"count":2}})");
}

TEST(Response, InitHeadersOverrideTheDefaultContentType) {
  auto r = Response::text("a,b", {.headers = {{"Content-Type", "text/csv"}}});
  EXPECT_EQ(r.headers().get("content-type"), "text/csv");
  EXPECT_EQ(count_fields(r, "content-type"), 1u) << "one Content-Type, not two";
  auto j = Response::json({{"a", 1}}, {.headers = {{"content-type", "application/problem+json"}}});
  EXPECT_EQ(j.headers().get("Content-Type"), "application/problem+json");
  EXPECT_EQ(count_fields(j, "content-type"), 1u);
}

TEST(Response, InitWithSeveralHeaders) {
  auto r = Response::text("x", {.status = 202, .headers = {{"Cache-Control", "no-store"}, {"X-Request-Id", "abc"}}});
  EXPECT_EQ(r.status(), 202);
  EXPECT_EQ(r.headers().get("cache-control"), "no-store");
  EXPECT_EQ(r.headers().get("x-request-id"), "abc");
}

TEST(Response, InitRejectsInvalidHeaders) {
  EXPECT_THROW(Response::text("x", {.headers = {{"X-Bad", "a\r\nInjected: 1"}}}), std::invalid_argument);
  EXPECT_THROW(Response::text("x", {.headers = {{"Bad Name", "v"}}}), std::invalid_argument);
  EXPECT_THROW(Response("x", {.headers = {{"", "v"}}}), std::invalid_argument);
}

TEST(Response, StatusRange) {
  EXPECT_THROW(Response::text("x", {.status = 99}), std::invalid_argument);
  EXPECT_THROW(Response::text("x", {.status = 1000}), std::invalid_argument);
  EXPECT_THROW(Response::text("x", {.status = 0}), std::invalid_argument);
  EXPECT_THROW(Response::text("x", {.status = -200}), std::invalid_argument);
  EXPECT_EQ(Response::text("x", {.status = 100}).status(), 100);
  EXPECT_EQ(Response::text("x", {.status = 999}).status(), 999);
  Response r;
  r.set_status(418);
  EXPECT_EQ(r.status(), 418);
  EXPECT_THROW(r.set_status(42), std::invalid_argument);
  EXPECT_EQ(r.status(), 418) << "a rejected status leaves the old one";
}

TEST(Response, Empty) {
  auto r = Response::empty();
  EXPECT_EQ(r.status(), 204);
  EXPECT_TRUE(r.body().empty());
  EXPECT_TRUE(r.headers().empty());
  EXPECT_EQ(Response::empty(304).status(), 304);
  EXPECT_EQ(Response::empty(200).status(), 200);
  EXPECT_THROW(Response::empty(7), std::invalid_argument);
}

TEST(Response, Redirect) {
  auto r = Response::redirect("/login");
  EXPECT_EQ(r.status(), 307);
  EXPECT_EQ(r.headers().get("location"), "/login");
  EXPECT_TRUE(r.body().empty());
  for (int s : {301, 302, 303, 307, 308}) {
    auto x = Response::redirect("https://example.com/a?b=c", s);
    EXPECT_EQ(x.status(), s);
    EXPECT_EQ(x.headers().get("Location"), "https://example.com/a?b=c");
  }
}

TEST(Response, RedirectRejectsOtherStatuses) {
  for (int s : {200, 300, 304, 305, 306, 309, 404, 0}) EXPECT_THROW(Response::redirect("/x", s), std::invalid_argument) << s;
}

TEST(Response, RedirectRejectsHeaderInjection) {
  EXPECT_THROW(Response::redirect("/x\r\nSet-Cookie: admin=1"), std::invalid_argument);
  EXPECT_THROW(Response::redirect("/x\nY: z"), std::invalid_argument);
}

TEST(Response, HeadersAndCookiesCanBeEditedAfterwards) {
  auto r = Response::json({{"success", true}});
  r.headers().set("Cache-Control", "no-store");
  r.cookies().set("session", "tok", {.max_age = 604800, .http_only = true});
  r.cookies().set("theme", "dark");
  EXPECT_EQ(r.headers().get("cache-control"), "no-store");
  EXPECT_EQ(count_fields(r, "set-cookie"), 2u);
  EXPECT_EQ(r.headers().get("set-cookie"), "session=tok; Path=/; Max-Age=604800; HttpOnly");
}

TEST(Response, BodyIsMutable) {
  auto r = Response::text("a");
  r.body() += "bc";
  EXPECT_EQ(r.body(), "abc");
}

TEST(Response, MoveConstructAndAssign) {
  auto a = Response::text("payload", {.status = 201, .headers = {{"X-K", "v"}}});
  Response b(std::move(a));
  EXPECT_EQ(b.status(), 201);
  EXPECT_EQ(b.body(), "payload");
  EXPECT_EQ(b.headers().get("x-k"), "v");

  Response c = Response::json({{"old", 1}});
  c = std::move(b);
  EXPECT_EQ(c.status(), 201);
  EXPECT_EQ(c.body(), "payload");
  EXPECT_EQ(c.headers().get("x-k"), "v");
  EXPECT_EQ(c.headers().get("content-type"), "text/plain; charset=utf-8") << "the old JSON head is gone";
  EXPECT_EQ(count_fields(c, "content-type"), 1u);

  Response& alias = c;
  c = std::move(alias);  // self-move keeps everything
  EXPECT_EQ(c.body(), "payload");
  EXPECT_EQ(c.status(), 201);
}

TEST(Response, RecycledStringsComeBackEmpty) {
  // Responses recycle their strings per thread; a new response must never see old content.
  for (int i = 0; i < 300; ++i) {
    auto big = Response::text(std::string(1000 + i, 'x'), {.headers = {{"X-Old", std::to_string(i)}}});
    big.headers().set("X-More", std::string(100, 'y'));
  }
  for (int i = 0; i < 300; ++i) {
    auto r = Response::json({{"i", i}});
    ASSERT_EQ(r.body(), std::string(R"({"i":)") + std::to_string(i) + "}");
    ASSERT_FALSE(r.headers().has("X-Old"));
    ASSERT_FALSE(r.headers().has("X-More"));
    Response plain("p");
    ASSERT_EQ(plain.body(), "p");
    ASSERT_TRUE(plain.headers().empty());
    auto t = Response::text("t");
    ASSERT_EQ(wire(t.headers()), "Content-Type: text/plain; charset=utf-8\r\n");
  }
}

TEST(Response, MoveAssignRecyclesAndDoesNotLeakOldContent) {
  Response a = Response::text(std::string(500, 'a'));
  Response b = Response::text(std::string(600, 'b'));
  a = std::move(b);
  EXPECT_EQ(a.body(), std::string(600, 'b'));
  auto fresh = Response::text("new");
  EXPECT_EQ(fresh.body(), "new");
  EXPECT_EQ(count_fields(fresh, "content-type"), 1u);
}

// ------------------------------------------------------------------ status and method names

TEST(Status, ReasonPhrases) {
  EXPECT_EQ(ignis::reason_phrase(200), "OK");
  EXPECT_EQ(ignis::reason_phrase(204), "No Content");
  EXPECT_EQ(ignis::reason_phrase(307), "Temporary Redirect");
  EXPECT_EQ(ignis::reason_phrase(404), "Not Found");
  EXPECT_EQ(ignis::reason_phrase(405), "Method Not Allowed");
  EXPECT_EQ(ignis::reason_phrase(413), "Content Too Large");
  EXPECT_EQ(ignis::reason_phrase(414), "URI Too Long");
  EXPECT_EQ(ignis::reason_phrase(417), "Expectation Failed");
  EXPECT_EQ(ignis::reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(ignis::reason_phrase(500), "Internal Server Error");
  EXPECT_EQ(ignis::reason_phrase(599), "Unknown");
  EXPECT_EQ(ignis::reason_phrase(0), "Unknown");
  EXPECT_EQ(ignis::reason_phrase(-1), "Unknown");
}

TEST(Status, StatusesWithoutBody) {
  for (int s : {100, 101, 150, 199, 204, 304}) EXPECT_TRUE(ignis::status_has_no_body(s)) << s;
  for (int s : {200, 201, 205, 206, 299, 300, 303, 400, 404, 500, 99}) EXPECT_FALSE(ignis::status_has_no_body(s)) << s;
  static_assert(ignis::status_has_no_body(204));
}

TEST(MethodNames, ToString) {
  EXPECT_EQ(ignis::to_string(ignis::Method::GET), "GET");
  EXPECT_EQ(ignis::to_string(ignis::Method::HEAD), "HEAD");
  EXPECT_EQ(ignis::to_string(ignis::Method::POST), "POST");
  EXPECT_EQ(ignis::to_string(ignis::Method::PUT), "PUT");
  EXPECT_EQ(ignis::to_string(ignis::Method::PATCH), "PATCH");
  EXPECT_EQ(ignis::to_string(ignis::Method::DELETE), "DELETE");
  EXPECT_EQ(ignis::to_string(ignis::Method::OPTIONS), "OPTIONS");
  EXPECT_EQ(ignis::to_string(ignis::Method::other), "OTHER");
  static_assert(ignis::kRouteMethods == 7);
}

}  // namespace
