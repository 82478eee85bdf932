#pragma once
// Posts: their JSON shapes (one schema each, for reading, validating and writing) and
// their store in SQLite. Every Posts method blocks: handlers call it through offload().

#include <ignis/json/schema.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace blog {

struct Post {
  std::int64_t id = 0;
  std::string title, content, slug;
  std::vector<std::string> tags;
  std::string created_at, updated_at;  // ISO-8601, UTC
};

// The body of POST /api/posts and PUT /api/posts/[id].
struct PostInput {
  std::string title, content;
  std::vector<std::string> tags;
};

// The body of PATCH /api/posts/[id]: only what it holds changes.
struct PostPatch {
  std::optional<std::string> title, content;
  std::optional<std::vector<std::string>> tags;
};

constexpr auto json_schema(ignis::json::For<Post>) {
  using ignis::json::field;
  return ignis::json::object(field<&Post::id>("id"), field<&Post::title>("title"), field<&Post::content>("content"),
                             field<&Post::slug>("slug"), field<&Post::tags>("tags"),
                             field<&Post::created_at>("createdAt"), field<&Post::updated_at>("updatedAt"));
}
constexpr auto json_schema(ignis::json::For<PostInput>) {
  using ignis::json::field;
  return ignis::json::object(field<&PostInput::title>("title").min(1).max(200),
                             field<&PostInput::content>("content").min(1), field<&PostInput::tags>("tags").optional());
}
constexpr auto json_schema(ignis::json::For<PostPatch>) {
  using ignis::json::field;
  return ignis::json::object(field<&PostPatch::title>("title").min(1).max(200),
                             field<&PostPatch::content>("content").min(1), field<&PostPatch::tags>("tags"));
}

// The title trimmed, ASCII-lower-cased, each run of white space turned into '-'.
std::string slugify(std::string_view title);

class Posts {
 public:
  // Opens (or creates) the database file. Throws std::runtime_error.
  explicit Posts(const std::string& path);
  ~Posts();
  Posts(const Posts&) = delete;
  Posts& operator=(const Posts&) = delete;

  // Newest first; page counts from 1.
  std::vector<Post> page(int page, int limit) const;
  std::optional<Post> find(std::int64_t id) const;
  Post create(const PostInput& input);
  // Changes the fields the patch holds; nullopt if there is no such post.
  std::optional<Post> update(std::int64_t id, const PostPatch& patch);
  // The deleted post, or nullopt.
  std::optional<Post> remove(std::int64_t id);
  // Posts whose title contains q (any case) and that carry every tag, newest first.
  std::vector<Post> search(std::string_view q, std::span<const std::string_view> tags) const;

 private:
  sqlite3* db_ = nullptr;  // opened serialized: each method is one statement
};

}  // namespace blog
