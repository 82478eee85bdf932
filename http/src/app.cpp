#include "ignis/http/app.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstddef>
#include <ctime>

#include <simdjson.h>

#include "ignis/http/cache.hpp"
#include "ignis/http/error.hpp"
#include "ignis/http/server.hpp"
#include "ignis/json/document.hpp"

namespace ignis {
namespace {

constexpr std::size_t index_of(Method m) noexcept { return static_cast<std::size_t>(m); }

// "GET, HEAD, POST, OPTIONS": what the route exports, plus what the app adds by itself.
std::string allow_header(const std::array<Handler, kRouteMethods>& handlers) {
  std::string allow;
  for (std::size_t i = 0; i < kRouteMethods; ++i) {
    const auto m = static_cast<Method>(i);
    const bool exported = bool(handlers[i]) || (m == Method::HEAD && handlers[index_of(Method::GET)]) ||
                          m == Method::OPTIONS;
    if (!exported) continue;
    if (!allow.empty()) allow += ", ";
    allow += to_string(m);
  }
  return allow;
}

}  // namespace

// Connections counted by every server thread: on a cache line of their own.
struct alignas(64) App::Counters {
  std::atomic<std::int64_t> open_connections{0};
  std::atomic<std::int64_t> open_event_streams{0};
};

App::App() : cache_store_(std::make_shared<MemoryCacheStore>()), counters_(std::make_unique<Counters>()) {}
App::~App() = default;
App::App(App&&) noexcept = default;
App& App::operator=(App&&) noexcept = default;

void App::set_cache_store(std::shared_ptr<CacheStore> store) {
  cache_store_ = store ? std::move(store) : std::make_shared<MemoryCacheStore>();
}

void App::count_connection(int delta) const noexcept {
  counters_->open_connections.fetch_add(delta, std::memory_order_relaxed);
}

std::int64_t App::open_connections() const noexcept {
  return counters_ ? counters_->open_connections.load(std::memory_order_relaxed) : 0;
}

void App::count_event_stream(int delta) const noexcept {
  counters_->open_event_streams.fetch_add(delta, std::memory_order_relaxed);
}

std::int64_t App::open_event_streams() const noexcept {
  return counters_ ? counters_->open_event_streams.load(std::memory_order_relaxed) : 0;
}

RouteBuilder App::route(RoutePattern p) {
  const std::string_view pattern = p.text();
  if (auto existing = router_.find(pattern)) return RouteBuilder(*this, *existing);
  const auto id = router_.add(pattern);
  routes_.push_back(Route{std::string(pattern), {}, {}});
  routes_.back().allow = allow_header(routes_.back().handlers);
  return RouteBuilder(*this, id);
}

RouteBuilder& RouteBuilder::set(Method m, Handler h) {
  if (m == Method::other) throw std::invalid_argument("a route handles GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS");
  auto& route = app_.routes_[route_];
  route.handlers[index_of(m)] = std::move(h);
  route.allow = allow_header(route.handlers);
  return *this;
}

App::Target App::resolve(Method method, std::string_view path, Params& params) const {
  auto id = router_.match(path, params);
  if (!id) return {};
  const Route& r = routes_[*id];
  Target t{Target::Kind::not_allowed, nullptr, r.pattern, r.allow};
  if (method == Method::other) return t;
  if (const Handler& h = r.handlers[index_of(method)]) {
    t.kind = Target::Kind::handler;
    t.handler = &h;
  } else if (method == Method::HEAD && r.handlers[index_of(Method::GET)]) {
    t.kind = Target::Kind::handler;  // the server sends the GET response's head only
    t.handler = &r.handlers[index_of(Method::GET)];
  } else if (method == Method::OPTIONS) {
    t.kind = Target::Kind::options;
  }
  return t;
}

Task<Response> App::dispatch(Request& req, RouteContext& ctx, bool map_errors) const {
  // Not a coroutine: without middleware a request costs one frame, the answer's, or only
  // the handler's when the caller maps its errors.
  const Target target = resolve(req.method(), req.path(), ctx.params);
  ctx.pattern = target.pattern;
  if (middleware_.empty()) {
    if (!map_errors && target.kind == Target::Kind::handler) return (*target.handler)(req, ctx);
    return answer(req, ctx, target);
  }
  if (all_sync_ && middleware_.size() <= SyncRunSlots) return answer_with_sync(req, ctx, target);
  return handle_with_middleware(req, ctx, target);
}

Task<Response> App::answer(Request& req, RouteContext& ctx, Target target) const {
  switch (target.kind) {
    case Target::Kind::not_found: co_return not_found();
    case Target::Kind::not_allowed: co_return method_not_allowed(target.allow);
    case Target::Kind::options: co_return options(target.allow);
    case Target::Kind::handler: break;
  }
  try {
    // A named task: g++ 12 mishandles temporaries in some co_await expressions.
    Task<Response> handler = (*target.handler)(req, ctx);
    co_return co_await handler;
  } catch (...) {
    co_return error_response(std::current_exception(), req, ctx);
  }
}

// What a client sees of an exception: its HttpError status and message, 400 for invalid
// JSON, else a generic 500 (the text goes to the log only). ConnectionLost passes through.
Response App::error_response(std::exception_ptr error, const Request& req, const RouteContext& ctx) const {
  try {
    std::rethrow_exception(error);
  } catch (const HttpError& e) {
    // A status that cannot be a final answer is a bug in the handler, not the client's.
    const int status = e.status() >= 200 && e.status() <= 999 ? e.status() : 500;
    return Response::json({{"error", status == 500 ? "Internal server error" : e.what()}}, {.status = status});
  } catch (const json::ValidationError& e) {
    return Response::json(e, {.status = 400});
  } catch (const json::ParseError&) {
    return Response::json({{"error", "Invalid JSON"}}, {.status = 400});
  } catch (const simdjson::simdjson_error&) {
    return Response::json({{"error", "Invalid JSON"}}, {.status = 400});
  } catch (const ConnectionLost&) {
    throw;  // nothing can be sent: the connection ends
  } catch (const std::exception& e) {
    log_(LogLevel::error, "handler for " + std::string(req.method_name()) + " " + std::string(ctx.pattern) +
                              " threw: " + e.what());
  } catch (...) {
    log_(LogLevel::error, "handler for " + std::string(ctx.pattern) + " threw a non-exception");
  }
  return Response::json({{"error", "Internal server error"}}, {.status = 500});
}

// ---------------------------------------------------------------------------- middleware

App& App::add_middleware(MiddlewareEntry entry) {
  all_sync_ = all_sync_ && entry.ops;
  middleware_.push_back(std::move(entry));
  return *this;
}

struct App::Chain {
  const App& app;
  Request& req;
  RouteContext& ctx;
  Target target;

