#include "ignis/core/buffer.hpp"

#include <bit>
#include <cstdlib>
#include <new>

namespace ignis {

constinit thread_local detail::SmallBlocks detail::small_blocks{nullptr, 0};

namespace {

// Blocks of 4 KiB .. 1 MiB are cached per thread, a bounded number per size, so memory
// given back by idle connections is reused without the allocator but never hoarded.
constexpr int kClasses = 9;  // 4K, 8K, ..., 1M
constexpr std::size_t kMaxCachedBytesPerClass = 4 << 20;

struct FreeBlock {
  FreeBlock* next;
};

struct PoolLists {
  FreeBlock* head[kClasses];
  std::size_t count[kClasses];
};

thread_local PoolLists pool_lists{};

struct PoolThreadGuard {
  ~PoolThreadGuard() {
    while (void* b = detail::small_blocks.head) {
      detail::small_blocks.head = *static_cast<void**>(b);
      std::free(b);
    }
    detail::small_blocks.count = 0;
    for (int c = 1; c < kClasses; ++c) {
      while (FreeBlock* b = pool_lists.head[c]) {
        pool_lists.head[c] = b->next;
        std::free(b);
      }
      pool_lists.count[c] = 0;
    }
  }
};

// Frees the thread's cached blocks when it ends; armed by the first block the allocator gives.
void guard_thread() {
  static thread_local PoolThreadGuard guard;
  (void)guard;
}

int class_of(std::size_t capacity) {
  return std::countr_zero(capacity) - std::countr_zero(BufferPool::kMinBlock);
}

std::size_t max_cached(int cls) {
  std::size_t n = kMaxCachedBytesPerClass / (BufferPool::kMinBlock << cls);
  return n < 2 ? 2 : n;
}

}  // namespace

// The smallest class lives in detail::small_blocks (the inline paths); the others here.
char* BufferPool::acquire_slow(std::size_t size, std::size_t* capacity) {
  std::size_t cap = size <= kMinBlock ? kMinBlock : std::bit_ceil(size);
  *capacity = cap;
  if (cap > kMinBlock && cap <= kMaxPooledBlock) {
    int c = class_of(cap);
    if (FreeBlock* b = pool_lists.head[c]) {
      pool_lists.head[c] = b->next;
      --pool_lists.count[c];
      return reinterpret_cast<char*>(b);
    }
  }
  if (cap <= kMaxPooledBlock) guard_thread();  // (kMinBlock: the inline path found none cached)
  void* p = std::malloc(cap + kPadding);
  if (!p) throw std::bad_alloc();
  return static_cast<char*>(p);
}

void BufferPool::release_slow(char* block, std::size_t capacity) noexcept {
  if (capacity > kMinBlock && capacity <= kMaxPooledBlock) {
    int c = class_of(capacity);
    if (pool_lists.count[c] < max_cached(c)) {
      auto* b = reinterpret_cast<FreeBlock*>(block);
      b->next = pool_lists.head[c];
      pool_lists.head[c] = b;
      ++pool_lists.count[c];
      return;
    }
  }
  std::free(block);
}

void ByteBuffer::grow(std::size_t min_capacity) {
  std::size_t cap = 0;
  char* fresh = BufferPool::acquire(min_capacity, &cap);
  if (size_) std::memcpy(fresh, data_, size_);
  if (data_) BufferPool::release(data_, cap_);
  data_ = fresh;
  cap_ = cap;
}

}  // namespace ignis
