#pragma once
// X-Request-Id on every response, as middleware:
//
//   app.use(ignis::request_id());
//
// An incoming X-Request-Id is kept when it looks sane (1 to 128 characters of letters,
// digits, '-', '_', '.', ':'), so a proxy's id carries through; otherwise a new random
// UUID (version 4) is made. The header is this middleware's: handlers leave it alone.

#include <string_view>

#include "ignis/http/middleware.hpp"

namespace ignis {

class RequestId : public SyncMiddlewareBase<RequestId> {
 public:
  struct State {
    std::string_view id;
    char generated[36];
  };
  std::optional<Response> before(Request& req, RouteContext& ctx, State& state) const;
  void after(Request& req, RouteContext& ctx, State& state, Response& res) const;

  // True for an id worth keeping.
  static bool acceptable(std::string_view id) noexcept;
  // A random UUID v4 into out[36].
  static void generate(char* out) noexcept;
};

inline RequestId request_id() { return {}; }

}  // namespace ignis
