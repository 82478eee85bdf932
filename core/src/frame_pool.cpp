#include "ignis/core/frame_pool.hpp"

namespace ignis::detail {

// Hands a thread's cached frames back to the allocator when the thread ends.
struct FramePoolThreadGuard {
  ~FramePoolThreadGuard() { FramePool::release_thread_cache(); }
};

void* FramePool::allocate_slow(std::size_t cls) {
  static thread_local FramePoolThreadGuard guard;
  (void)guard;
  return ::operator new((cls + 1) * kGranule);
}

void FramePool::release_thread_cache() noexcept {
  Lists& l = lists_;
  for (std::size_t c = 0; c < kClasses; ++c) {
    while (Node* n = l.head[c]) {
      l.head[c] = n->next;
      ::operator delete(n);
    }
    l.count[c] = 0;
  }
}

}  // namespace ignis::detail
