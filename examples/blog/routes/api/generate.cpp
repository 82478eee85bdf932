#include "../routes.hpp"

namespace blog::api::generate {

// Rate limited to 5 requests per minute per client (main.cpp).
Task<Response> POST(Request&) { co_return Response::json({{"data", "result"}}); }

}  // namespace blog::api::generate
