#include "ignis/http/time_limit.hpp"

#include <optional>

#include "ignis/core/reactor.hpp"
#include "ignis/http/error.hpp"

namespace ignis {
namespace {

// Aborts the request's signal when the limit passes; cancelled when the frame ends.
struct Alarm {
  Alarm(Request& r, Reactor& re) : req(r), reactor(re), timer(&Alarm::fire, this) {}
  Alarm(const Alarm&) = delete;
  Alarm& operator=(const Alarm&) = delete;
  ~Alarm() { reactor.cancel(timer); }

  static void fire(void* self) {
    auto* a = static_cast<Alarm*>(self);
    a->fired = true;
    a->req.signal().abort();  // last: it may resume the handler, and this frame may end with it
  }

  Request& req;
  Reactor& reactor;
  Timer timer;
  bool fired = false;
};

}  // namespace

Task<Response> TimeLimit::operator()(Request& req, RouteContext&, Next next) const {
  Reactor* reactor = Reactor::current();
  if (!reactor) co_return co_await next();  // no reactor, no timers (a test harness calling directly)
  Alarm alarm(req, *reactor);
  reactor->schedule(alarm.timer, Clock::now() + limit_);
  std::optional<Response> res;
  try {
    res.emplace(co_await next());
  } catch (...) {
    if (!alarm.fired) throw;  // a failure of its own, not of being cut short
  }
  if (alarm.fired) co_return Response::json({{"error", "Gateway timeout"}}, {.status = 504});
  co_return std::move(*res);
}

}  // namespace ignis
