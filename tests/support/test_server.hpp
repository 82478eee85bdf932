#pragma once
// An App served on loopback by a real Server on its own threads, for the length of a test.

#include <ignis/http/app.hpp>
#include <ignis/http/server.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ignis::testing {

// The backend under test: IGNIS_TEST_BACKEND (epoll or io_uring), else the build's default.
Backend test_backend();

class TestServer {
 public:
  // Starts `app` on 127.0.0.1 with a free port. Log lines are kept (see log()).
  explicit TestServer(App& app, ServerOptions options = defaults());
  ~TestServer();

  static ServerOptions defaults();

  std::uint16_t port() const { return server_->port(); }
  Server& server() { return *server_; }
  // Stops gracefully and waits for every thread.
  void stop();
  // The log lines so far.
  std::vector<std::string> log() const;
  bool logged(std::string_view needle) const;

 private:
  struct Log {
    mutable std::mutex mutex;
    std::vector<std::string> lines;
  };
  std::shared_ptr<Log> log_ = std::make_shared<Log>();
  std::unique_ptr<Server> server_;
};

}  // namespace ignis::testing
