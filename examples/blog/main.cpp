// The reference app: a blog backend on ignis, every route of ../shared/reference-app.md.
//
//   build/bin/blog [--host 127.0.0.1] [--port 3000] [--threads N] [--data-dir ./data]
//                  [--max-body 64MiB] [--trust-proxy]
//
// Handlers live in routes/, one file per route folder as in a Next.js app; this file maps
// them to their paths, with the middleware and per-route wrappers around them.

#include <CLI/CLI.hpp>

#include <ignis/http/cors.hpp>
#include <ignis/http/request_id.hpp>

#include <cstdio>

#include "routes/routes.hpp"

namespace blog {

App make_app(Blog& b) {
  App app;
  app.use(b.metrics);  // outermost: counts and times every answer
  app.use(request_id());
  app.use("/api/:path*", cors({.origins = b.settings.cors_origins}));

  auto with_auth = guard([](Request& req) -> std::optional<User> {
    auto name = blog().sessions.get(req);  // nullopt when absent, tampered or expired
    return name ? std::optional(User{std::move(*name)}) : std::nullopt;
  });
  auto with_rate_limit =
      rate_limit({.limit = 5, .window = 60s, .trust_proxy = b.settings.trust_proxy, .store = b.limits, .name = "generate"});
  auto any_origin = cors({.origins = {"*"}});

  app.route("/api/health").GET(api::health::GET);
  app.route("/api/hello").GET(api::hello::GET);
  app.route("/api/data").GET(api::data::GET);
  app.route("/api/posts").GET(api::posts::GET).POST(api::posts::POST);
  namespace post = api::posts::id;
  app.route("/api/posts/[id]").GET(post::GET).PUT(post::PUT).PATCH(post::PATCH).DELETE(post::DELETE);
  app.route("/api/search").GET(api::search::GET);
  app.route("/api/upload").POST(api::upload::POST);
  app.route("/api/download/[filename]").GET(api::download::filename::GET);
  app.route("/api/stream").GET(api::stream::GET);
  app.route("/api/events").GET(api::events::GET);
  app.route("/api/webhooks/stripe").POST(api::webhooks::stripe::POST);
  app.route("/api/login").POST(api::login::POST);
  app.route("/api/profile").GET(with_auth(api::profile::GET));
  app.route("/api/public").GET(any_origin(api::public_::GET)).OPTIONS(any_origin.preflight());
  app.route("/api/generate").POST(with_rate_limit(api::generate::POST));
  app.route("/api/config").GET(cache({.store = b.cache})(api::config::GET));
  app.route("/api/time").GET(cache({.revalidate = 2s, .tags = {"time"}, .store = b.cache})(api::time::GET));
  app.route("/api/revalidate").POST(api::revalidate::POST);
  app.route("/api/weather").GET(api::weather::GET);
  app.route("/api/boom").GET(api::boom::GET);
  app.route("/rss.xml").GET(rss::GET);
  app.route("/metrics").GET(b.metrics.handler());
  return app;
}

}  // namespace blog

int main(int argc, char** argv) {
  ignis::ServerOptions options;
  blog::Settings settings;
  CLI::App cli("ignis reference app: a blog backend");
  cli.add_option("--host", options.host, "Address to listen on")->capture_default_str();
  cli.add_option("--port", options.port, "Port (0: any free port)")->capture_default_str();
  cli.add_option("--threads", options.threads, "Reactor threads (default: one per core)");
  cli.add_option("--data-dir", settings.data_dir, "Holds blog.db and files/")->capture_default_str();
  cli.add_option("--max-body", options.max_body_bytes, "Largest request body (64MiB, 512KiB, ...)")
      ->transform(CLI::AsSizeValue(false))
      ->default_str("64MiB");
  cli.add_flag("--trust-proxy", settings.trust_proxy, "Rate-limit by the first X-Forwarded-For hop");
  cli.add_option_function<std::string>(
         "--backend", [&](const std::string& name) { options.backend = *ignis::parse_backend(name); },
         "Reactor backend: io_uring or epoll")
      ->check(CLI::IsMember({"io_uring", "epoll"}));
  auto seconds = [](std::chrono::milliseconds& to) { return [&to](double s) { to = std::chrono::milliseconds(std::int64_t(s * 1000)); }; };
  cli.add_option_function<double>("--header-timeout", seconds(options.header_timeout), "Seconds to send a request head (10)");
  cli.add_option_function<double>("--idle-timeout", seconds(options.idle_timeout), "Seconds a keep-alive connection may idle (60)");
  CLI11_PARSE(cli, argc, argv);

  settings.read_environment();
  blog::Blog blog(std::move(settings));
  ignis::App app = blog::make_app(blog);
  app.listen(options, [&](std::uint16_t port) {
    std::printf("listening on http://%s:%u\n", options.host.c_str(), unsigned(port));
    std::fflush(stdout);
  });
}
