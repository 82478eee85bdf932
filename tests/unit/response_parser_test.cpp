// The HTTP client's response parser (llhttp glue), byte by byte and with malformed input.

#include <gtest/gtest.h>

#include <string>

#include "response_parser.hpp"

using ignis::detail::ResponseParser;

namespace {

struct Parsed {
  bool ok = true;
  ResponseParser parser;
  std::string body;
};

// Feeds `wire` in pieces of `step` bytes.
void feed(Parsed& p, std::string_view wire, std::size_t step, bool head_request = false) {
  p.parser.begin(head_request, &p.body);
  for (std::size_t i = 0; i < wire.size() && p.ok; i += step) p.ok = p.parser.feed(wire.data() + i, std::min(step, wire.size() - i));
}

TEST(ResponseParser, ContentLengthInAnyPieces) {
  const std::string wire = "HTTP/1.1 201 Created\r\nContent-Type: text/plain \r\nX-A: 1\r\nContent-Length: 5\r\n\r\nhello";
  for (std::size_t step : {1u, 3u, 1000u}) {
    Parsed p;
    feed(p, wire, step);
    ASSERT_TRUE(p.ok) << p.parser.error();
    EXPECT_TRUE(p.parser.message_complete());
    EXPECT_EQ(p.parser.status(), 201);
    EXPECT_EQ(p.parser.status_text(), "Created");
    ASSERT_EQ(p.parser.headers().size(), 3u);
    EXPECT_EQ(p.parser.headers()[0].first, "Content-Type");
    EXPECT_EQ(p.parser.headers()[0].second, "text/plain");
    EXPECT_EQ(p.body, "hello");
    EXPECT_TRUE(p.parser.keep_alive());
    EXPECT_FALSE(p.parser.trailing_bytes());
  }
}

TEST(ResponseParser, ChunkedBodiesAreDecoded) {
  Parsed p;
  feed(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nA;ext=1\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n", 2);
  ASSERT_TRUE(p.ok) << p.parser.error();
  EXPECT_TRUE(p.parser.message_complete());
  EXPECT_EQ(p.body, "abc0123456789");
}

TEST(ResponseParser, CloseDelimitedBodiesEndAtFinish) {
  Parsed p;
  feed(p, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end", 4);
  ASSERT_TRUE(p.ok);
  EXPECT_FALSE(p.parser.message_complete());
  EXPECT_TRUE(p.parser.finish());
  EXPECT_TRUE(p.parser.message_complete());
  EXPECT_FALSE(p.parser.keep_alive());
  EXPECT_EQ(p.body, "to the end");
}

TEST(ResponseParser, HeadResponsesAndBodylessStatusesHaveNoBody) {
  Parsed head;
  feed(head, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 7, true);
  ASSERT_TRUE(head.ok);
  EXPECT_TRUE(head.parser.message_complete());
  Parsed no_content;
  feed(no_content, "HTTP/1.1 204 No Content\r\n\r\n", 5);
  ASSERT_TRUE(no_content.ok);
  EXPECT_TRUE(no_content.parser.message_complete());
  EXPECT_EQ(no_content.parser.status(), 204);
}

TEST(ResponseParser, InterimResponsesAreSkipped) {
  Parsed p;
  feed(p, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 3);
  ASSERT_TRUE(p.ok) << p.parser.error();
  EXPECT_EQ(p.parser.status(), 200);
  ASSERT_EQ(p.parser.headers().size(), 1u);
  EXPECT_EQ(p.parser.headers()[0].first, "Content-Length");
  EXPECT_EQ(p.body, "ok");
}

TEST(ResponseParser, BytesAfterTheResponseAreNoticed) {
  Parsed p;
  feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", 1000);
  ASSERT_TRUE(p.ok);
  EXPECT_TRUE(p.parser.message_complete());
  EXPECT_EQ(p.body, "ok");
  EXPECT_TRUE(p.parser.trailing_bytes());
}

TEST(ResponseParser, MalformedResponsesFail) {
  for (std::string_view wire : {
           std::string_view("HTTP/1.1 2x0 OK\r\n\r\n"),
           std::string_view("SMTP 220 hello\r\n\r\n"),
           std::string_view("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n"),
           std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
           std::string_view("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
       }) {
    Parsed p;
    feed(p, wire, 1000);
    EXPECT_FALSE(p.ok) << wire;
    EXPECT_FALSE(p.parser.error().empty());
  }
  Parsed cut;
  feed(cut, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1000);
  ASSERT_TRUE(cut.ok);
  EXPECT_FALSE(cut.parser.finish());
  EXPECT_EQ(cut.parser.error(), "the response body was cut short");
}

TEST(ResponseParser, OversizedHeadsFail) {
  Parsed big;
  std::string wire = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(ResponseParser::kMaxHeadBytes, 'a') + "\r\n\r\n";
  feed(big, wire, 4096);
  EXPECT_FALSE(big.ok);
  EXPECT_EQ(big.parser.error(), "response head too large");
  Parsed many;
  std::string fields = "HTTP/1.1 200 OK\r\n";
  for (std::size_t i = 0; i <= ResponseParser::kMaxHeaders; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
  feed(many, fields + "\r\n", 1000);
  EXPECT_FALSE(many.ok);
  EXPECT_EQ(many.parser.error(), "too many response header fields");
}

}  // namespace
