// The reactor's outbound side: connect to a real server, and readiness of a foreign
// descriptor (as hiredis needs), on a real reactor thread.

#include <gtest/gtest.h>
#include <unistd.h>

#include <ignis/core/io.hpp>
#include <ignis/core/runtime.hpp>
#include <ignis/http/app.hpp>

#include <future>

#include "support/test_server.hpp"

using namespace ignis;

namespace {

// Runs `body` as a task on a one-thread runtime and returns what it produced.
template <class T>
T run_on_reactor(std::function<Task<T>()> body) {
  Runtime rt({.threads = 1, .backend = ignis::testing::test_backend()});
  std::promise<T> result;
  // A coroutine's captures die with its lambda object: pass what it needs as parameters.
  auto wrapper = [](std::function<Task<T>()>& fn, std::promise<T>& out) -> Task<void> {
    try {
      out.set_value(co_await fn());
    } catch (...) {
      out.set_exception(std::current_exception());
    }
  };
  rt.start([&](Reactor&, unsigned) { spawn(wrapper(body, result)); });
  auto f = result.get_future();
  if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready) throw std::runtime_error("timed out");
  rt.stop();
  rt.join();
  return f.get();
}

TEST(CoreIo, ConnectSendReceive) {
  App app;
  app.route("/ping").GET([](Request&) -> Task<Response> { co_return Response::text("pong"); });
  ignis::testing::TestServer server(app);
  const std::uint16_t port = server.port();

  std::string reply = run_on_reactor<std::string>([port]() -> Task<std::string> {
    auto to = SocketAddress::numeric("127.0.0.1", port);
    StreamPtr stream;
    int r = co_await connect(*to, stream);
    if (r != 0) co_return "connect failed: " + std::to_string(r);
    std::string_view request = "GET /ping HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    iovec part{const_cast<char*>(request.data()), request.size()};
    r = co_await send(*stream, std::span<const iovec>(&part, 1));
    if (r != static_cast<int>(request.size())) co_return "send failed";
    ByteBuffer in;
    while ((r = co_await receive(*stream, in)) > 0) {
    }
    co_return std::string(in.view());
  });
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 200 OK\r\n")) << reply;
  EXPECT_TRUE(reply.ends_with("\r\n\r\npong")) << reply;
}

// A connection still open when its loop stops (a pooled client connection, say) is freed
// with the reactor, not leaked (LeakSanitizer, in the sanitizer job, sees the difference).
TEST(CoreIo, StreamOutlivingItsLoopIsFreedWithTheReactor) {
  App app;
  app.route("/ping").GET([](Request&) -> Task<Response> { co_return Response::text("pong"); });
  ignis::testing::TestServer server(app);
  auto to = SocketAddress::numeric("127.0.0.1", server.port());
  StreamPtr stream;
  {
    Runtime rt({.threads = 1, .backend = ignis::testing::test_backend()});
    std::promise<int> connected;
    auto connect_once = [](const SocketAddress& addr, StreamPtr& out, std::promise<int>& done) -> Task<void> {
      done.set_value(co_await connect(addr, out));
    };
    rt.start([&](Reactor&, unsigned) { spawn(connect_once(*to, stream, connected)); });
    ASSERT_EQ(connected.get_future().get(), 0);
    rt.stop();
    rt.join();
    stream.reset();  // destroyed after its loop stopped: its receive is still armed
  }                  // the reactor goes here
}

// A server that stops closes its listener and lets it go while the kernel may still hold
// the accept it armed; the completion that ends that accept comes later and must find
// nothing freed (AddressSanitizer, in the sanitizer job, sees the difference).
TEST(CoreIo, AcceptorGoneWithItsAcceptInFlight) {
  int r = run_on_reactor<int>([]() -> Task<int> {
    Reactor& reactor = *Reactor::current();
    std::unique_ptr<Acceptor> acceptor = reactor.listen({.host = "127.0.0.1", .port = 0});
    auto wait_for_one = [](Acceptor& a, int& result) -> Task<void> {
      StreamPtr stream;
      result = co_await accept(a, stream);
    };
    int accepted = 1;
    spawn(wait_for_one(*acceptor, accepted));  // arms the accept in the kernel
    co_await sleep_for(std::chrono::milliseconds(5));
    acceptor->close();
    acceptor.reset();
    co_await sleep_for(std::chrono::milliseconds(20));  // the cancelled accept completes
    co_return accepted;
  });
  EXPECT_EQ(r, -ECANCELED);
}

TEST(CoreIo, ConnectRefusedIsAnError) {
  int r = run_on_reactor<int>([]() -> Task<int> {
    // Port 1 on loopback: nothing listens there.
    auto to = SocketAddress::numeric("127.0.0.1", 1);
    StreamPtr stream;
    co_return co_await connect(*to, stream);
  });
  EXPECT_EQ(r, -ECONNREFUSED);
}

TEST(CoreIo, NumericAddresses) {
  EXPECT_TRUE(SocketAddress::numeric("127.0.0.1", 80));
  EXPECT_EQ(SocketAddress::numeric("::1", 8080)->port(), 8080);
  EXPECT_EQ(SocketAddress::numeric("[::1]", 1)->host(), "::1");
  EXPECT_FALSE(SocketAddress::numeric("localhost", 80));
}

TEST(CoreIo, PollerSeesAForeignDescriptorBecomeReadable) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (void)!::write(fds[1], "x", 1);
  });
  int r = run_on_reactor<int>([&]() -> Task<int> {
    auto poller = Reactor::current()->poll(fds[0]);
    co_return co_await readable(*poller);
  });
  writer.join();
  EXPECT_EQ(r, 0);
  char c = 0;
  EXPECT_EQ(::read(fds[0], &c, 1), 1);  // the poller left the descriptor open and unread
  EXPECT_EQ(c, 'x');
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(CoreIo, PollerCancel) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  int r = run_on_reactor<int>([&]() -> Task<int> {
    auto poller = Reactor::current()->poll(fds[0]);
    Reactor::current()->post([p = poller.get()] { p->cancel(); });
    co_return co_await readable(*poller);
  });
  EXPECT_EQ(r, -ECANCELED);
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
