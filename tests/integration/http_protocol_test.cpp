// HTTP/1.1 connection handling over real sockets: keep-alive, pipelining, HTTP/1.0,
// Connection: close, chunked request bodies, Expect: 100-continue.

#include <gtest/gtest.h>

#include <ignis/http/app.hpp>

#include <thread>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using ignis::testing::RawClient;
using ignis::testing::TestServer;

namespace {

App make_app() {
  App app;
  app.route("/n/[n]").GET([](Request&, RouteContext& ctx) -> Task<Response> {
    co_return Response::text(ctx.params.get("n"));
  });
  app.route("/echo").POST([](Request& req) -> Task<Response> {
    std::string_view body = co_await req.text();
    co_return Response::text(body);
  });
  // Reads the body piece by piece and reports the pieces' total.
  app.route("/count").POST([](Request& req) -> Task<Response> {
    std::size_t total = 0, pieces = 0;
    for (;;) {
      std::string_view piece = co_await req.body().read();
      if (piece.empty()) break;
      total += piece.size();
      ++pieces;
    }
    co_return Response::json({{"total", total}, {"pieces_seen", pieces > 0}});
  });
  // Answers without reading the body.
  app.route("/ignore").POST([](Request&) -> Task<Response> { co_return Response::text("ignored"); });
  return app;
}

class HttpProtocol : public ::testing::Test {
 protected:
  App app = make_app();
  TestServer server{app};
  std::uint16_t port() { return server.port(); }
};

std::string get(std::string_view path, std::string_view extra = {}) {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
}

TEST_F(HttpProtocol, KeepAliveServesManyRequestsOnOneConnection) {
  RawClient c(port());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(c.send(get("/n/" + std::to_string(i))));
    auto r = c.read_response();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body, std::to_string(i));
    EXPECT_FALSE(r->header("connection"));
  }
}

TEST_F(HttpProtocol, PipelinedRequestsAreAnsweredInOrder) {
  RawClient c(port());
  std::string burst;
  for (int i = 0; i < 100; ++i) burst += get("/n/" + std::to_string(i));
  burst += "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello";
  burst += get("/n/last");
  ASSERT_TRUE(c.send(burst));
  for (int i = 0; i < 100; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body, std::to_string(i));
  }
  EXPECT_EQ(c.read_response()->body, "hello");
  EXPECT_EQ(c.read_response()->body, "last");
}

TEST_F(HttpProtocol, PipelinedRequestsSplitAcrossWrites) {
  RawClient c(port());
  std::string burst;
  for (int i = 0; i < 20; ++i) burst += get("/n/" + std::to_string(i));
  // Dribble the burst in odd-sized pieces so that heads straddle reads.
  for (std::size_t pos = 0; pos < burst.size(); pos += 7) {
    ASSERT_TRUE(c.send(burst.substr(pos, 7)));
    if (pos % 49 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (int i = 0; i < 20; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body, std::to_string(i));
  }
}

TEST_F(HttpProtocol, Http10ClosesByDefault) {
  RawClient c(port());
  c.send("GET /n/1 HTTP/1.0\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "1");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpProtocol, Http10KeepAliveWhenAsked) {
  RawClient c(port());
  c.send("GET /n/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("connection"), "keep-alive");
  c.send("GET /n/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(c.read_response()->body, "2");
}

TEST_F(HttpProtocol, ConnectionCloseIsHonoured) {
  RawClient c(port());
  // Anything pipelined after a Connection: close request is not answered.
  c.send(get("/n/1", "Connection: close\r\n") + get("/n/2"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "1");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(c.pending(), "");
}

TEST_F(HttpProtocol, ChunkedBodyIsDecoded) {
  RawClient c(port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  c.send("5\r\nhello\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  c.send("1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\nTrailer-Field: x\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world!");
  // The connection is still usable.
  c.send(get("/n/9"));
  EXPECT_EQ(c.read_response()->body, "9");
}

TEST_F(HttpProtocol, LargeChunkedBodyInManyPieces) {
  RawClient c(port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string expected;
  for (int i = 0; i < 300; ++i) {
    std::string piece(1000 + i, static_cast<char>('a' + i % 26));
    expected += piece;
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    c.send(std::string(size) + piece + "\r\n");
  }
  c.send("0\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.size(), expected.size());
  EXPECT_EQ(r->body, expected);
}

TEST_F(HttpProtocol, StreamedBodyReadPieceByPiece) {
  RawClient c(port());
  const std::size_t size = 3 << 20;
  c.send("POST /count HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n");
  std::string block(64 * 1024, 'z');
  for (std::size_t sent = 0; sent < size; sent += block.size()) c.send(block);
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, R"({"total":3145728,"pieces_seen":true})");
}

TEST_F(HttpProtocol, UnreadSmallBodyIsSkippedAndConnectionKept) {
  RawClient c(port());
  c.send("POST /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world" + get("/n/5"));
  EXPECT_EQ(c.read_response()->body, "ignored");
  EXPECT_EQ(c.read_response()->body, "5");
}

TEST_F(HttpProtocol, UnreadLargeBodyClosesConnection) {
  RawClient c(port());
  c.send("POST /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000\r\n\r\npartial");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "ignored");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpProtocol, ExpectContinueGetsInterimResponseWhenBodyIsRead) {
  RawClient c(port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  c.send("data");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "data");
}

TEST_F(HttpProtocol, ExpectContinueWithoutReadAnswersFinalAndCloses) {
  RawClient c(port());
  c.send("POST /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);  // no 100 first: the body was never wanted
  EXPECT_EQ(r->body, "ignored");
  EXPECT_EQ(r->header("connection"), "close");
}

TEST_F(HttpProtocol, ExpectOtherThanContinueIs417) {
  RawClient c(port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: something\r\n\r\ndata");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 417);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpProtocol, AbsoluteFormTargetRoutesByPath) {
  RawClient c(port());
  c.send("GET http://example.com/n/42?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "42");
}

}  // namespace
