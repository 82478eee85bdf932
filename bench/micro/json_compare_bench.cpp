// ignis's JSON mapping beside nlohmann-json doing the same work, in one binary:
//
//   Parse<Size>_<Library>   a body of ~1 KB (one article) or ~1 MB (a feed of articles)
//                           mapped onto the same C++ structs. ignis: json::parse<T> over a
//                           padded buffer (as the connection's buffer is), which also checks
//                           the schema's rules; nlohmann: json::parse + get<T>() (a DOM first).
//   Write<Size>_<Library>   the same structs serialized. ignis: json::write into a string
//                           cleared between iterations (responses recycle theirs);
//                           nlohmann: a json value from the structs, then dump().
//
// The ratio of the two bytes_per_second figures of a pair is the comparison.

#include <benchmark/benchmark.h>

#include <ignis/json/schema.hpp>
#include <ignis/json/writer.hpp>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace model {

struct Author {
  std::int64_t id = 0;
  std::string name;
  std::string email;
};
struct Comment {
  std::int64_t id = 0;
  std::string author;
  std::string body;
  std::int64_t likes = 0;
};
struct Article {
  std::int64_t id = 0;
  std::string title;
  std::string slug;
  std::string content;
  std::vector<std::string> tags;
  Author author;
  bool published = false;
  double score = 0;
  std::vector<Comment> comments;
  std::optional<std::string> summary;
};
struct Feed {
  std::int64_t page = 0;
  std::vector<Article> articles;
};

using ignis::json::field;
constexpr auto json_schema(ignis::json::For<Author>) {
  return ignis::json::object(field<&Author::id>("id").min(1), field<&Author::name>("name").min(1).max(100),
                             field<&Author::email>("email").max(200));
}
constexpr auto json_schema(ignis::json::For<Comment>) {
  return ignis::json::object(field<&Comment::id>("id"), field<&Comment::author>("author"),
                             field<&Comment::body>("body").max(10000), field<&Comment::likes>("likes").min(0));
}
constexpr auto json_schema(ignis::json::For<Article>) {
  return ignis::json::object(field<&Article::id>("id"), field<&Article::title>("title").min(1).max(200),
                             field<&Article::slug>("slug"), field<&Article::content>("content"),
                             field<&Article::tags>("tags").max(20), field<&Article::author>("author"),
                             field<&Article::published>("published"), field<&Article::score>("score"),
                             field<&Article::comments>("comments"), field<&Article::summary>("summary"));
}
constexpr auto json_schema(ignis::json::For<Feed>) {
  return ignis::json::object(field<&Feed::page>("page"), field<&Feed::articles>("articles"));
}

// nlohmann's mapping of the same structs, written the way its documentation shows.
void to_json(nlohmann::json& j, const Author& a) { j = {{"id", a.id}, {"name", a.name}, {"email", a.email}}; }
void from_json(const nlohmann::json& j, Author& a) {
  j.at("id").get_to(a.id);
  j.at("name").get_to(a.name);
  j.at("email").get_to(a.email);
}
void to_json(nlohmann::json& j, const Comment& c) {
  j = {{"id", c.id}, {"author", c.author}, {"body", c.body}, {"likes", c.likes}};
}
void from_json(const nlohmann::json& j, Comment& c) {
  j.at("id").get_to(c.id);
  j.at("author").get_to(c.author);
  j.at("body").get_to(c.body);
  j.at("likes").get_to(c.likes);
}
void to_json(nlohmann::json& j, const Article& a) {
  j = {{"id", a.id},         {"title", a.title},         {"slug", a.slug},     {"content", a.content},
       {"tags", a.tags},     {"author", a.author},       {"published", a.published},
       {"score", a.score},   {"comments", a.comments},   {"summary", a.summary ? nlohmann::json(*a.summary) : nlohmann::json()}};
}
void from_json(const nlohmann::json& j, Article& a) {
  j.at("id").get_to(a.id);
  j.at("title").get_to(a.title);
  j.at("slug").get_to(a.slug);
  j.at("content").get_to(a.content);
  j.at("tags").get_to(a.tags);
  j.at("author").get_to(a.author);
  j.at("published").get_to(a.published);
  j.at("score").get_to(a.score);
  j.at("comments").get_to(a.comments);
  const auto& s = j.at("summary");
  if (s.is_null())
    a.summary.reset();
  else
    a.summary = s.get<std::string>();
}
void to_json(nlohmann::json& j, const Feed& f) { j = {{"page", f.page}, {"articles", f.articles}}; }
void from_json(const nlohmann::json& j, Feed& f) {
  j.at("page").get_to(f.page);
  j.at("articles").get_to(f.articles);
}

}  // namespace model

