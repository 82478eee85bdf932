#include "../routes.hpp"

namespace blog::api::public_ {

// Open to any origin: main.cpp wraps it (and its OPTIONS) in cors({.origins = {"*"}}).
Task<Response> GET(Request&) { co_return Response::json({{"message", "Hello from the API"}}); }

}  // namespace blog::api::public_
