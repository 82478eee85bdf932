#include "peers_app.hpp"

#include <ignis/json/document.hpp>

#include "peers_data.hpp"

namespace ignis::bench {
namespace {

struct Message {
  std::string_view message;
};
void to_json(json::Writer& w, const Message& m) {
  w.begin_object();
  w.key("message");
  w.string(m.message);
  w.end_object();
}

Task<Response> plaintext(Request&) { co_return Response::text("Hello, World!"); }

Task<Response> hello_json(Request&) { co_return Response::json(Message{"Hello, World!"}); }

Task<Response> echo(Request& req) {
  auto body = co_await req.json();
  std::int64_t id = body["id"];
  auto items = body["items"];
  std::size_t n = items.count_elements();
  co_return Response::json({{"id", id}, {"n", n}});
}

Task<Response> target(Request&, RouteContext& ctx) {
  co_return Response::json({{"user", ctx.params.get("userId")}, {"post", ctx.params.get("postId")}});
}

}  // namespace

void add_peer_routes(App& app) {
  for (std::size_t i = 0; i < std::size(kPeerRoutes); ++i) {
    const PeerRoute& r = kPeerRoutes[i];
    RouteBuilder route = app.route(RoutePattern::runtime(r.pattern));  // from a table: checked at run time
    switch (r.kind) {
      case RouteKind::plaintext: route.GET(plaintext); break;
      case RouteKind::json: route.GET(hello_json); break;
      case RouteKind::echo: route.POST(echo); break;
      case RouteKind::target: route.GET(target); break;
      case RouteKind::other:
        route.GET([i](Request&) -> Task<Response> { co_return Response::json({{"route", i}}); });
        break;
    }
  }
}

}  // namespace ignis::bench
