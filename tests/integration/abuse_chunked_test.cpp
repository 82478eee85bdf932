// Chunked framing abuse: huge chunk extensions, trailers, and framing far bigger than the
// body it carries. Framing is parsed and dropped as it comes, never gathered.
//
// | case                                              | answer                                  |
// |---------------------------------------------------|-----------------------------------------|
// | one chunk extension up to 4 KiB                   | accepted                                |
// | one chunk extension past 4 KiB, or endless        | 400, closed                             |
// | 10,000 1-byte chunks with 4 KB extensions each    | accepted: 38 MiB of framing, not kept   |
// | chunk sizes with 64 KiB of leading zeros          | accepted (the value is what counts)     |
// | trailer fields within 16 KiB                      | accepted (and not shown to the handler) |
// | trailers past 16 KiB, or endless                  | 431, closed                             |

#include <gtest/gtest.h>

#include <ignis/http/app.hpp>

#include <chrono>
#include <thread>

#include "support/child_server.hpp"
#include "support/process_stats.hpp"
#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using namespace std::chrono_literals;
using ignis::testing::RawClient;
using ignis::testing::TestServer;

namespace {

const std::string kHead = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";

class AbuseChunked : public ::testing::Test {
 public:
  static App make_app() {
    App app;
    app.route("/echo").POST([](Request& req) -> Task<Response> {
      std::string_view body = co_await req.text();
      std::string trailers = req.headers().has("x-trailer") ? " (trailer seen)" : "";
      co_return Response::text(std::string(body) + trailers);
    });
    return app;
  }

 protected:
  // Sends the body while reading, so a refusal mid-body is seen; returns the answer.
  std::optional<ignis::testing::HttpResponse> post(const std::string& chunked_body) {
    RawClient c(server.port(), 5s);
    std::thread writer([&] { c.send(kHead + chunked_body); });
    auto r = c.read_response();
    if (!r) ::shutdown(c.fd(), SHUT_RDWR);
    writer.join();
    if (r && r->status != 200) {
      EXPECT_TRUE(c.closed_by_peer());
    }
    return r;
  }

  App app = make_app();
  TestServer server{app};
};

TEST_F(AbuseChunked, ExtensionsUpTo4KiBAreAccepted) {
  auto r = post("3;name=" + std::string(4096 - 5, 'e') + "\r\nabc\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "abc");
}

TEST_F(AbuseChunked, AnExtensionPast4KiBIs400) {
  auto r = post("3;name=" + std::string(4096, 'e') + "\r\nabc\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  auto endless = post("3;name=" + std::string(1 << 20, 'e'));
  ASSERT_TRUE(endless);
  EXPECT_EQ(endless->status, 400);
}

// (Not in the fixture: a process is forked only while it has no other thread.)
TEST(AbuseChunkedFraming, FramingFarBiggerThanTheBodyIsNotKept) {
  // A server of its own, so that its memory is apart from the 40 MB request built here.
  ignis::testing::ChildServer child(AbuseChunked::make_app);
  std::string body;
  const std::string extension = ";x=" + std::string(4000, 'e');
  for (int i = 0; i < 10'000; ++i) body += "1" + extension + "\r\n" + char('a' + i % 26) + "\r\n";
  body += "0\r\n\r\n";
  const std::size_t rss_before = ignis::testing::resident_bytes(child.pid());
  RawClient c(child.port(), 10s);
  std::thread writer([&] { c.send(kHead + body); });
  auto r = c.read_response();
  writer.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), 10'000u);
  const std::size_t rss_after = ignis::testing::resident_bytes(child.pid());
  std::printf("10,000 chunks with 4 KB extensions (%.1f MiB of framing): server RSS %.1f -> %.1f MiB\n",
              body.size() / 1048576.0, rss_before / 1048576.0, rss_after / 1048576.0);
  if (!ignis::testing::kSanitized) {
    // io_uring's receive buffers (16 MiB a thread) fill as they are used: within that.
    EXPECT_LT(rss_after, rss_before + (20u << 20));
  }
  EXPECT_EQ(child.terminate(), 0);
}

TEST_F(AbuseChunked, LeadingZerosInChunkSizesCountForNothing) {
  auto r = post(std::string(65536, '0') + "3\r\nabc\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "abc");
}

TEST_F(AbuseChunked, TrailersWithin16KiBAreAcceptedAndHidden) {
  std::string trailers;
  for (int i = 0; i < 100; ++i) trailers += "X-Trailer-" + std::to_string(i) + ": " + std::string(100, 't') + "\r\n";
  auto r = post("3\r\nabc\r\n0\r\nX-Trailer: 1\r\n" + trailers + "\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "abc");  // trailer fields never become head fields
}

TEST_F(AbuseChunked, TrailersPast16KiBAre431) {
  std::string trailers;
  for (int i = 0; i < 200; ++i) trailers += "X-T-" + std::to_string(i) + ": " + std::string(100, 't') + "\r\n";
  auto r = post("3\r\nabc\r\n0\r\n" + trailers + "\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  auto endless = post("3\r\nabc\r\n0\r\nX-Endless: " + std::string(1 << 20, 't'));
  ASSERT_TRUE(endless);
  EXPECT_EQ(endless->status, 431);
}

}  // namespace
