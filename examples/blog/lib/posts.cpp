#include "posts.hpp"

#include <sqlite3.h>

#include <ignis/json/writer.hpp>

#include <cctype>
#include <stdexcept>

#include "blog.hpp"

namespace blog {
namespace {

constexpr std::string_view kColumns = "id, title, content, slug, tags, created_at, updated_at";

// One prepared statement; parameters are bound in order, nullopt as NULL.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) fail();
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(std::int64_t v) {
    sqlite3_bind_int64(stmt_, ++index_, v);
    return *this;
  }
  Statement& bind(std::string_view v) {
    sqlite3_bind_text(stmt_, ++index_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  template <class T>
  Statement& bind(const std::optional<T>& v) {
    if (v) return bind(*v);
    sqlite3_bind_null(stmt_, ++index_);
    return *this;
  }
  // True while there is a row to read.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail();
    return rc == SQLITE_ROW;
  }
  Post post() const {
    auto text = [this](int i) {
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
      return std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
    };
    return Post{sqlite3_column_int64(stmt_, 0), text(1), text(2), text(3),
                ignis::json::parse<std::vector<std::string>>(text(4)).value, text(5), text(6)};
  }
  std::vector<Post> posts() {
    std::vector<Post> out;
    while (step()) out.push_back(post());
    return out;
  }
  std::optional<Post> first() { return step() ? std::optional(post()) : std::nullopt; }

 private:
  [[noreturn]] void fail() const { throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_)); }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int index_ = 0;
};

std::string tags_json(const std::vector<std::string>& tags) { return ignis::json::stringify(tags); }

}  // namespace

std::string slugify(std::string_view title) {
  std::string slug;
  bool space = false;
  for (unsigned char c : title) {
    if (std::isspace(c)) {
      space = !slug.empty();
      continue;
    }
    if (space) slug += '-';
    space = false;
    slug += static_cast<char>(std::tolower(c));
  }
  return slug;
}

Posts::Posts(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, 5000);
  for (const char* sql : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                          "CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, "
                          "content TEXT NOT NULL, slug TEXT NOT NULL, tags TEXT NOT NULL, created_at TEXT NOT NULL, "
                          "updated_at TEXT NOT NULL)"})
    Statement(db_, sql).step();
}

Posts::~Posts() { sqlite3_close(db_); }

std::vector<Post> Posts::page(int page, int limit) const {
  Statement s(db_, "SELECT " + std::string(kColumns) + " FROM posts ORDER BY id DESC LIMIT ? OFFSET ?");
  return s.bind(limit).bind(std::int64_t(page - 1) * limit).posts();
}

std::optional<Post> Posts::find(std::int64_t id) const {
  return Statement(db_, "SELECT " + std::string(kColumns) + " FROM posts WHERE id = ?").bind(id).first();
}

Post Posts::create(const PostInput& in) {
  const std::string now = iso_now();
  Statement s(db_, "INSERT INTO posts (title, content, slug, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                   "RETURNING " + std::string(kColumns));
  return *s.bind(in.title).bind(in.content).bind(slugify(in.title)).bind(tags_json(in.tags)).bind(now).bind(now).first();
}

std::optional<Post> Posts::update(std::int64_t id, const PostPatch& patch) {
  // One statement, so that concurrent patches of different fields never lose each other.
  Statement s(db_, "UPDATE posts SET title = coalesce(?, title), content = coalesce(?, content), "
                   "slug = coalesce(?, slug), tags = coalesce(?, tags), updated_at = ? WHERE id = ? RETURNING " +
                       std::string(kColumns));
  s.bind(patch.title).bind(patch.content);
  s.bind(patch.title ? std::optional(slugify(*patch.title)) : std::nullopt);
  s.bind(patch.tags ? std::optional(tags_json(*patch.tags)) : std::nullopt);
  return s.bind(iso_now()).bind(id).first();
}

std::optional<Post> Posts::remove(std::int64_t id) {
  return Statement(db_, "DELETE FROM posts WHERE id = ? RETURNING " + std::string(kColumns)).bind(id).first();
}

std::vector<Post> Posts::search(std::string_view q, std::span<const std::string_view> tags) const {
  // Every wanted tag must be among the post's (both JSON arrays, unpacked by json_each).
  Statement s(db_, "SELECT " + std::string(kColumns) +
                       " FROM posts WHERE instr(lower(title), lower(?)) > 0 AND NOT EXISTS (SELECT 1 FROM "
                       "json_each(?) AS wanted WHERE wanted.value NOT IN (SELECT value FROM json_each(posts.tags))) "
                       "ORDER BY id DESC");
  return s.bind(q).bind(ignis::json::stringify(tags)).posts();
}

}  // namespace blog
