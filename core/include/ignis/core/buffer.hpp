#pragma once
// ByteBuffer: a growable byte buffer backed by a per-thread pool of power-of-two blocks.
//
// Connections take a block when bytes arrive and give it back when they go idle, so an
// idle keep-alive connection holds no buffer at all. Every block has kPadding readable
// bytes past its capacity, which lets simdjson parse a body in place.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <utility>

namespace ignis {

namespace detail {
// The free list of the smallest blocks, which connections take and give back with every
// request: kept apart so that those two steps are a few inline instructions.
struct SmallBlocks {
  void* head;
  std::size_t count;
};
extern constinit thread_local SmallBlocks small_blocks;
}  // namespace detail

class BufferPool {
 public:
  static constexpr std::size_t kPadding = 64;
  static constexpr std::size_t kMinBlock = 4096;
  static constexpr std::size_t kMaxPooledBlock = 1 << 20;
  static constexpr std::size_t kMaxSmallBlocks = 1024;  // 4 MiB of kMinBlock per thread

  // A block of at least `size` usable bytes (plus padding); its real capacity is stored in
  // *capacity.
  static char* acquire(std::size_t size, std::size_t* capacity) {
    detail::SmallBlocks& s = detail::small_blocks;
    if (size <= kMinBlock && s.head) {
      char* b = static_cast<char*>(s.head);
      s.head = *reinterpret_cast<void**>(b);
      --s.count;
      *capacity = kMinBlock;
      return b;
    }
    return acquire_slow(size, capacity);
  }
  static void release(char* block, std::size_t capacity) noexcept {
    detail::SmallBlocks& s = detail::small_blocks;
    if (capacity == kMinBlock && s.count < kMaxSmallBlocks) {
      *reinterpret_cast<void**>(block) = s.head;
      s.head = block;
      ++s.count;
      return;
    }
    release_slow(block, capacity);
  }

 private:
  static char* acquire_slow(std::size_t size, std::size_t* capacity);
  static void release_slow(char* block, std::size_t capacity) noexcept;
};

class ByteBuffer {
 public:
  static constexpr std::size_t kPadding = BufferPool::kPadding;

  ByteBuffer() noexcept = default;
  ByteBuffer(ByteBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0)) {}
  ByteBuffer& operator=(ByteBuffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      cap_ = std::exchange(o.cap_, 0);
    }
    return *this;
  }
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  ~ByteBuffer() { release(); }

  char* data() noexcept { return data_; }
  const char* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return cap_; }
  bool empty() const noexcept { return size_ == 0; }
  bool allocated() const noexcept { return data_ != nullptr; }
  std::string_view view() const noexcept { return {data_, size_}; }

  // Free space after the content, growing the block so that at least `min` bytes are free.
  std::span<char> prepare(std::size_t min) {
    if (cap_ - size_ < min) grow(size_ + min);
    return {data_ + size_, cap_ - size_};
  }
  void commit(std::size_t n) noexcept { size_ += n; }
  void resize(std::size_t n) {
    if (n > cap_) grow(n);
    size_ = n;
  }
  void append(std::string_view s) {
    if (s.empty()) return;  // memcpy from or to nullptr is undefined, even for 0 bytes
    if (cap_ - size_ < s.size()) grow(size_ + s.size());
    std::memcpy(data_ + size_, s.data(), s.size());
    size_ += s.size();
  }
  void clear() noexcept { size_ = 0; }
  // Drops the first n bytes, moving the rest to the front.
  void consume(std::size_t n) noexcept {
    if (n >= size_) {
      size_ = 0;
      return;
    }
    std::memmove(data_, data_ + n, size_ - n);
    size_ -= n;
  }
  // Gives the block back to the pool.
  void release() noexcept {
    if (data_) BufferPool::release(data_, cap_);
    data_ = nullptr;
    size_ = cap_ = 0;
  }

 private:
  void grow(std::size_t min_capacity);

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

}  // namespace ignis
