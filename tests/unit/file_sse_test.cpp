// The parsers and encoders behind file and event-stream responses, with malformed input.

#include <gtest/gtest.h>

#include <ignis/http/file.hpp>
#include <ignis/http/sse.hpp>

using namespace ignis;

namespace {

RangeStatus range(std::string_view header, std::uint64_t size, ByteRange& r) { return parse_range(header, size, r); }

TEST(ParseRange, SingleRanges) {
  ByteRange r;
  ASSERT_EQ(range("bytes=0-99", 1000, r), RangeStatus::satisfiable);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
  ASSERT_EQ(range("bytes=900-", 1000, r), RangeStatus::satisfiable);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(r.last, 999u);
  ASSERT_EQ(range("bytes=-100", 1000, r), RangeStatus::satisfiable);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(r.last, 999u);
  ASSERT_EQ(range("bytes=-5000", 1000, r), RangeStatus::satisfiable);
  EXPECT_EQ(r.first, 0u);
  ASSERT_EQ(range("bytes=10-99999999999999999999999", 1000, r), RangeStatus::satisfiable);
  EXPECT_EQ(r.last, 999u);
  ASSERT_EQ(range("Bytes = 1-1 ", 1000, r), RangeStatus::ignored) << "no space before '='";
  ASSERT_EQ(range("bytes= 1-1 ", 1000, r), RangeStatus::satisfiable);
}

TEST(ParseRange, Unsatisfiable) {
  ByteRange r;
  EXPECT_EQ(range("bytes=1000-", 1000, r), RangeStatus::unsatisfiable);
  EXPECT_EQ(range("bytes=1000-2000", 1000, r), RangeStatus::unsatisfiable);
  EXPECT_EQ(range("bytes=-0", 1000, r), RangeStatus::unsatisfiable);
  EXPECT_EQ(range("bytes=0-", 0, r), RangeStatus::unsatisfiable);
  EXPECT_EQ(range("bytes=-1", 0, r), RangeStatus::unsatisfiable);
  EXPECT_EQ(range("bytes=99999999999999999999999-", 1000, r), RangeStatus::unsatisfiable);
}

TEST(ParseRange, IgnoredShapes) {
  ByteRange r;
  for (std::string_view h : std::initializer_list<std::string_view>{"", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=5-1", "bytes=0-1,2-3",
                             "lines=0-1", "bytes=0x10-20", "bytes=1-2-3", "bytes=+1-2", "bytes=1--2", "bytes=--1"})
    EXPECT_EQ(range(h, 1000, r), RangeStatus::ignored) << h;
}

TEST(HttpDate, RoundTripAndRejects) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date(format_http_date(1700000000)), 1700000000);
  for (std::string_view bad : {"", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                               "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Foo 1994 08:49:37 GMT",
                               "Sun, 36 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 28:49:37 GMT",
                               "Sun, 0x Nov 1994 08:49:37 GMT"})
    EXPECT_FALSE(parse_http_date(bad)) << bad;
}

TEST(ContentDisposition, QuotesAndEncodes) {
  EXPECT_EQ(content_disposition("report.pdf"), "attachment; filename=\"report.pdf\"");
  EXPECT_EQ(content_disposition("a\"b\\c.txt"), "attachment; filename=\"a\\\"b\\\\c.txt\"");
  EXPECT_EQ(content_disposition("r\xC3\xA9sum\xC3\xA9.txt"),
            "attachment; filename=\"r__sum__.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt");
  EXPECT_EQ(content_disposition("line\r\nbreak"),
            "attachment; filename=\"line__break\"; filename*=UTF-8''line%0D%0Abreak");
  EXPECT_EQ(content_disposition("x.txt", false), "inline; filename=\"x.txt\"");
}

TEST(ContentType, ByExtension) {
  EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("dir.d/IMAGE.PNG"), "image/png");
  EXPECT_EQ(content_type_for("a.tar.gz"), "application/gzip");
  EXPECT_EQ(content_type_for("noext"), "application/octet-stream");
  EXPECT_EQ(content_type_for("dot.d/noext"), "application/octet-stream");
  EXPECT_EQ(content_type_for("trailing."), "application/octet-stream");
  EXPECT_EQ(content_type_for("x.verylongext"), "application/octet-stream");
}

TEST(FileRootNames, LexicalCheck) {
  for (std::string_view ok : {"a.txt", "sub/a.txt", "a..b", "..a", "a b", "%41.txt", "dir/.hidden"})
    EXPECT_TRUE(FileRoot::acceptable(ok)) << ok;
  for (std::string_view bad : std::initializer_list<std::string_view>{"", "/etc/passwd", "..", "../a", "a/../b", "a/..", ".", "./a", "a//b", "a/",
                               "a\\b", "..\\a", std::string_view("a\0b", 3), "a\nb", "..%2fa", "a%2Fb",
                               "%2e%2e", "a%5cb", "a%00"})
    EXPECT_FALSE(FileRoot::acceptable(bad)) << bad;
}

std::string sse(const SseEvent& e) {
  std::string out;
  append_sse(out, e);
  return out;
}

TEST(SseFormat, Fields) {
  EXPECT_EQ(sse({.data = "hello"}), "data: hello\n\n");
  EXPECT_EQ(sse({.data = "x", .event = "post.created", .id = "7", .retry = std::chrono::milliseconds(3000)}),
            "id: 7\nevent: post.created\nretry: 3000\ndata: x\n\n");
  EXPECT_EQ(sse({.data = ""}), "data: \n\n") << "an empty payload is still an event";
}

TEST(SseFormat, DataIsSplitOnEveryLineBreak) {
  EXPECT_EQ(sse({.data = "a\nb\r\nc\rd"}), "data: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(sse({.data = "trailing\n"}), "data: trailing\ndata: \n\n");
  EXPECT_EQ(sse({.data = " lead"}), "data:  lead\n\n");
}

TEST(SseFormat, LineBreaksCannotEscapeAField) {
  EXPECT_EQ(sse({.data = "d", .event = "x\ndata: injected", .id = "1\r\n2"}), "id: 12\nevent: xdata: injected\ndata: d\n\n");
  EXPECT_EQ(SseFrame::make("tick", "1\n2").text, "event: tick\ndata: 1\ndata: 2\n\n");
}

}  // namespace
