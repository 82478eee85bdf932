#pragma once
// Timers: a min-heap of intrusive timer nodes owned by each reactor.
//
// A Timer lives inside whoever waits (an awaiter, a connection); scheduling it costs a heap
// insertion and no allocation. Long deadlines that move often (a connection's idle
// timeout) are better kept lazily: schedule once, and when the timer fires, compare with
// the real deadline and schedule again if it moved.

#include <chrono>
#include <cstdint>
#include <vector>

namespace ignis {

using Clock = std::chrono::steady_clock;

class Timer {
 public:
  using Callback = void (*)(void* arg);
  Timer(Callback fn, void* arg) noexcept : fn_(fn), arg_(arg) {}
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  bool scheduled() const noexcept { return index_ != kNone; }
  Clock::time_point deadline() const noexcept { return deadline_; }

 private:
  friend class TimerQueue;
  static constexpr std::uint32_t kNone = ~0u;
  Clock::time_point deadline_{};
  Callback fn_;
  void* arg_;
  std::uint32_t index_ = kNone;
};

class TimerQueue {
 public:
  // Schedules (or moves) t to fire at `when`. Returns true if it is now the earliest timer.
  bool schedule(Timer& t, Clock::time_point when);
  void cancel(Timer& t) noexcept;
  bool empty() const noexcept { return heap_.empty(); }
  Clock::time_point earliest() const noexcept { return heap_.front()->deadline_; }
  // Fires every timer whose deadline is not after `now` (each one removed before its callback).
  void fire_due(Clock::time_point now);

 private:
  void sift_up(std::uint32_t i) noexcept;
  void sift_down(std::uint32_t i) noexcept;
  void place(Timer* t, std::uint32_t i) noexcept {
    heap_[i] = t;
    t->index_ = i;
  }
  std::vector<Timer*> heap_;
};

}  // namespace ignis
