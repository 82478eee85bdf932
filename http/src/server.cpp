#include "ignis/http/server.hpp"

#include <signal.h>

#include <vector>

#include "ignis/core/runtime.hpp"
#include "worker.hpp"

namespace ignis {

struct Server::Impl {
  Impl(App& a, ServerOptions o)
      : app(a), options(std::move(o)), runtime({.threads = options.threads, .backend = options.backend, .fallback = options.backend_fallback}) {}

  App& app;
  ServerOptions options;
  Runtime runtime;  // declared before the workers: they use its reactors until destroyed
  std::vector<std::unique_ptr<detail::Worker>> workers;
  std::uint16_t port = 0;
  bool started = false;
};

Server::Server(App& app, ServerOptions options) : impl_(std::make_unique<Impl>(app, std::move(options))) {}

Server::~Server() {
  if (impl_->started) {
    stop();
    wait();
  }
}

void Server::start() {
  if (impl_->started) return;
  // Writes to a closed socket must fail with EPIPE, not kill the process.
  ::signal(SIGPIPE, SIG_IGN);

  Impl& s = *impl_;
  // Bind every thread's acceptor here, the first one first, so that port 0 is resolved
  // once and a bind error reaches the caller.
  ListenOptions listen{.host = s.options.host, .port = s.options.port};
  for (unsigned i = 0; i < s.runtime.size(); ++i) {
    Reactor& r = s.runtime.reactor(i);
    auto acceptor = r.listen(listen);
    if (i == 0) listen.port = acceptor->port();
    s.workers.push_back(std::make_unique<detail::Worker>(s.app, s.options, r, std::move(acceptor)));
  }
  s.port = listen.port;
  s.runtime.start([&s](Reactor&, unsigned i) { s.workers[i]->start(); });
  s.started = true;
  s.app.log(LogLevel::info, "listening on http://" + s.options.host + ":" + std::to_string(s.port) + " (" +
                                    std::to_string(s.runtime.size()) + " thread" +
                                    (s.runtime.size() == 1 ? "" : "s") + ", " +
                                    std::string(to_string(s.runtime.backend())) + " backend)");
}

std::uint16_t Server::port() const noexcept { return impl_->port; }
Backend Server::backend() const noexcept { return impl_->runtime.backend(); }
const ServerOptions& Server::options() const noexcept { return impl_->options; }

void Server::stop() noexcept {
  Impl& s = *impl_;
  if (!s.started) return;
  for (unsigned i = 0; i < s.runtime.size(); ++i) {
    detail::Worker* w = s.workers[i].get();
    s.runtime.reactor(i).post([w] { w->drain(); });
  }
}

void Server::wait() { impl_->runtime.join(); }

bool Server::stopped() const noexcept { return impl_->started && impl_->runtime.running() == 0; }

}  // namespace ignis
