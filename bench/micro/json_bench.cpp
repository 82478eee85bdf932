// JSON in and out, as the handlers of the bench server use it.
//
// Parse: the 1032-byte body of POST /api/echo (shared/peers/bodies/echo.json) with
// ignis::json::Document, reading "id" and counting "items" as the echo handler does. The
// body sits in a padded buffer filled once, as it sits in the connection's buffer in the
// server (simdjson On-Demand does not write to its input, so it can be parsed again).
// Document::parse takes a parser from its per-thread pool and gives it back each time.
//
// Write: with ignis::json::Writer / json::write into a std::string that is cleared, not
// freed, between iterations: the server's responses take their body strings from a
// per-thread pool of recycled strings, so at steady state neither allocates.

#include <benchmark/benchmark.h>

#include <ignis/json/document.hpp>
#include <ignis/json/writer.hpp>

#include <array>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "../peers_data.hpp"

namespace {

using ignis::bench::kEchoBody;

struct PaddedBody {
  alignas(64) std::array<char, kEchoBody.size() + simdjson::SIMDJSON_PADDING> bytes{};
  PaddedBody() { std::memcpy(bytes.data(), kEchoBody.data(), kEchoBody.size()); }
  std::string_view json() const noexcept { return {bytes.data(), kEchoBody.size()}; }
};

void BM_Json_ParseEcho(benchmark::State& state) {
  static const PaddedBody body;
  {
    auto doc = ignis::json::Document::parse(body.json(), body.bytes.size());
    std::int64_t id = doc["id"];
    auto items = doc["items"];
    std::size_t n = items.count_elements();
    if (id != ignis::bench::kEchoId || n != ignis::bench::kEchoItems) {
      state.SkipWithError("echo.json did not parse as expected");
      return;
    }
  }
  for (auto _ : state) {
    std::string_view input = body.json();
    benchmark::DoNotOptimize(input);
    auto doc = ignis::json::Document::parse(input, body.bytes.size());
    std::int64_t id = doc["id"];
    auto items = doc["items"];
    std::size_t n = items.count_elements();
    benchmark::DoNotOptimize(id);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kEchoBody.size()));
}

// {"message":"Hello, World!"}: the /json scenario's body, written as its handler does.
void BM_Json_WriteSmallObject(benchmark::State& state) {
  std::string out;
  std::string_view message = "Hello, World!";
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(message);
    ignis::json::Writer w(out);
    w.begin_object();
    w.key("message");
    w.string(message);
    w.end_object();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (out != R"({"message":"Hello, World!"})") state.SkipWithError("unexpected output");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}

// A page of 100 records, the shape of a list endpoint's answer.
struct Post {
  std::int64_t id;
  std::string title;
  std::string author;
  double score;
  bool published;
  std::vector<std::string> tags;
};

void to_json(ignis::json::Writer& w, const Post& p) {
  w.begin_object();
  w.key("id");
  w.integer(p.id);
  w.key("title");
  w.string(p.title);
  w.key("author");
  w.string(p.author);
  w.key("score");
  w.number(p.score);
  w.key("published");
  w.boolean(p.published);
  w.key("tags");
  ignis::json::write(w, p.tags);
  w.end_object();
}

std::vector<Post> make_posts() {
  std::vector<Post> posts;
  for (int i = 0; i < 100; ++i) {
    posts.push_back({1000 + i, "Post number " + std::to_string(i) + ": notes on \"coroutines\"",
                     "user" + std::to_string(i % 7), 3.25 * i, i % 3 != 0, {"c++", i % 2 ? "http" : "json"}});
  }
  return posts;
}

void BM_Json_WriteList100(benchmark::State& state) {
  const std::vector<Post> posts = make_posts();
  std::string out;
  for (auto _ : state) {
    out.clear();
    ignis::json::Writer w(out);
    ignis::json::write(w, posts);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (out.size() < 100 * 64 || out.front() != '[' || out.back() != ']') state.SkipWithError("unexpected output");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
  state.counters["bytes_out"] = static_cast<double>(out.size());
}

BENCHMARK(BM_Json_ParseEcho);
BENCHMARK(BM_Json_WriteSmallObject);
BENCHMARK(BM_Json_WriteList100);

}  // namespace
