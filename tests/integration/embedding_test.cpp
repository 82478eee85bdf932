// ignis inside a host program: two apps in one process, an app on the host's
// asio::io_context, and an app on reactors that the host's own threads run.

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <ignis/core/io_context.hpp>
#include <ignis/core/io.hpp>
#include <ignis/core/offload.hpp>
#include <ignis/http/metrics.hpp>
#include <ignis/http/server.hpp>
#include <ignis/http/sse.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using namespace std::chrono_literals;
using ignis::testing::RawClient;
using ignis::testing::request;

namespace {

std::string thread_name(std::thread::id id) {
  std::ostringstream s;
  s << id;
  return s.str();
}

// A log sink that keeps lines, readable from the test thread.
struct Lines {
  std::mutex mutex;
  std::vector<std::string> lines;
  LogSink sink() {
    return [this](LogLevel, std::string_view m) {
      std::lock_guard lock(mutex);
      lines.emplace_back(m);
    };
  }
  std::vector<std::string> get() {
    std::lock_guard lock(mutex);
    return lines;
  }
};

std::int64_t gauge(const std::string& text, const std::string& name) {
  const std::string line = "\n" + name + " ";
  const std::size_t at = text.find(line);
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + line.size()));
}

App named_app(const std::string& name, Metrics& metrics) {
  App app;
  app.use(metrics);
  app.route("/whoami").GET([name](Request&) -> Task<Response> { co_return Response::json({{"app", name}}); });
  app.route("/metrics").GET(metrics.handler());
  app.route("/events").GET([](Request&) -> Task<Response> {
    co_return event_stream([](EventStream& es) -> Task<void> {
      while (co_await es.sleep_for(50ms)) {
      }
    });
  });
  return app;
}

