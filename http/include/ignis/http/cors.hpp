#pragma once
// CORS, globally as middleware or per route as a wrapper.
//
//   app.use("/api/:path*", ignis::cors({.origins = {"https://your-frontend.com"}}));
//
//   auto public_cors = ignis::cors({.origins = {"*"}});
//   app.route("/api/public").GET(public_cors(get_public)).OPTIONS(public_cors.preflight());
//
// | option           | default                                   | sent as                        |
// |------------------|-------------------------------------------|--------------------------------|
// | origins          | {"*"}                                     | Access-Control-Allow-Origin    |
// | methods          | GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS | -Allow-Methods (preflight)  |
// | allowed_headers  | Content-Type, Authorization (empty: echo the request's) | -Allow-Headers (preflight) |
// | exposed_headers  | none                                      | -Expose-Headers                |
// | credentials      | false                                     | -Allow-Credentials: true       |
// | max_age          | 86400 s (0: not sent)                     | -Max-Age (preflight)           |
//
// A request whose Origin is listed (or any, with "*") gets Access-Control-Allow-Origin: the
// origin itself, or "*" for "*" without credentials. Origins not listed get no CORS header.
// With a list, every response carries `Vary: Origin` (a field line of its own), as caches need. A preflight (OPTIONS
// with Access-Control-Request-Method; with "*", any OPTIONS) gets 204 with the methods,
// headers and max-age. Per-route CORS replaces the global one: a response that already
// carries Access-Control-Allow-Origin is left as it is, so there is always exactly one.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ignis/http/middleware.hpp"

namespace ignis {

struct CorsOptions {
  std::vector<std::string> origins = {"*"};
  std::vector<std::string> methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  std::vector<std::string> allowed_headers = {"Content-Type", "Authorization"};
  std::vector<std::string> exposed_headers = {};
  bool credentials = false;
  std::chrono::seconds max_age = std::chrono::hours(24);
};

class Cors : public SyncMiddlewareBase<Cors> {
 public:
  explicit Cors(CorsOptions options);

  struct State {
    std::string_view allow_origin;  // what Access-Control-Allow-Origin will say; empty: none
    bool preflight = false;
  };
  std::optional<Response> before(Request& req, RouteContext& ctx, State& state) const;
  void after(Request& req, RouteContext& ctx, State& state, Response& res) const;
  // A handler for a route's OPTIONS: answers preflights from allowed origins.
  Wrapped<Cors, Task<Response> (*)(Request&)> preflight() const;

  struct Config;

 private:
  std::shared_ptr<const Config> config_;
};

inline Cors cors(CorsOptions options = {}) { return Cors(std::move(options)); }

}  // namespace ignis
