// Routing among the 50 routes of the peers harness (shared/peers/routes.json) with
// ignis::Router.
//
// The router is built once (the server does it at start-up). Params lives outside the loop
// because the server keeps it in its recycled per-request state; match() resets it. Per
// iteration: one match(), and for a hit, reading the parameters the handler would read.

#include <benchmark/benchmark.h>

#include <ignis/router/router.hpp>

#include <string_view>

#include "../peers_data.hpp"

namespace {

ignis::Router make_router() {
  ignis::Router r;
  for (const auto& route : ignis::bench::kPeerRoutes) r.add(route.pattern);
  return r;
}

// path: what to match; expect: the pattern it must match ("" for a miss); params: names to read.
void route(benchmark::State& state, std::string_view path, std::string_view expect,
           std::initializer_list<std::string_view> params) {
  const ignis::Router router = make_router();
  ignis::Params p;

  const auto check = router.match(path, p);
  if (expect.empty() ? check.has_value() : (!check || router.pattern(*check) != expect)) {
    state.SkipWithError("the path did not route as expected");
    return;
  }

  for (auto _ : state) {
    std::string_view target = path;
    benchmark::DoNotOptimize(target);  // the path arrives at run time
    auto id = router.match(target, p);
    benchmark::DoNotOptimize(id);
    for (std::string_view name : params) {
      std::string_view v = p.get(name);
      benchmark::DoNotOptimize(v);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Scenario d's target: dynamic route #19 of 25, two parameters.
void BM_Route_Dynamic(benchmark::State& state) {
  route(state, "/api/users/123/posts/456", "/api/users/[userId]/posts/[postId]", {"userId", "postId"});
}
// A static route three segments deep, next to a dynamic sibling (/api/users/[userId]).
void BM_Route_Static(benchmark::State& state) { route(state, "/api/users/me/settings", "/api/users/me/settings", {}); }
// Scenario a's path.
void BM_Route_StaticPlaintext(benchmark::State& state) { route(state, "/plaintext", "/plaintext", {}); }
// A miss that walks into the dynamic subtree before failing.
void BM_Route_Miss(benchmark::State& state) { route(state, "/api/users/123/unknown/456", "", {}); }

BENCHMARK(BM_Route_Dynamic);
BENCHMARK(BM_Route_Static);
BENCHMARK(BM_Route_StaticPlaintext);
BENCHMARK(BM_Route_Miss);

}  // namespace
