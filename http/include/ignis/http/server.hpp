#pragma once
// Server: runs an App, controlled from code, on its own threads or on reactors the host
// program owns.
//
//   ignis::Server server(app, {.port = 0, .threads = 2});
//   server.start();                 // bound and accepting when it returns
//   auto port = server.port();
//   ...
//   server.stop();                  // graceful: stop accepting, finish in-flight requests
//   server.wait();
//
// On the host's loop (core/io_context.hpp), one worker per reactor, no thread of its own:
//
//   asio::io_context io;
//   auto reactor = ignis::make_reactor(io);
//   ignis::Server server(app, {.port = 8080}, {reactor.get()});
//   server.start();                 // binds here; serves once the host runs `io`
//   std::thread host([&] { io.run(); });
//   ...
//   server.stop();
//   server.wait();                  // from a thread other than the loop's
//
// App::listen() is the same as the first form with SIGINT/SIGTERM handling around it; a
// Server installs no signal handler. A stopping server closes idle keep-alive connections
// at once, answers requests already received with `Connection: close`, and aborts what
// still runs after shutdown_timeout.
//
// One process may run several servers, of one app or of several, each on its own port
// (or on the same one: SO_REUSEPORT spreads connections over them). The only
// process-wide change: writes to a closed socket must fail with EPIPE rather than kill the
// process, so start() ignores SIGPIPE if its disposition is still the default.

#include <cstdint>
#include <memory>
#include <vector>

#include "ignis/http/app.hpp"
#include "ignis/http/options.hpp"

namespace ignis {

class Server {
 public:
  // On `options.threads` reactor threads of its own.
  Server(App& app, ServerOptions options = {});
  // On reactors the host runs (make_reactor(io) from core/io_context.hpp, or reactors run by the
  // host's threads): `options.threads` and `options.backend` are theirs. stop() leaves the
  // loops running; the host keeps running them until wait() returns, and destroys them
  // after the server. offload() on them needs a pool the host set (set_offload_pool()).
  // start() binds from the calling thread: a reactor of ignis's own (make_reactor()) must
  // not be running yet then; an asio::io_context may be.
  Server(App& app, ServerOptions options, std::vector<Reactor*> reactors);
  ~Server();  // stops and waits
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds one acceptor per reactor and starts serving. Throws std::system_error.
  void start();
  std::uint16_t port() const noexcept;
  Backend backend() const noexcept;
  const ServerOptions& options() const noexcept;
  // Thread-safe; returns at once.
  void stop() noexcept;
  // Blocks until every worker has finished (after stop()). Not from a thread that runs
  // one of the server's loops.
  void wait();
  // True once every worker has finished.
  bool stopped() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ignis
