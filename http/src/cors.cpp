#include "ignis/http/cors.hpp"

#include <algorithm>

#include "string_pool.hpp"

namespace ignis {

struct Cors::Config {
  std::vector<std::string> origins;
  bool any_origin = false;
  bool credentials = false;
  std::string methods;          // joined for the header
  std::string allowed_headers;  // empty: echo Access-Control-Request-Headers
  std::string exposed_headers;
  std::string max_age;          // empty: not sent
};

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

Task<Response> no_content(Request&) { co_return Response::empty(204); }

}  // namespace

Cors::Cors(CorsOptions o) : config_([&] {
  auto c = std::make_shared<Config>();
  c->any_origin = std::find(o.origins.begin(), o.origins.end(), "*") != o.origins.end();
  c->origins = std::move(o.origins);
  c->credentials = o.credentials;
  c->methods = join(o.methods);
  c->allowed_headers = join(o.allowed_headers);
  c->exposed_headers = join(o.exposed_headers);
  if (o.max_age.count() > 0) c->max_age = std::to_string(o.max_age.count());
  // Validate once, here, rather than on each response.
  ResponseHeaders probe;
  probe.set("Access-Control-Allow-Methods", c->methods);
  probe.set("Access-Control-Allow-Headers", c->allowed_headers);
  probe.set("Access-Control-Expose-Headers", c->exposed_headers);
  for (const auto& origin : c->origins) probe.set("Access-Control-Allow-Origin", origin);
  return c;
}()) {}

std::optional<Response> Cors::before(Request& req, RouteContext&, State& state) const {
  const Config& c = *config_;
  const std::optional<std::string_view> origin = req.headers().get("origin");
  if (c.any_origin && !(c.credentials && origin)) {
    state.allow_origin = "*";
  } else if (origin) {
    if (c.any_origin || std::find(c.origins.begin(), c.origins.end(), *origin) != c.origins.end())
      state.allow_origin = *origin;
  }
  state.preflight =
      req.method() == Method::OPTIONS && (c.any_origin || req.headers().has("access-control-request-method"));
  return std::nullopt;  // the route may have CORS of its own: see its answer first
}

void Cors::after(Request& req, RouteContext&, State& state, Response& res) const {
  const Config& c = *config_;
  ResponseHeaders& h = res.headers();
  const bool varies = !c.any_origin || c.credentials;
  detail::prepare_headers(h);
  if (state.allow_origin.empty()) {
    // A field line of its own (lists may span lines): no scan of the handler's headers.
    if (varies) h.storage().append("Vary: Origin\r\n");
    return;
  }
  if (h.has("Access-Control-Allow-Origin")) return;  // per-route CORS answered already
  if (varies) h.append_trusted("Vary", "Origin");

  if (state.preflight) {
    Response pre = Response::empty(204);
    ResponseHeaders& p = pre.headers();
    p.append_trusted("Access-Control-Allow-Origin", state.allow_origin);
    if (c.credentials) p.append_trusted("Access-Control-Allow-Credentials", "true");
    p.append_trusted("Access-Control-Allow-Methods", c.methods);
    if (!c.allowed_headers.empty()) {
      p.append_trusted("Access-Control-Allow-Headers", c.allowed_headers);
    } else if (auto requested = req.headers().get("access-control-request-headers")) {
      p.set("Access-Control-Allow-Headers", *requested);
    }
    if (!c.max_age.empty()) p.append_trusted("Access-Control-Max-Age", c.max_age);
    if (varies) p.append_trusted("Vary", "Origin");
    res = std::move(pre);
    return;
  }
  h.append_trusted("Access-Control-Allow-Origin", state.allow_origin);
  if (c.credentials) h.append_trusted("Access-Control-Allow-Credentials", "true");
  if (!c.exposed_headers.empty()) h.append_trusted("Access-Control-Expose-Headers", c.exposed_headers);
}

Wrapped<Cors, Task<Response> (*)(Request&)> Cors::preflight() const { return (*this)(&no_content); }

}  // namespace ignis
