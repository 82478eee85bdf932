// The bench server: the scenarios of the peers harness (shared/peers/README.md).
//
//   GET  /plaintext                 Hello, World!
//   GET  /json                      {"message":"Hello, World!"}
//   POST /api/echo                  {"id":<id>,"n":<items>} from a ~1 KB JSON body
//   GET  /api/users/[userId]/posts/[postId]   {"user":..,"post":..}, among 50 routes
//
//   bench_server [--port 8080] [--threads 1] [--backend epoll|io_uring]

#include <ignis/http/app.hpp>
#include <ignis/json/document.hpp>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string_view>

using namespace ignis;

namespace {

enum class Kind { plaintext, json, echo, target, other };

struct RouteSpec {
  std::string_view pattern;
  Kind kind;
};

// shared/peers/routes.json, in its order: 25 static routes, then 25 dynamic ones.
constexpr RouteSpec kRoutes[] = {
    {"/plaintext", Kind::plaintext},
    {"/json", Kind::json},
    {"/api/echo", Kind::echo},
    {"/health", Kind::other},
    {"/api/status", Kind::other},
    {"/api/version", Kind::other},
    {"/api/users", Kind::other},
    {"/api/posts", Kind::other},
    {"/api/comments", Kind::other},
    {"/api/tags", Kind::other},
    {"/api/search", Kind::other},
    {"/api/orgs", Kind::other},
    {"/api/teams", Kind::other},
    {"/api/projects", Kind::other},
    {"/api/settings", Kind::other},
    {"/api/notifications", Kind::other},
    {"/api/feed", Kind::other},
    {"/api/users/me", Kind::other},
    {"/api/users/me/settings", Kind::other},
    {"/api/admin/stats", Kind::other},
    {"/api/admin/users", Kind::other},
    {"/api/auth/login", Kind::other},
    {"/api/auth/logout", Kind::other},
    {"/api/metrics", Kind::other},
    {"/api/config", Kind::other},
    {"/api/posts/[postId]", Kind::other},
    {"/api/posts/[postId]/comments", Kind::other},
    {"/api/posts/[postId]/comments/[commentId]", Kind::other},
    {"/api/posts/[postId]/likes", Kind::other},
    {"/api/comments/[commentId]", Kind::other},
    {"/api/tags/[tag]", Kind::other},
    {"/api/tags/[tag]/posts", Kind::other},
    {"/api/orgs/[orgId]", Kind::other},
    {"/api/orgs/[orgId]/members", Kind::other},
    {"/api/orgs/[orgId]/members/[memberId]", Kind::other},
    {"/api/orgs/[orgId]/repos/[repoId]", Kind::other},
    {"/api/orgs/[orgId]/repos/[repoId]/issues", Kind::other},
    {"/api/orgs/[orgId]/repos/[repoId]/issues/[issueId]", Kind::other},
    {"/api/teams/[teamId]", Kind::other},
    {"/api/projects/[projectId]/tasks/[taskId]", Kind::other},
    {"/api/notifications/[notificationId]", Kind::other},
    {"/api/users/[userId]", Kind::other},
    {"/api/users/[userId]/posts", Kind::other},
    {"/api/users/[userId]/posts/[postId]", Kind::target},
    {"/api/users/[userId]/posts/[postId]/comments", Kind::other},
    {"/api/users/[userId]/posts/[postId]/comments/[commentId]", Kind::other},
    {"/api/users/[userId]/followers", Kind::other},
    {"/api/users/[userId]/following", Kind::other},
    {"/api/users/[userId]/repos", Kind::other},
    {"/api/users/[userId]/repos/[repoId]", Kind::other},};

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

int usage() {
  std::cerr << "usage: bench_server [--port N] [--threads N] [--backend epoll|io_uring]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ServerOptions options;
  options.port = 8080;
  options.threads = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    std::string_view value = argv[++i];
    if (arg == "--port") {
      options.port = static_cast<std::uint16_t>(std::atoi(value.data()));
    } else if (arg == "--threads") {
      options.threads = static_cast<unsigned>(std::atoi(value.data()));
    } else if (arg == "--backend") {
      auto b = parse_backend(value);
      if (!b) return usage();
      options.backend = *b;
    } else {
      return usage();
    }
  }

  App app;
  for (std::size_t i = 0; i < std::size(kRoutes); ++i) {
    const RouteSpec& r = kRoutes[i];
    switch (r.kind) {
      case Kind::plaintext: app.route(r.pattern).GET(plaintext); break;
      case Kind::json: app.route(r.pattern).GET(hello_json); break;
      case Kind::echo: app.route(r.pattern).POST(echo); break;
      case Kind::target: app.route(r.pattern).GET(target); break;
      case Kind::other:
        app.route(r.pattern).GET([i](Request&) -> Task<Response> { co_return Response::json({{"route", i}}); });
        break;
    }
  }
  app.listen(options);
}
