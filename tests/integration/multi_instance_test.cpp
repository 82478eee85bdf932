// Several server processes on one port (SO_REUSEPORT), sharing a rate limit and a cache
// through one real redis-server.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "support/redis_server.hpp"
#include "support/test_client.hpp"

using ignis::testing::RedisServer;
using ignis::testing::request;

namespace {

// One `ignis_test_instance` process; SIGTERM when the object goes.
class Instance {
 public:
  Instance(std::uint16_t port, const std::string& redis_url) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string p = std::to_string(port);
      ::execl(IGNIS_TEST_INSTANCE, IGNIS_TEST_INSTANCE, p.c_str(), redis_url.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Instance() { stop(); }
  int stop() {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 500 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return status_;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(MultiInstance, ProcessesOnOnePortShareALimitAndACacheInRedis) {
  RedisServer redis;
  const std::uint16_t port = free_port();
  Instance a(port, redis.url());
  Instance b(port, redis.url());

  // New connections spread over both listeners: wait until each instance has answered.
  std::set<std::string> seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (seen.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    try {
      if (auto res = request(port, "GET", "/api/whoami"); res && res->status == 200) seen.insert(*res->header("X-Instance"));
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // not listening yet
    }
  }
  ASSERT_EQ(seen.size(), 2u) << "both processes accept on the port";
  EXPECT_TRUE(seen.count(std::to_string(a.pid())) && seen.count(std::to_string(b.pid())));

  // One limit of 5 for this client, whichever process answers.
  int allowed = 0, limited = 0;
  std::set<std::string> answered_by;
  for (int i = 0; i < 12; ++i) {
    auto res = request(port, "POST", "/api/generate");
    ASSERT_TRUE(res);
    answered_by.insert(*res->header("X-Instance"));
    if (res->status == 200) ++allowed;
    if (res->status == 429) ++limited;
  }
  EXPECT_EQ(allowed, 5);
  EXPECT_EQ(limited, 7);

  // One cache: every answer is the copy the first instance to run the handler stored.
  std::string body;
  std::set<std::string> cached_by;
  for (int i = 0; i < 200 && cached_by.size() < 2; ++i) {  // until both have served it
    auto res = request(port, "GET", "/api/config");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    if (body.empty()) body = res->body;
    EXPECT_EQ(res->body, body);
    cached_by.insert(*res->header("X-Instance"));
  }
  EXPECT_NE(body.find("\"generatedBy\":"), std::string::npos);
  EXPECT_EQ(cached_by.size(), 2u) << "both instances served the shared copy";

  EXPECT_EQ(a.stop(), 0);
  EXPECT_EQ(b.stop(), 0);
}

}  // namespace
