// The memory store's windows, at chosen times.

#include <gtest/gtest.h>

#include <ignis/http/rate_limit.hpp>

using namespace ignis;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

TEST(MemoryRateLimit, FixedWindowStartsAtTheFirstHitAndResets) {
  MemoryRateLimitStore store;
  const auto fixed = RateLimitAlgorithm::fixed_window;
  for (int i = 0; i < 3; ++i) {
    auto d = store.hit_at("k", 3, 1000ms, fixed, ms(5000 + 100 * i));
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, 2 - i);
    EXPECT_EQ(d.reset, ms(1000 - 100 * i));
    EXPECT_EQ(d.limit, 3);
  }
  auto denied = store.hit_at("k", 3, 1000ms, fixed, ms(5900));
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.remaining, 0);
  EXPECT_EQ(denied.reset, ms(100));
  EXPECT_TRUE(store.hit_at("other", 3, 1000ms, fixed, ms(5900)).allowed);  // keys are apart
  auto next = store.hit_at("k", 3, 1000ms, fixed, ms(6000));
  EXPECT_TRUE(next.allowed);
  EXPECT_EQ(next.remaining, 2);
  EXPECT_EQ(next.reset, ms(1000));
}

TEST(MemoryRateLimit, SlidingWindowWeighsThePreviousWindow) {
  MemoryRateLimitStore store;
  const auto sliding = RateLimitAlgorithm::sliding_window;
  // Window [10000, 11000): 4 hits, the limit.
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(store.hit_at("k", 4, 1000ms, sliding, ms(10500)).allowed);
  EXPECT_FALSE(store.hit_at("k", 4, 1000ms, sliding, ms(10999)).allowed);
  // 25% into the next window the previous one still counts 75%: 3 of 4 used.
  auto d = store.hit_at("k", 4, 1000ms, sliding, ms(11250));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(d.reset, ms(750));
  EXPECT_FALSE(store.hit_at("k", 4, 1000ms, sliding, ms(11300)).allowed);
  // Two windows later nothing of the first is left.
  auto fresh = store.hit_at("k", 4, 1000ms, sliding, ms(13100));
  EXPECT_TRUE(fresh.allowed);
  EXPECT_EQ(fresh.remaining, 3);
}

TEST(MemoryRateLimit, ZeroLimitDeniesAndBadWindowsThrow) {
  MemoryRateLimitStore store;
  EXPECT_FALSE(store.hit_at("k", 0, 1000ms, RateLimitAlgorithm::fixed_window, ms(1)).allowed);
  EXPECT_THROW(store.hit_at("k", 1, 0ms, RateLimitAlgorithm::fixed_window, ms(1)), std::invalid_argument);
  EXPECT_THROW(rate_limit({.window = 0ms}), std::invalid_argument);
}

TEST(MemoryRateLimit, ExpiredKeysAreSwept) {
  MemoryRateLimitStore store;
  // (std::to_string then +=: g++ 12 warns falsely on "k" + std::to_string(i).)
  for (int i = 0; i < 5000; ++i)
    store.hit_at(std::to_string(i) += 'k', 1, 100ms, RateLimitAlgorithm::fixed_window, ms(1000 + i));
  // Inserting keys long after the first ones expired sweeps them away.
  for (int i = 0; i < 5000; ++i)
    store.hit_at(std::to_string(i) += 'n', 1, 100ms, RateLimitAlgorithm::fixed_window, ms(100000));
  EXPECT_LT(store.size(), 7000u);
}
