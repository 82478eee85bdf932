#pragma once
// Middleware and per-route wrappers: what runs around handlers.
//
// Middleware runs for every request whose path matches its matchers (Next.js matcher
// syntax), before the route's handler, in the order of app.use() (the first one is the
// outermost). It may answer early, or call `next()` and edit the response:
//
//   app.use("/api/:path*", [](Request& req, Next next) -> Task<Response> {
//     if (!req.headers().has("x-api-key")) co_return Response::json({{"error", "No key"}}, {.status = 401});
//     Response res = co_await next();
//     res.headers().set("X-Powered-By", "ignis");
//     co_return res;
//   });
//
// It also runs for paths no route answers (404) and methods a route does not export (405),
// as long as the path matches. `ctx.pattern` is the matched route's pattern (empty on 404).
//
// Matchers (as in Next.js's `config.matcher`), segment by segment:
//   /api/health      that path only
//   /api/:id         one segment
//   /api/:id?        zero or one segment
//   /api/:path*      zero or more segments (/api, /api/a, /api/a/b)
//   /api/:path+      one or more segments
// A list of matchers matches when any of them does; a trailing '/' is ignored.
//
// Per-route wrappers are higher-order handlers: a wrapper takes a handler and returns one.
// The framework's policies (cors, rate_limit, cache, time_limit) work both ways:
//
//   auto with_rate_limit = ignis::rate_limit({.limit = 5, .window = 60s});
//   app.use("/api/:path*", with_rate_limit);          // as middleware
//   app.route("/api/generate").POST(with_rate_limit(generate));   // as a wrapper
//
// A guard hands a value to the handler (the signed-in user), as an extra argument:
//
//   auto with_auth = ignis::guard([](Request& req) -> std::optional<User> { ... });
//   Task<Response> profile(Request& req, RouteContext& ctx, const User& user);
//   app.route("/api/profile").GET(with_auth(with_rate_limit(profile)));
//
// No guard value -> 401 {"error":"Unauthorized"}. Wrappers pass extra arguments through,
// so they compose in any order; guards append theirs in order, outermost first.
//
// Synchronous middleware. Middleware that awaits nothing can be written as two plain
// steps around the rest of the chain, which costs no coroutine frame per request (the
// app keeps their state in its own frame); CORS, request ids and metrics are written so:
//
//   struct Stamp : ignis::SyncMiddlewareBase<Stamp> {
//     struct State { Clock::time_point start; };   // trivially destructible, <= 64 bytes;
//                                                  // default-initialised: before() sets it
//     std::optional<Response> before(Request&, RouteContext&, State& s) const {
//       s.start = Clock::now();
//       return std::nullopt;                        // or a Response: answer early
//     }
//     void after(Request&, RouteContext&, State& s, Response& res) const { ... }
//   };
//
// after() runs on every response of the rest of the chain, errors included (they are
// responses by then), unless before() answered early.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ignis/core/task.hpp"
#include "ignis/http/request.hpp"
#include "ignis/http/response.hpp"

namespace ignis {

struct RouteContext;

// The rest of the chain, for middleware: `co_await next()` runs it and gives its response.
// Cheap to copy; valid while the middleware's call lasts.
class Next {
 public:
  using Step = Task<Response> (*)(const void* state, std::size_t index);
  Next(Step step, const void* state, std::size_t index = 0) noexcept : step_(step), state_(state), index_(index) {}
  Task<Response> operator()() const { return step_(state_, index_); }

 private:
  Step step_;
  const void* state_;
  std::size_t index_;
};

using Middleware = std::function<Task<Response>(Request&, RouteContext&, Next)>;

// Next.js matcher syntax, compiled once (see the table above). Throws InvalidRoutePattern.
class PathMatcher {
 public:
  PathMatcher() = default;  // matches every path
  explicit PathMatcher(std::string_view pattern);
  PathMatcher(std::initializer_list<std::string_view> patterns);

  bool matches(std::string_view path) const noexcept;
  bool matches_everything() const noexcept { return alternatives_.empty(); }

