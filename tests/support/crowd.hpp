#pragma once
// Many client connections at once, driven with epoll from the test's thread: for tests
// with thousands of clients (each a RawClient would need a thread or a long loop).
//
//   Crowd crowd(port);
//   crowd.open(10'000, 30s);
//   crowd.send_all("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n");
//   EXPECT_EQ(crowd.wait_answers("ok", 30s), 10'000u);

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ignis::testing {

class Crowd {
 public:
  explicit Crowd(std::uint16_t port);
  ~Crowd();
  Crowd(const Crowd&) = delete;
  Crowd& operator=(const Crowd&) = delete;

  // Opens n more connections; returns how many are connected (the kernel completes a
  // handshake while the listen backlog has room, whether or not the server accepted).
  std::size_t open(std::size_t n, std::chrono::milliseconds limit);
  // Sends the bytes on every open connection.
  void send_all(std::string_view bytes);
  // Reads until every open connection holds a whole "200" response whose body is `body`,
  // or the time runs out. Returns how many do.
  std::size_t wait_answers(std::string_view body, std::chrono::milliseconds limit);
  bool answered(std::size_t i) const { return answered_[i]; }
  // Closes connections [first, first + count); closed ones count as neither.
  void close(std::size_t first, std::size_t count);
  std::size_t size() const { return fds_.size(); }

 private:
  std::uint16_t port_;
  int epoll_ = -1;
  std::vector<int> fds_;
  std::vector<std::string> received_;
  std::vector<bool> answered_;
};

}  // namespace ignis::testing
