// Streamed responses over real sockets: chunked framing, bytes that arrive as they are
// written (not at the end), backpressure, a client that leaves, HEAD, HTTP/1.0, errors
// before and after the head, and a graceful stop that ends an open stream.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <ignis/core/io.hpp>
#include <ignis/http/app.hpp>
#include <ignis/http/error.hpp>
#include <ignis/http/stream.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <thread>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using namespace std::chrono_literals;
using ignis::testing::RawClient;
using ignis::testing::request;
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

struct Probe {
  std::atomic<int> writes{0};
  std::atomic<bool> saw_false{false};
  std::atomic<bool> finished{false};  // the producer's frame was destroyed
  std::atomic<bool> ran{false};
  std::atomic<long> written{0};
};

// Sets a flag when destroyed: proves that a producer's frame ended.
struct FrameEnd {
  std::atomic<bool>* flag;
  ~FrameEnd() { flag->store(true); }
};

// Reads from fd until `needle` has arrived (or the timeout); returns when it did.
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

// "w7," (built in steps: g++ 12 warns falsely on "w" + std::string).
std::string word(int i) {
  std::string w = "w";
  w += std::to_string(i);
  w += ',';
  return w;
}

App make_app(Probe& probe) {
  App app;
  // Five pieces, 150 ms apart.
  app.route("/ticks").GET([](Request&) -> Task<Response> {
    co_return Response::stream(
        [](StreamWriter& out) -> Task<void> {
          for (int i = 0; i < 5; ++i) {
            if (i > 0 && !co_await out.sleep_for(150ms)) co_return;
            if (!co_await out.write("tick " + std::to_string(i) + "\n")) co_return;
          }
        },
        {.headers = {{"Content-Type", "text/plain"}}});
  });
  // Writes forever, every 10 ms, until a write fails.
  app.route("/forever").GET([&probe](Request&) -> Task<Response> {
    co_return Response::stream([&probe](StreamWriter& out) -> Task<void> {
      FrameEnd end{&probe.finished};
      probe.ran = true;
      for (;;) {
        ++probe.writes;
        if (!co_await out.write("data\n")) {
          probe.saw_false = true;
          co_return;
        }
        co_await out.sleep_for(10ms);
      }
    });
  });
  // Ignores every result: stopped by ConnectionLost at the write after the failed one.
  app.route("/careless").GET([&probe](Request&) -> Task<Response> {
    co_return Response::stream([&probe](StreamWriter& out) -> Task<void> {
      FrameEnd end{&probe.finished};
      probe.ran = true;
      std::string block(64 * 1024, 'x');
      for (;;) {
        ++probe.writes;
        (void)co_await out.write(block);
      }
    });
  });
  // Sleeps long: a client that leaves wakes it through the signal.
  app.route("/sleeper").GET([&probe](Request&) -> Task<Response> {
    co_return Response::stream([&probe](StreamWriter& out) -> Task<void> {
      FrameEnd end{&probe.finished};
      if (!co_await out.flush()) co_return;
      probe.ran = true;
      const bool slept = co_await out.sleep_for(30s);
      probe.saw_false = !slept;
    });
  });
  // 32 MiB in 1 MiB writes, counting what the socket took.
  app.route("/big").GET([&probe](Request&) -> Task<Response> {
    co_return Response::stream([&probe](StreamWriter& out) -> Task<void> {
      std::string block(1 << 20, '\0');
      for (int i = 0; i < 32; ++i) {
        std::fill(block.begin(), block.end(), static_cast<char>('a' + i % 26));
        if (!co_await out.write(block)) co_return;
        probe.written += static_cast<long>(block.size());
      }
    });
  });
  // Many pieces in one gathered write.
  app.route("/pieces").GET([](Request&) -> Task<Response> {
    co_return Response::stream([](StreamWriter& out) -> Task<void> {
      std::vector<std::string> words;
      for (int i = 0; i < 40; ++i) words.push_back(word(i));
      std::vector<std::string_view> views(words.begin(), words.end());
      co_await out.write(views);
    });
  });
  app.route("/sized").GET([&probe](Request&) -> Task<Response> {
    co_return Response::stream(
        [&probe](StreamWriter& out) -> Task<void> {
          probe.ran = true;
          co_await out.write("hello ");
          co_await out.write("world");
        },
        {}, 11);
  });
  app.route("/short").GET([](Request&) -> Task<Response> {
    co_return Response::stream([](StreamWriter& out) -> Task<void> { co_await out.write("abc"); }, {}, 10);
  });
  app.route("/throws-early").GET([](Request&) -> Task<Response> {
    co_return Response::stream([](StreamWriter&) -> Task<void> {
      throw std::runtime_error("secret detail");
      co_return;
    });
  });
  app.route("/http-error-early").GET([](Request&) -> Task<Response> {
    co_return Response::stream([](StreamWriter&) -> Task<void> {
      throw HttpError(409, "Conflict here");
      co_return;
    });
  });
  app.route("/throws-late").GET([](Request&) -> Task<Response> {
    co_return Response::stream([](StreamWriter& out) -> Task<void> {
      co_await out.write("partial");
      throw std::runtime_error("secret detail");
    });
  });
  app.route("/request-aware").GET([](Request&) -> Task<Response> {
    co_return Response::stream([](StreamWriter& out) -> Task<void> {
      auto who = out.request().search_params().get("who").value_or("nobody");
      co_await out.write("hi " + std::string(who));
    });
  });
  app.route("/no-content").GET([&probe](Request&) -> Task<Response> {
    co_return Response::stream(
        [&probe](StreamWriter& out) -> Task<void> {
          probe.ran = true;
          co_await out.write("never");
        },
        {.status = 204});
  });
  app.route("/plain").GET([](Request&) -> Task<Response> { co_return Response::text("plain"); });
  return app;
}

