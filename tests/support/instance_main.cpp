// One server instance for the multi-instance tests: several of these run as separate
// processes on the same port (SO_REUSEPORT), sharing rate limits and a cache in Redis.
//
//   ignis_test_instance PORT REDIS_URL      (backend from IGNIS_TEST_BACKEND)
//
//   GET  /api/whoami    {"pid":<pid>}
//   POST /api/generate  5 per 60 s per client address, counted in Redis
//   GET  /api/config    static, cached in Redis: {"generatedBy":<pid of the instance that ran it>}
//
// Every response carries X-Instance: <pid>. Stops on SIGTERM (exit 0).

#include <unistd.h>

#include <ignis/http/app.hpp>
#include <ignis/http/cache.hpp>
#include <ignis/http/rate_limit.hpp>
#include <ignis/http/redis.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

using namespace ignis;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: ignis_test_instance PORT REDIS_URL\n";
    return 2;
  }
  ServerOptions options;
  options.port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  options.threads = 1;
  if (const char* b = std::getenv("IGNIS_TEST_BACKEND"); b && *b) {
    if (auto backend = parse_backend(b)) options.backend = *backend;
  }
  auto redis = redis::Client::from_url(argv[2]);
  const int pid = static_cast<int>(::getpid());

  App app;
  app.use([pid](Request&, Next next) -> Task<Response> {
    Response res = co_await next();
    res.headers().set("X-Instance", std::to_string(pid));
    co_return res;
  });
  app.route("/api/whoami").GET([pid](Request&) -> Task<Response> { co_return Response::json({{"pid", pid}}); });
  auto with_rate_limit = rate_limit({.limit = 5, .window = 60s, .store = redis_rate_limit_store(redis), .name = "generate"});
  app.route("/api/generate").POST(with_rate_limit([](Request&) -> Task<Response> {
    co_return Response::json({{"data", "result"}});
  }));
  app.route("/api/config").GET(cache({.store = redis_cache_store(redis)})([pid](Request&) -> Task<Response> {
    co_return Response::json({{"version", "1.0.0"}, {"generatedBy", pid}});
  }));
  app.set_logger([](LogLevel level, std::string_view message) {
    if (level >= LogLevel::warn) log_to_stderr(level, message);
  });
  app.listen(options);
  return 0;
}
