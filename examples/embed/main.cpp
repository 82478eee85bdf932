// ignis embedded in a host program that owns its event loop: the host runs one
// asio::io_context on its own thread, with its own work on it (a timer that samples a
// value), and serves two apps from it, a public API and an admin API on another port,
// each logging through the host's logger. No signal handling: the host stops when its
// run time is up or when POST /admin/shutdown asks.
//
//   build/bin/embed --port 3000 --admin-port 3001 [--seconds 60]
//   curl localhost:3000/api/status          {"samples":12,"last":0.42}
//   curl -X POST localhost:3001/admin/shutdown

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <ignis/core/io_context.hpp>
#include <ignis/core/offload.hpp>
#include <ignis/http/app.hpp>
#include <ignis/http/server.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

using namespace std::chrono_literals;

// The host's own state. Its timer and ignis's handlers run on the one loop thread, so
// they share it without a lock.
struct Sampler {
  asio::steady_timer timer;
  std::minstd_rand random{42};
  long samples = 0;
  double last = 0;
  bool running = true;

  explicit Sampler(asio::io_context& io) : timer(io) {}
  void start() {
    timer.expires_after(100ms);
    timer.async_wait([this](const asio::error_code& ec) {
      if (ec || !running) return;
      ++samples;
      last = static_cast<double>(random() % 100) / 100;
      start();
    });
  }
};

// The host's shutdown request, from any thread.
struct Shutdown {
  std::mutex mutex;
  std::condition_variable cv;
  bool requested = false;
  void request() {
    std::lock_guard lock(mutex);
    requested = true;
    cv.notify_all();
  }
  void wait_for(std::chrono::seconds limit) {
    std::unique_lock lock(mutex);
    if (limit.count() > 0)
      cv.wait_for(lock, limit, [this] { return requested; });
    else
      cv.wait(lock, [this] { return requested; });
  }
};

ignis::LogSink host_logger(const char* who) {
  return [who](ignis::LogLevel level, std::string_view message) {
    std::fprintf(stderr, "[host] %s %s: %.*s\n", who, level >= ignis::LogLevel::warn ? "WARN" : "info",
                 static_cast<int>(message.size()), message.data());
  };
}

int main(int argc, char** argv) {
  std::uint16_t port = 3000, admin_port = 3001;
  long seconds = 0;  // 0: until /admin/shutdown
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--port")) port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--admin-port")) admin_port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atol(argv[i + 1]);
  }

  asio::io_context io;
  Sampler sampler(io);
  Shutdown shutdown;

  // ignis on the host's loop; offload() work goes to a pool the host gives it.
  auto reactor = ignis::make_reactor(io);
  ignis::OffloadPool pool(2);
  reactor->set_offload_pool(&pool);

  ignis::App api;
  api.set_logger(host_logger("api"));
  api.route("/api/status").GET([&sampler](ignis::Request&) -> ignis::Task<ignis::Response> {
    co_return ignis::Response::json({{"samples", sampler.samples}, {"last", sampler.last}});
  });

  ignis::App admin;
  admin.set_logger(host_logger("admin"));
  admin.route("/admin/shutdown").POST([&shutdown](ignis::Request&) -> ignis::Task<ignis::Response> {
    shutdown.request();  // the main thread stops the servers: never wait for them on their own loop
    co_return ignis::Response::json({{"stopping", true}}, {.status = 202});
  });

  sampler.start();
  std::thread loop;
  {
    ignis::Server api_server(api, {.port = port}, {reactor.get()});
    ignis::Server admin_server(admin, {.port = admin_port}, {reactor.get()});
    api_server.start();  // bound here (a bind error throws); served once the loop runs
    admin_server.start();
    loop = std::thread([&io] { io.run(); });
    shutdown.wait_for(std::chrono::seconds(seconds));
    // Stop from code: what is in flight finishes; the loop stays the host's.
    api_server.stop();
    admin_server.stop();
    api_server.wait();
    admin_server.wait();
  }
  // The servers are gone: the reactor goes too, on the loop's thread, and the loop runs
  // out of work.
  asio::post(io, [&] {
    sampler.running = false;
    sampler.timer.cancel();
    reactor.reset();
  });
  loop.join();
  std::fprintf(stderr, "[host] done after %ld samples\n", sampler.samples);
  return 0;
}
