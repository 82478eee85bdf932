// Unit tests for ignis::ByteBuffer and ignis::BufferPool.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ignis/core/buffer.hpp"

using ignis::BufferPool;
using ignis::ByteBuffer;

namespace {

TEST(ByteBuffer, StartsUnallocated) {
  ByteBuffer b;
  EXPECT_FALSE(b.allocated());
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.capacity(), 0u);
  EXPECT_EQ(b.view(), "");
}

TEST(ByteBuffer, AppendAndView) {
  ByteBuffer b;
  b.append("hello");
  b.append(", ");
  b.append("world");
  EXPECT_TRUE(b.allocated());
  EXPECT_EQ(b.view(), "hello, world");
  EXPECT_EQ(b.size(), 12u);
  EXPECT_GE(b.capacity(), BufferPool::kMinBlock) << "the smallest block is kMinBlock";
}

// Regression (was a bug): ByteBuffer::append (core/include/ignis/core/buffer.hpp, the std::memcpy in append)
// calls memcpy(nullptr, p, 0) when nothing is allocated and the string is empty: undefined
// behaviour, which UBSan reports ("null pointer passed as argument 1") and, with
// -fno-sanitize-recover, aborts on. Expected: appending nothing is a no-op
// (`if (s.empty()) return;` first). Passes in a plain build, aborts the sanitizer build.
TEST(ByteBuffer, AppendEmptyStringToUnallocatedBuffer) {
  ByteBuffer b;
  b.append("");
  EXPECT_TRUE(b.empty());
}

TEST(ByteBuffer, PrepareCommit) {
  ByteBuffer b;
  std::span<char> space = b.prepare(10);
  ASSERT_GE(space.size(), 10u);
  std::memcpy(space.data(), "0123456789", 10);
  b.commit(4);
  EXPECT_EQ(b.view(), "0123");
  space = b.prepare(1);
  EXPECT_EQ(space.data(), b.data() + 4) << "free space starts after the content";
  EXPECT_EQ(space.size(), b.capacity() - 4);
}

TEST(ByteBuffer, GrowthKeepsContentAndUsesPowersOfTwo) {
  ByteBuffer b;
  std::string expected;
  for (int i = 0; i < 3000; ++i) {
    const std::string piece = std::to_string(i) + ";";
    b.append(piece);
    expected += piece;
    const std::size_t cap = b.capacity();
    ASSERT_EQ(cap & (cap - 1), 0u) << "capacity " << cap << " is not a power of two";
    ASSERT_GE(cap, b.size());
  }
  EXPECT_EQ(b.view(), expected);
}

TEST(ByteBuffer, PrepareGrowsToFitRequest) {
  ByteBuffer b;
  b.append("abc");
  auto space = b.prepare(10000);
  EXPECT_GE(space.size(), 10000u);
  EXPECT_EQ(b.capacity(), 16384u);
  EXPECT_EQ(b.view(), "abc");
}

TEST(ByteBuffer, ExactBlockSizeDoesNotGrow) {
  ByteBuffer b;
  b.resize(BufferPool::kMinBlock);
  EXPECT_EQ(b.capacity(), BufferPool::kMinBlock);
  b.resize(BufferPool::kMinBlock + 1);
  EXPECT_EQ(b.capacity(), 2 * BufferPool::kMinBlock);
}

TEST(ByteBuffer, PaddingPastCapacityIsReadableAndWritable) {
  // simdjson reads up to kPadding bytes past the end of a body: they must belong to the block.
  for (std::size_t size : {std::size_t{1}, BufferPool::kMinBlock, std::size_t{100000},
                           BufferPool::kMaxPooledBlock + 1}) {
    ByteBuffer b;
    b.resize(size);
    char* end = b.data() + b.capacity();
    std::memset(end, 'p', ByteBuffer::kPadding);  // ASan flags this if the padding is missing
    EXPECT_EQ(end[ByteBuffer::kPadding - 1], 'p');
  }
}

TEST(ByteBuffer, ResizeShrinksAndGrows) {
  ByteBuffer b;
  b.append("abcdef");
  b.resize(3);
  EXPECT_EQ(b.view(), "abc");
  const std::size_t cap = b.capacity();
  b.resize(cap);
  EXPECT_EQ(b.capacity(), cap) << "resizing within capacity does not reallocate";
  EXPECT_EQ(b.view().substr(0, 3), "abc");
  b.resize(cap + 1);
  EXPECT_GT(b.capacity(), cap);
  EXPECT_EQ(b.view().substr(0, 3), "abc") << "growth keeps content";
}

TEST(ByteBuffer, ConsumeDropsPrefix) {
  ByteBuffer b;
  b.append("0123456789");
  b.consume(3);
  EXPECT_EQ(b.view(), "3456789");
  b.consume(0);
  EXPECT_EQ(b.view(), "3456789");
  b.consume(7);
  EXPECT_TRUE(b.empty());
  b.append("xyz");
  b.consume(100);
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.allocated()) << "consume keeps the block";
}

TEST(ByteBuffer, ConsumeOnUnallocatedBuffer) {
  ByteBuffer b;
  b.consume(0);
  b.consume(5);
  EXPECT_TRUE(b.empty());
  EXPECT_FALSE(b.allocated());
}

TEST(ByteBuffer, ClearKeepsBlockReleaseDropsIt) {
  ByteBuffer b;
  b.append("data");
  const std::size_t cap = b.capacity();
  b.clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.capacity(), cap);
  b.release();
  EXPECT_FALSE(b.allocated());
  EXPECT_EQ(b.capacity(), 0u);
  EXPECT_EQ(b.size(), 0u);
  b.release();  // twice is harmless
  b.append("again");
  EXPECT_EQ(b.view(), "again");
}

