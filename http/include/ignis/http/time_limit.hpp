#pragma once
// Per-route time limits, like Next.js's maxDuration:
//
//   app.route("/api/report").GET(ignis::time_limit(10s)(build_report));
//   app.use("/api/:path*", ignis::time_limit(30s));
//
// When the limit passes, the request's signal (req.signal()) is aborted, and once the
// handler returns (or throws) the client gets 504 {"error":"Gateway timeout"}. Work that
// listens to the signal (sleep_for, fetch, streamed writes) ends at once; a handler that
// ignores it is waited for, since its request cannot be taken from under it.

#include <chrono>

#include "ignis/http/middleware.hpp"

namespace ignis {

class TimeLimit : public WrapperBase<TimeLimit> {
 public:
  explicit TimeLimit(std::chrono::milliseconds limit) noexcept : limit_(limit) {}
  using WrapperBase<TimeLimit>::operator();
  Task<Response> operator()(Request& req, RouteContext& ctx, Next next) const;

 private:
  std::chrono::milliseconds limit_;
};

inline TimeLimit time_limit(std::chrono::milliseconds limit) noexcept { return TimeLimit(limit); }

}  // namespace ignis
