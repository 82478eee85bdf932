#include <ignis/http/crypto.hpp>

#include "../routes.hpp"

namespace blog::api::revalidate {

struct Body {
  std::optional<std::string> path, tag;
  std::string secret;
};
constexpr auto json_schema(json::For<Body>) {
  using json::field;
  return json::object(field<&Body::path>("path"), field<&Body::tag>("tag"), field<&Body::secret>("secret").optional());
}

// {"path":"/api/time"} or {"tag":"time"}, with the secret.
Task<Response> POST(Request& req) {
  auto body = co_await req.json<Body>();
  if (!crypto::constant_time_equal(body.secret, blog().settings.revalidation_secret))
    throw HttpError(401, "Invalid secret");
  if (body.path)
    co_await blog().cache->revalidate_path(*body.path);
  else if (body.tag)
    co_await blog().cache->revalidate_tag(*body.tag);
  else
    throw HttpError(400, "path or tag required");
  co_return Response::json({{"revalidated", true}, {"now", now_ms()}});
}

}  // namespace blog::api::revalidate
