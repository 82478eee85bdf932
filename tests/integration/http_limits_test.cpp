// Every bad input gets its answer, then the connection closes: oversized heads, request
// lines and bodies, malformed requests, request-smuggling shapes, slow and idle clients.

#include <gtest/gtest.h>

#include <ignis/http/app.hpp>

#include <thread>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using ignis::testing::HttpResponse;
using ignis::testing::RawClient;
using ignis::testing::TestServer;

namespace {

App make_app() {
  App app;
  app.route("/ok").GET([](Request&) -> Task<Response> { co_return Response::text("ok"); });
  app.route("/echo").POST([](Request& req) -> Task<Response> {
    std::string_view body = co_await req.text();
    co_return Response::text(body);
  });
  return app;
}

ServerOptions small_limits() {
  auto o = TestServer::defaults();
  o.max_body_bytes = 1000;
  o.header_timeout = std::chrono::milliseconds(300);
  o.idle_timeout = std::chrono::milliseconds(400);
  return o;
}

class HttpLimits : public ::testing::Test {
 protected:
  App app = make_app();
  TestServer server{app, small_limits()};

  // Sends raw bytes; expects one response with `status` and a JSON error, then a close.
  void expect_rejected(std::string_view raw, int status, std::string_view error) {
    RawClient c(server.port());
    c.send(raw);
    auto r = c.read_response();
    ASSERT_TRUE(r) << raw;
    EXPECT_EQ(r->status, status) << raw;
    EXPECT_EQ(r->header("connection"), "close") << raw;
    EXPECT_EQ(r->header("content-type"), "application/json") << raw;
    EXPECT_EQ(r->body, "{\"error\":\"" + std::string(error) + "\"}") << raw;
    EXPECT_TRUE(c.closed_by_peer()) << raw;
  }
};

TEST_F(HttpLimits, HeadOver16KiBIs431) {
  std::string raw = "GET /ok HTTP/1.1\r\nHost: t\r\n";
  for (int i = 0; i < 40; ++i) raw += "X-Fill-" + std::to_string(i) + ": " + std::string(500, 'a') + "\r\n";
  raw += "\r\n";
  expect_rejected(raw, 431, "Request header fields too large");
}

TEST_F(HttpLimits, OneHugeHeaderIs431) {
  expect_rejected("GET /ok HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n", 431,
                  "Request header fields too large");
}

TEST_F(HttpLimits, TooManyHeadersIs431) {
  std::string raw = "GET /ok HTTP/1.1\r\nHost: t\r\n";
  for (int i = 0; i < 120; ++i) raw += "X-" + std::to_string(i) + ": v\r\n";
  expect_rejected(raw + "\r\n", 431, "Request header fields too large");
}

TEST_F(HttpLimits, RequestLineOver8KiBIs414) {
  expect_rejected("GET /ok?" + std::string(9000, 'q') + " HTTP/1.1\r\nHost: t\r\n\r\n", 414, "URI too long");
}

TEST_F(HttpLimits, ContentLengthOverMaxIs413BeforeTheBody) {
  // No body is sent at all: the answer must not wait for it.
  expect_rejected("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n", 413, "Payload too large");
}

TEST_F(HttpLimits, ContentLengthOverMaxWithExpectGetsNo100) {
  RawClient c(server.port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(HttpLimits, ChunkedBodyGrowingPastMaxIs413) {
  RawClient c(server.port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 3; ++i) c.send("190\r\n" + std::string(400, 'x') + "\r\n");  // 1200 bytes
  c.send("0\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body, R"({"error":"Payload too large"})");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpLimits, BodyAtTheLimitIsAccepted) {
  RawClient c(server.port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'y'));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), 1000u);
}

TEST_F(HttpLimits, MalformedRequestsAre400) {
  for (std::string raw : {
           std::string("GARBAGE\r\n\r\n"),
           std::string("GET /ok HTTP/9.9\r\nHost: t\r\n\r\n"),
           std::string("GET /ok HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n"),
           std::string("GET /ok HTTP/1.1\r\nHost: t\r\n: empty-name\r\n\r\n"),
           std::string("GET /o k HTTP/1.1\r\nHost: t\r\n\r\n"),
           std::string("GET /ok HTTP/1.1\r\nHost : t\r\n\r\n"),                  // space before the colon
           std::string("GET /ok HTTP/1.1\r\nHost: t\r\nX: a\r\n folded\r\n\r\n"),  // obs-fold
           std::string("GET /ok HTTP/1.1\r\nHost: t\r\nX: a\x01b\r\n\r\n"),           // control character
           std::string("GET /ok HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n"),             // bare CR
           std::string("GET /ok HTTP/1.1\nHost: t\n\n"),                              // bare LF
       }) {
    SCOPED_TRACE(raw);
    expect_rejected(raw, 400, "Bad request");
  }
}

TEST_F(HttpLimits, HostMissingOrRepeatedIs400) {
  expect_rejected("GET /ok HTTP/1.1\r\n\r\n", 400, "Bad request");
  expect_rejected("GET /ok HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Bad request");
}

TEST_F(HttpLimits, SmugglingShapesAre400) {
  for (std::string raw : {
           // CL.TE and TE.CL
           std::string("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
           std::string("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n"),
           // differing duplicate Content-Length, and a list
           std::string("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde"),
           std::string("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4, 5\r\n\r\nabcde"),
           std::string("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: +4\r\n\r\nabcd"),
           std::string("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n"),
           // unknown or stacked transfer codings
           std::string("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n"),
           std::string("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
           std::string("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
           std::string("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"),
           // bad chunk sizes
           std::string("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n"),
           std::string("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nab\r\n0\r\n\r\n"),
           std::string("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nab\r\n"),
       }) {
    SCOPED_TRACE(raw);
    RawClient c(server.port());
    c.send(raw);
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_TRUE(c.closed_by_peer());
  }
}

TEST_F(HttpLimits, UnsupportedVersionIs505) {
  expect_rejected("GET /ok HTTP/2.0\r\nHost: t\r\n\r\n", 505, "HTTP version not supported");
}

TEST_F(HttpLimits, EndlessChunkExtensionIs400) {
  RawClient c(server.port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=");
  bool refused = false;
  for (int i = 0; i < 64 && !refused; ++i) refused = !c.send(std::string(1024, 'e'));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpLimits, TrailersAreAcceptedAndBounded) {
  RawClient ok(server.port());
  ok.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n");
  auto r = ok.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "abc");
  RawClient big(server.port());
  big.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Big: " +
           std::string(20000, 't') + "\r\n\r\n");
  auto too_big = big.read_response();
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 431);
}

TEST_F(HttpLimits, SlowHeadIsAnswered408AndClosed) {
  RawClient c(server.port());
  c.send("GET /ok HTTP/1.1\r\nHost: t\r\n");  // never finished
  auto start = std::chrono::steady_clock::now();
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(HttpLimits, TricklingHeadDoesNotExtendTheTimeout) {
  RawClient c(server.port());
  std::string head = "GET /ok HTTP/1.1\r\nHost: t\r\nX-Slow: ";
  c.send(head);
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {  // a byte every 50 ms for up to 2 s
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    closed = !c.send("a");
  }
  auto rest = c.read_until_close();
  EXPECT_NE(rest.find("408"), std::string::npos);
}

TEST_F(HttpLimits, IdleKeepAliveConnectionIsClosed) {
  RawClient c(server.port());
  c.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(c.read_response());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer());
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_LT(waited, std::chrono::seconds(3));
}

TEST_F(HttpLimits, ConnectionThatNeverSpeaksIsClosed) {
  RawClient c(server.port());
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpLimits, ServerKeepsServingAfterAbuse) {
  expect_rejected("GARBAGE\r\n\r\n", 400, "Bad request");
  RawClient c(server.port());
  c.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(c.read_response()->body, "ok");
}

}  // namespace
