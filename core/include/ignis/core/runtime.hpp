#pragma once
// Runtime: N reactor threads plus the offload pool they share.
//
// Each thread runs its own reactor; what runs on it is decided by the callback given to
// start() (the HTTP server opens one SO_REUSEPORT acceptor per thread there).

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "ignis/core/offload.hpp"
#include "ignis/core/reactor.hpp"

namespace ignis {

struct RuntimeOptions {
  unsigned threads = 0;          // 0: one per core
  Backend backend = default_backend();
  bool fallback = true;          // epoll when io_uring cannot start (ReactorOptions)
  unsigned offload_threads = 0;  // 0: max(2, cores)
};

class Runtime {
 public:
  explicit Runtime(const RuntimeOptions& options = {});
  ~Runtime();  // stops and joins
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  unsigned size() const noexcept { return static_cast<unsigned>(reactors_.size()); }
  Reactor& reactor(unsigned i) noexcept { return *reactors_[i]; }
  Backend backend() const noexcept { return reactors_.front()->backend(); }

  // Starts one thread per reactor; each calls on_start(reactor, index) and then runs the
  // reactor's loop until stop().
  void start(std::function<void(Reactor&, unsigned)> on_start);
  // Thread-safe: every loop returns soon after.
  void stop() noexcept;
  // Waits for every reactor thread to finish.
  void join();
  // Reactor threads started and not yet finished.
  unsigned running() const noexcept { return running_.load(std::memory_order_acquire); }

 private:
  std::vector<std::unique_ptr<Reactor>> reactors_;
  std::unique_ptr<OffloadPool> offload_;
  std::vector<std::thread> threads_;
  std::atomic<unsigned> running_{0};
};

}  // namespace ignis
