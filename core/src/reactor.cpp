#include "ignis/core/reactor.hpp"

#include <arpa/inet.h>

#include <stdexcept>
#include <system_error>

namespace ignis {

std::unique_ptr<Reactor> make_asio_reactor();
std::unique_ptr<Reactor> make_uring_reactor();

Backend default_backend() noexcept {
#if defined(IGNIS_DEFAULT_BACKEND_EPOLL)
  return Backend::epoll;
#else
  return Backend::io_uring;
#endif
}

std::string_view to_string(Backend b) noexcept { return b == Backend::io_uring ? "io_uring" : "epoll"; }

std::optional<Backend> parse_backend(std::string_view name) noexcept {
  if (name == "epoll" || name == "asio") return Backend::epoll;
  if (name == "io_uring" || name == "uring") return Backend::io_uring;
  return std::nullopt;
}

std::unique_ptr<Reactor> make_reactor(const ReactorOptions& options) {
  switch (options.backend) {
    case Backend::epoll:
      return make_asio_reactor();
    case Backend::io_uring:
      if (!options.fallback) return make_uring_reactor();
      try {
        return make_uring_reactor();
      } catch (const std::system_error&) {
        return make_asio_reactor();  // Reactor::backend() and the server's start-up line say so
      }
  }
  throw std::invalid_argument("unknown reactor backend");
}

std::string SocketAddress::host() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&storage);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
  } else if (storage.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&storage);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
  }
  return text;
}

std::optional<SocketAddress> SocketAddress::numeric(std::string_view host, std::uint16_t port) {
  std::string text(host);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  SocketAddress a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.length = sizeof(sockaddr_in);
    return a;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.length = sizeof(sockaddr_in6);
    return a;
  }
  return std::nullopt;
}

std::uint16_t SocketAddress::port() const noexcept {
  if (storage.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (storage.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

Reactor::Reactor() : tick_(&Reactor::on_tick, this), coarse_now_(Clock::now()) {}

void Reactor::on_tick(void* self) {
  auto* r = static_cast<Reactor*>(self);
  r->schedule(r->tick_, r->coarse_now_ + std::chrono::seconds(1));
}

std::optional<Clock::time_point> Reactor::fire_timers() {
  coarse_now_ = Clock::now();
  timers_.fire_due(coarse_now_);
  if (timers_.empty()) return std::nullopt;
  return timers_.earliest();
}

void Reactor::start_ticking() {
  coarse_now_ = Clock::now();
  schedule(tick_, coarse_now_ + std::chrono::seconds(1));
}

Reactor::RunScope::RunScope(Reactor& r) : reactor_(r), previous_(current_) {
  current_ = &r;
  r.start_ticking();
}

Reactor::RunScope::~RunScope() {
  reactor_.cancel(reactor_.tick_);
  current_ = previous_;
}

}  // namespace ignis
