// Connections by the thousand, and a server out of descriptors. The server runs in a child
// process (support/child_server.hpp), so that its descriptors, memory and CPU are its own.
//
// | case                          | answer                                                         |
// |-------------------------------|----------------------------------------------------------------|
// | 10,000 keep-alive connections | all answered; a newcomer still served; every descriptor back   |
// |                               | once they close                                                |
// | out of descriptors (EMFILE)   | accepts pause (no busy loop: a few % of a core while starved); |
// |                               | the waiting connections are answered once descriptors free up  |

#include <gtest/gtest.h>

#include <ignis/http/app.hpp>

#include <chrono>
#include <thread>

#include "support/child_server.hpp"
#include "support/crowd.hpp"
#include "support/process_stats.hpp"
#include "support/test_client.hpp"

using namespace ignis;
using namespace std::chrono_literals;
using ignis::testing::ChildServer;
using ignis::testing::Crowd;
using ignis::testing::RawClient;

namespace {

App make_app() {
  App app;
  app.route("/ok").GET([](Request&) -> Task<Response> { co_return Response::text("ok"); });
  return app;
}

constexpr std::string_view kRequest = "GET /ok HTTP/1.1\r\nHost: t\r\n\r\n";

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

bool served(std::uint16_t port) {
  RawClient c(port, 2s);
  c.send(kRequest);
  auto r = c.read_response();
  return r && r->status == 200 && r->body == "ok";
}

TEST(AbuseConnections, TenThousandConnectionsAreServed) {
  constexpr std::size_t kConnections = 10'000;
  // Both ends live on this machine: the children's half here, the server's in the child.
  ASSERT_GE(ignis::testing::raise_descriptor_limit(kConnections + 1000), kConnections + 100)
      << "RLIMIT_NOFILE too low for this test";
  ignis::testing::ChildOptions options;
  options.max_descriptors = kConnections + 1000;
  ChildServer server(make_app, options);
  ASSERT_TRUE(served(server.port()));
  const std::size_t fds_before = ignis::testing::open_descriptors(server.pid());
  const std::size_t rss_before = ignis::testing::resident_bytes(server.pid());

  Crowd crowd(server.port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(crowd.open(kConnections, 60s), kConnections);
  crowd.send_all(kRequest);
  EXPECT_EQ(crowd.wait_answers("ok", 60s), kConnections);
  const auto took = std::chrono::steady_clock::now() - start;

  // All of them held open (idle keep-alive) by the server, which still serves a newcomer.
  EXPECT_TRUE(eventually([&] { return ignis::testing::open_descriptors(server.pid()) >= kConnections; }, 10s));
  EXPECT_TRUE(served(server.port()));
  const std::size_t rss_peak = ignis::testing::resident_bytes(server.pid());
  const double per_connection = (double(rss_peak) - double(rss_before)) / kConnections;
  std::printf("10,000 connections: answered in %.2f s; server RSS %.1f -> %.1f MiB (%.0f bytes per idle connection); "
              "descriptors %zu -> %zu\n",
              std::chrono::duration<double>(took).count(), rss_before / 1048576.0, rss_peak / 1048576.0,
              per_connection, fds_before, ignis::testing::open_descriptors(server.pid()));
  if (!ignis::testing::kSanitized) {
    EXPECT_LT(per_connection, 4 * 1024) << "an idle keep-alive connection must cost at most 4 KiB";
  }

  crowd.close(0, kConnections);
  EXPECT_TRUE(eventually([&] { return ignis::testing::open_descriptors(server.pid()) <= fds_before; }, 15s))
      << "descriptors left open: " << ignis::testing::open_descriptors(server.pid()) << " (was " << fds_before << ")";
  EXPECT_EQ(server.terminate(), 0);
}

TEST(AbuseConnections, OutOfDescriptorsBacksOffAndRecovers) {
  // UBSan checks a dynamic type by writing the memory to a pipe of its own: in a process out
  // of descriptors it cannot, and reports every check as a bad vptr.
  if (ignis::testing::kSanitized) GTEST_SKIP() << "sanitizers need descriptors of their own";
  constexpr std::size_t kLimit = 64;
  ignis::testing::ChildOptions options;
  options.max_descriptors = kLimit;
  ChildServer server(make_app, options);
  ASSERT_TRUE(served(server.port()));
  const std::size_t fds_before = ignis::testing::open_descriptors(server.pid());
  const std::size_t kClients = kLimit - fds_before + 30;

  // More keep-alive clients than the server has descriptors: those past the limit wait in
  // the listen backlog, unanswered.
  Crowd crowd(server.port());
  ASSERT_EQ(crowd.open(kClients, 10s), kClients);
  crowd.send_all(kRequest);
  const std::size_t first_wave = crowd.wait_answers("ok", 3s);
  EXPECT_GT(first_wave, 0u);
  EXPECT_LE(first_wave, kLimit);
  EXPECT_LT(first_wave, kClients);

  // Starved, the server must not spin on the listening socket.
  const auto cpu_before = ignis::testing::cpu_time(server.pid());
  std::this_thread::sleep_for(2s);
  const auto cpu_starved = ignis::testing::cpu_time(server.pid()) - cpu_before;
  std::printf("EMFILE: %zu of %zu answered at the limit of %zu descriptors; CPU while starved: %lld ms in 2 s\n",
              first_wave, kClients, kLimit, static_cast<long long>(cpu_starved.count()));
  EXPECT_LT(cpu_starved, 300ms) << "a busy loop while out of descriptors";

  // Free the descriptors: everyone waiting is answered.
  std::size_t answered_first = 0;
  for (std::size_t i = 0; i < kClients; ++i)
    if (crowd.answered(i)) {
      crowd.close(i, 1);
      ++answered_first;
    }
  EXPECT_EQ(crowd.wait_answers("ok", 10s), kClients - answered_first);
  crowd.close(0, kClients);
  EXPECT_TRUE(served(server.port()));
  EXPECT_EQ(server.terminate(), 0);
}

}  // namespace
