#include "ignis/http/server.hpp"

#include <signal.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include "ignis/core/runtime.hpp"
#include "worker.hpp"

namespace ignis {
namespace {

// A library must not take SIGPIPE from its host: ignore it only if nobody chose otherwise.
void ignore_sigpipe_if_default() {
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) != 0) return;
  if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
}

}  // namespace

struct Server::Impl {
  Impl(App& a, ServerOptions o) : app(a), options(std::move(o)) {
    runtime.emplace(
        RuntimeOptions{.threads = options.threads, .backend = options.backend, .fallback = options.backend_fallback});
    for (unsigned i = 0; i < runtime->size(); ++i) reactors.push_back(&runtime->reactor(i));
  }
  Impl(App& a, ServerOptions o, std::vector<Reactor*> host) : app(a), options(std::move(o)), reactors(std::move(host)) {
    if (reactors.empty()) throw std::invalid_argument("Server: no reactor to run on");
    for (Reactor* r : reactors)
      if (!r) throw std::invalid_argument("Server: a null reactor");
  }

  // On a worker's reactor thread, when it has finished.
  void worker_stopped(Reactor& r, bool forced) {
    if (runtime) {
      r.stop();  // our own loop: its thread ends
      return;
    }
    if (forced) return;  // the host's loop runs on, and so do the connections left
    std::lock_guard lock(mutex);
    ++finished;
    all_finished.notify_all();
  }

  App& app;
  ServerOptions options;
  std::optional<Runtime> runtime;  // ours, or none on the host's reactors; before the workers,
                                   // which use its reactors until destroyed
  std::vector<Reactor*> reactors;
  std::vector<std::unique_ptr<detail::Worker>> workers;
  std::uint16_t port = 0;
  bool started = false;

  // Workers finished on the host's reactors.
  mutable std::mutex mutex;
  std::condition_variable all_finished;
  std::size_t finished = 0;
};

Server::Server(App& app, ServerOptions options) : impl_(std::make_unique<Impl>(app, std::move(options))) {}

Server::Server(App& app, ServerOptions options, std::vector<Reactor*> reactors)
    : impl_(std::make_unique<Impl>(app, std::move(options), std::move(reactors))) {}

Server::~Server() {
  if (impl_->started && !stopped()) {
    stop();
    wait();
  }
}

void Server::start() {
  if (impl_->started) return;
  ignore_sigpipe_if_default();

  Impl& s = *impl_;
  // Bind every reactor's acceptor here, the first one first, so that port 0 is resolved
  // once and a bind error reaches the caller.
  ListenOptions listen{.host = s.options.host, .port = s.options.port};
  for (Reactor* r : s.reactors) {
    auto acceptor = r->listen(listen);
    if (r == s.reactors.front()) listen.port = acceptor->port();
    s.workers.push_back(std::make_unique<detail::Worker>(
        s.app, s.options, *r, std::move(acceptor), [&s, r](bool forced) { s.worker_stopped(*r, forced); }));
  }
  s.port = listen.port;
  if (s.runtime) {
    s.runtime->start([&s](Reactor&, unsigned i) { s.workers[i]->start(); });
  } else {
    for (auto& w : s.workers) w->reactor().post([w = w.get()] { w->start(); });
  }
  s.started = true;
  const std::size_t n = s.reactors.size();
  s.app.log(LogLevel::info, "listening on http://" + s.options.host + ":" + std::to_string(s.port) + " (" +
                                std::to_string(n) + (s.runtime ? " thread" : " host reactor") + (n == 1 ? "" : "s") +
                                ", " + std::string(to_string(backend())) + " backend)");
}

std::uint16_t Server::port() const noexcept { return impl_->port; }
Backend Server::backend() const noexcept { return impl_->reactors.front()->backend(); }
const ServerOptions& Server::options() const noexcept { return impl_->options; }

void Server::stop() noexcept {
  Impl& s = *impl_;
  if (!s.started || stopped()) return;  // a finished server leaves the host's reactors alone
  for (auto& w : s.workers) w->reactor().post([w = w.get()] { w->drain(); });
}

void Server::wait() {
  Impl& s = *impl_;
  if (s.runtime) {
    s.runtime->join();
    return;
  }
  if (!s.started) return;
  std::unique_lock lock(s.mutex);
  s.all_finished.wait(lock, [&s] { return s.finished == s.workers.size(); });
}

bool Server::stopped() const noexcept {
  const Impl& s = *impl_;
  if (!s.started) return false;
  if (s.runtime) return s.runtime->running() == 0;
  std::lock_guard lock(s.mutex);
  return s.finished == s.workers.size();
}

}  // namespace ignis
