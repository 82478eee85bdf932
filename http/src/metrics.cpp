#include "ignis/http/metrics.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "ignis/core/timer.hpp"
#include "ignis/http/app.hpp"
#include "ignis/http/error.hpp"

namespace ignis {

namespace {

constexpr std::size_t kBucketCount = std::size(Metrics::kBuckets) + 1;  // + the +Inf bucket
std::atomic<std::uint64_t> next_state_id{1};

// One (route, method, status) as counted by one thread: written by that thread only, read
// by scrapes, hence relaxed atomics with plain load-add-store.
struct Series {
  std::string route;
  Method method;
  int status;
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> sum_ns{0};
  std::array<std::atomic<std::uint64_t>, kBucketCount> buckets{};

  static void bump(std::atomic<std::uint64_t>& a, std::uint64_t n) noexcept {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

struct Key {
  std::string_view route;  // a stored key views its Series' own copy
  Method method;
  int status;
  bool operator==(const Key&) const = default;
};
struct KeyHash {
  std::size_t operator()(const Key& k) const noexcept {
    return std::hash<std::string_view>()(k.route) ^ (std::size_t(k.status) << 8 | std::size_t(k.method));
  }
};

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

void append_number(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
  out.append(buf, r.ptr);
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

struct Metrics::Registry {
  std::uint64_t id = next_state_id.fetch_add(1);
  mutable std::mutex mutex;                    // guards the lists below, not the counts
  std::deque<std::unique_ptr<Series>> series;  // every thread's, for scrapes
  struct NamedGauge {
    std::string name, help;
    Gauge gauge;
    std::function<double()> sample;
  };
  std::deque<NamedGauge> gauges;

  Series& series_for(const Key& key, std::string_view route);
};

namespace {

// This thread's series of one Metrics, found without a lock.
struct ThreadSeries {
  std::uint64_t owner = 0;
  Series* last = nullptr;  // most requests repeat the previous one's series
  std::unordered_map<Key, Series*, KeyHash> index;
};
thread_local ThreadSeries* last_used = nullptr;
thread_local std::unordered_map<std::uint64_t, ThreadSeries> thread_series;

}  // namespace

Series& Metrics::Registry::series_for(const Key& key, std::string_view route) {
  ThreadSeries* ts = last_used;
  if (!ts || ts->owner != id) {
    ts = &thread_series[id];
    ts->owner = id;
    last_used = ts;
  }
  if (Series* l = ts->last; l && l->status == key.status && l->method == key.method && l->route == key.route) return *l;
  auto it = ts->index.find(key);
  if (it != ts->index.end()) return *(ts->last = it->second);
  auto s = std::make_unique<Series>();
  s->route = std::string(route);
  s->method = key.method;
  s->status = key.status;
  Series* raw = s.get();
  {
    std::lock_guard lock(mutex);
    series.push_back(std::move(s));
  }
  ts->index.emplace(Key{raw->route, key.method, key.status}, raw);
  return *(ts->last = raw);
}

Metrics::Metrics() : registry_(std::make_shared<Registry>()) {}

namespace {
constexpr auto kBucketNanos = [] {
  std::array<std::int64_t, std::size(Metrics::kBuckets)> ns{};
  for (std::size_t i = 0; i < ns.size(); ++i) ns[i] = static_cast<std::int64_t>(Metrics::kBuckets[i] * 1e9 + 0.5);
  return ns;
}();

void record_nanos(Series& s, std::int64_t ns) noexcept {
  if (ns < 0) ns = 0;
  std::size_t bucket = 0;
  while (bucket < kBucketNanos.size() && ns > kBucketNanos[bucket]) ++bucket;
  Series::bump(s.count, 1);
  Series::bump(s.sum_ns, static_cast<std::uint64_t>(ns));
  Series::bump(s.buckets[bucket], 1);
}
}  // namespace

void Metrics::record(std::string_view route, Method method, int status, double seconds) const {
  record_nanos(registry_->series_for(Key{route, method, status}, route), static_cast<std::int64_t>(seconds * 1e9));
}

std::optional<Response> Metrics::before(Request&, RouteContext&, State& state) const {
  state.start = Clock::now();
  return std::nullopt;
}

void Metrics::after(Request& req, RouteContext& ctx, State& state, Response& res) const {
  const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - state.start).count();
  record_nanos(registry_->series_for(Key{ctx.pattern, req.method(), res.status()}, ctx.pattern), elapsed);
}

Metrics::Gauge& Metrics::gauge(const std::string& name, const std::string& help) {
  if (!valid_name(name)) throw std::invalid_argument("invalid metric name: " + name);
  std::lock_guard lock(registry_->mutex);
  for (auto& g : registry_->gauges)
    if (g.name == name) return g.gauge;
  auto& g = registry_->gauges.emplace_back();
  g.name = name;
  g.help = help;
  return g.gauge;
}

void Metrics::gauge(const std::string& name, const std::string& help, std::function<double()> sample) {
  if (!valid_name(name)) throw std::invalid_argument("invalid metric name: " + name);
  std::lock_guard lock(registry_->mutex);
  for (auto& g : registry_->gauges)
    if (g.name == name) {
      g.sample = std::move(sample);
      return;
    }
  auto& g = registry_->gauges.emplace_back();
  g.name = name;
  g.help = help;
  g.sample = std::move(sample);
}

std::string Metrics::render() const {
  // Sum every thread's series: requests by (route, method, status), latency by (route, method).
  struct Totals {
    std::uint64_t count = 0, sum_ns = 0;
    std::array<std::uint64_t, kBucketCount> buckets{};
  };
  std::map<std::tuple<std::string, Method, int>, std::uint64_t> requests;
  std::map<std::pair<std::string, Method>, Totals> latency;
  std::string out;
  {
    std::lock_guard lock(registry_->mutex);
    for (const auto& s : registry_->series) {
      const std::uint64_t n = s->count.load(std::memory_order_relaxed);
      requests[{s->route, s->method, s->status}] += n;
      Totals& t = latency[{s->route, s->method}];
      t.count += n;
      t.sum_ns += s->sum_ns.load(std::memory_order_relaxed);
      for (std::size_t i = 0; i < kBucketCount; ++i) t.buckets[i] += s->buckets[i].load(std::memory_order_relaxed);
    }
    out += "# HELP http_requests_total HTTP requests answered, by route pattern, method and status.\n";
    out += "# TYPE http_requests_total counter\n";
    for (const auto& [key, n] : requests) {
      out += "http_requests_total{route=\"";
      append_label_value(out, std::get<0>(key));
      out += "\",method=\"";
      out += to_string(std::get<1>(key));
      out += "\",status=\"";
      out += std::to_string(std::get<2>(key));
      out += "\"} ";
      append_number(out, n);
      out += '\n';
    }
    out += "# HELP http_request_duration_seconds Time from the request's head to its response, by route and method.\n";
    out += "# TYPE http_request_duration_seconds histogram\n";
    for (const auto& [key, t] : latency) {
      std::string labels = "route=\"";
      append_label_value(labels, key.first);
      labels += "\",method=\"";
      labels += to_string(key.second);
      labels += '"';
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < kBucketCount; ++i) {
        cumulative += t.buckets[i];
        out += "http_request_duration_seconds_bucket{" + labels + ",le=\"";
        append_number(out, i < std::size(kBuckets) ? kBuckets[i] : INFINITY);
        out += "\"} ";
        append_number(out, cumulative);
        out += '\n';
      }
      out += "http_request_duration_seconds_sum{" + labels + "} ";
      append_number(out, static_cast<double>(t.sum_ns) / 1e9);
      out += "\nhttp_request_duration_seconds_count{" + labels + "} ";
      append_number(out, t.count);
      out += '\n';
    }
    for (const auto& g : registry_->gauges) {
      out += "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " gauge\n" + g.name + " ";
      if (g.sample)
        append_number(out, g.sample());
      else
        out += std::to_string(g.gauge.value());
      out += '\n';
    }
  }
  return out;
}

std::function<Task<Response>(Request&)> Metrics::handler() const {
  return [self = *this](Request& req) -> Task<Response> {
    std::string text = self.render();
    // The app serving the scrape counts its own connections and streams (another app in
    // the process has its own).
    text += "# HELP http_open_connections HTTP connections open on this app's servers.\n"
            "# TYPE http_open_connections gauge\nhttp_open_connections ";
    text += std::to_string(req.app().open_connections());
    text += "\n# HELP sse_open_streams Server-Sent Event streams open on this app's servers.\n"
            "# TYPE sse_open_streams gauge\nsse_open_streams ";
    text += std::to_string(req.app().open_event_streams());
    text += '\n';
    co_return Response(std::move(text), {.headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}}});
  };
}

}  // namespace ignis
