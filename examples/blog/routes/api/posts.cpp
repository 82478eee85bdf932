#include "../routes.hpp"

namespace blog::api::posts {

// ?page=1&limit=10, newest first.
Task<Response> GET(Request& req) {
  const int page = query_int(req, "page", 1, 1, 1'000'000);
  const int limit = query_int(req, "limit", 10, 1, 100);
  auto data = co_await offload([=] { return blog().posts.page(page, limit); });
  co_return Response::json({{"data", data}, {"page", page}, {"limit", limit}});
}

Task<Response> POST(Request& req) {
  auto input = co_await req.json<PostInput>();  // 400 with every issue when it is not a post
  auto post = co_await offload([&] { return blog().posts.create(input); });
  publish("post.created", post);
  co_return Response::json(post, {.status = 201});
}

}  // namespace blog::api::posts
