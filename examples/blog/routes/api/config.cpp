#include <array>

#include "../routes.hpp"

namespace blog::api::config {

constexpr std::array<std::string_view, 6> kFeatures = {"posts", "search", "uploads", "streaming", "webhooks", "sessions"};

// Static (main.cpp caches it): runs once, then every answer is the same bytes.
Task<Response> GET(Request&) {
  co_return Response::json({{"version", "1.0.0"}, {"features", kFeatures}, {"generatedAt", iso_now()}});
}

}  // namespace blog::api::config
