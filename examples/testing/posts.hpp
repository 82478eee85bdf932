#pragma once
// A small posts API, built by a function so that main() and the tests build the same app.
//
//   GET    /api/posts/[id:int]   the post, or 404 {"error":"Post not found"}
//   POST   /api/posts            {"title","content"} -> 201 with Location; bad shape -> 400
//   POST   /api/login            {"user"} -> a session cookie
//   DELETE /api/posts/[id:int]   with the session cookie -> 204; without -> 401

#include <ignis/http/app.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>

struct Post {
  long id = 0;
  std::string title;
  std::string content;
};

// The app's storage; handlers run on several threads, hence the lock.
class PostStore {
 public:
  Post add(std::string title, std::string content);
  std::optional<Post> find(long id) const;
  bool remove(long id);

 private:
  mutable std::mutex mutex_;
  std::map<long, Post> posts_;
  long next_id_ = 1;
};

ignis::App make_posts_app(PostStore& store);
