#pragma once
// X-Request-Id on every response, as middleware:
//
//   app.use(ignis::request_id());
//
// An incoming X-Request-Id is kept when it looks sane (1 to 128 characters of letters,
// digits, '-', '_', '.', ':'), so a proxy's id carries through; otherwise a new random
// UUID (version 4) is made. A handler that sets X-Request-Id itself keeps its own.

#include <string_view>

#include "ignis/http/middleware.hpp"

namespace ignis {

class RequestId : public WrapperBase<RequestId> {
 public:
  using WrapperBase<RequestId>::operator();
  Task<Response> operator()(Request& req, RouteContext& ctx, Next next) const;

  // True for an id worth keeping.
  static bool acceptable(std::string_view id) noexcept;
  // A random UUID v4 into out[36].
  static void generate(char* out) noexcept;
};

inline RequestId request_id() { return {}; }

}  // namespace ignis