  bool matches(const MiddlewareEntry& m) const noexcept {
    return m.matcher.matches_everything() || m.matcher.matches(req.path());
  }
};

// Synchronous middleware in a row: their before() steps, the rest of the chain, their
// after() steps in reverse. Their states live here, in the frame of whoever runs them.
struct App::SyncRun {
  static constexpr std::size_t kSlots = SyncRunSlots;
  alignas(std::max_align_t) std::byte states[kSlots][kSyncStateSize];
  const MiddlewareEntry* ran[kSlots];
  std::size_t count = 0;

  // Runs the before() of the synchronous entries from `index` on (skipping those whose
  // matchers do not match) up to the first coroutine middleware; returns where the rest of
  // the chain starts. Stops early if one answers.
  std::size_t before_all(const Chain& c, std::size_t index, std::optional<Response>& early) {
    const auto& all = c.app.middleware_;
    for (; index < all.size() && count < kSlots; ++index) {
      const MiddlewareEntry& m = all[index];
      if (!c.matches(m)) continue;
      if (!m.ops) break;
      ran[count] = &m;
      m.ops->before(m.sync.get(), c.req, c.ctx, states[count], early);
      if (early) break;  // it answered: its own after() does not run, the outer ones' do
      ++count;
    }
    return index;
  }
  void after_all(const Chain& c, Response& res) {
    while (count > 0) {
      --count;
      ran[count]->ops->after(ran[count]->sync.get(), c.req, c.ctx, states[count], res);
    }
  }
};

// Runs the first middleware from `index` on that matches the path, with the rest of the
// chain as its next(); past the last one, the route's answer.
Task<Response> App::chain_step(const void* state, std::size_t index) {
  const Chain& c = *static_cast<const Chain*>(state);
  const auto& all = c.app.middleware_;
  for (std::size_t i = index; i < all.size(); ++i) {
    if (!c.matches(all[i])) continue;
    if (all[i].ops) return c.app.sync_segment(c, i);
    return all[i].fn(c.req, c.ctx, Next(&chain_step, state, i + 1));
  }
  return c.app.answer(c.req, c.ctx, c.target);
}

// A row of synchronous middleware. An error inside becomes its response here, so that
// their after() steps still see it (a request id on a 500, say).
Task<Response> App::sync_segment(const Chain& c, std::size_t index) const {
  SyncRun run;
  std::optional<Response> res;
  try {
    const std::size_t rest = run.before_all(c, index, res);
    if (!res) {
      Task<Response> inner = chain_step(&c, rest);
      res.emplace(co_await inner);
    }
  } catch (const ConnectionLost&) {
    throw;
  } catch (...) {
    res.emplace(error_response(std::current_exception(), c.req, c.ctx));
  }
  run.after_all(c, *res);
  co_return std::move(*res);
}

Task<Response> App::handle_with_middleware(Request& req, RouteContext& ctx, Target target) const {
  const Chain chain{*this, req, ctx, target};
  // The leading synchronous middleware run in this frame (most apps have only those).
  SyncRun run;
  std::optional<Response> res;
  try {
    const std::size_t rest = run.before_all(chain, 0, res);
    if (!res) {
      Task<Response> inner = chain_step(&chain, rest);
      res.emplace(co_await inner);
    }
  } catch (const ConnectionLost&) {
    throw;
  } catch (...) {
    res.emplace(error_response(std::current_exception(), req, ctx));  // a middleware threw
  }
  run.after_all(chain, *res);
  co_return std::move(*res);
}

// When every middleware is synchronous: their steps and the route's answer in one frame.
Task<Response> App::answer_with_sync(Request& req, RouteContext& ctx, Target target) const {
  const Chain chain{*this, req, ctx, target};
  SyncRun run;
  std::optional<Response> res;
  try {
    run.before_all(chain, 0, res);
    if (!res) {
      switch (target.kind) {
        case Target::Kind::not_found: res.emplace(not_found()); break;
        case Target::Kind::not_allowed: res.emplace(method_not_allowed(target.allow)); break;
        case Target::Kind::options: res.emplace(options(target.allow)); break;
        case Target::Kind::handler: {
          Task<Response> handler = (*target.handler)(req, ctx);
          res.emplace(co_await handler);
          break;
        }
      }
    }
  } catch (const ConnectionLost&) {
    throw;
  } catch (...) {
    res.emplace(error_response(std::current_exception(), req, ctx));
  }
  run.after_all(chain, *res);
  co_return std::move(*res);
}

Response App::not_found() { return Response::json({{"error", "Not found"}}, {.status = 404}); }

Response App::method_not_allowed(std::string_view allow) {
  return Response::json({{"error", "Method not allowed"}}, {.status = 405, .headers = {{"Allow", allow}}});
}

Response App::options(std::string_view allow) {
  Response r = Response::empty(204);
  r.headers().set("Allow", allow);
  return r;
}

void App::listen(const ServerOptions& options, const std::function<void(std::uint16_t port)>& on_listening) {
  // Block the stop signals before the server's threads start (they inherit the mask), so
  // that only the wait below receives them.
  sigset_t stop_signals, previous;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
  struct RestoreMask {
    sigset_t mask;
    ~RestoreMask() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } restore{previous};

  Server server(*this, options);
  server.start();
  if (on_listening) on_listening(server.port());
  bool stopping = false;
  while (!server.stopped()) {
    timespec tick{0, 100'000'000};
    int sig = sigtimedwait(&stop_signals, nullptr, &tick);
    if (sig > 0 && !stopping) {
      log(LogLevel::info, sig == SIGINT ? "SIGINT: shutting down" : "SIGTERM: shutting down");
      stopping = true;
      server.stop();
    }
  }
  server.wait();
}

}  // namespace ignis
