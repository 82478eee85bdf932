// Connections reset (RST, SO_LINGER 0) at every stage: the server frees what each held
// (its descriptor, and a handler or stream learns through its signal) and serves on.
//
// | case                                        | answer                                         |
// |---------------------------------------------|------------------------------------------------|
// | reset mid-head, mid-body                    | connection freed; nothing answered             |
// | reset while the handler waits               | the handler's signal aborts; connection freed  |
// | reset mid-response (big body, stream, file) | the send fails, the stream's signal aborts;    |
// |                                             | connection freed                               |
// | 200 rounds of all of the above              | descriptors back to where they were            |

#include <gtest/gtest.h>

#include <ignis/core/io.hpp>
#include <ignis/http/app.hpp>
#include <ignis/http/file.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "support/process_stats.hpp"
#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using namespace std::chrono_literals;
using ignis::testing::RawClient;
using ignis::testing::TestServer;

namespace {

struct Counters {
  std::atomic<int> waits_started{0}, waits_aborted{0};
  std::atomic<int> streams_started{0}, streams_ended{0};
};

std::string make_file() {
  char path[] = "/tmp/ignis-reset-XXXXXX";
  const int fd = ::mkstemp(path);
  const std::string block(1 << 20, 'f');
  for (int i = 0; i < 16; ++i) EXPECT_EQ(::write(fd, block.data(), block.size()), ssize_t(block.size()));
  ::close(fd);
  return path;
}

App make_app(Counters& counters, const std::string& file) {
  App app;
  app.route("/ok").GET([](Request&) -> Task<Response> { co_return Response::text("ok"); });
  app.route("/echo").POST([](Request& req) -> Task<Response> {
    std::string_view body = co_await req.text();
    co_return Response::text(body);
  });
  app.route("/wait").GET([&counters](Request& req) -> Task<Response> {
    ++counters.waits_started;
    if (!co_await sleep_for(10s, req.signal())) ++counters.waits_aborted;
    co_return Response::text("waited");
  });
  app.route("/big").GET([](Request&) -> Task<Response> { co_return Response::text(std::string(16 << 20, 'b')); });
  app.route("/stream").GET([&counters](Request&) -> Task<Response> {
    co_return Response::stream([&counters](StreamWriter& out) -> Task<void> {
      ++counters.streams_started;
      const std::string chunk(64 * 1024, 's');
      while (co_await out.write(chunk)) {
      }
      ++counters.streams_ended;
    });
  });
  app.route("/file").GET([file](Request& req) -> Task<Response> { co_return Response::file(req, file); });
  return app;
}

// Sends `bytes`, optionally reads `read` bytes of the answer, then resets the connection.
void send_then_reset(std::uint16_t port, std::string_view bytes, std::size_t read = 0) {
  RawClient c(port, 2s);
  c.send(bytes);
  std::size_t got = 0;
  char buf[16384];
  while (got < read) {
    const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  linger l{1, 0};
  ::setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
}  // closed here: RST

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

class AbuseReset : public ::testing::Test {
 protected:
  void SetUp() override {
    RawClient warm(server.port());  // the server's first connection is not counted below
    warm.send("GET /ok HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    warm.read_until_close();
    fds_before = ignis::testing::open_descriptors();
  }
  void TearDown() override { ::unlink(file.c_str()); }

  // Every connection the server had is gone once the client's side is.
  bool descriptors_back() {
    return eventually([&] { return ignis::testing::open_descriptors() <= fds_before; }, 5s);
  }
  bool serves() {
    auto r = ignis::testing::request(server.port(), "GET", "/ok");
    return r && r->body == "ok";
  }

  Counters counters;
  std::string file = make_file();
  App app = make_app(counters, file);
  TestServer server{app};
  std::size_t fds_before = 0;
};

TEST_F(AbuseReset, MidHeadAndMidBody) {
  send_then_reset(server.port(), "GET /ok HTTP/1.1\r\nHo");
  send_then_reset(server.port(), "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + std::string(5000, 'x'));
  send_then_reset(server.port(), "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" +
                                     std::string(500, 'x'));
  EXPECT_TRUE(descriptors_back());
  EXPECT_TRUE(serves());
}

TEST_F(AbuseReset, WhileTheHandlerWaits) {
  send_then_reset(server.port(), "GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_TRUE(eventually([&] { return counters.waits_aborted == 1; }, 3s));
  EXPECT_TRUE(descriptors_back());
  EXPECT_TRUE(serves());
}

TEST_F(AbuseReset, MidResponse) {
  send_then_reset(server.port(), "GET /big HTTP/1.1\r\nHost: t\r\n\r\n", 100000);
  send_then_reset(server.port(), "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n", 200000);
  send_then_reset(server.port(), "GET /file HTTP/1.1\r\nHost: t\r\n\r\n", 100000);
  EXPECT_TRUE(eventually([&] { return counters.streams_ended == 1; }, 3s));
  EXPECT_TRUE(descriptors_back());
  EXPECT_TRUE(serves());
}

TEST_F(AbuseReset, RoundAfterRoundLeavesNothingBehind) {
  constexpr int kRounds = 200;
  for (int i = 0; i < kRounds; ++i) {
    switch (i % 6) {
      case 0: send_then_reset(server.port(), "GET /ok HTTP/1.1\r\nHost"); break;
      case 1: send_then_reset(server.port(), "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 9000\r\n\r\nabc"); break;
      case 2: send_then_reset(server.port(), "GET /wait HTTP/1.1\r\nHost: t\r\n\r\n"); break;
      case 3: send_then_reset(server.port(), "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n", 1000); break;
      case 4: send_then_reset(server.port(), "GET /file HTTP/1.1\r\nHost: t\r\n\r\n", 1000); break;
      case 5: send_then_reset(server.port(), "GET /ok HTTP/1.1\r\nHost: t\r\n\r\n", 10); break;
    }
  }
  EXPECT_TRUE(descriptors_back()) << ignis::testing::open_descriptors() << " descriptors, " << fds_before << " before";
  EXPECT_TRUE(eventually([&] { return counters.waits_aborted == counters.waits_started; }, 5s));
  EXPECT_TRUE(eventually([&] { return counters.streams_ended == counters.streams_started; }, 5s));
  EXPECT_TRUE(serves());
}

}  // namespace
