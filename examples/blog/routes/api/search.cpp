#include "../routes.hpp"

namespace blog::api::search {

// ?q=word&tag=a&tag=b: posts whose title contains q and that carry every tag.
Task<Response> GET(Request& req) {
  const std::string_view q = req.search_params().get("q").value_or("");
  const auto tags = req.search_params().get_all("tag");
  auto results = co_await offload([&] { return blog().posts.search(q, tags); });
  co_return Response::json({{"q", q}, {"tags", tags}, {"results", results}});
}

}  // namespace blog::api::search
