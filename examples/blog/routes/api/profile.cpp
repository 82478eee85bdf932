#include "../routes.hpp"

namespace blog::api::profile {

// Wrapped by with_auth (main.cpp), which hands over the signed-in user.
Task<Response> GET(Request&, RouteContext&, const User& user) {
  co_return Response::json({{"user", json::Value{{"name", user.name}}}});
}

}  // namespace blog::api::profile
