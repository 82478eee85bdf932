#pragma once
// App: routes with one handler per method, in the shape of Next.js Route Handlers.
//
//   ignis::App app;
//   app.route("/api/posts/[id]").GET(get_post).PATCH(patch_post).DELETE(delete_post);
//   app.use("/api/:path*", ignis::cors({.origins = {"https://your-frontend.com"}}));
//   app.listen({.port = 3000});
//
//   ignis::Task<ignis::Response> get_post(ignis::Request& req, ignis::RouteContext& ctx) {
//     auto id = ctx.params.get("id");
//     ...
//     co_return ignis::Response::json(post);
//   }
//
// A handler is `Task<Response>(Request&, RouteContext&)` or `Task<Response>(Request&)`.
// For every route the app answers by itself:
//   a method the route does not export    405 {"error":"Method not allowed"} with Allow
//   HEAD on a route that exports GET      the GET response's head, without the body
//   OPTIONS on a route that exports none  204 with Allow
//   a path no route matches               404 {"error":"Not found"}
//
// How a request flows: the connection (http/src/connection.cpp) reads and parses the head
// into a Request of views, App::resolve() matches the path in the router and picks the
// handler, the handler's Task runs (and may co_await the body, timers, offload()), and
// the Response is serialized with its head and body in one write. Middleware registered
// with use() (middleware.hpp) runs around that, after routing and before the handler.

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ignis/core/task.hpp"
#include "ignis/http/log.hpp"
#include "ignis/http/method.hpp"
#include "ignis/http/middleware.hpp"
#include "ignis/http/options.hpp"
#include "ignis/http/request.hpp"
#include "ignis/http/response.hpp"
#include "ignis/router/router.hpp"

namespace ignis {

class CacheStore;

namespace detail {
class Connection;
class Worker;
struct OpenEventStream;
}

struct RouteContext {
  Params params;
  std::string_view pattern;  // the matched pattern, such as "/api/posts/[id]"
};

using Handler = std::function<Task<Response>(Request&, RouteContext&)>;

class App;

class RouteBuilder {
 public:
  template <class H>
  RouteBuilder& GET(H&& h) {
    return handle(Method::GET, std::forward<H>(h));
  }
  template <class H>
  RouteBuilder& HEAD(H&& h) {
    return handle(Method::HEAD, std::forward<H>(h));
  }
  template <class H>
  RouteBuilder& POST(H&& h) {
    return handle(Method::POST, std::forward<H>(h));
  }
  template <class H>
  RouteBuilder& PUT(H&& h) {
    return handle(Method::PUT, std::forward<H>(h));
  }
  template <class H>
  RouteBuilder& PATCH(H&& h) {
    return handle(Method::PATCH, std::forward<H>(h));
  }
  template <class H>
  RouteBuilder& DELETE(H&& h) {
    return handle(Method::DELETE, std::forward<H>(h));
  }
  template <class H>
  RouteBuilder& OPTIONS(H&& h) {
    return handle(Method::OPTIONS, std::forward<H>(h));
  }

  // Any of the methods above, chosen at run time. Replaces an earlier handler.
  template <class H>
  RouteBuilder& handle(Method m, H&& h) {
    if constexpr (std::is_invocable_r_v<Task<Response>, H&, Request&, RouteContext&>) {
      return set(m, Handler(std::forward<H>(h)));
    } else {
      static_assert(std::is_invocable_r_v<Task<Response>, H&, Request&>,
                    "a handler is Task<Response>(Request&, RouteContext&) or Task<Response>(Request&)");
      return set(m, Handler([fn = std::forward<H>(h)](Request& req, RouteContext&) mutable { return fn(req); }));
    }
  }

 private:
  friend class App;
  RouteBuilder(App& app, std::size_t route) noexcept : app_(app), route_(route) {}
  RouteBuilder& set(Method m, Handler h);
  App& app_;
  std::size_t route_;
};

class App {
 public:
  App();
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;
  // Movable while no server runs it (a Server keeps a reference).
  App(App&&) noexcept;
  App& operator=(App&&) noexcept;

  // The route for a pattern (the same one if the pattern was seen before). A literal
  // pattern is checked when the program compiles; RoutePattern::runtime(text) takes one
  // built at run time. Throws InvalidRoutePattern, or RouteConflict naming the pattern it
  // clashes with.
  RouteBuilder route(RoutePattern pattern);

  // Middleware for every path, or for the paths its Next.js matchers match
  // ("/api/:path*", or a list). A middleware is Task<Response>(Request&, Next) or
  // Task<Response>(Request&, RouteContext&, Next); the first registered runs outermost.
  template <class M>
  App& use(M&& middleware) {
    return use_with(PathMatcher(), std::forward<M>(middleware));
  }
  template <class M>
  App& use(std::string_view matcher, M&& middleware) {
    return use_with(PathMatcher(matcher), std::forward<M>(middleware));
  }
  template <class M>
  App& use(std::initializer_list<std::string_view> matchers, M&& middleware) {
    return use_with(PathMatcher(matchers), std::forward<M>(middleware));
  }

