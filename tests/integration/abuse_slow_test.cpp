// Slow clients: heads and bodies that trickle in (slowloris), and readers that never read.
//
// | case                                           | answer                                     |
// |------------------------------------------------|--------------------------------------------|
// | 200 heads trickling a byte every 100 ms        | 408 and closed at header_timeout, however  |
// |                                                | steady the trickle; others served at once  |
// | a body that stops coming                       | 408 and closed after idle_timeout          |
// | 50 clients never reading an endless stream     | each producer waits on backpressure (about |
// |                                                | a chunk held per client); others served;   |
// |                                                | after idle_timeout without progress the    |
// |                                                | streams end and the memory comes back      |
// | 4 clients never reading a 16 MiB body          | the body is not copied (growth about the   |
// |                                                | bodies themselves); closed at idle_timeout |

#include <gtest/gtest.h>

#include <ignis/http/app.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "support/process_stats.hpp"
#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using namespace std::chrono_literals;
using ignis::testing::RawClient;
using ignis::testing::TestServer;

namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kBigBody = 16 << 20;  // more than socket buffers hold

struct Counters {
  std::atomic<int> streams_started{0};
  std::atomic<int> streams_ended{0};
};

App make_app(Counters& counters) {
  App app;
  app.route("/ok").GET([](Request&) -> Task<Response> { co_return Response::text("ok"); });
  app.route("/echo").POST([](Request& req) -> Task<Response> {
    std::string_view body = co_await req.text();
    co_return Response::text(body);
  });
  app.route("/stream").GET([&counters](Request&) -> Task<Response> {
    co_return Response::stream([&counters](StreamWriter& out) -> Task<void> {
      ++counters.streams_started;
      const std::string chunk(kChunk, 'x');
      while (co_await out.write(chunk)) {
      }
      ++counters.streams_ended;
    });
  });
  app.route("/big").GET([](Request&) -> Task<Response> { co_return Response::text(std::string(kBigBody, 'b')); });
  return app;
}

ServerOptions options() {
  auto o = TestServer::defaults();
  o.header_timeout = 600ms;
  o.idle_timeout = 2000ms;
  return o;
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// The time a fresh client waits for /ok.
std::chrono::milliseconds latency(std::uint16_t port) {
  const auto start = std::chrono::steady_clock::now();
  RawClient c(port, 5s);
  c.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n");
  auto r = c.read_response();
  EXPECT_TRUE(r && r->body == "ok");
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

class AbuseSlow : public ::testing::Test {
 protected:
  Counters counters;
  App app = make_app(counters);
  TestServer server{app, options()};
};

TEST_F(AbuseSlow, ManySlowlorisHeadsAreCutAtTheHeaderTimeout) {
  constexpr int kClients = 200;
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < kClients; ++i) {
    slow.push_back(std::make_unique<RawClient>(server.port(), 3s));
    slow.back()->send("GET /ok HTTP/1.1\r\nHost: t\r\nX-Slow: ");
  }
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    while (!stop) {
      for (auto& c : slow) c->send("a");  // a byte each, every 100 ms
      std::this_thread::sleep_for(100ms);
    }
  });
  const auto start = std::chrono::steady_clock::now();
  std::chrono::milliseconds worst{0};
  while (std::chrono::steady_clock::now() - start < 1s) worst = std::max(worst, latency(server.port()));
  stop = true;
  trickle.join();
  EXPECT_LT(worst, 500ms) << "the slow heads held others up";
  int answered_408 = 0;
  for (auto& c : slow) answered_408 += c->read_until_close().find("HTTP/1.1 408") != std::string::npos;
  EXPECT_EQ(answered_408, kClients);
}

TEST_F(AbuseSlow, ABodyThatStopsComingIsAnswered408) {
  RawClient c(server.port(), 5s);
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n0123456789");
  const auto start = std::chrono::steady_clock::now();
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_EQ(r->body, R"({"error":"Request timeout"})");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 1900ms);
  EXPECT_LT(waited, 5s);
}

TEST_F(AbuseSlow, ReadersThatNeverReadAStreamHoldLittleAndAreCutOff) {
  constexpr int kClients = 50;
  (void)latency(server.port());  // warm up
  const std::size_t rss_before = ignis::testing::resident_bytes();
  std::vector<std::unique_ptr<RawClient>> readers;
  for (int i = 0; i < kClients; ++i) {
    readers.push_back(std::make_unique<RawClient>(server.port(), 5s));
    readers.back()->send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
  }
  ASSERT_TRUE(eventually([&] { return counters.streams_started == kClients; }, 5s));
  EXPECT_EQ(counters.streams_ended, 0);  // every producer waits on its write
  std::this_thread::sleep_for(300ms);  // every socket full
  const std::size_t rss_held = ignis::testing::resident_bytes();
  const auto other = latency(server.port());
  std::printf("50 readers never reading a stream: RSS %.1f -> %.1f MiB (%.0f KiB a client); /ok meanwhile in %lld ms\n",
              rss_before / 1048576.0, rss_held / 1048576.0, (double(rss_held) - double(rss_before)) / kClients / 1024,
              static_cast<long long>(other.count()));
  EXPECT_LT(other, 500ms);
  if (!ignis::testing::kSanitized) {
    EXPECT_LT(rss_held, rss_before + kClients * 4 * kChunk);
  }

  // No progress for idle_timeout (2 s): every stream ends, its connection closes.
  EXPECT_TRUE(eventually([&] { return counters.streams_ended == kClients; }, 10s))
      << counters.streams_ended << " of " << kClients << " streams ended";
  for (auto& r : readers) {
    r->read_until_close();  // what was in flight, then the end
  }
}

TEST_F(AbuseSlow, ReadersThatNeverReadABigBodyCostTheBodiesOnly) {
  constexpr int kClients = 4;
  (void)latency(server.port());
  const std::size_t rss_before = ignis::testing::resident_bytes();
  std::vector<std::unique_ptr<RawClient>> readers;
  for (int i = 0; i < kClients; ++i) {
    readers.push_back(std::make_unique<RawClient>(server.port(), 5s));
    readers.back()->send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
  }
  std::this_thread::sleep_for(500ms);
  const std::size_t rss_held = ignis::testing::resident_bytes();
  std::printf("4 readers never reading a 16 MiB body: RSS %.1f -> %.1f MiB\n", rss_before / 1048576.0,
              rss_held / 1048576.0);
  EXPECT_LT(latency(server.port()), 500ms);
  if (!ignis::testing::kSanitized) {
    EXPECT_LT(rss_held, rss_before + kClients * kBigBody * 3 / 2) << "bodies copied on their way out";
  }
  // Cut off after idle_timeout (2 s) without progress: what was in flight, then the end.
  std::this_thread::sleep_for(2500ms);
  for (auto& r : readers) {
    const std::string got = r->read_until_close();
    EXPECT_LT(got.size(), kBigBody) << "the whole body went out to a client that never read";
  }
}

}  // namespace
