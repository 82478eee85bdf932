#include "../routes.hpp"

namespace blog::api::events {

// Every post change, as it happens; Last-Event-ID replays the held ones it missed.
Task<Response> GET(Request&) {
  co_return event_stream([](EventStream& es) -> Task<void> {
    auto changes = blog().events.subscribe(es.last_event_number());
    co_await es.forward(changes, 15s);  // ": ping" after 15 s of quiet
  });
}

}  // namespace blog::api::events
