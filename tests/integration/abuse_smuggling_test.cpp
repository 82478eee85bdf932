// The request-smuggling catalogue, as a table: each shape with the answer it gets.
//
// Every request is followed on the same connection by "GET /smuggled": a server that
// framed the first request differently from what it should have would answer that one
// (or answer twice). A refused shape must be answered once, with its status and a JSON
// error, and the connection closed, with /smuggled never reached; an accepted one must
// be answered with the body it really had, and then /smuggled served as the next request.

#include <gtest/gtest.h>

#include <ignis/http/app.hpp>

#include <atomic>
#include <ostream>
#include <string>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using ignis::testing::RawClient;
using ignis::testing::TestServer;

namespace {

struct Shape {
  const char* name;
  std::string request;  // up to the end of its body
  int status;           // the answer; 200: accepted, and the echoed body must be `body`
  const char* body = "";
};

const std::string kNext = "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n";

std::string post(std::string_view headers, std::string_view body = {}) {
  return "POST /echo HTTP/1.1\r\nHost: t\r\n" + std::string(headers) + "\r\n" + std::string(body);
}

std::string nul(std::string_view before, std::string_view after) {
  return std::string(before) + '\0' + std::string(after);
}

const Shape kCatalogue[] = {
    // Content-Length and Transfer-Encoding together, in both orders (CL.TE, TE.CL).
    {"CL.TE", post("Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\nG"), 400},
    {"TE.CL", post("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "8\r\nSMUGGLED\r\n0\r\n\r\n"), 400},
    // TE.TE: obfuscated or repeated codings.
    {"TE twice", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400},
    {"TE chunked then junk", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n", "0\r\n\r\n"), 400},
    {"TE space before colon", post("Transfer-Encoding : chunked\r\n", "0\r\n\r\n"), 400},
    {"TE xchunked", post("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n"), 400},
    {"TE chunked, identity", post("Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n"), 400},
    {"TE identity, chunked", post("Transfer-Encoding: identity, chunked\r\n", "0\r\n\r\n"), 400},
    {"TE gzip, chunked", post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"), 400},
    {"TE vertical tab", post("Transfer-Encoding:\x0b" "chunked\r\n", "0\r\n\r\n"), 400},
    {"TE quoted", post("Transfer-Encoding: \"chunked\"\r\n", "0\r\n\r\n"), 400},
    {"TE on an obs-fold line", post("X-A: a\r\n Transfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400},
    {"TE value folded", post("Transfer-Encoding:\r\n chunked\r\n", "0\r\n\r\n"), 400},
    {"TE with CL and a tab", post("Transfer-Encoding:\tchunked\r\nContent-Length: 3\r\n", "3\r\nabc\r\n0\r\n\r\n"), 400},
    {"TE in HTTP/1.0", "POST /echo HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400},
    // Tabs are optional whitespace, and coding names are case-insensitive: these are chunked.
    {"TE with a tab (valid)", post("Transfer-Encoding:\tchunked\r\n", "3\r\nabc\r\n0\r\n\r\n"), 200, "abc"},
    {"TE with trailing space (valid)", post("Transfer-Encoding: chunked \r\n", "3\r\nabc\r\n0\r\n\r\n"), 200, "abc"},
    {"TE upper case (valid)", post("Transfer-Encoding: CHUNKED\r\n", "3\r\nabc\r\n0\r\n\r\n"), 200, "abc"},
    // Content-Length with signs, spaces, lists, other bases, overflow.
    {"CL plus sign", post("Content-Length: +3\r\n", "abc"), 400},
    {"CL minus sign", post("Content-Length: -3\r\n", "abc"), 400},
    {"CL space inside", post("Content-Length: 1 3\r\n", "abc"), 400},
    {"CL list of equal values", post("Content-Length: 3, 3\r\n", "abc"), 400},
    {"CL list of different values", post("Content-Length: 3, 4\r\n", "abcd"), 400},
    {"CL twice, equal", post("Content-Length: 3\r\nContent-Length: 3\r\n", "abc"), 400},
    {"CL twice, different", post("Content-Length: 3\r\nContent-Length: 4\r\n", "abcd"), 400},
    {"CL hexadecimal", post("Content-Length: 0x3\r\n", "abc"), 400},
    {"CL decimal point", post("Content-Length: 3.0\r\n", "abc"), 400},
    {"CL empty", post("Content-Length: \r\n", "abc"), 400},
    {"CL overflowing 64 bits", post("Content-Length: 18446744073709551619\r\n", "abc"), 400},
    {"CL space before colon", post("Content-Length : 3\r\n", "abc"), 400},
    {"CL leading zeros (valid)", post("Content-Length: 003\r\n", "abc"), 200, "abc"},
    {"CL surrounding spaces (valid)", post("Content-Length:  3 \r\n", "abc"), 200, "abc"},
    // Line endings and folding.
    {"bare LF everywhere", "POST /echo HTTP/1.1\nHost: t\nContent-Length: 3\n\nabc", 400},
    {"bare LF after a field", "POST /echo HTTP/1.1\r\nHost: t\nContent-Length: 3\r\n\r\nabc", 400},
    {"bare LF ending the head", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\nabc", 400},
    {"bare LF in a chunk size line", post("Transfer-Encoding: chunked\r\n", "3\nabc\r\n0\r\n\r\n"), 400},
    {"bare LF after chunk data", post("Transfer-Encoding: chunked\r\n", "3\r\nabc\n0\r\n\r\n"), 400},
    {"bare CR in a field", "POST /echo HTTP/1.1\r\nHost: t\rContent-Length: 3\r\n\r\nabc", 400},
    {"obs-fold", post("Content-Length: 3\r\nX-A: a\r\n b\r\n", "abc"), 400},
    // Field names and values that parsers disagree about.
    {"space before the colon", post("Content-Length: 3\r\nX-A : b\r\n", "abc"), 400},
    {"NUL in a value", post(nul("Content-Length: 3\r\nX-A: a", "b\r\n"), "abc"), 400},
    {"NUL in a name", post(nul("Content-Length: 3\r\nX", "A: b\r\n"), "abc"), 400},
    {"CR in a value", post("Content-Length: 3\r\nX-A: a\rb\r\n", "abc"), 400},
    {"empty field name", post("Content-Length: 3\r\n: b\r\n", "abc"), 400},
    // Chunk framing.
    {"chunk size with a sign", post("Transfer-Encoding: chunked\r\n", "+3\r\nabc\r\n0\r\n\r\n"), 400},
    {"chunk size 0x prefix", post("Transfer-Encoding: chunked\r\n", "0x3\r\nabc\r\n0\r\n\r\n"), 400},
    {"chunk size overflowing", post("Transfer-Encoding: chunked\r\n", "10000000000000003\r\nabc\r\n0\r\n\r\n"), 400},
    {"chunk longer than its size", post("Transfer-Encoding: chunked\r\n", "3\r\nabcd\r\n0\r\n\r\n"), 400},
    {"chunk size with leading space", post("Transfer-Encoding: chunked\r\n", " 3\r\nabc\r\n0\r\n\r\n"), 400},
    {"chunk extension (valid)", post("Transfer-Encoding: chunked\r\n", "3;a=\"b c\"\r\nabc\r\n0\r\n\r\n"), 200, "abc"},
    // Valid, but llhttp 8.1 takes only one extension per chunk: refused, never misread.
    {"two chunk extensions (llhttp 8.1)", post("Transfer-Encoding: chunked\r\n", "3;a=b;c=d\r\nabc\r\n0\r\n\r\n"), 400},
    {"bare LF ending the trailers", post("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\nX-T: 1\r\n\n"), 400},
    {"bare LF after the last chunk", post("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\n\n"), 400},
    {"trailer field (valid)", post("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"), 200, "abc"},
    // Request targets and the Host.
    {"absolute-form, conflicting Host", "POST http://other.example/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", 400},
    {"absolute-form, userinfo", "POST http://t@other.example/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", 400},
    {"absolute-form, matching Host (valid)", "POST http://T/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", 200, "abc"},
    {"target of no form", "POST */echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", 400},
    {"asterisk-form, not OPTIONS", "POST * HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", 400},
    {"Host missing", "POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", 400},
    {"Host twice", "POST /echo HTTP/1.1\r\nHost: t\r\nHost: u\r\nContent-Length: 3\r\n\r\nabc", 400},
    {"space in the target", "POST /ec ho HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", 400},
    {"NUL in the target", nul("POST /ec", "ho HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"), 400},
    // RFC 9112 3 lets a recipient split the request line on any run of spaces.
    {"two spaces after the method (valid)", "POST  /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", 200, "abc"},
};

void PrintTo(const Shape& s, std::ostream* os) { *os << s.name; }

class AbuseSmuggling : public ::testing::TestWithParam<Shape> {
 protected:
  static App make_app(std::atomic<int>& smuggled) {
    App app;
    app.route("/echo").POST([](Request& req) -> Task<Response> {
      std::string_view body = co_await req.text();
      co_return Response::text(body);
    });
    app.route("/smuggled").GET([&smuggled](Request&) -> Task<Response> {
      ++smuggled;
      co_return Response::text("next");
    });
    return app;
  }
  std::atomic<int> smuggled{0};
  App app = make_app(smuggled);
  TestServer server{app};
};

TEST_P(AbuseSmuggling, GetsItsAnswer) {
  const Shape& s = GetParam();
  RawClient c(server.port(), std::chrono::seconds(2));
  c.send(s.request + kNext);
  auto r = c.read_response();
  ASSERT_TRUE(r) << "no answer";
  EXPECT_EQ(r->status, s.status);
  if (s.status == 200) {
    EXPECT_EQ(r->body, s.body);
    auto next = c.read_response();
    ASSERT_TRUE(next) << "the request after it was not served";
    EXPECT_EQ(next->body, "next");
    EXPECT_EQ(smuggled, 1);
  } else {
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_EQ(r->header("content-type"), "application/json");
    EXPECT_NE(r->body.find("\"error\""), std::string::npos) << r->body;
    EXPECT_TRUE(c.closed_by_peer());
    EXPECT_EQ(c.pending(), "") << "a second answer";
    EXPECT_EQ(smuggled, 0);
  }
}

std::string shape_name(const ::testing::TestParamInfo<Shape>& info) {
  std::string name;
  for (const char* p = info.param.name; *p; ++p) name += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, AbuseSmuggling, ::testing::ValuesIn(kCatalogue), shape_name);

}  // namespace
