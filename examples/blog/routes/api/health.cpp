#include "../routes.hpp"

namespace blog::api::health {

Task<Response> GET(Request&) { co_return Response::json({{"status", "ok"}}); }

}  // namespace blog::api::health
