#pragma once
// offload(fn): run blocking work (SQLite, file system, CPU-heavy hashing) on a small
// worker pool, and resume on the reactor thread that awaited it.
//
//   auto post = co_await ignis::offload([&] { return db.find(id); });

#include <condition_variable>
#include <coroutine>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "ignis/core/reactor.hpp"

namespace ignis {

class OffloadPool {
 public:
  // A unit of work; it lives in the awaiting frame, so submitting allocates nothing.
  struct Job {
    void (*run)(Job*);
  };

  explicit OffloadPool(unsigned threads);
  ~OffloadPool();  // finishes queued jobs, then joins
  OffloadPool(const OffloadPool&) = delete;
  OffloadPool& operator=(const OffloadPool&) = delete;

  void submit(Job* job);
  unsigned size() const noexcept { return static_cast<unsigned>(threads_.size()); }

 private:
  void work();
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

template <class F>
class OffloadAwaiter : OffloadPool::Job {
  using Result = std::invoke_result_t<F&>;

 public:
  explicit OffloadAwaiter(F fn) : Job{&OffloadAwaiter::execute}, fn_(std::move(fn)) {}
  OffloadAwaiter(const OffloadAwaiter&) = delete;
  OffloadAwaiter& operator=(const OffloadAwaiter&) = delete;

  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    waiter_ = h;
    reactor_ = Reactor::current();
    OffloadPool* pool = reactor_ ? reactor_->offload_pool() : nullptr;
    if (!pool) throw std::logic_error("ignis::offload needs a reactor thread with an offload pool");
    pool->submit(this);
  }
  Result await_resume() {
    if (error_) std::rethrow_exception(error_);
    if constexpr (!std::is_void_v<Result>) return std::move(*value_);
  }

 private:
  static void execute(Job* job) {
    auto* self = static_cast<OffloadAwaiter*>(job);
    try {
      if constexpr (std::is_void_v<Result>)
        self->fn_();
      else
        self->value_.emplace(self->fn_());
    } catch (...) {
      self->error_ = std::current_exception();
    }
    self->reactor_->post(self->waiter_);
  }

  F fn_;
  std::conditional_t<std::is_void_v<Result>, char, std::optional<Result>> value_{};
  std::exception_ptr error_;
  Reactor* reactor_ = nullptr;
  std::coroutine_handle<> waiter_;
};

template <class F>
OffloadAwaiter<std::decay_t<F>> offload(F&& fn) {
  return OffloadAwaiter<std::decay_t<F>>(std::forward<F>(fn));
}

}  // namespace ignis
