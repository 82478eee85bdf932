#pragma once
// The peers harness's application (shared/peers/README.md), shared by bench_server and
// alloc_count so that both measure exactly the same handlers:
//
//   GET  /plaintext                           Hello, World!
//   GET  /json                                {"message":"Hello, World!"}
//   POST /api/echo                            {"id":<id>,"n":<items>} from a ~1 KB JSON body
//   GET  /api/users/[userId]/posts/[postId]   {"user":..,"post":..}, among the 50 routes

#include <ignis/http/app.hpp>

namespace ignis::bench {

// Registers the 50 routes of shared/peers/routes.json with their handlers.
void add_peer_routes(App& app);

}  // namespace ignis::bench
