// Server-Sent Events over real sockets: the wire format and headers, events spaced in
// time, a broadcast with Last-Event-ID replay and heartbeats, a client that leaves; and a
// real browser (headless Chromium) reading an EventSource.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <ignis/http/app.hpp>
#include <ignis/http/sse.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using namespace std::chrono_literals;
using ignis::testing::RawClient;
using ignis::testing::TestServer;
using SteadyClock = std::chrono::steady_clock;

namespace {

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
  auto deadline = SteadyClock::now() + limit;
  while (SteadyClock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

std::optional<SteadyClock::time_point> wait_for_text(int fd, std::string& seen, std::string_view needle,
                                                     std::chrono::milliseconds timeout = 5s) {
  const auto deadline = SteadyClock::now() + timeout;
  while (seen.find(needle) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return std::nullopt;
    seen.append(buf, static_cast<std::size_t>(n));
  }
  return SteadyClock::now();
}

struct Fixture {
  Broadcast<SseFrame> events{{.history = 1000}};
  std::atomic<int> forwarding{0};
  std::atomic<int> forwards_ended{0};
  App app;

  Fixture() {
    app.route("/sse/basic").GET([](Request&) -> Task<Response> {
      co_return event_stream([](EventStream& es) -> Task<void> {
        co_await es.retry(2500ms);
        co_await es.send({.data = "one"});
        co_await es.send({.data = "two\nlines", .event = "multi", .id = "2"});
        co_await es.comment("hb");
      });
    });
    // The reference app's /api/stream: count messages, interval_ms apart.
    app.route("/api/stream").GET([](Request& req) -> Task<Response> {
      const int count = std::stoi(std::string(req.search_params().get("count").value_or("10")));
      const int interval = std::stoi(std::string(req.search_params().get("interval_ms").value_or("100")));
      co_return event_stream([count, interval](EventStream& es) -> Task<void> {
        for (int i = 0; i < count; ++i) {
          if (i > 0 && !co_await es.sleep_for(std::chrono::milliseconds(interval))) co_return;
          const std::string data = "Message " + std::to_string(i);
          if (!co_await es.send({.data = data})) co_return;
        }
      });
    });
    // The reference app's /api/events, with a short heartbeat.
    app.route("/api/events").GET([this](Request&) -> Task<Response> {
      co_return event_stream([this](EventStream& es) -> Task<void> {
        auto sub = events.subscribe(es.last_event_number());
        ++forwarding;
        co_await es.forward(sub, 200ms);
        ++forwards_ended;
      });
    });
  }
};

TEST(HttpSse, WireFormatAndHeaders) {
  Fixture f;
  TestServer server(f.app);
  RawClient c(server.port());
  c.send("GET /sse/basic HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("content-type"), "text/event-stream");
  EXPECT_EQ(res->header("cache-control"), "no-cache");
  EXPECT_EQ(res->header("x-accel-buffering"), "no");
  EXPECT_EQ(res->header("transfer-encoding"), "chunked");
  EXPECT_EQ(res->body, "retry: 2500\n\ndata: one\n\nid: 2\nevent: multi\ndata: two\ndata: lines\n\n: hb\n\n");
}

TEST(HttpSse, EventsArriveSpacedInTime) {
  Fixture f;
  TestServer server(f.app);
  RawClient c(server.port());
  c.send("GET /api/stream?count=4&interval_ms=200 HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string seen;
  std::array<SteadyClock::time_point, 4> at;
  for (int i = 0; i < 4; ++i) {
    auto t = wait_for_text(c.fd(), seen, "data: Message " + std::to_string(i) + "\n\n");
    ASSERT_TRUE(t) << i;
    at[static_cast<std::size_t>(i)] = *t;
    if (i < 3) {
      EXPECT_EQ(seen.find("Message " + std::to_string(i + 1)), std::string::npos) << "sent together";
    }
  }
  for (std::size_t i = 1; i < 4; ++i) EXPECT_GE(at[i] - at[i - 1], 120ms) << i;
  EXPECT_TRUE(wait_for_text(c.fd(), seen, "\r\n0\r\n\r\n"));
}

TEST(HttpSse, BroadcastReplaysFromLastEventIdAndSendsHeartbeats) {
  Fixture f;
  TestServer server(f.app);
  for (int i = 1; i <= 3; ++i) f.events.publish(SseFrame::make("post.created", "{\"id\":" + std::to_string(i) + "}"));

  RawClient c(server.port());
  c.send("GET /api/events HTTP/1.1\r\nHost: t\r\nLast-Event-ID: 1\r\n\r\n");
  std::string seen;
  ASSERT_TRUE(wait_for_text(c.fd(), seen, "id: 3\nevent: post.created\ndata: {\"id\":3}\n\n"));
  EXPECT_NE(seen.find("id: 2\nevent: post.created\ndata: {\"id\":2}\n\n"), std::string::npos);
  EXPECT_EQ(seen.find("id: 1\n"), std::string::npos) << "the client had event 1";

  RawClient fresh(server.port());
  fresh.send("GET /api/events HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string fresh_seen;
  ASSERT_TRUE(wait_for_text(fresh.fd(), fresh_seen, "text/event-stream"));
  ASSERT_TRUE(eventually([&] { return f.forwarding == 2; }));

  f.events.publish(SseFrame::make("post.deleted", "{\"id\":2}"));
  ASSERT_TRUE(wait_for_text(c.fd(), seen, "id: 4\nevent: post.deleted\ndata: {\"id\":2}\n\n"));
  ASSERT_TRUE(wait_for_text(fresh.fd(), fresh_seen, "id: 4\nevent: post.deleted\n"));
  EXPECT_EQ(fresh_seen.find("id: 3"), std::string::npos) << "no replay without Last-Event-ID";
  // Idle: a comment keeps the stream alive.
  EXPECT_TRUE(wait_for_text(c.fd(), seen, ": ping\n\n", 3s));
}

TEST(HttpSse, ClientThatLeavesEndsItsSubscription) {
  Fixture f;
  TestServer server(f.app);
  {
    RawClient c(server.port());
    c.send("GET /api/events HTTP/1.1\r\nHost: t\r\n\r\n");
    std::string seen;
    ASSERT_TRUE(wait_for_text(c.fd(), seen, "text/event-stream"));
    ASSERT_TRUE(eventually([&] { return f.forwarding == 1; }));
  }
  EXPECT_TRUE(eventually([&] { return f.forwards_ended == 1; }));
  f.events.publish(SseFrame::make("post.created", "{}"));  // nobody left to deliver to
}

// ------------------------------------------------------------------------------ a real browser

std::string find_chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (std::filesystem::exists(p)) return p;
  return {};
}

TEST(HttpSseBrowser, ChromiumEventSourceReceivesTheEvents) {
  const std::string chromium = find_chromium();
  if (chromium.empty())
    GTEST_SKIP() << "headless Chromium is not installed (Debian package `chromium`, which "
                    "scripts/install-deps.sh --test installs): the browser test cannot run here";

  App app;
  app.route("/").GET([](Request&) -> Task<Response> {
    co_return Response::html(R"(<!doctype html><html><body><pre id="out"></pre><script>
const out = document.getElementById('out');
const es = new EventSource('/sse');
es.onopen = () => { out.textContent += 'open\n'; };
es.onmessage = (e) => { out.textContent += 'message:' + JSON.stringify(e.data) + '\n'; };
es.addEventListener('tick', (e) => { out.textContent += 'tick:' + e.data + '#' + e.lastEventId + '\n'; });
es.addEventListener('done', () => { out.textContent += 'done\n'; es.close(); });
</script></body></html>)");
  });
  app.route("/sse").GET([](Request&) -> Task<Response> {
    co_return event_stream([](EventStream& es) -> Task<void> {
      co_await es.send({.data = "hello"});
      co_await es.send({.data = "first line\nsecond line"});
      for (int i = 0; i < 3; ++i) {
        co_await es.sleep_for(50ms);
        const std::string n = std::to_string(i);
        const std::string id = std::to_string(10 + i);
        co_await es.send({.data = n, .event = "tick", .id = id});
      }
      co_await es.comment("ping");
      co_await es.send({.data = "", .event = "done"});
      co_await es.sleep_for(2s);  // the browser closes first
    });
  });
  TestServer server(app);

  char dir[] = "/tmp/ignis-chromium-XXXXXX";
  ASSERT_TRUE(::mkdtemp(dir));
  const std::string command = "timeout 90 " + chromium +
                              " --headless --no-sandbox --disable-gpu --disable-background-networking"
                              " --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage"
                              " --virtual-time-budget=5000 --user-data-dir=" +
                              dir + " --dump-dom http://127.0.0.1:" + std::to_string(server.port()) + "/ 2>/dev/null";
  std::string dom;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) dom.append(buf, n);
    ::pclose(p);
  }
  std::filesystem::remove_all(dir);

  EXPECT_NE(dom.find("open\n"), std::string::npos) << dom;
  EXPECT_NE(dom.find("message:\"hello\"\n"), std::string::npos) << dom;
  EXPECT_NE(dom.find("message:\"first line\\nsecond line\"\n"), std::string::npos) << dom;
  EXPECT_NE(dom.find("tick:0#10\ntick:1#11\ntick:2#12\n"), std::string::npos) << dom;
  EXPECT_NE(dom.find("done\n"), std::string::npos) << dom;
}

}  // namespace
