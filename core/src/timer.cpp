#include "ignis/core/timer.hpp"

namespace ignis {

bool TimerQueue::schedule(Timer& t, Clock::time_point when) {
  if (t.scheduled()) {
    Clock::time_point old = t.deadline_;
    t.deadline_ = when;
    if (when < old)
      sift_up(t.index_);
    else
      sift_down(t.index_);
  } else {
    t.deadline_ = when;
    heap_.push_back(&t);
    t.index_ = static_cast<std::uint32_t>(heap_.size() - 1);
    sift_up(t.index_);
  }
  return heap_.front() == &t;
}

void TimerQueue::cancel(Timer& t) noexcept {
  if (!t.scheduled()) return;
  std::uint32_t i = t.index_;
  Timer* last = heap_.back();
  heap_.pop_back();
  t.index_ = Timer::kNone;
  if (last == &t) return;
  place(last, i);
  if (i > 0 && last->deadline_ < heap_[(i - 1) / 2]->deadline_)
    sift_up(i);
  else
    sift_down(i);
}

void TimerQueue::fire_due(Clock::time_point now) {
  while (!heap_.empty() && heap_.front()->deadline_ <= now) {
    Timer* t = heap_.front();
    cancel(*t);
    t->fn_(t->arg_);
  }
}

void TimerQueue::sift_up(std::uint32_t i) noexcept {
  Timer* t = heap_[i];
  while (i > 0) {
    std::uint32_t parent = (i - 1) / 2;
    if (!(t->deadline_ < heap_[parent]->deadline_)) break;
    place(heap_[parent], i);
    i = parent;
  }
  place(t, i);
}

void TimerQueue::sift_down(std::uint32_t i) noexcept {
  Timer* t = heap_[i];
  const std::uint32_t n = static_cast<std::uint32_t>(heap_.size());
  for (;;) {
    std::uint32_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && heap_[child + 1]->deadline_ < heap_[child]->deadline_) ++child;
    if (!(heap_[child]->deadline_ < t->deadline_)) break;
    place(heap_[child], i);
    i = child;
  }
  place(t, i);
}

}  // namespace ignis