TEST(HttpStream, ChunkedBodyArrivesPieceByPiece) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  RawClient c(server.port());
  c.send("GET /ticks HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string seen;
  auto first = wait_for_text(c.fd(), seen, "tick 0\n");
  ASSERT_TRUE(first);
  EXPECT_NE(seen.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(seen.find("Content-Type: text/plain\r\n"), std::string::npos);
  EXPECT_EQ(seen.find("tick 1"), std::string::npos) << "the second piece came with the first";
  auto last = wait_for_text(c.fd(), seen, "tick 4\n");
  ASSERT_TRUE(last);
  // Four gaps of 150 ms: streamed, not buffered to the end.
  EXPECT_GE(*last - *first, 500ms);
  ASSERT_TRUE(wait_for_text(c.fd(), seen, "0\r\n\r\n"));
  EXPECT_NE(seen.find("7\r\ntick 0\n\r\n7\r\ntick 1\n\r\n"), std::string::npos);
}

TEST(HttpStream, ChunkedBodyDecodesAndConnectionStaysUsable) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  RawClient c(server.port());
  c.send("GET /ticks HTTP/1.1\r\nHost: t\r\n\r\nGET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
  auto a = c.read_response();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->body, "tick 0\ntick 1\ntick 2\ntick 3\ntick 4\n");
  EXPECT_FALSE(a->header("content-length"));
  auto b = c.read_response();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->body, "plain");
}

TEST(HttpStream, DisconnectStopsTheProducerAtItsNextWrite) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  {
    RawClient c(server.port());
    c.send("GET /forever HTTP/1.1\r\nHost: t\r\n\r\n");
    std::string seen;
    ASSERT_TRUE(wait_for_text(c.fd(), seen, "data\n"));
  }  // the client leaves
  ASSERT_TRUE(eventually([&] { return probe.finished.load(); }));
  EXPECT_TRUE(probe.saw_false);
  const int writes = probe.writes;
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(probe.writes, writes) << "the producer kept writing";
  EXPECT_EQ(request(server.port(), "GET", "/plain")->body, "plain");
}

TEST(HttpStream, ProducerThatIgnoresFailuresIsStoppedByConnectionLost) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  {
    RawClient c(server.port());
    c.send("GET /careless HTTP/1.1\r\nHost: t\r\n\r\n");
    std::string seen;
    ASSERT_TRUE(wait_for_text(c.fd(), seen, "xxxx"));
    struct linger l {1, 0};  // close with a reset: the next send fails at once
    ::setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  ASSERT_TRUE(eventually([&] { return probe.finished.load(); }));
  EXPECT_FALSE(server.logged("threw")) << "ConnectionLost is no error to log";
}

TEST(HttpStream, DisconnectWakesASleepingProducer) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  const auto start = SteadyClock::now();
  {
    RawClient c(server.port());
    c.send("GET /sleeper HTTP/1.1\r\nHost: t\r\n\r\n");
    std::string seen;
    ASSERT_TRUE(wait_for_text(c.fd(), seen, "\r\n\r\n"));  // the head came with flush()
    ASSERT_TRUE(eventually([&] { return probe.ran.load(); }));
  }
  ASSERT_TRUE(eventually([&] { return probe.finished.load(); }));
  EXPECT_TRUE(probe.saw_false);
  EXPECT_LT(SteadyClock::now() - start, 10s);
}