 private:
  struct Segment {
    enum class Kind : std::uint8_t { literal, one, optional, any, many } kind;
    std::string literal;
  };
  using Pattern = std::vector<Segment>;
  static Pattern compile(std::string_view pattern);
  static bool match(const Segment* seg, const Segment* end, std::string_view rest) noexcept;
  std::vector<Pattern> alternatives_;
};

namespace detail {

template <class T>
struct is_task : std::false_type {};
template <class T>
struct is_task<Task<T>> : std::true_type {};

// Calls a handler of any accepted shape: (Request&), (Request&, RouteContext&), or
// (Request&, RouteContext&, extra...) when wrappers hand it values.
template <class H, class... X>
Task<Response> invoke_handler(H& h, Request& req, RouteContext& ctx, X&... extra) {
  if constexpr (std::is_invocable_r_v<Task<Response>, H&, Request&, RouteContext&, X&...>) {
    return h(req, ctx, extra...);
  } else {
    static_assert(sizeof...(X) == 0 && std::is_invocable_r_v<Task<Response>, H&, Request&>,
                  "this handler does not take the values its wrappers hand it: declare it as "
                  "Task<Response>(Request&, RouteContext&, const T&...)");
    return h(req);
  }
}

template <class F>
Task<Response> call_step(const void* f, std::size_t) {
  return (*static_cast<const F*>(f))();
}

// The middleware shapes app.use() accepts: (Request&, Next) or (Request&, RouteContext&, Next).
template <class M>
Middleware to_middleware(M&& m) {
  if constexpr (std::is_invocable_r_v<Task<Response>, M&, Request&, RouteContext&, Next>) {
    return Middleware(std::forward<M>(m));
  } else {
    static_assert(std::is_invocable_r_v<Task<Response>, M&, Request&, Next>,
                  "middleware is Task<Response>(Request&, Next) or Task<Response>(Request&, RouteContext&, Next)");
    return Middleware([fn = std::forward<M>(m)](Request& req, RouteContext&, Next next) mutable { return fn(req, next); });
  }
}

}  // namespace detail

// A handler wrapped by a middleware-shaped policy: the policy's `next()` is the handler.
template <class Policy, class H>
class Wrapped {
 public:
  Wrapped(Policy policy, H handler) : policy_(std::move(policy)), handler_(std::move(handler)) {}

  template <class... X>
  Task<Response> operator()(Request& req, RouteContext& ctx, X&&... extra) const {
    // Lives in this frame, so the policy can call it for as long as it runs.
    auto call = [&]() { return detail::invoke_handler(handler_, req, ctx, extra...); };
    Task<Response> inner = policy_(req, ctx, Next(&detail::call_step<decltype(call)>, &call));
    co_return co_await inner;
  }

 private:
  Policy policy_;
  mutable H handler_;
};

// Gives a middleware-shaped policy the wrapper form: policy(handler) is a handler.
template <class Derived>
class WrapperBase {
 public:
  template <class H>
    requires(!std::is_base_of_v<Request, std::decay_t<H>>)
  Wrapped<Derived, std::decay_t<H>> operator()(H&& handler) const {
    return {static_cast<const Derived&>(*this), std::forward<H>(handler)};
  }
};

// Turns any middleware function into a wrapper factory:
//   auto with_timing = ignis::wrapper([](Request& req, RouteContext& ctx, Next next) -> Task<Response> {...});
template <class M>
class MiddlewareWrapper : public WrapperBase<MiddlewareWrapper<M>> {
 public:
  explicit MiddlewareWrapper(M m) : m_(std::move(m)) {}
  using WrapperBase<MiddlewareWrapper<M>>::operator();
  Task<Response> operator()(Request& req, RouteContext& ctx, Next next) const {
    if constexpr (std::is_invocable_v<const M&, Request&, RouteContext&, Next>)
      return m_(req, ctx, next);
    else
      return m_(req, next);
  }

