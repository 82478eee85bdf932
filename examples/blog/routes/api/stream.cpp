#include "../routes.hpp"

namespace blog::api::stream {

// SSE: "Message i" for i < count, one every interval_ms; stops when the client leaves.
Task<Response> GET(Request& req) {
  const int count = query_int(req, "count", 10, 0, 100'000);
  const auto interval = std::chrono::milliseconds(query_int(req, "interval_ms", 100, 0, 60'000));
  co_return event_stream([count, interval](EventStream& es) -> Task<void> {
    for (int i = 0; i < count; ++i) {
      if (i > 0 && !co_await es.sleep_for(interval)) co_return;
      const std::string data = "Message " + std::to_string(i);
      if (!co_await es.send({.data = data})) co_return;
    }
  });
}

}  // namespace blog::api::stream
