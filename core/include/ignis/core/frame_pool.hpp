#pragma once
// Per-thread recycling of coroutine frames.
//
// A handler's frame is created and destroyed on every request. Frames are grouped in
// 64-byte size classes; a freed frame goes onto its thread's list for that class and the
// next frame of that size reuses it, so steady-state traffic never reaches malloc.
// Sanitizer builds define IGNIS_NO_FRAME_POOL so that every frame is visible to ASan.

#include <cstddef>
#include <cstdint>
#include <new>

namespace ignis::detail {

class FramePool {
 public:
  static constexpr std::size_t kGranule = 64;
  static constexpr std::size_t kClasses = 64;            // frames up to 4 KiB are recycled
  static constexpr std::uint32_t kMaxCachedPerClass = 4096;

  static void* allocate(std::size_t size) {
#if IGNIS_NO_FRAME_POOL
    return ::operator new(size);
#endif
    const std::size_t cls = class_of(size);
    if (cls < kClasses) {
      Lists& l = lists_;
      if (Node* n = l.head[cls]) {
        l.head[cls] = n->next;
        --l.count[cls];
        return n;
      }
      return allocate_slow(cls);
    }
    return ::operator new(size);
  }

  static void deallocate(void* p, std::size_t size) noexcept {
#if IGNIS_NO_FRAME_POOL
    return ::operator delete(p);  // unsized: clang has no sized delete without -fsized-deallocation
#endif
    const std::size_t cls = class_of(size);
    if (cls < kClasses) {
      Lists& l = lists_;
      if (l.count[cls] < kMaxCachedPerClass) {
        Node* n = static_cast<Node*>(p);
        n->next = l.head[cls];
        l.head[cls] = n;
        ++l.count[cls];
        return;
      }
    }
    ::operator delete(p);
  }

 private:
  struct Node {
    Node* next;
  };
  // Trivially destructible so that the hot path needs no TLS guard; the memory is handed
  // back when the thread exits by a separate guard object registered on the first miss.
  struct Lists {
    Node* head[kClasses];
    std::uint32_t count[kClasses];
  };

  static constexpr std::size_t class_of(std::size_t size) noexcept { return (size - 1) / kGranule; }
  static void* allocate_slow(std::size_t cls);
  static void release_thread_cache() noexcept;
  friend struct FramePoolThreadGuard;

  static inline thread_local Lists lists_{};
};

}  // namespace ignis::detail
