#include "../../routes.hpp"

namespace blog::api::posts::id {
namespace {

// An id that is not a number is no post, as is one too large for a post id.
std::int64_t post_id(const RouteContext& ctx) {
  if (auto id = ctx.params.as<std::int64_t>("id")) return *id;
  throw HttpError(404, "Post not found");
}

Post found(std::optional<Post> post) {
  if (!post) throw HttpError(404, "Post not found");
  return std::move(*post);
}

}  // namespace

Task<Response> GET(Request&, RouteContext& ctx) {
  const auto id = post_id(ctx);
  co_return Response::json(found(co_await offload([=] { return blog().posts.find(id); })));
}

// Replaces title, content and tags (tags default to []).
Task<Response> PUT(Request& req, RouteContext& ctx) {
  const auto id = post_id(ctx);
  auto in = co_await req.json<PostInput>();
  auto post = found(co_await offload([&] { return blog().posts.update(id, {in.title, in.content, in.tags}); }));
  publish("post.updated", post);
  co_return Response::json(post);
}

// Changes the fields given.
Task<Response> PATCH(Request& req, RouteContext& ctx) {
  const auto id = post_id(ctx);
  auto patch = co_await req.json<PostPatch>();
  auto post = found(co_await offload([&] { return blog().posts.update(id, patch); }));
  publish("post.updated", post);
  co_return Response::json(post);
}

Task<Response> DELETE(Request&, RouteContext& ctx) {
  const auto id = post_id(ctx);
  auto post = found(co_await offload([=] { return blog().posts.remove(id); }));
  publish("post.deleted", post);
  co_return Response::empty();
}

}  // namespace blog::api::posts::id
