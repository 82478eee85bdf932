// The bench server: the scenarios of the peers harness (shared/peers/README.md).
//
//   GET  /plaintext                 Hello, World!
//   GET  /json                      {"message":"Hello, World!"}
//   POST /api/echo                  {"id":<id>,"n":<items>} from a ~1 KB JSON body
//   GET  /api/users/[userId]/posts/[postId]   {"user":..,"post":..}, among 50 routes
//
//   bench_server [--port 8080] [--threads 1] [--backend epoll|io_uring] [--middleware on]
//
// --middleware on adds what a production app runs on every request, to measure its cost
// against the bare server: Prometheus metrics, X-Request-Id and CORS for a listed origin
// (middleware over every path), and GET /metrics.

#include <ignis/http/app.hpp>
#include <ignis/http/cors.hpp>
#include <ignis/http/metrics.hpp>
#include <ignis/http/request_id.hpp>

#include <cstdlib>
#include <iostream>
#include <string_view>

#include "peers_app.hpp"

using namespace ignis;

namespace {

int usage() {
  std::cerr << "usage: bench_server [--port N] [--threads N] [--backend epoll|io_uring] [--middleware on|off]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ServerOptions options;
  bool middleware = false;
  options.port = 8080;
  options.threads = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    std::string_view value = argv[++i];
    if (arg == "--port") {
      options.port = static_cast<std::uint16_t>(std::atoi(value.data()));
    } else if (arg == "--threads") {
      options.threads = static_cast<unsigned>(std::atoi(value.data()));
    } else if (arg == "--backend") {
      auto b = parse_backend(value);
      if (!b) return usage();
      options.backend = *b;
    } else if (arg == "--middleware") {
      if (value != "on" && value != "off") return usage();
      middleware = value == "on";
    } else {
      return usage();
    }
  }

  App app;
  bench::add_peer_routes(app);
  Metrics metrics;
  if (middleware) {
    app.use(metrics);
    app.use(request_id());
    app.use(cors({.origins = {"https://your-frontend.com"}}));
    app.route("/metrics").GET(metrics.handler());
  }
  app.listen(options);
}
