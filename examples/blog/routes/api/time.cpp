#include "../routes.hpp"

namespace blog::api::time {

// Revalidated every 2 s, tagged "time" (main.cpp).
Task<Response> GET(Request&) { co_return Response::json({{"now", now_ms()}}); }

}  // namespace blog::api::time
