#pragma once
// A real redis-server for the length of a test: started on a free loopback port with no
// persistence, stopped (SIGTERM, then SIGKILL) when the object goes.

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace ignis::testing {

class RedisServer {
 public:
  // Throws std::runtime_error if redis-server is missing (scripts/install-deps.sh --test
  // installs it) or does not answer PING within a few seconds.
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  // Sends one inline command and returns the raw reply line(s), for checks from outside.
  std::string call(const std::string& inline_command) const;
  void stop();

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace ignis::testing
