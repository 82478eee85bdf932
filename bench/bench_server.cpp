// The bench server: the scenarios of the peers harness (shared/peers/README.md).
//
//   GET  /plaintext                 Hello, World!
//   GET  /json                      {"message":"Hello, World!"}
//   POST /api/echo                  {"id":<id>,"n":<items>} from a ~1 KB JSON body
//   GET  /api/users/[userId]/posts/[postId]   {"user":..,"post":..}, among 50 routes
//
//   bench_server [--port 8080] [--threads 1] [--backend epoll|io_uring]

#include <ignis/http/app.hpp>

#include <cstdlib>
#include <iostream>
#include <string_view>

#include "peers_app.hpp"

using namespace ignis;

namespace {

int usage() {
  std::cerr << "usage: bench_server [--port N] [--threads N] [--backend epoll|io_uring]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ServerOptions options;
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
    } else {
      return usage();
    }
  }

  App app;
  bench::add_peer_routes(app);
  app.listen(options);
}