TEST(Embedding, TwoAppsInOneProcessKeepTheirRoutesLogsAndCountsApart) {
  Metrics metrics_a, metrics_b;
  App a = named_app("a", metrics_a), b = named_app("b", metrics_b);
  Lines log_a, log_b;
  a.set_logger(log_a.sink());
  b.set_logger(log_b.sink());
  Server server_a(a, ignis::testing::TestServer::defaults());
  Server server_b(b, ignis::testing::TestServer::defaults());
  server_a.start();
  server_b.start();
  ASSERT_NE(server_a.port(), server_b.port());

  // Only the scrape's own connection is open on b.
  auto scrape_b = request(server_b.port(), "GET", "/metrics");
  ASSERT_TRUE(scrape_b);
  EXPECT_EQ(gauge(scrape_b->body, "http_open_connections"), 1) << scrape_b->body;

  // A keep-alive connection on a, then a scrape of a: two; b never saw either.
  RawClient held(server_a.port());
  ASSERT_TRUE(held.send("GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto who = held.read_response();
  ASSERT_TRUE(who);
  EXPECT_EQ(who->body, R"({"app":"a"})");
  auto scrape_a = request(server_a.port(), "GET", "/metrics");
  ASSERT_TRUE(scrape_a);
  EXPECT_EQ(gauge(scrape_a->body, "http_open_connections"), 2) << scrape_a->body;
  EXPECT_NE(scrape_a->body.find(R"(http_requests_total{route="/whoami",method="GET",status="200"} 1)"),
            std::string::npos);
  EXPECT_EQ(metrics_b.render().find("/whoami"), std::string::npos);

  // An event stream open on a: a's gauge counts it, b's does not.
  RawClient stream(server_a.port());
  ASSERT_TRUE(stream.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::int64_t streams_a = -1;
  for (int i = 0; i < 200 && streams_a != 1; ++i) {
    if (i > 0) std::this_thread::sleep_for(10ms);
    auto scrape = request(server_a.port(), "GET", "/metrics");
    ASSERT_TRUE(scrape);
    streams_a = gauge(scrape->body, "sse_open_streams");
  }
  EXPECT_EQ(streams_a, 1);
  auto scrape_b2 = request(server_b.port(), "GET", "/metrics");
  ASSERT_TRUE(scrape_b2);
  EXPECT_EQ(gauge(scrape_b2->body, "sse_open_streams"), 0) << scrape_b2->body;

  auto who_b = request(server_b.port(), "GET", "/whoami");
  ASSERT_TRUE(who_b);
  EXPECT_EQ(who_b->body, R"({"app":"b"})");

  // Stopping one leaves the other serving.
  server_a.stop();
  server_a.wait();
  EXPECT_TRUE(server_a.stopped());
  EXPECT_FALSE(server_b.stopped());
  auto still_b = request(server_b.port(), "GET", "/whoami");
  ASSERT_TRUE(still_b);
  EXPECT_EQ(still_b->status, 200);
  server_b.stop();
  server_b.wait();

  // Each app's lines went to its own sink.
  auto lines_a = log_a.get(), lines_b = log_b.get();
  ASSERT_FALSE(lines_a.empty());
  ASSERT_FALSE(lines_b.empty());
  EXPECT_NE(lines_a[0].find(":" + std::to_string(server_a.port())), std::string::npos) << lines_a[0];
  EXPECT_NE(lines_b[0].find(":" + std::to_string(server_b.port())), std::string::npos) << lines_b[0];
}

// The host runs the loop: its own timers and ignis's connections share one thread, and
// stopping the server leaves the loop to the host.
TEST(Embedding, AnAppOnTheHostsIoContext) {
  asio::io_context io;
  auto reactor = make_reactor(io);
  OffloadPool pool(1);
  reactor->set_offload_pool(&pool);

  std::mutex mutex;
  std::string handler_threads;  // every thread a handler ran or resumed on
  App app;
  app.set_logger([](LogLevel, std::string_view) {});
  app.route("/work").GET([&](Request& req) -> Task<Response> {
    auto note = [&] {
      std::lock_guard lock(mutex);
      handler_threads += thread_name(std::this_thread::get_id()) + ";";
    };
    note();
    co_await sleep_for(10ms, req.signal());
    note();
    const int answer = co_await offload([] { return 42; });
    note();
    co_return Response::json({{"answer", answer}});
  });
  auto server = std::make_unique<Server>(app, ServerOptions{.host = "127.0.0.1", .port = 0},
                                        std::vector<Reactor*>{reactor.get()});
  EXPECT_EQ(server->backend(), Backend::epoll);
  server->start();  // bound now; served once the host runs the loop

  // The host's own work on the same loop: a timer that ticks until told to stop.
  std::atomic<int> ticks{0};
  std::atomic<bool> ticking{true};
  asio::steady_timer timer(io);
  std::function<void()> tick = [&] {
    timer.expires_after(5ms);
    timer.async_wait([&](const asio::error_code& ec) {
      if (ec || !ticking) return;
      ++ticks;
      tick();
    });
  };
  tick();
  std::promise<std::thread::id> host_id;
  std::atomic<bool> returned{false};
  struct HostThread {
    asio::io_context& io;
    std::unique_ptr<Server>& server;
    std::thread thread;
    ~HostThread() {  // a failed assertion must not leave the loop running
      server.reset();
      io.stop();
      thread.join();
    }
  } host{io, server, std::thread([&] {
           host_id.set_value(std::this_thread::get_id());
           io.run();
           returned = true;
         })};
  const std::string host_name = thread_name(host_id.get_future().get());

  for (int i = 0; i < 3; ++i) {
    auto res = request(server->port(), "GET", "/work");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, R"({"answer":42})");
  }
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(handler_threads, [&] {
      std::string all;
      for (int i = 0; i < 9; ++i) all += host_name + ";";
      return all;
    }());
  }
  EXPECT_GT(ticks.load(), 0);

  server->stop();
  server->wait();
  EXPECT_TRUE(server->stopped());
  EXPECT_FALSE(returned.load());  // the host's timer still runs: the loop is the host's
  const int before = ticks.load();
  std::this_thread::sleep_for(30ms);
  EXPECT_GT(ticks.load(), before);

  // The host ends its own work, drops the server, and lets the reactor go on its thread:
  // the loop runs out of work.
  server.reset();
  ticking = false;
  asio::post(io, [&] { reactor.reset(); });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!returned && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(returned.load()) << "io.run() did not return once ignis was gone";
}

// Reactors of ignis's own, run by threads the host owns (a thread pool), both backends.
TEST(Embedding, AnAppOnReactorsTheHostsThreadsRun) {
  const Backend backend = ignis::testing::test_backend();
  std::vector<std::unique_ptr<Reactor>> reactors;
  for (int i = 0; i < 2; ++i) reactors.push_back(make_reactor({.backend = backend}));
  App app;
  app.set_logger([](LogLevel, std::string_view) {});
  app.route("/hello").GET([](Request&) -> Task<Response> { co_return Response::text("hello"); });
  Server server(app, {.port = 0}, {reactors[0].get(), reactors[1].get()});
  server.start();  // before the loops run (see Server's constructor)
  EXPECT_EQ(server.backend(), backend);

  struct Pool {
    Server& server;
    std::vector<std::unique_ptr<Reactor>>& reactors;
    std::vector<std::thread> threads;
    ~Pool() {  // the server first, then the loops, which are the host's to stop
      server.stop();
      server.wait();
      for (auto& r : reactors) r->stop();
      for (auto& t : threads) t.join();
    }
  } pool{server, reactors, {}};
  for (auto& r : reactors) pool.threads.emplace_back([&r] { r->run(); });
  for (int i = 0; i < 8; ++i) {
    auto res = request(server.port(), "GET", "/hello");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "hello");
  }
  server.stop();
  server.wait();
  EXPECT_TRUE(server.stopped());
}

}  // namespace
