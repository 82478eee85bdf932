// The smallest ignis server: two routes, one per Route Handler shape.
//
//   build/bin/hello --port 3000
//   curl localhost:3000/api/hello
//   curl localhost:3000/api/greet/ada

#include <ignis/http/app.hpp>

#include <cstdlib>
#include <cstring>

using namespace ignis;

Task<Response> hello(Request&) { co_return Response::text("Hello, World!"); }

Task<Response> greet(Request&, RouteContext& ctx) {
  co_return Response::json({{"greeting", "Hello"}, {"name", ctx.params.get("name")}});
}

int main(int argc, char** argv) {
  ServerOptions options;
  options.port = 3000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--port")) options.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--threads")) options.threads = static_cast<unsigned>(std::atoi(argv[i + 1]));
  }
  App app;
  app.route("/api/hello").GET(hello);
  app.route("/api/greet/[name]").GET(greet);
  app.listen(options);
}