namespace {

using model::Article;
using model::Feed;

Article make_article(int i) {
  Article a;
  a.id = 1000 + i;
  a.title = "Notes on coroutines, part " + std::to_string(i) + ": \"symmetric transfer\"";
  a.slug = "notes-on-coroutines-part-" + std::to_string(i);
  a.content = "Coroutines let a handler wait for I/O without a thread per request. "
              "Caf\xC3\xA9 au lait \xE2\x98\x95\ttabs and \\ backslashes keep the escaper honest. "
              "A reactor per thread, buffers per connection and frames recycled per thread keep it cheap.";
  a.tags = {"c++", "coroutines", i % 2 ? "http" : "json"};
  a.author = {i % 13 + 1, "Ada Lovelace", "ada@example.com"};
  a.published = i % 3 != 0;
  a.score = 3.25 * i + 0.5;
  for (int k = 0; k < 5; ++k)
    a.comments.push_back({i * 10 + k, "user" + std::to_string(k), "Great post! Line one.\nLine two.", 7 * k});
  if (i % 2) a.summary = "A short summary.";
  return a;
}

Feed make_feed(std::size_t target_bytes) {
  Feed f;
  f.page = 1;
  std::size_t bytes = 0;
  for (int i = 0; bytes < target_bytes; ++i) {
    f.articles.push_back(make_article(i));
    bytes += ignis::json::stringify(f.articles.back()).size() + 1;
  }
  return f;
}

// A JSON text followed by simdjson's padding, as bodies sit in the connection's buffer.
struct Padded {
  std::string storage;
  std::size_t size = 0;
  explicit Padded(std::string text) : storage(std::move(text)), size(storage.size()) { storage.append(64, ' '); }
  std::string_view json() const { return {storage.data(), size}; }
};

const Padded& body_1k() {
  static const Padded p(ignis::json::stringify(make_article(7)));
  return p;
}
const Padded& body_1m() {
  static const Padded p(ignis::json::stringify(make_feed(1 << 20)));
  return p;
}

template <class T>
void parse_ignis(benchmark::State& state, const Padded& body) {
  if (!ignis::json::parse<T>(body.json(), body.storage.size()).ok()) return state.SkipWithError("did not map");
  for (auto _ : state) {
    auto r = ignis::json::parse<T>(body.json(), body.storage.size());
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size));
  state.counters["bytes"] = static_cast<double>(body.size);
}

template <class T>
void parse_nlohmann(benchmark::State& state, const Padded& body) {
  for (auto _ : state) {
    T value = nlohmann::json::parse(body.json()).get<T>();
    benchmark::DoNotOptimize(value);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size));
}

template <class T>
void write_ignis(benchmark::State& state, const T& value) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    ignis::json::Writer w(out);
    ignis::json::write(w, value);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
  state.counters["bytes"] = static_cast<double>(out.size());
}

template <class T>
void write_nlohmann(benchmark::State& state, const T& value) {
  std::size_t size = 0;
  for (auto _ : state) {
    std::string out = nlohmann::json(value).dump();
    size = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

// Both libraries must agree on what the texts mean before their speed is compared.
bool same_results() {
  const Article ours = ignis::json::parse<Article>(body_1k().json()).value;
  const Article theirs = nlohmann::json::parse(body_1k().json()).get<Article>();
  return nlohmann::json(ours) == nlohmann::json(theirs) &&
         nlohmann::json::parse(ignis::json::stringify(ours)) == nlohmann::json(theirs);
}

void BM_Parse1K_Ignis(benchmark::State& s) { parse_ignis<Article>(s, body_1k()); }
void BM_Parse1K_Nlohmann(benchmark::State& s) {
  if (!same_results()) return s.SkipWithError("ignis and nlohmann disagree");
  parse_nlohmann<Article>(s, body_1k());
}
void BM_Parse1M_Ignis(benchmark::State& s) { parse_ignis<Feed>(s, body_1m()); }
void BM_Parse1M_Nlohmann(benchmark::State& s) { parse_nlohmann<Feed>(s, body_1m()); }

void BM_Write1K_Ignis(benchmark::State& s) { write_ignis(s, make_article(7)); }
void BM_Write1K_Nlohmann(benchmark::State& s) { write_nlohmann(s, make_article(7)); }
void BM_Write1M_Ignis(benchmark::State& s) {
  static const Feed feed = make_feed(1 << 20);
  write_ignis(s, feed);
}
void BM_Write1M_Nlohmann(benchmark::State& s) {
  static const Feed feed = make_feed(1 << 20);
  write_nlohmann(s, feed);
}

BENCHMARK(BM_Parse1K_Ignis);
BENCHMARK(BM_Parse1K_Nlohmann);
BENCHMARK(BM_Parse1M_Ignis)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Parse1M_Nlohmann)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Write1K_Ignis);
BENCHMARK(BM_Write1K_Nlohmann);
BENCHMARK(BM_Write1M_Ignis)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Write1M_Nlohmann)->Unit(benchmark::kMillisecond);

}  // namespace
