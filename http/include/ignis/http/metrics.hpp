#pragma once
// Prometheus metrics: a middleware that counts and times requests, and a handler that
// serves them in the text exposition format.
//
//   ignis::Metrics metrics;
//   app.use(metrics);                                  // outermost: register it first
//   app.route("/metrics").GET(metrics.handler());
//   auto& jobs = metrics.gauge("jobs_running", "Jobs running");
//   jobs.add(1); ... jobs.add(-1);
//
// What it serves:
//   http_requests_total{route,method,status}        counter; route is the pattern
//                                                    ("/api/posts/[id]"), "" for no route
//   http_request_duration_seconds{route,method}     histogram, from the middleware's entry
//                                                    to the response (not its sending)
//   http_open_connections                           gauge: connections open on the servers
//                                                    of the app serving the scrape
//   sse_open_streams                                gauge: that app's open event streams
//   plus every gauge registered with gauge().
//
// Recording costs no lock: each reactor thread counts into its own series (relaxed
// atomics, one writer), and a scrape sums them. A Metrics object is a handle: copies
// share the same numbers.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ignis/http/middleware.hpp"

namespace ignis {

class Metrics : public SyncMiddlewareBase<Metrics> {
 public:
  // Upper bounds of the latency histogram's buckets, in seconds.
  static constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,    0.25,  0.5,    1,     2.5,   5,     10};

  class Gauge {
   public:
    void add(std::int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
    std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

   private:
    std::atomic<std::int64_t> value_{0};
  };

  Metrics();

  struct State {
    std::chrono::steady_clock::time_point start;
  };
  std::optional<Response> before(Request& req, RouteContext& ctx, State& state) const;
  void after(Request& req, RouteContext& ctx, State& state, Response& res) const;

  // A GET handler that serves render(), http_open_connections and sse_open_streams.
  std::function<Task<Response>(Request&)> handler() const;
  // The text exposition of the requests and the gauges.
  std::string render() const;

  // A gauge the caller moves (thread-safe). Names follow Prometheus rules
  // ([a-zA-Z_:][a-zA-Z0-9_:]*); asking again for a name gives the same gauge.
  // Throws std::invalid_argument for a bad name.
  Gauge& gauge(const std::string& name, const std::string& help);
  // A gauge read at each scrape from `sample` (called on the scraping thread).
  void gauge(const std::string& name, const std::string& help, std::function<double()> sample);

  // Records one request by hand (what the middleware does).
  void record(std::string_view route, Method method, int status, double seconds) const;

  struct Registry;

 private:
  std::shared_ptr<Registry> registry_;
};

}  // namespace ignis