  // Where the app and its servers log (stderr unless replaced). Set it before serving.
  void set_logger(LogSink sink) { log_ = std::move(sink); }
  void log(LogLevel level, std::string_view message) const { log_(level, message); }

  // Where cache() keeps copies when given no store, and what revalidate_path() and
  // revalidate_tag() clear (cache.hpp): the app's own memory unless replaced, with
  // redis_cache_store(client) say (nullptr puts back a fresh memory store). Set it before
  // serving. Each app has its own, so two apps in one process never share copies.
  void set_cache_store(std::shared_ptr<CacheStore> store);
  const std::shared_ptr<CacheStore>& cache_store() const noexcept { return cache_store_; }

  // HTTP connections, and event streams (sse.hpp), open on this app's servers.
  std::int64_t open_connections() const noexcept;
  std::int64_t open_event_streams() const noexcept;

  // Serves the app on its own threads until SIGINT or SIGTERM, then shuts down gracefully
  // and returns. `on_listening` runs once every acceptor is bound, with the port (the one
  // picked for port 0). Throws std::system_error if the address cannot be bound.
  void listen(const ServerOptions& options = {}, const std::function<void(std::uint16_t port)>& on_listening = {});

  // Answers one request: routing, the handler, and the app's own answers. Never throws:
  // a handler's exception becomes its error response (500, or an HttpError's status).
  Task<Response> handle(Request& req, RouteContext& ctx) const { return dispatch(req, ctx, true); }

  // How the app answers a method on a path.
  struct Target {
    enum class Kind { handler, not_found, not_allowed, options } kind = Kind::not_found;
    const Handler* handler = nullptr;
    std::string_view pattern;
    std::string_view allow;  // the route's methods, for 405 and OPTIONS
  };
  Target resolve(Method method, std::string_view path, Params& params) const;
  // The target's answer: the handler's response (its errors mapped), or the app's own.
  Task<Response> answer(Request& req, RouteContext& ctx, Target target) const;
  // The responses the app gives by itself.
  static Response not_found();
  static Response method_not_allowed(std::string_view allow);
  static Response options(std::string_view allow);

 private:
  friend class RouteBuilder;
  struct Route {
    std::string pattern;
    std::array<Handler, kRouteMethods> handlers;
    std::string allow;
  };

  struct MiddlewareEntry {
    PathMatcher matcher;
    Middleware fn;                       // a coroutine middleware, or
    std::shared_ptr<const void> sync;    // a synchronous one (middleware.hpp)
    const detail::SyncOps* ops = nullptr;
  };
  struct Chain;
  struct SyncRun;
  static constexpr std::size_t SyncRunSlots = 8;
  template <class M>
  App& use_with(PathMatcher matcher, M&& m) {
    using T = std::decay_t<M>;
    if constexpr (SyncMiddleware<T>)
      return add_middleware(MiddlewareEntry{std::move(matcher), {}, std::make_shared<const T>(std::forward<M>(m)),
                                            &detail::sync_ops<T>});
    else
      return add_middleware(MiddlewareEntry{std::move(matcher), detail::to_middleware(std::forward<M>(m)), {}, nullptr});
  }
  App& add_middleware(MiddlewareEntry entry);
  Task<Response> answer_with_sync(Request& req, RouteContext& ctx, Target target) const;
  Task<Response> sync_segment(const Chain& chain, std::size_t index) const;
  Task<Response> handle_with_middleware(Request& req, RouteContext& ctx, Target target) const;
  static Task<Response> chain_step(const void* chain, std::size_t index);
  Response error_response(std::exception_ptr error, const Request& req, const RouteContext& ctx) const;
  // handle(), for the server when map_errors is false: a route without middleware then costs
  // one frame, the handler's own, whose exceptions reach the caller (for error_response()).
  Task<Response> dispatch(Request& req, RouteContext& ctx, bool map_errors) const;
  friend class detail::Connection;
  friend class detail::Worker;
  friend struct detail::OpenEventStream;
  struct Counters;
  void count_connection(int delta) const noexcept;    // by the workers
  void count_event_stream(int delta) const noexcept;  // by event streams

  Router router_;
  std::vector<MiddlewareEntry> middleware_;
  bool all_sync_ = true;  // every middleware is synchronous: one frame runs them and the handler
  std::deque<Route> routes_;  // indexed by router id; a deque keeps patterns in place
  LogSink log_ = log_to_stderr;
  std::shared_ptr<CacheStore> cache_store_;
  std::unique_ptr<Counters> counters_;  // apart: written by every server thread
};

}  // namespace ignis
