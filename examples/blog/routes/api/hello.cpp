#include "../routes.hpp"

namespace blog::api::hello {

Task<Response> GET(Request&) { co_return Response::text("Hello, World!"); }

}  // namespace blog::api::hello
