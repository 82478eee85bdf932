#include "support/crowd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace ignis::testing {
namespace {

bool whole_answer(const std::string& got, std::string_view body) {
  if (got.compare(0, 12, "HTTP/1.1 200") != 0) return false;
  const std::size_t end = got.find("\r\n\r\n");
  return end != std::string::npos && std::string_view(got).substr(end + 4) == body;
}

}  // namespace

Crowd::Crowd(std::uint16_t port) : port_(port), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_ < 0) throw std::runtime_error("epoll_create1 failed");
}

Crowd::~Crowd() {
  for (int fd : fds_)
    if (fd >= 0) ::close(fd);
  ::close(epoll_);
}

std::size_t Crowd::open(std::size_t n, std::chrono::milliseconds limit) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::size_t first = fds_.size();
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket failed (descriptor limit?)");
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
      ::close(fd);
      throw std::runtime_error("connect failed");
    }
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = fds_.size();
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    fds_.push_back(fd);
    received_.emplace_back();
    answered_.push_back(false);
  }
  // Connected once writable; then watched for reading.
  std::size_t connected = 0;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::vector<epoll_event> events(1024);
  while (connected < n && std::chrono::steady_clock::now() < deadline) {
    const int k = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
    for (int j = 0; j < k; ++j) {
      const std::size_t i = events[j].data.u64;
      if (i < first || !(events[j].events & EPOLLOUT)) continue;
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fds_[i], SOL_SOCKET, SO_ERROR, &err, &len);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      ::epoll_ctl(epoll_, EPOLL_CTL_MOD, fds_[i], &ev);
      if (err == 0) ++connected;
    }
  }
  return connected;
}

void Crowd::send_all(std::string_view bytes) {
  for (int fd : fds_) {
    if (fd < 0) continue;
    std::string_view left = bytes;
    while (!left.empty()) {
      const ssize_t n = ::send(fd, left.data(), left.size(), MSG_NOSIGNAL);
      if (n <= 0) break;  // a small request always fits a fresh socket's buffer
      left.remove_prefix(static_cast<std::size_t>(n));
    }
  }
}

std::size_t Crowd::wait_answers(std::string_view body, std::chrono::milliseconds limit) {
  auto count = [&] {
    std::size_t n = 0;
    for (std::size_t i = 0; i < fds_.size(); ++i) n += fds_[i] >= 0 && answered_[i];
    return n;
  };
  std::size_t open = 0;
  for (int fd : fds_) open += fd >= 0;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::vector<epoll_event> events(1024);
  char buf[4096];
  while (count() < open && std::chrono::steady_clock::now() < deadline) {
    const int k = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
    for (int j = 0; j < k; ++j) {
      const std::size_t i = events[j].data.u64;
      if (fds_[i] < 0) continue;
      for (;;) {
        const ssize_t n = ::recv(fds_[i], buf, sizeof buf, 0);
        if (n <= 0) break;
        received_[i].append(buf, static_cast<std::size_t>(n));
      }
      answered_[i] = whole_answer(received_[i], body);
    }
  }
  return count();
}

void Crowd::close(std::size_t first, std::size_t count) {
  for (std::size_t i = first; i < first + count && i < fds_.size(); ++i) {
    if (fds_[i] < 0) continue;
    ::close(fds_[i]);  // also leaves the epoll set
    fds_[i] = -1;
  }
}

}  // namespace ignis::testing
