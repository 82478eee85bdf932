// Broadcast<T>: fan-out across reactor threads, ordering, the overflow policies, replay,
// timeouts, aborts and close.

#include <gtest/gtest.h>

#include <ignis/core/channel.hpp>
#include <ignis/core/io.hpp>
#include <ignis/core/task.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "support/test_server.hpp"

using namespace ignis;
using namespace std::chrono_literals;

namespace {

// A reactor on its own thread, for as long as the object lives.
class ReactorThread {
 public:
  ReactorThread() : reactor_(make_reactor({.backend = ignis::testing::test_backend()})) {
    thread_ = std::thread([this] { reactor_->run(); });
  }
  ~ReactorThread() {
    reactor_->stop();
    thread_.join();
  }
  void run(std::function<void()> fn) { reactor_->post(std::move(fn)); }

 private:
  std::unique_ptr<Reactor> reactor_;
  std::thread thread_;
};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

// What one subscriber saw.
struct Seen {
  std::mutex mutex;
  std::vector<int> values;
  std::vector<std::uint64_t> ids;
  bool lagged = false;
  bool timed_out = false;
  std::uint64_t dropped = 0;
  std::atomic<bool> subscribed{false};
  std::atomic<bool> done{false};
};

// Takes events until `count` arrived or the subscription ends; waits `delay` first (a slow
// subscriber), and gives up on a silence of `idle`.
Task<void> consume(Broadcast<int>& b, Seen& seen, std::size_t count, std::optional<std::uint64_t> after = {},
                   Clock::duration delay = {}, Clock::duration idle = 3s) {
  auto sub = b.subscribe(after);
  seen.subscribed = true;
  if (delay > Clock::duration::zero()) co_await sleep_for(delay);
  for (;;) {
    {
      std::lock_guard lock(seen.mutex);
      if (seen.values.size() >= count) break;
    }
    auto e = co_await sub.next(idle);
    if (!e) {
      seen.timed_out = e.timed_out();
      break;
    }
    std::lock_guard lock(seen.mutex);
    seen.values.push_back(e->value);
    seen.ids.push_back(e->id);
  }
  seen.lagged = sub.lagged();
  seen.dropped = sub.dropped();
  seen.done = true;
}

std::vector<int> range(int from, int to) {
  std::vector<int> v;
  for (int i = from; i <= to; ++i) v.push_back(i);
  return v;
}

TEST(Broadcast, FansOutAcrossThreadsInOrder) {
  Broadcast<int> b;
  ReactorThread t1, t2;
  std::vector<std::unique_ptr<Seen>> seen;
  for (int i = 0; i < 6; ++i) {
    seen.push_back(std::make_unique<Seen>());
    Seen& s = *seen.back();
    (i % 2 ? t1 : t2).run([&b, &s] { spawn(consume(b, s, 200)); });
  }
  ASSERT_TRUE(eventually([&] {
    for (auto& s : seen)
      if (!s->subscribed) return false;
    return true;
  }));
  // From two publishing threads at once: ids still arrive in order everywhere.
  std::thread other([&] {
    for (int i = 0; i < 100; ++i) b.publish(1000 + i);
  });
  for (int i = 0; i < 100; ++i) b.publish(i);
  other.join();
  for (auto& s : seen) {
    ASSERT_TRUE(eventually([&] { return s->done.load(); }));
    std::lock_guard lock(s->mutex);
    ASSERT_EQ(s->values.size(), 200u);
    for (std::size_t i = 1; i < s->ids.size(); ++i) EXPECT_EQ(s->ids[i], s->ids[i - 1] + 1);
    std::vector<int> mine, theirs;
    for (int v : s->values) (v >= 1000 ? theirs : mine).push_back(v);
    EXPECT_EQ(mine, range(0, 99));
    EXPECT_EQ(theirs, range(1000, 1099));
  }
}

TEST(Broadcast, SlowSubscriberIsClosedWithoutHoldingUpOthers) {
  Broadcast<int> b({.queue = 4, .overflow = Overflow::close});
  ReactorThread t;
  Seen fast, slow;
  t.run([&] {
    spawn(consume(b, fast, 10));
    spawn(consume(b, slow, 10, std::nullopt, 300ms));
  });
  ASSERT_TRUE(eventually([&] { return fast.subscribed && slow.subscribed; }));
  for (int i = 1; i <= 10; ++i) b.publish(i);
  ASSERT_TRUE(eventually([&] { return fast.done.load(); }));
  EXPECT_EQ(fast.values, range(1, 10));
  EXPECT_FALSE(slow.done) << "the slow one is still asleep: it held nobody up";
  ASSERT_TRUE(eventually([&] { return slow.done.load(); }));
  EXPECT_TRUE(slow.lagged);
  EXPECT_FALSE(slow.timed_out);
  EXPECT_TRUE(slow.values.empty()) << "a lagged subscription ends; the client replays from the history";
}

TEST(Broadcast, DropOldestKeepsTheNewest) {
  Broadcast<int> b({.queue = 4, .overflow = Overflow::drop_oldest});
  ReactorThread t;
  Seen slow;
  t.run([&] { spawn(consume(b, slow, 100, std::nullopt, 300ms, 200ms)); });
  ASSERT_TRUE(eventually([&] { return slow.subscribed.load(); }));
  for (int i = 1; i <= 10; ++i) b.publish(i);
  ASSERT_TRUE(eventually([&] { return slow.done.load(); }));
  EXPECT_EQ(slow.values, range(7, 10));
  EXPECT_EQ(slow.dropped, 6u);
  EXPECT_FALSE(slow.lagged);
  EXPECT_TRUE(slow.timed_out);
}

TEST(Broadcast, ReplaysHeldEventsAfterAnId) {
  Broadcast<int> b({.history = 5});
  for (int i = 1; i <= 10; ++i) b.publish(i);
  ReactorThread t;
  Seen resumed, early, fresh;
  t.run([&] {
    spawn(consume(b, resumed, 4, 7));   // ids 8, 9, 10, then 11 live
    spawn(consume(b, early, 6, 2));     // only the last five are held: 6..10, then 11
    spawn(consume(b, fresh, 1));        // no replay: 11 only
  });
  ASSERT_TRUE(eventually([&] { return resumed.subscribed && early.subscribed && fresh.subscribed; }));
  EXPECT_EQ(b.publish(11), 11u);
  ASSERT_TRUE(eventually([&] { return resumed.done && early.done && fresh.done; }));
  EXPECT_EQ(resumed.values, range(8, 11));
  EXPECT_EQ(early.values, range(6, 11));
  EXPECT_EQ(fresh.values, range(11, 11));
}

TEST(Broadcast, TimeoutAbortAndClose) {
  Broadcast<int> b;
  ReactorThread t;
  std::atomic<int> step{0};
  std::atomic<bool> timed_out{false}, aborted_not_timeout{false}, late_ended{false};
  AbortSignal signal;
  t.run([&] {
    spawn([](Broadcast<int>& b, AbortSignal& signal, std::atomic<bool>& timed_out, std::atomic<bool>& aborted,
             std::atomic<int>& step) -> Task<void> {
      auto sub = b.subscribe();
      auto first = co_await sub.next(30ms);
      timed_out = !first && first.timed_out();
      step = 1;
      auto second = co_await sub.next(10s, &signal);
      aborted = !second && !second.timed_out();
      step = 2;
    }(b, signal, timed_out, aborted_not_timeout, step));
  });
  ASSERT_TRUE(eventually([&] { return step == 1; }));
  EXPECT_TRUE(timed_out);
  t.run([&] { signal.abort(); });
  ASSERT_TRUE(eventually([&] { return step == 2; }));
  EXPECT_TRUE(aborted_not_timeout);

  Seen waiting;
  t.run([&] { spawn(consume(b, waiting, 10, std::nullopt, {}, 10s)); });
  ASSERT_TRUE(eventually([&] { return waiting.subscribed.load(); }));
  b.publish(1);
  b.close();
  ASSERT_TRUE(eventually([&] { return waiting.done.load(); }));
  EXPECT_EQ(waiting.values, range(1, 1)) << "what was queued is still taken";
  EXPECT_FALSE(waiting.timed_out);
  EXPECT_EQ(b.publish(2), 0u);
  t.run([&] {
    spawn([](Broadcast<int>& b, std::atomic<bool>& ended) -> Task<void> {
      auto sub = b.subscribe();
      auto e = co_await sub.next(10s);
      ended = !e && !e.timed_out();
    }(b, late_ended));
  });
  EXPECT_TRUE(eventually([&] { return late_ended.load(); }));
}

TEST(Broadcast, SubscribersLeavingDuringAFanOut) {
  Broadcast<int> b;
  ReactorThread t;
  std::vector<std::unique_ptr<Seen>> seen;
  for (int i = 0; i < 50; ++i) {
    seen.push_back(std::make_unique<Seen>());
    Seen& s = *seen.back();
    const std::size_t quota = static_cast<std::size_t>(i % 5);  // some leave inside the fan-out of event quota
    t.run([&b, &s, quota] { spawn(consume(b, s, quota == 0 ? 5 : quota)); });
  }
  ASSERT_TRUE(eventually([&] {
    for (auto& s : seen)
      if (!s->subscribed) return false;
    return true;
  }));
  for (int i = 1; i <= 5; ++i) b.publish(i);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    ASSERT_TRUE(eventually([&] { return seen[i]->done.load(); }));
    const int quota = static_cast<int>(i % 5) == 0 ? 5 : static_cast<int>(i % 5);
    EXPECT_EQ(seen[i]->values, range(1, quota));
  }
}

}  // namespace
