// The reference app's protocol conventions over raw sockets: limits, malformed and
// smuggling-shaped requests, slow and idle clients, HEAD, keep-alive and pipelining.

#include <gtest/gtest.h>

#include "blog_process.hpp"
#include "support/test_client.hpp"

namespace blog::testing {
namespace {

using namespace std::chrono_literals;
using ignis::testing::RawClient;

class BlogProtocol : public ::testing::Test {
 protected:
  BlogProcess blog{{.args = {"--max-body", "1KiB", "--header-timeout", "1", "--idle-timeout", "1.5"}}};

  // Sends raw bytes on a new connection; returns the one answer, and whether the server
  // then closed the connection.
  std::pair<std::optional<ignis::testing::HttpResponse>, bool> exchange(std::string_view bytes) {
    RawClient c(blog.port());
    c.send(bytes);
    auto r = c.read_response();
    return {std::move(r), c.closed_by_peer()};
  }
  void expect_refused(std::string_view bytes, int status) {
    auto [r, closed] = exchange(bytes);
    ASSERT_TRUE(r) << bytes;
    EXPECT_EQ(r->status, status) << bytes;
    EXPECT_TRUE(closed) << bytes;
  }
};

TEST_F(BlogProtocol, KeepAlivePipeliningAndHttp10) {
  RawClient c(blog.port());
  c.send("GET /api/health HTTP/1.1\r\nHost: t\r\n\r\nGET /api/hello HTTP/1.1\r\nHost: t\r\n\r\n"
         "HEAD /api/hello HTTP/1.1\r\nHost: t\r\n\r\nGET /api/nope HTTP/1.1\r\nHost: t\r\n\r\n");
  auto a = c.read_response(), b = c.read_response(), head = c.read_response(true), d = c.read_response();
  ASSERT_TRUE(a && b && head && d);
  EXPECT_EQ(a->body, R"({"status":"ok"})");
  EXPECT_EQ(b->body, "Hello, World!");
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length"), "13");
  EXPECT_EQ(d->status, 404);
  EXPECT_EQ(c.pending(), "");  // HEAD sent no body
  c.send("GET /api/health HTTP/1.1\r\nHost: t\r\n\r\n");  // still open
  auto later = c.read_response();
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200);
  auto [old, closed] = exchange("GET /api/hello HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->body, "Hello, World!");
  EXPECT_TRUE(closed);
}

TEST_F(BlogProtocol, OversizedHeadsAndRequestLines) {
  expect_refused("GET /api/health HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(17 * 1024, 'a') + "\r\n\r\n", 431);
  auto [r, closed] = exchange("GET /" + std::string(9 * 1024, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->status == 414 || r->status == 431) << r->status;
  EXPECT_TRUE(closed);
}

TEST_F(BlogProtocol, BodiesOverMaxBodyAre413BeforeTheyAreRead) {
  // Content-Length says too much: 413 at once, without waiting for the body, and no 100 Continue.
  RawClient c(blog.port());
  c.send("POST /api/posts HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n"
         "Expect: 100-continue\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->header("Content-Type"), "application/json");
  // A chunked body that grows past the limit.
  std::string chunked = "POST /api/posts HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) chunked += "200\r\n" + std::string(512, 'x') + "\r\n";
  chunked += "0\r\n\r\n";
  expect_refused(chunked, 413);
  // Under the limit, 100 Continue comes first, then the answer.
  RawClient ok(blog.port());
  const std::string body = R"({"title":"Small","content":"fits"})";
  ok.send("POST /api/posts HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\nExpect: 100-continue\r\n\r\n");
  auto go_on = ok.read_response(true);
  ASSERT_TRUE(go_on);
  EXPECT_EQ(go_on->status, 100);
  ok.send(body);
  auto created = ok.read_response();
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201);
}

TEST_F(BlogProtocol, MalformedAndSmugglingShapedRequestsAre400AndClosed) {
  for (std::string_view bad : {
           "POST /api/posts HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           "POST /api/posts HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
           "POST /api/posts HTTP/1.1\r\nHost: t\r\nContent-Length: +4\r\n\r\nabcd",
           "POST /api/posts HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
           "POST /api/posts HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n",
           "GET /api/health HTTP/1.1\r\n\r\n",                        // no Host
           "GET /api/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",  // two
           "GET /api/health HTTP/1.1\r\nHost : t\r\n\r\n",            // space before the colon
           "GET /api/health HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n",  // obs-fold
           "GARBAGE\r\n\r\n",
       })
    expect_refused(bad, 400);
}

TEST_F(BlogProtocol, SlowHeadsAndIdleConnectionsAreClosed) {
  RawClient slow(blog.port());
  slow.send("GET /api/health HTTP/1.1\r\nHo");
  const auto start = std::chrono::steady_clock::now();
  auto r = slow.read_response();  // 408 after --header-timeout (1 s)
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(slow.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);

  RawClient idle(blog.port());
  idle.send("GET /api/health HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(idle.read_response());
  const auto answered = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle.closed_by_peer());  // after --idle-timeout (1.5 s), not before
  EXPECT_GE(std::chrono::steady_clock::now() - answered, 1400ms);
}

}  // namespace
}  // namespace blog::testing
