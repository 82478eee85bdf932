#include "posts.hpp"

#include <ignis/http/error.hpp>
#include <ignis/http/middleware.hpp>

using namespace ignis;

constexpr auto json_schema(json::For<Post>) {
  return json::object(json::field<&Post::id>("id"), json::field<&Post::title>("title"),
                      json::field<&Post::content>("content"));
}

namespace {

struct NewPost {
  std::string title;
  std::string content;
};
constexpr auto json_schema(json::For<NewPost>) {
  return json::object(json::field<&NewPost::title>("title").min(1).max(200),
                      json::field<&NewPost::content>("content").min(1));
}

struct Login {
  std::string user;
};
constexpr auto json_schema(json::For<Login>) { return json::object(json::field<&Login::user>("user").min(1)); }

}  // namespace

Post PostStore::add(std::string title, std::string content) {
  std::lock_guard lock(mutex_);
  Post post{next_id_++, std::move(title), std::move(content)};
  posts_[post.id] = post;
  return post;
}

std::optional<Post> PostStore::find(long id) const {
  std::lock_guard lock(mutex_);
  auto it = posts_.find(id);
  if (it == posts_.end()) return std::nullopt;
  return it->second;
}

bool PostStore::remove(long id) {
  std::lock_guard lock(mutex_);
  return posts_.erase(id) > 0;
}

App make_posts_app(PostStore& store) {
  // A real app would check a signed session (session.hpp); the cookie's presence will do here.
  auto with_session = guard([](Request& req) { return req.cookies().get("session"); });

  App app;
  app.route("/api/posts/[id:int]")
      .GET([&store](Request&, RouteContext& ctx) -> Task<Response> {
        auto post = store.find(*ctx.params.as<long>("id"));
        if (!post) throw HttpError(404, "Post not found");
        co_return Response::json(*post);
      })
      .DELETE(with_session([&store](Request&, RouteContext& ctx, std::string_view) -> Task<Response> {
        if (!store.remove(*ctx.params.as<long>("id"))) throw HttpError(404, "Post not found");
        co_return Response::empty();
      }));
  app.route("/api/posts").POST([&store](Request& req) -> Task<Response> {
    NewPost body = co_await req.json<NewPost>();
    Post post = store.add(std::move(body.title), std::move(body.content));
    auto location = "/api/posts/" + std::to_string(post.id);
    co_return Response::json(post, {.status = 201, .headers = {{"Location", location}}});
  });
  app.route("/api/login").POST([](Request& req) -> Task<Response> {
    Login login = co_await req.json<Login>();
    auto res = Response::json({{"user", login.user}});
    res.cookies().set("session", login.user, {.http_only = true, .same_site = SameSite::lax});
    co_return res;
  });
  return app;
}
