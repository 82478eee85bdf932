#include "ignis/core/offload.hpp"

namespace ignis {

OffloadPool::OffloadPool(unsigned threads) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

OffloadPool::~OffloadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) t.join();
}

void OffloadPool::submit(Job* job) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(job);
  }
  ready_.notify_one();
}

void OffloadPool::work() {
  for (;;) {
    Job* job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = queue_.front();
      queue_.pop_front();
    }
    job->run(job);
  }
}

}  // namespace ignis
