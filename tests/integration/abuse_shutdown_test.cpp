// Shutdown under load: SIGTERM reaches a server (App::listen(), two reactor threads, in a
// child process) while clients keep it busy with keep-alive and pipelined requests, fast,
// slow and with bodies. Every request that reached a handler must get its whole response;
// a request the server never took sees the connection close before any byte of an answer;
// nothing is ever cut short; the server exits cleanly, within its shutdown timeout.

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <ignis/core/io.hpp>
#include <ignis/http/app.hpp>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "support/child_server.hpp"
#include "support/test_client.hpp"

using namespace ignis;
using namespace std::chrono_literals;
using ignis::testing::RawClient;

namespace {

std::atomic<long> handled{0};  // in the child: requests that reached a handler

App make_app() {
  App app;
  app.route("/ok").GET([](Request&) -> Task<Response> {
    ++handled;
    co_return Response::text("ok");
  });
  app.route("/slow").GET([](Request&) -> Task<Response> {
    ++handled;
    co_await sleep_for(30ms);  // no signal: a slow handler finishes its work
    co_return Response::text("slow");
  });
  app.route("/echo").POST([](Request& req) -> Task<Response> {
    ++handled;
    std::string_view body = co_await req.text();
    co_return Response::text(body);
  });
  return app;
}

struct Tally {
  std::atomic<long> complete{0};        // whole responses with the right body
  std::atomic<long> never_answered{0};  // closed before any byte of an answer
  std::atomic<long> torn{0};            // an answer cut short, or a wrong one
};

struct Call {
  std::string request;
  std::string body;  // the answer expected
};

Call make_call(std::mt19937& rng) {
  switch (rng() % 3) {
    case 0: return {"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n", "ok"};
    case 1: return {"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n", "slow"};
    default: {
      const std::string body(1000 + rng() % 20000, char('a' + rng() % 26));
      return {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body, body};
    }
  }
}

// One client: keep-alive connections, one or two requests in flight, until the server is gone.
void client(std::uint16_t port, unsigned seed, Tally& tally) {
  std::mt19937 rng(seed);
  for (;;) {
    std::unique_ptr<RawClient> c;
    try {
      c = std::make_unique<RawClient>(port, 5s);
    } catch (const std::exception&) {
      return;  // no longer accepting: the server is going
    }
    for (bool open = true; open;) {
      std::vector<Call> calls{make_call(rng)};
      if (rng() % 2) calls.push_back(make_call(rng));  // pipelined
      std::string bytes;
      for (const Call& call : calls) bytes += call.request;
      c->send(bytes);  // may fail once the server closed: the reads below tell
      for (const Call& call : calls) {
        auto r = c->read_response();
        if (!r) {
          (c->pending().empty() ? tally.never_answered : tally.torn) += 1;
          open = false;
          break;
        }
        if (r->status != 200 || r->body != call.body) {
          ++tally.torn;
          open = false;
          break;
        }
        ++tally.complete;
        if (r->header("connection") == "close") {
          open = false;
          break;
        }
      }
    }
  }
}

TEST(AbuseShutdown, EveryRequestTakenBeforeSigtermGetsItsWholeResponse) {
  ignis::testing::ChildOptions options;
  options.server.threads = 2;
  options.server.shutdown_timeout = 5s;
  ignis::testing::ChildServer server(make_app, options, [] { return std::to_string(handled.load()); });

  Tally tally;
  std::vector<std::thread> clients;
  for (unsigned i = 0; i < 16; ++i) clients.emplace_back(client, server.port(), i, std::ref(tally));
  std::this_thread::sleep_for(500ms);
  const long before = tally.complete;
  const auto start = std::chrono::steady_clock::now();
  const int status = server.terminate(10s);  // SIGTERM, then wait for the exit
  const auto stopping = std::chrono::steady_clock::now() - start;
  for (auto& t : clients) t.join();

  const long taken = std::stol(server.report_line().empty() ? "-1" : server.report_line());
  std::printf("shutdown under load: %ld responses before SIGTERM, %ld in all; %ld requests taken by the server; "
              "%ld never answered (not taken); %ld cut short; exit in %lld ms\n",
              before, tally.complete.load(), taken, tally.never_answered.load(), tally.torn.load(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(stopping).count()));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "exit status " << status;
  EXPECT_LT(stopping, 5s);
  EXPECT_GT(before, 100);
  EXPECT_EQ(tally.torn, 0);
  EXPECT_EQ(taken, tally.complete) << "a request the server took got no whole answer";
}

}  // namespace
