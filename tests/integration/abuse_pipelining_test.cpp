// Pipelining abuse: a client that floods requests without reading the answers, and
// answers held behind a body that is slow to come.
//
// | case                                          | answer                                      |
// |-----------------------------------------------|---------------------------------------------|
// | requests flooded, answers never read          | the server stops reading once its answers   |
// |                                               | back up: the client's sends stall within    |
// |                                               | socket buffers; nothing is lost once it     |
// |                                               | reads; other clients are served meanwhile   |
// | a pipelined request whose body is slow        | the answers before it leave at once         |

#include <gtest/gtest.h>

#include <ignis/http/app.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "support/child_server.hpp"
#include "support/process_stats.hpp"
#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using namespace std::chrono_literals;
using ignis::testing::RawClient;

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

constexpr std::string_view kRequest = "GET /ok HTTP/1.1\r\nHost: t\r\n\r\n";

TEST(AbusePipelining, AFloodOfUnreadRequestsIsBoundedAndNothingIsLost) {
  ignis::testing::ChildServer server(make_app);
  const std::size_t rss_before = ignis::testing::resident_bytes(server.pid());
  RawClient flood(server.port(), 10s);
  ::fcntl(flood.fd(), F_SETFL, ::fcntl(flood.fd(), F_GETFL) | O_NONBLOCK);

  // Send until the server has stopped taking requests for a second, up to 256 MiB.
  std::string burst;
  for (int i = 0; i < 1024; ++i) burst += kRequest;
  constexpr std::size_t kCap = 256u << 20;
  std::size_t sent = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (sent < kCap && std::chrono::steady_clock::now() - last_progress < 1s) {
    const std::size_t at = sent % burst.size();
    const ssize_t n = ::send(flood.fd(), burst.data() + at, burst.size() - at, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      last_progress = std::chrono::steady_clock::now();
    } else {
      pollfd p{flood.fd(), POLLOUT, 0};
      ::poll(&p, 1, 50);
    }
  }
  const std::size_t rss_flooded = ignis::testing::resident_bytes(server.pid());
  std::printf("pipelined flood: the server stopped taking requests after %.1f MiB (%zu requests); its RSS %.1f -> %.1f MiB\n",
              sent / 1048576.0, sent / kRequest.size(), rss_before / 1048576.0, rss_flooded / 1048576.0);
  EXPECT_LT(sent, kCap) << "the server kept reading requests it could not answer";
  if (!ignis::testing::kSanitized) {
    EXPECT_LT(rss_flooded, rss_before + (32u << 20));
  }

  // Meanwhile, others are served.
  {
    RawClient other(server.port(), 2s);
    other.send(kRequest);
    auto r = other.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "ok");
  }

  // Now read: every request sent gets its answer, in order (the one cut short once its
  // last bytes follow).
  ::fcntl(flood.fd(), F_SETFL, ::fcntl(flood.fd(), F_GETFL) & ~O_NONBLOCK);
  const std::size_t whole_requests = sent / kRequest.size();
  const std::size_t cut = sent % kRequest.size();
  const std::size_t expected = whole_requests + (cut != 0);
  std::size_t answered = 0;
  while (answered < expected) {
    if (answered == whole_requests) flood.send(kRequest.substr(cut));
    auto r = flood.read_response();
    if (!r || r->body != "ok") break;
    ++answered;
  }
  EXPECT_EQ(answered, expected);
  EXPECT_EQ(server.terminate(), 0);
}

TEST(AbusePipelining, AnswersAreNotHeldBehindASlowBody) {
  App app = make_app();
  ignis::testing::TestServer server(app);
  RawClient c(server.port(), 3s);
  // Two complete requests, then one whose body trickles in (and for now stops).
  c.send(std::string(kRequest) + std::string(kRequest) + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab");
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 2; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << "answer " << i << " held back";
    EXPECT_EQ(r->body, "ok");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  c.send("cdefghij");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "abcdefghij");
}

TEST(AbusePipelining, ManyPipelinedRequestsAreAnsweredInOrder) {
  App app = make_app();
  ignis::testing::TestServer server(app);
  RawClient c(server.port(), 10s);
  constexpr int kRequests = 5000;
  std::thread writer([&] {
    for (int i = 0; i < kRequests; ++i) {
      const std::string body = std::to_string(i);
      c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    }
  });
  int in_order = 0;
  for (int i = 0; i < kRequests; ++i) {
    auto r = c.read_response();
    if (!r || r->body != std::to_string(i)) break;
    ++in_order;
  }
  if (in_order != kRequests) ::shutdown(c.fd(), SHUT_RDWR);  // unblock the writer
  writer.join();
  EXPECT_EQ(in_order, kRequests);
}

}  // namespace
