#pragma once
// An App served by App::listen() in a forked child process: for tests that need the
// server's own resource figures (its memory, descriptors and CPU apart from the client's),
// its own limits (RLIMIT_NOFILE), or a real SIGTERM.
//
//   ChildServer server([] { App app; app.route("/ok").GET(...); return app; }, {.threads = 1});
//   RawClient c(server.port());
//   ... resident_bytes(server.pid()) ...
//   int status = server.terminate();   // SIGTERM, then the exit status
//
// The child is forked before it makes any thread, and builds its App there (nothing of the
// parent's App crosses). The parent must have no other thread at that moment (no
// TestServer alive): the constructor throws std::logic_error otherwise. A report() callback may send the parent a line at exit
// (report_line() reads it), for counts the child kept.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <ignis/http/app.hpp>
#include <ignis/http/options.hpp>

#include "support/test_server.hpp"

namespace ignis::testing {

struct ChildOptions {
  ServerOptions server = TestServer::defaults();  // port 0, one thread, the backend under test
  std::size_t max_descriptors = 0;                // RLIMIT_NOFILE in the child (0: inherited)
};

// Sends SIGTERM and waits up to `limit` for the process to exit (then kills it). Returns its
// exit status (waitpid form), or -1 if it had to be killed.
int terminate_process(pid_t pid, std::chrono::milliseconds limit);

class ChildServer {
 public:
  // make_app runs in the child; report (also in the child, after listen() returned) gives
  // the line report_line() returns.
  explicit ChildServer(std::function<App()> make_app, ChildOptions options = {},
                       std::function<std::string()> report = {});
  ~ChildServer();
  ChildServer(const ChildServer&) = delete;
  ChildServer& operator=(const ChildServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  pid_t pid() const noexcept { return pid_; }

  // Sends SIGTERM and waits up to `limit` for the child to exit (then kills it). Returns
  // its exit status (waitpid form), or -1 if it had to be killed.
  int terminate(std::chrono::milliseconds limit = std::chrono::seconds(20));
  // The report line, once terminate() returned (empty if none).
  const std::string& report_line() const noexcept { return report_; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  int pipe_ = -1;  // from the child: "port\n", then the report at exit
  std::string report_;
};

}  // namespace ignis::testing