TEST(ByteBuffer, MoveConstructAndAssign) {
  ByteBuffer a;
  a.append("payload");
  const char* data = a.data();
  ByteBuffer b(std::move(a));
  EXPECT_FALSE(a.allocated());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(a.size(), 0u);      // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.data(), data) << "moving takes the block, it does not copy";
  EXPECT_EQ(b.view(), "payload");

  ByteBuffer c;
  c.append("old");
  c = std::move(b);
  EXPECT_EQ(c.view(), "payload");
  EXPECT_FALSE(b.allocated());  // NOLINT(bugprone-use-after-move)

  ByteBuffer& alias = c;
  c = std::move(alias);  // self-move keeps the content
  EXPECT_EQ(c.view(), "payload");
}

TEST(ByteBuffer, BinaryContent) {
  ByteBuffer b;
  std::string bin;
  for (int i = 0; i < 256; ++i) bin.push_back(static_cast<char>(i));
  b.append(bin);
  b.append(bin);
  EXPECT_EQ(b.view(), bin + bin);
}

TEST(ByteBuffer, RandomOperationsMatchAString) {
  std::mt19937 rng(99);
  ByteBuffer b;
  std::string model;
  for (int step = 0; step < 5000; ++step) {
    switch (rng() % 6) {
      case 0:
      case 1: {
        std::string s(rng() % 3000, static_cast<char>('a' + rng() % 26));
        b.append(s);
        model += s;
        break;
      }
      case 2: {
        const std::size_t n = rng() % (model.size() + 10);
        b.consume(n);
        model.erase(0, std::min(n, model.size()));
        break;
      }
      case 3: {
        const std::size_t n = rng() % 500;
        auto space = b.prepare(n);
        ASSERT_GE(space.size(), n);
        const std::size_t k = n ? rng() % (n + 1) : 0;
        for (std::size_t i = 0; i < k; ++i) space[i] = static_cast<char>('0' + i % 10);
        b.commit(k);
        for (std::size_t i = 0; i < k; ++i) model.push_back(static_cast<char>('0' + i % 10));
        break;
      }
      case 4: {
        const std::size_t n = rng() % (model.size() + 1);
        b.resize(n);
        model.resize(n);
        break;
      }
      case 5:
        if (rng() % 10 == 0) {
          b.release();
          model.clear();
        } else if (model.size() > 200000) {
          b.clear();
          model.clear();
        }
        break;
    }
    ASSERT_EQ(b.size(), model.size());
    ASSERT_EQ(b.view(), model) << "step " << step;
    ASSERT_LE(b.size(), b.capacity());
  }
}

// ------------------------------------------------------------------ BufferPool

TEST(BufferPool, AcquireRoundsUpToPowersOfTwo) {
  std::size_t cap = 0;
  char* a = BufferPool::acquire(1, &cap);
  EXPECT_EQ(cap, BufferPool::kMinBlock);
  BufferPool::release(a, cap);
  a = BufferPool::acquire(0, &cap);
  EXPECT_EQ(cap, BufferPool::kMinBlock);
  BufferPool::release(a, cap);
  a = BufferPool::acquire(4097, &cap);
  EXPECT_EQ(cap, 8192u);
  BufferPool::release(a, cap);
  a = BufferPool::acquire(65536, &cap);
  EXPECT_EQ(cap, 65536u);
  BufferPool::release(a, cap);
  a = BufferPool::acquire(BufferPool::kMaxPooledBlock + 1, &cap);
  EXPECT_EQ(cap, 2 * BufferPool::kMaxPooledBlock);
  BufferPool::release(a, cap);
}

TEST(BufferPool, ReleasedBlockIsReusedBySameClass) {
  std::size_t cap1 = 0, cap2 = 0;
  char* a = BufferPool::acquire(5000, &cap1);
  BufferPool::release(a, cap1);
  char* b = BufferPool::acquire(6000, &cap2);  // same 8 KiB class
  EXPECT_EQ(cap2, cap1);
  EXPECT_EQ(a, b) << "the last released block of a class is handed out next";
  BufferPool::release(b, cap2);
}

TEST(BufferPool, DifferentClassesDoNotShareBlocks) {
  std::size_t small_cap = 0, big_cap = 0;
  char* small = BufferPool::acquire(100, &small_cap);
  BufferPool::release(small, small_cap);
  char* big = BufferPool::acquire(20000, &big_cap);
  EXPECT_NE(small, big);
  std::memset(big, 0, big_cap + BufferPool::kPadding);
  BufferPool::release(big, big_cap);
}

TEST(BufferPool, ManyBlocksLiveAtOnceAreDistinct) {
  std::vector<std::pair<char*, std::size_t>> blocks;
  for (int i = 0; i < 50; ++i) {
    std::size_t cap = 0;
    char* p = BufferPool::acquire(4096, &cap);
    std::memset(p, i, cap + BufferPool::kPadding);
    blocks.emplace_back(p, cap);
  }
  for (int i = 0; i < 50; ++i)
    for (std::size_t k = 0; k < blocks[i].second; k += 512) ASSERT_EQ(blocks[i].first[k], static_cast<char>(i));
  for (auto [p, cap] : blocks) BufferPool::release(p, cap);
  // Releasing more than the pool caches must not leak or crash (LSan checks the rest).
}

TEST(BufferPool, PerThreadPoolsWorkIndependently) {
  // Each thread has its own cache; a thread's blocks are freed when it exits.
  auto work = [] {
    ByteBuffer b;
    for (int i = 0; i < 1000; ++i) {
      b.append("0123456789");
      if (i % 100 == 0) b.release();
    }
    ByteBuffer big;
    big.resize(300000);
  };
  std::thread t1(work), t2(work);
  t1.join();
  t2.join();
  work();
  SUCCEED();
}

}  // namespace