TEST(HttpStream, WritesWaitForTheSocket) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  RawClient c(server.port(), 10s);
  ::setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, std::array<int, 1>{64 * 1024}.data(), sizeof(int));
  c.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
  // The client reads nothing: the producer must stall once the socket buffers are full.
  ASSERT_TRUE(eventually([&] { return probe.written > 0; }));
  std::this_thread::sleep_for(300ms);
  const long stalled = probe.written;
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(probe.written, stalled);
  EXPECT_LT(stalled, 32l << 20) << "every write finished although nobody read";
  auto res = c.read_response();
  ASSERT_TRUE(res);
  ASSERT_EQ(res->body.size(), 32u << 20);
  for (int i = 0; i < 32; ++i)
    ASSERT_EQ(res->body[static_cast<std::size_t>(i) << 20], static_cast<char>('a' + i % 26)) << i;
  EXPECT_EQ(probe.written, 32l << 20);
}

TEST(HttpStream, GatheredPieces) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  auto res = request(server.port(), "GET", "/pieces");
  ASSERT_TRUE(res);
  std::string want;
  for (int i = 0; i < 40; ++i) want += word(i);
  EXPECT_EQ(res->body, want);
}

TEST(HttpStream, KnownLengthUsesContentLength) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  RawClient c(server.port());
  c.send("GET /sized HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->header("content-length"), "11");
  EXPECT_FALSE(res->header("transfer-encoding"));
  EXPECT_EQ(res->body, "hello world");
  c.send("GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(c.read_response()->body, "plain");
}

TEST(HttpStream, ShortOfItsLengthClosesTheConnection) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  RawClient c(server.port());
  c.send("GET /short HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string all = c.read_until_close();
  EXPECT_NE(all.find("Content-Length: 10\r\n"), std::string::npos);
  EXPECT_EQ(all.substr(all.size() - 3), "abc");
}

TEST(HttpStream, HeadSendsTheHeadOnly) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  RawClient c(server.port());
  c.send("HEAD /sized HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response(true);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("content-length"), "11");
  c.send("HEAD /ticks HTTP/1.1\r\nHost: t\r\n\r\n");
  res = c.read_response(true);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->header("transfer-encoding"), "chunked");
  c.send("GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
  res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "plain") << "bytes of a body followed a HEAD answer";
  EXPECT_FALSE(probe.ran) << "the producer ran for HEAD";
}

TEST(HttpStream, BodylessStatusSendsNoFramingAndSkipsTheProducer) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  RawClient c(server.port());
  c.send("GET /no-content HTTP/1.1\r\nHost: t\r\n\r\nGET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_FALSE(res->header("transfer-encoding"));
  EXPECT_FALSE(res->header("content-length"));
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "plain");
  EXPECT_FALSE(probe.ran);
}

TEST(HttpStream, Http10IsCloseDelimited) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  RawClient c(server.port());
  c.send("GET /ticks HTTP/1.0\r\nHost: t\r\n\r\n");
  std::string all = c.read_until_close();
  EXPECT_EQ(all.find("Transfer-Encoding"), std::string::npos);
  EXPECT_NE(all.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(all.find("\r\n\r\ntick 0\ntick 1\ntick 2\ntick 3\ntick 4\n"), std::string::npos);
}

TEST(HttpStream, ErrorBeforeTheFirstWriteIsAnErrorResponse) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  RawClient c(server.port());
  c.send("GET /throws-early HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->body, R"({"error":"Internal server error"})");
  EXPECT_TRUE(server.logged("secret detail"));
  c.send("GET /http-error-early HTTP/1.1\r\nHost: t\r\n\r\n");
  res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 409);
  EXPECT_EQ(res->body, R"({"error":"Conflict here"})");
}

TEST(HttpStream, ErrorAfterTheHeadCutsTheBodyAndCloses) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  RawClient c(server.port());
  c.send("GET /throws-late HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string all = c.read_until_close();
  EXPECT_NE(all.find("7\r\npartial\r\n"), std::string::npos);
  EXPECT_EQ(all.find("0\r\n\r\n"), std::string::npos) << "a cut body must not look complete";
  EXPECT_EQ(all.find("secret"), std::string::npos);
  EXPECT_TRUE(server.logged("secret detail"));
}

TEST(HttpStream, ProducerSeesTheRequest) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  EXPECT_EQ(request(server.port(), "GET", "/request-aware?who=ada")->body, "hi ada");
}

TEST(HttpStream, GracefulStopEndsAnOpenStreamCleanly) {
  Probe probe;
  App app = make_app(probe);
  TestServer server(app);
  RawClient c(server.port());
  c.send("GET /forever HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string seen;
  ASSERT_TRUE(wait_for_text(c.fd(), seen, "data\n"));
  const auto start = SteadyClock::now();
  std::thread stopper([&] { server.stop(); });
  ASSERT_TRUE(wait_for_text(c.fd(), seen, "\r\n0\r\n\r\n")) << "the body did not end properly";
  stopper.join();
  EXPECT_LT(SteadyClock::now() - start, 5s);
  EXPECT_TRUE(probe.finished);
}

}  // namespace