 private:
  M m_;
};
template <class M>
MiddlewareWrapper<std::decay_t<M>> wrapper(M&& m) {
  return MiddlewareWrapper<std::decay_t<M>>(std::forward<M>(m));
}

// ---------------------------------------------------------------------------- synchronous

inline constexpr std::size_t kSyncStateSize = 64;

template <class H>
concept SyncMiddleware =
    std::is_trivially_destructible_v<typename H::State> && std::is_default_constructible_v<typename H::State> &&
    sizeof(typename H::State) <= kSyncStateSize && alignof(typename H::State) <= alignof(std::max_align_t) &&
    requires(const H& h, Request& req, RouteContext& ctx, typename H::State& s, Response& res) {
      { h.before(req, ctx, s) } -> std::same_as<std::optional<Response>>;
      h.after(req, ctx, s, res);
    };

namespace detail {

// A synchronous middleware, type-erased for the app's chain.
struct SyncOps {
  void (*before)(const void* self, Request&, RouteContext&, void* state, std::optional<Response>& early);
  void (*after)(const void* self, Request&, RouteContext&, void* state, Response& res);
};
template <class H>
inline constexpr SyncOps sync_ops = {
    [](const void* self, Request& req, RouteContext& ctx, void* state, std::optional<Response>& early) {
      auto* s = ::new (state) typename H::State;  // default-initialised, as a local would be
      if (auto answer = static_cast<const H*>(self)->before(req, ctx, *s)) early.emplace(std::move(*answer));
    },
    [](const void* self, Request& req, RouteContext& ctx, void* state, Response& res) {
      static_cast<const H*>(self)->after(req, ctx, *static_cast<typename H::State*>(state), res);
    },
};

// The coroutine form of a synchronous middleware (as a wrapper, or inside other middleware).
template <class H>
Task<Response> run_sync(const H& h, Request& req, RouteContext& ctx, Next next) {
  typename H::State state;
  if (auto early = h.before(req, ctx, state)) co_return std::move(*early);
  Response res = co_await next();
  h.after(req, ctx, state, res);
  co_return res;
}

}  // namespace detail

// Gives a synchronous middleware its middleware (coroutine) and wrapper forms.
template <class Derived>
class SyncMiddlewareBase : public WrapperBase<Derived> {
 public:
  using WrapperBase<Derived>::operator();
  Task<Response> operator()(Request& req, RouteContext& ctx, Next next) const {
    return detail::run_sync(static_cast<const Derived&>(*this), req, ctx, next);
  }
};

// ---------------------------------------------------------------------------- guards

namespace detail {
template <class R>
struct guard_result {
  using type = R;
};
template <class R>
struct guard_result<Task<R>> {
  using type = R;
};
}  // namespace detail

template <class Authenticate, class H>
class Guarded {
  using Result = typename detail::guard_result<std::invoke_result_t<const Authenticate&, Request&>>::type;

 public:
  Guarded(Authenticate a, H h, int status, std::string message)
      : authenticate_(std::move(a)), handler_(std::move(h)), status_(status), message_(std::move(message)) {}

  template <class... X>
  Task<Response> operator()(Request& req, RouteContext& ctx, X&&... extra) const {
    Result value;
    if constexpr (detail::is_task<std::invoke_result_t<const Authenticate&, Request&>>::value) {
      auto pending = authenticate_(req);
      value = co_await pending;
    } else {
      value = authenticate_(req);
    }
    if (!value) co_return Response::json({{"error", message_}}, {.status = status_});
    auto& granted = *value;
    Task<Response> inner = detail::invoke_handler(handler_, req, ctx, extra..., granted);
    co_return co_await inner;
  }

 private:
  Authenticate authenticate_;
  mutable H handler_;
  int status_;
  std::string message_;
};

// A wrapper factory from `authenticate(Request&)`, which returns std::optional<T> (or a
// Task of one, or anything testable whose operator* gives the value): with a value the
// handler runs with it as its last argument; without, the answer is `status` (401) with
// {"error": message}.
template <class Authenticate>
class Guard {
 public:
  explicit Guard(Authenticate a, int status = 401, std::string message = "Unauthorized")
      : authenticate_(std::move(a)), status_(status), message_(std::move(message)) {}

  template <class H>
  Guarded<Authenticate, std::decay_t<H>> operator()(H&& handler) const {
    return {authenticate_, std::forward<H>(handler), status_, message_};
  }

 private:
  Authenticate authenticate_;
  int status_;
  std::string message_;
};
template <class Authenticate>
Guard<std::decay_t<Authenticate>> guard(Authenticate&& a, int status = 401, std::string message = "Unauthorized") {
  return Guard<std::decay_t<Authenticate>>(std::forward<Authenticate>(a), status, std::move(message));
}

}  // namespace ignis
