// Cancellation and shutdown: a handler learns that its client left, and a stopping server
// finishes what it accepted, closes idle connections and stops accepting.

#include <gtest/gtest.h>

#include <ignis/core/io.hpp>
#include <ignis/http/app.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using ignis::testing::RawClient;
using ignis::testing::TestServer;

namespace {

struct Flags {
  std::atomic<int> started{0};
  std::atomic<int> aborted{0};
  std::atomic<int> finished{0};
};

App make_app(Flags& flags) {
  App app;
  app.route("/ok").GET([](Request&) -> Task<Response> { co_return Response::text("ok"); });
  app.route("/slow/[ms]").GET([&flags](Request& req, RouteContext& ctx) -> Task<Response> {
    ++flags.started;
    int ms = std::stoi(std::string(ctx.params.get("ms")));
    bool slept = co_await sleep_for(std::chrono::milliseconds(ms), req.signal());
    if (!slept) {
      ++flags.aborted;
      co_return Response::text("aborted", {.status = 503});
    }
    ++flags.finished;
    co_return Response::text("done");
  });
  return app;
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(3)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

TEST(HttpLifecycle, HandlerSignalAbortsWhenClientDisconnects) {
  Flags flags;
  App app = make_app(flags);
  TestServer server(app);
  {
    RawClient c(server.port());
    c.send("GET /slow/10000 HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(eventually([&] { return flags.started == 1; }));
  }  // the client goes away
  EXPECT_TRUE(eventually([&] { return flags.aborted == 1; }));
  EXPECT_EQ(flags.finished, 0);
  // The server is fine afterwards.
  RawClient c(server.port());
  c.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(c.read_response()->body, "ok");
}

TEST(HttpLifecycle, HandlerSignalAbortsWhenClientLeftBeforeTheHandlerWaited) {
  Flags flags;
  App app = make_app(flags);
  TestServer server(app);
  {
    RawClient c(server.port());
    c.send("GET /slow/10000 HTTP/1.1\r\nHost: t\r\n\r\n");
    c.shutdown_send();  // gone (for reading) before the handler even starts
  }
  EXPECT_TRUE(eventually([&] { return flags.aborted == 1; }));
  EXPECT_EQ(flags.finished, 0);
}

TEST(HttpLifecycle, GracefulStopFinishesInFlightAndClosesIdle) {
  Flags flags;
  App app = make_app(flags);
  TestServer server(app);
  RawClient idle(server.port());
  idle.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_EQ(idle.read_response()->body, "ok");

  RawClient busy(server.port());
  busy.send("GET /slow/300 HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(eventually([&] { return flags.started == 1; }));

  auto stopped = std::async(std::launch::async, [&] { server.stop(); });
  // The idle keep-alive connection is closed at once...
  EXPECT_TRUE(idle.closed_by_peer());
  // ...the request in flight gets its whole response, marked as the last one...
  auto r = busy.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "done");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(busy.closed_by_peer());
  // ...and the server stops.
  EXPECT_EQ(stopped.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(server.server().stopped());
  EXPECT_THROW(RawClient(server.port()), std::runtime_error);  // no longer accepting
}

TEST(HttpLifecycle, StopAbortsRequestsThatOutliveTheShutdownTimeout) {
  Flags flags;
  App app = make_app(flags);
  auto options = TestServer::defaults();
  options.shutdown_timeout = std::chrono::milliseconds(200);
  TestServer server(app, options);
  RawClient busy(server.port());
  busy.send("GET /slow/60000 HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(eventually([&] { return flags.started == 1; }));
  auto start = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(flags.aborted, 1);
  EXPECT_TRUE(busy.closed_by_peer());
}

TEST(HttpLifecycle, StopWithNoConnectionsIsImmediate) {
  Flags flags;
  App app = make_app(flags);
  auto options = TestServer::defaults();
  options.threads = 2;
  TestServer server(app, options);
  auto start = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST(HttpLifecycle, PortInUseIsReportedToTheCaller) {
  Flags flags;
  App app = make_app(flags);
  TestServer first(app);
  auto options = TestServer::defaults();
  options.port = first.port();
  Server second(app, options);
  // SO_REUSEPORT lets a second socket bind the port only for the same user; the error
  // case is a host that does not parse.
  options.host = "not-an-address";
  Server bad(app, options);
  EXPECT_THROW(bad.start(), std::exception);
}

}  // namespace
