#include "ignis/core/runtime.hpp"

#include <algorithm>

namespace ignis {

Runtime::Runtime(const RuntimeOptions& options) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned n = options.threads ? options.threads : cores;
  offload_ = std::make_unique<OffloadPool>(options.offload_threads ? options.offload_threads : std::max(2u, cores));
  reactors_.reserve(n);
  Backend backend = options.backend;
  for (unsigned i = 0; i < n; ++i) {
    reactors_.push_back(make_reactor({.backend = backend, .fallback = options.fallback}));
    reactors_.back()->set_offload_pool(offload_.get());
    if (reactors_.back()->backend() != backend) {
      // io_uring could not start for this one: every thread runs the same backend.
      backend = reactors_.back()->backend();
      for (auto& r : reactors_) {
        if (r->backend() == backend) continue;
        r = make_reactor({.backend = backend});
        r->set_offload_pool(offload_.get());
      }
    }
  }
}

Runtime::~Runtime() {
  stop();
  join();
}

void Runtime::start(std::function<void(Reactor&, unsigned)> on_start) {
  threads_.reserve(reactors_.size());
  running_.store(static_cast<unsigned>(reactors_.size()), std::memory_order_release);
  for (unsigned i = 0; i < reactors_.size(); ++i) {
    threads_.emplace_back([this, i, on_start] {
      Reactor& r = *reactors_[i];
      // The start callback runs inside the loop, so Reactor::current() is set for it.
      r.post([&r, i, &on_start] { on_start(r, i); });
      r.run();
      running_.fetch_sub(1, std::memory_order_acq_rel);
    });
  }
}

void Runtime::stop() noexcept {
  for (auto& r : reactors_) r->stop();
}

void Runtime::join() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace ignis
