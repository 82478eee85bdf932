#include <stdexcept>

#include "../routes.hpp"

namespace blog::api::boom {

// The client gets 500 {"error":"Internal server error"}; the text goes to the log only.
Task<Response> GET(Request&) {
  throw std::runtime_error("secret detail");
  co_return Response::empty();
}

}  // namespace blog::api::boom
