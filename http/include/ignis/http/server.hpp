#pragma once
// Server: runs an App on N reactor threads, controlled from code.
//
//   ignis::Server server(app, {.port = 0, .threads = 2});
//   server.start();                 // bound and accepting when it returns
//   auto port = server.port();
//   ...
//   server.stop();                  // graceful: stop accepting, finish in-flight requests
//   server.wait();
//
// App::listen() is the same with SIGINT/SIGTERM handling around it. A stopping server
// closes idle keep-alive connections at once, answers requests already received with
// `Connection: close`, and aborts what still runs after shutdown_timeout.

#include <cstdint>
#include <memory>

#include "ignis/http/app.hpp"
#include "ignis/http/options.hpp"

namespace ignis {

class Server {
 public:
  Server(App& app, ServerOptions options = {});
  ~Server();  // stops and waits
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds one acceptor per thread and starts the threads. Throws std::system_error.
  void start();
  std::uint16_t port() const noexcept;
  Backend backend() const noexcept;
  const ServerOptions& options() const noexcept;
  // Thread-safe; returns at once.
  void stop() noexcept;
  // Blocks until every thread has finished (after stop()).
  void wait();
  // True once every thread has finished.
  bool stopped() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ignis
