#include "../routes.hpp"

namespace blog::api::data {

Task<Response> GET(Request&) {
  co_return Response::json({{"message", "Hello from API"}, {"timestamp", iso_now()}});
}

}  // namespace blog::api::data
