#pragma once
// The inputs of the peers harness (shared/peers/), embedded so that the benchmark
// programs depend on nothing outside the repository at run time:
//
//   kPeerRoutes   shared/peers/routes.json, in its order (25 static, then 25 dynamic),
//                 with ":param" written in the router's "[param]" syntax
//   kEchoBody     shared/peers/bodies/echo.json (1032 bytes), the body of POST /api/echo
//

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace ignis::bench {

enum class RouteKind { plaintext, json, echo, target, other };

struct PeerRoute {
  std::string_view method;
  std::string_view pattern;
  RouteKind kind;
};

inline constexpr PeerRoute kPeerRoutes[] = {
    {"GET", "/plaintext", RouteKind::plaintext},
    {"GET", "/json", RouteKind::json},
    {"POST", "/api/echo", RouteKind::echo},
    {"GET", "/health", RouteKind::other},
    {"GET", "/api/status", RouteKind::other},
    {"GET", "/api/version", RouteKind::other},
    {"GET", "/api/users", RouteKind::other},
    {"GET", "/api/posts", RouteKind::other},
    {"GET", "/api/comments", RouteKind::other},
    {"GET", "/api/tags", RouteKind::other},
    {"GET", "/api/search", RouteKind::other},
    {"GET", "/api/orgs", RouteKind::other},
    {"GET", "/api/teams", RouteKind::other},
    {"GET", "/api/projects", RouteKind::other},
    {"GET", "/api/settings", RouteKind::other},
    {"GET", "/api/notifications", RouteKind::other},
    {"GET", "/api/feed", RouteKind::other},
    {"GET", "/api/users/me", RouteKind::other},
    {"GET", "/api/users/me/settings", RouteKind::other},
    {"GET", "/api/admin/stats", RouteKind::other},
    {"GET", "/api/admin/users", RouteKind::other},
    {"GET", "/api/auth/login", RouteKind::other},
    {"GET", "/api/auth/logout", RouteKind::other},
    {"GET", "/api/metrics", RouteKind::other},
    {"GET", "/api/config", RouteKind::other},
    {"GET", "/api/posts/[postId]", RouteKind::other},
    {"GET", "/api/posts/[postId]/comments", RouteKind::other},
    {"GET", "/api/posts/[postId]/comments/[commentId]", RouteKind::other},
    {"GET", "/api/posts/[postId]/likes", RouteKind::other},
    {"GET", "/api/comments/[commentId]", RouteKind::other},
    {"GET", "/api/tags/[tag]", RouteKind::other},
    {"GET", "/api/tags/[tag]/posts", RouteKind::other},
    {"GET", "/api/orgs/[orgId]", RouteKind::other},
    {"GET", "/api/orgs/[orgId]/members", RouteKind::other},
    {"GET", "/api/orgs/[orgId]/members/[memberId]", RouteKind::other},
    {"GET", "/api/orgs/[orgId]/repos/[repoId]", RouteKind::other},
    {"GET", "/api/orgs/[orgId]/repos/[repoId]/issues", RouteKind::other},
    {"GET", "/api/orgs/[orgId]/repos/[repoId]/issues/[issueId]", RouteKind::other},
    {"GET", "/api/teams/[teamId]", RouteKind::other},
    {"GET", "/api/projects/[projectId]/tasks/[taskId]", RouteKind::other},
    {"GET", "/api/notifications/[notificationId]", RouteKind::other},
    {"GET", "/api/users/[userId]", RouteKind::other},
    {"GET", "/api/users/[userId]/posts", RouteKind::other},
    {"GET", "/api/users/[userId]/posts/[postId]", RouteKind::target},
    {"GET", "/api/users/[userId]/posts/[postId]/comments", RouteKind::other},
    {"GET", "/api/users/[userId]/posts/[postId]/comments/[commentId]", RouteKind::other},
    {"GET", "/api/users/[userId]/followers", RouteKind::other},
    {"GET", "/api/users/[userId]/following", RouteKind::other},
    {"GET", "/api/users/[userId]/repos", RouteKind::other},
    {"GET", "/api/users/[userId]/repos/[repoId]", RouteKind::other},
};
static_assert(std::size(kPeerRoutes) == 50);

// shared/peers/bodies/echo.json, byte for byte (no trailing newline).
inline constexpr std::string_view kEchoBody =
    R"({"id":12345,"customer":{"id":987,"email":"jane.doe@example.com","name":"Jane Doe","tier":"gold"},)"
    R"("items":[{"sku":"SKU-0001","name":"Widget number 1","qty":2,"price":4.75,"tags":["t1","bulk"]},)"
    R"({"sku":"SKU-0002","name":"Widget number 2","qty":3,"price":6.0,"tags":["t2","bulk"]},)"
    R"({"sku":"SKU-0003","name":"Widget number 3","qty":4,"price":7.25,"tags":["t0","bulk"]},)"
    R"({"sku":"SKU-0004","name":"Widget number 4","qty":5,"price":8.5,"tags":["t1","bulk"]},)"
    R"({"sku":"SKU-0005","name":"Widget number 5","qty":1,"price":9.75,"tags":["t2","bulk"]},)"
    R"({"sku":"SKU-0006","name":"Widget number 6","qty":2,"price":11.0,"tags":["t0","bulk"]},)"
    R"({"sku":"SKU-0007","name":"Widget number 7","qty":3,"price":12.25,"tags":["t1","bulk"]},)"
    R"({"sku":"SKU-0008","name":"Widget number 8","qty":4,"price":13.5,"tags":["t2","bulk"]},)"
    R"({"sku":"SKU-0009","name":"Widget number 9","qty":5,"price":14.75,"tags":["t0","bulk"]}],)"
    R"("shipping":{"method":"express","address":"1 Loopback Way, Localhost 127001"},)"
    R"("note":"benchmark payload for POST /api/echo","ts":"2026-01-01T00:00:00Z"})";
static_assert(kEchoBody.size() == 1032);
inline constexpr std::int64_t kEchoId = 12345;
inline constexpr std::size_t kEchoItems = 9;

}  // namespace ignis::bench
