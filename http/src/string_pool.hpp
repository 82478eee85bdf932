#pragma once
// Per-thread recycling of the strings that hold response headers and bodies: a response
// takes a string that already has capacity and gives it back when it is destroyed, so
// small responses reach steady state without the allocator.

#include <string>

namespace ignis::detail {

// A cleared string, with capacity if one was recycled on this thread.
std::string take_string() noexcept;
// Keeps s's capacity for the next take_string() on this thread (up to a bound).
void recycle_string_slow(std::string& s) noexcept;
// Inline, because most strings it sees are empty (moved-from responses as they pass
// through middleware).
inline void recycle_string(std::string& s) noexcept {
  if (s.capacity() > 15) recycle_string_slow(s);
}

}  // namespace ignis::detail

#include "ignis/http/headers.hpp"

namespace ignis::detail {

// Gives headers with no storage of their own (a framework Content-Type only) a pooled
// string before middleware adds fields, so that adding them allocates nothing.
inline void prepare_headers(ResponseHeaders& h) noexcept {
  std::string& s = h.storage();
  if (s.capacity() > 15) return;
  std::string pooled = take_string();
  if (pooled.capacity() <= 15) return;  // the pool is empty: the append allocates once
  pooled.append(s);                      // at most 15 bytes: fits
  s.swap(pooled);
}

}  // namespace ignis::detail
