// Unit tests for ignis::TimerQueue (a min-heap of intrusive timers) and ignis::AbortSignal.
// Time is simulated: every deadline is a fixed time point, nothing sleeps.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "ignis/core/abort.hpp"
#include "ignis/core/timer.hpp"

using ignis::AbortSignal;
using ignis::Clock;
using ignis::Timer;
using ignis::TimerQueue;
using std::chrono::milliseconds;

namespace {

const Clock::time_point T0{};  // the epoch of the steady clock: a fixed, simulated "now"
Clock::time_point at(int ms) { return T0 + milliseconds(ms); }

// A timer that records when it fired into a shared log.
struct Recorder {
  int id;
  std::vector<int>* log;
  Timer timer{&Recorder::fire, this};
  static void fire(void* arg) {
    auto* self = static_cast<Recorder*>(arg);
    self->log->push_back(self->id);
  }
};

TEST(TimerQueue, StartsEmpty) {
  TimerQueue q;
  EXPECT_TRUE(q.empty());
  q.fire_due(at(1000000));  // nothing to do
  EXPECT_TRUE(q.empty());
}

TEST(TimerQueue, ScheduleReportsWhetherEarliest) {
  std::vector<int> log;
  Recorder a{1, &log}, b{2, &log}, c{3, &log};
  TimerQueue q;
  EXPECT_TRUE(q.schedule(a.timer, at(50)));
  EXPECT_FALSE(q.schedule(b.timer, at(80)));
  EXPECT_TRUE(q.schedule(c.timer, at(10)));
  EXPECT_EQ(q.earliest(), at(10));
  EXPECT_TRUE(a.timer.scheduled());
  EXPECT_EQ(a.timer.deadline(), at(50));
}

TEST(TimerQueue, FiresInDeadlineOrderAndOnlyWhenDue) {
  std::vector<int> log;
  Recorder r[5] = {{0, &log}, {1, &log}, {2, &log}, {3, &log}, {4, &log}};
  TimerQueue q;
  const int deadlines[5] = {40, 10, 30, 50, 20};
  for (int i = 0; i < 5; ++i) q.schedule(r[i].timer, at(deadlines[i]));

  q.fire_due(at(9));
  EXPECT_TRUE(log.empty());
  q.fire_due(at(10));  // a deadline equal to now is due
  EXPECT_EQ(log, (std::vector<int>{1}));
  EXPECT_FALSE(r[1].timer.scheduled());
  q.fire_due(at(35));
  EXPECT_EQ(log, (std::vector<int>{1, 4, 2}));
  EXPECT_EQ(q.earliest(), at(40));
  q.fire_due(at(1000));
  EXPECT_EQ(log, (std::vector<int>{1, 4, 2, 0, 3}));
  EXPECT_TRUE(q.empty());
  for (auto& rec : r) EXPECT_FALSE(rec.timer.scheduled());
}

TEST(TimerQueue, CancelRemovesOnlyThatTimer) {
  std::vector<int> log;
  Recorder a{1, &log}, b{2, &log}, c{3, &log};
  TimerQueue q;
  q.schedule(a.timer, at(10));
  q.schedule(b.timer, at(20));
  q.schedule(c.timer, at(30));
  q.cancel(b.timer);
  EXPECT_FALSE(b.timer.scheduled());
  q.cancel(b.timer);  // cancelling twice is harmless
  q.fire_due(at(100));
  EXPECT_EQ(log, (std::vector<int>{1, 3}));
}

TEST(TimerQueue, CancelEarliestAndLast) {
  std::vector<int> log;
  Recorder a{1, &log}, b{2, &log}, c{3, &log};
  TimerQueue q;
  q.schedule(a.timer, at(10));
  q.schedule(b.timer, at(20));
  q.schedule(c.timer, at(30));
  q.cancel(a.timer);
  EXPECT_EQ(q.earliest(), at(20));
  q.cancel(c.timer);
  EXPECT_EQ(q.earliest(), at(20));
  q.cancel(b.timer);
  EXPECT_TRUE(q.empty());
  q.fire_due(at(100));
  EXPECT_TRUE(log.empty());
}

TEST(TimerQueue, CancelUnscheduledTimerIsHarmless) {
  std::vector<int> log;
  Recorder a{1, &log}, b{2, &log};
  TimerQueue q;
  q.schedule(a.timer, at(10));
  q.cancel(b.timer);
  EXPECT_TRUE(a.timer.scheduled());
  q.fire_due(at(10));
  EXPECT_EQ(log, (std::vector<int>{1}));
}

TEST(TimerQueue, RescheduleMovesEarlierOrLater) {
  std::vector<int> log;
  Recorder a{1, &log}, b{2, &log}, c{3, &log};
  TimerQueue q;
  q.schedule(a.timer, at(10));
  q.schedule(b.timer, at(20));
  q.schedule(c.timer, at(30));
  EXPECT_FALSE(q.schedule(a.timer, at(40))) << "moved later: no longer the earliest";
  EXPECT_EQ(q.earliest(), at(20));
  EXPECT_TRUE(q.schedule(c.timer, at(5))) << "moved earlier: now the earliest";
  EXPECT_EQ(q.earliest(), at(5));
  EXPECT_TRUE(q.schedule(c.timer, at(5))) << "rescheduled to the same time";
  q.fire_due(at(100));
  EXPECT_EQ(log, (std::vector<int>{3, 2, 1})) << "each timer fires once, at its last deadline";
}

TEST(TimerQueue, TimerCanBeReusedAfterFiring) {
  std::vector<int> log;
  Recorder a{1, &log};
  TimerQueue q;
  q.schedule(a.timer, at(10));
  q.fire_due(at(10));
  ASSERT_FALSE(a.timer.scheduled());
  EXPECT_TRUE(q.schedule(a.timer, at(20)));
  q.fire_due(at(15));
  EXPECT_EQ(log.size(), 1u);
  q.fire_due(at(20));
  EXPECT_EQ(log.size(), 2u);
}

TEST(TimerQueue, EqualDeadlinesAllFire) {
  std::vector<int> log;
  std::vector<std::unique_ptr<Recorder>> rs;
  TimerQueue q;
  for (int i = 0; i < 10; ++i) {
    rs.push_back(std::unique_ptr<Recorder>(new Recorder{i, &log}));
    q.schedule(rs.back()->timer, at(7));
  }
  q.fire_due(at(7));
  std::sort(log.begin(), log.end());
  EXPECT_EQ(log, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

// Callbacks that touch the queue while it fires.
struct Chain {
  TimerQueue* q;
  std::vector<int>* log;
  int id;
  Timer timer{&Chain::fire, this};
  Chain* cancel_other = nullptr;
  Chain* schedule_other = nullptr;
  Clock::time_point other_when{};
  int reschedule_self_ms = -1;
  static void fire(void* arg) {
    auto* self = static_cast<Chain*>(arg);
    EXPECT_FALSE(self->timer.scheduled()) << "a timer is removed before its callback runs";
    self->log->push_back(self->id);
    if (self->cancel_other) self->q->cancel(self->cancel_other->timer);
    if (self->schedule_other) self->q->schedule(self->schedule_other->timer, self->other_when);
    if (self->reschedule_self_ms >= 0) {
      const int ms = std::exchange(self->reschedule_self_ms, -1);
      self->q->schedule(self->timer, at(ms));
    }
  }
};

TEST(TimerQueue, CallbackMayCancelAnotherDueTimer) {
  TimerQueue q;
  std::vector<int> log;
  Chain a{&q, &log, 1}, b{&q, &log, 2};
  a.cancel_other = &b;
  q.schedule(a.timer, at(10));
  q.schedule(b.timer, at(20));
  q.fire_due(at(30));
  EXPECT_EQ(log, (std::vector<int>{1}));
  EXPECT_TRUE(q.empty());
}

TEST(TimerQueue, CallbackMayScheduleADueTimerWhichFiresInTheSameCall) {
  TimerQueue q;
  std::vector<int> log;
  Chain a{&q, &log, 1}, b{&q, &log, 2};
  a.schedule_other = &b;
  a.other_when = at(15);
  q.schedule(a.timer, at(10));
  q.fire_due(at(20));
  EXPECT_EQ(log, (std::vector<int>{1, 2}));
}

TEST(TimerQueue, CallbackMayRescheduleItselfLater) {
  TimerQueue q;
  std::vector<int> log;
  Chain a{&q, &log, 1};
  a.reschedule_self_ms = 50;
  q.schedule(a.timer, at(10));
  q.fire_due(at(20));
  EXPECT_EQ(log, (std::vector<int>{1}));
  ASSERT_TRUE(a.timer.scheduled());
  EXPECT_EQ(q.earliest(), at(50));
  q.fire_due(at(50));
  EXPECT_EQ(log, (std::vector<int>{1, 1}));
  EXPECT_TRUE(q.empty());
}

TEST(TimerQueue, RandomizedAgainstReferenceModel) {
  // Random schedule / reschedule / cancel / fire operations on 64 timers, checked against
  // a simple map of what should be pending.
  constexpr int kTimers = 64;
  std::vector<int> log;
  std::vector<std::unique_ptr<Recorder>> timers;
  for (int i = 0; i < kTimers; ++i) {
    timers.push_back(std::unique_ptr<Recorder>(new Recorder{i, &log}));
  }
  std::map<int, int> pending;  // timer -> deadline (ms)
  TimerQueue q;
  std::mt19937 rng(2024);
  int now = 0;
  for (int step = 0; step < 20000; ++step) {
    const int op = static_cast<int>(rng() % 10);
    const int i = static_cast<int>(rng() % kTimers);
    if (op < 5) {
      const int when = now + static_cast<int>(rng() % 1000);
      q.schedule(timers[i]->timer, at(when));
      pending[i] = when;
    } else if (op < 7) {
      q.cancel(timers[i]->timer);
      pending.erase(i);
    } else {
      now += static_cast<int>(rng() % 200);
      log.clear();
      q.fire_due(at(now));
      // Exactly the due timers fired, in non-decreasing deadline order.
      std::vector<int> expected;
      for (auto it = pending.begin(); it != pending.end();) {
        if (it->second <= now) {
          expected.push_back(it->first);
          it = pending.erase(it);
        } else {
          ++it;
        }
      }
      std::vector<int> fired = log;
      for (std::size_t k = 1; k < fired.size(); ++k)
        ASSERT_LE(timers[fired[k - 1]]->timer.deadline(), timers[fired[k]]->timer.deadline());
      std::sort(fired.begin(), fired.end());
      ASSERT_EQ(fired, expected) << "step " << step;
    }
    ASSERT_EQ(q.empty(), pending.empty());
    if (!pending.empty()) {
      int min = pending.begin()->second;
      for (auto& [id, when] : pending) min = std::min(min, when);
      ASSERT_EQ(q.earliest(), at(min)) << "step " << step;
    }
    for (int k = 0; k < kTimers; ++k) ASSERT_EQ(timers[k]->timer.scheduled(), pending.count(k) == 1);
  }
}

// ------------------------------------------------------------------ AbortSignal

struct Counter {
  int calls = 0;
  static void hit(void* arg) { ++static_cast<Counter*>(arg)->calls; }
};

TEST(AbortSignal, StartsNotAborted) {
  AbortSignal s;
  EXPECT_FALSE(s.aborted());
}

TEST(AbortSignal, AbortCallsEveryListenerOnce) {
  AbortSignal s;
  Counter c1, c2, c3;
  AbortSignal::Listener l1(&Counter::hit, &c1), l2(&Counter::hit, &c2), l3(&Counter::hit, &c3);
  s.subscribe(l1);
  s.subscribe(l2);
  s.subscribe(l3);
  s.abort();
  EXPECT_TRUE(s.aborted());
  EXPECT_EQ(c1.calls, 1);
  EXPECT_EQ(c2.calls, 1);
  EXPECT_EQ(c3.calls, 1);
  s.abort();  // a second abort does nothing
  EXPECT_EQ(c1.calls + c2.calls + c3.calls, 3);
}

TEST(AbortSignal, SubscribingAfterAbortCallsAtOnce) {
  AbortSignal s;
  s.abort();
  Counter c;
  AbortSignal::Listener l(&Counter::hit, &c);
  s.subscribe(l);
  EXPECT_EQ(c.calls, 1);
}

TEST(AbortSignal, DetachedListenerIsNotCalled) {
  AbortSignal s;
  Counter c1, c2, c3;
  AbortSignal::Listener l1(&Counter::hit, &c1), l2(&Counter::hit, &c2), l3(&Counter::hit, &c3);
  s.subscribe(l1);
  s.subscribe(l2);
  s.subscribe(l3);
  l2.detach();  // the middle of the list
  l2.detach();  // twice is harmless
  s.abort();
  EXPECT_EQ(c1.calls, 1);
  EXPECT_EQ(c2.calls, 0);
  EXPECT_EQ(c3.calls, 1);
}

TEST(AbortSignal, DetachHeadAndTail) {
  AbortSignal s;
  Counter c1, c2, c3;
  AbortSignal::Listener l1(&Counter::hit, &c1), l2(&Counter::hit, &c2), l3(&Counter::hit, &c3);
  s.subscribe(l1);
  s.subscribe(l2);
  s.subscribe(l3);  // the list is l3, l2, l1
  l3.detach();
  l1.detach();
  s.abort();
  EXPECT_EQ(c1.calls, 0);
  EXPECT_EQ(c2.calls, 1);
  EXPECT_EQ(c3.calls, 0);
}

TEST(AbortSignal, ListenerDestructorUnlinks) {
  AbortSignal s;
  Counter c1, c2;
  AbortSignal::Listener l1(&Counter::hit, &c1);
  s.subscribe(l1);
  {
    AbortSignal::Listener gone(&Counter::hit, &c2);
    s.subscribe(gone);
  }
  s.abort();  // ASan would flag a call through the destroyed listener
  EXPECT_EQ(c1.calls, 1);
  EXPECT_EQ(c2.calls, 0);
}

TEST(AbortSignal, SignalDestructorUnlinksListeners) {
  Counter c;
  AbortSignal::Listener l(&Counter::hit, &c);
  {
    AbortSignal s;
    s.subscribe(l);
  }
  l.detach();  // must not touch the destroyed signal
  EXPECT_EQ(c.calls, 0);
}

TEST(AbortSignal, SubscribingTwiceKeepsOneRegistration) {
  AbortSignal s;
  Counter c;
  AbortSignal::Listener l(&Counter::hit, &c);
  s.subscribe(l);
  s.subscribe(l);
  s.abort();
  EXPECT_EQ(c.calls, 1);
}

TEST(AbortSignal, MovingAListenerToAnotherSignal) {
  AbortSignal a, b;
  Counter c;
  AbortSignal::Listener l(&Counter::hit, &c);
  a.subscribe(l);
  b.subscribe(l);  // leaves a
  a.abort();
  EXPECT_EQ(c.calls, 0);
  b.abort();
  EXPECT_EQ(c.calls, 1);
}

TEST(AbortSignal, ResetMakesItReusableAndDropsListeners) {
  AbortSignal s;
  Counter c1, c2;
  AbortSignal::Listener l1(&Counter::hit, &c1);
  s.subscribe(l1);
  s.reset();
  EXPECT_FALSE(s.aborted());
  s.abort();
  EXPECT_EQ(c1.calls, 0) << "reset drops the listeners of the previous request";
  s.reset();
  EXPECT_FALSE(s.aborted());
  AbortSignal::Listener l2(&Counter::hit, &c2);
  s.subscribe(l2);
  EXPECT_EQ(c2.calls, 0);
  s.abort();
  EXPECT_EQ(c2.calls, 1);
}

struct SelfDetaching {
  AbortSignal::Listener* other = nullptr;
  int calls = 0;
  static void hit(void* arg) {
    auto* self = static_cast<SelfDetaching*>(arg);
    ++self->calls;
    if (self->other) self->other->detach();
  }
};

TEST(AbortSignal, CallbackMayDetachAnotherListener) {
  AbortSignal s;
  SelfDetaching first;
  Counter c;
  AbortSignal::Listener victim(&Counter::hit, &c);
  AbortSignal::Listener l(&SelfDetaching::hit, &first);
  first.other = &victim;
  s.subscribe(victim);
  s.subscribe(l);  // l is called first (head of the list)
  s.abort();
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(c.calls, 0) << "a listener detached by an earlier callback is not called";
}

}  // namespace
