// Streaming in ignis: a streamed body, Server-Sent Events, a broadcast with replay, and
// file downloads with Range.
//
//   build/bin/streaming --port 3000 --files ./files [--threads N] [--backend epoll|io_uring]
//   curl -N localhost:3000/api/ticks                        # text, a line every 200 ms
//   curl -N 'localhost:3000/api/stream?count=5&interval_ms=300'
//   curl -N localhost:3000/api/events                       # then, elsewhere:
//   curl -X POST localhost:3000/api/posts -d 'hello'        #   -> event: post.created
//   curl -N localhost:3000/api/events -H 'Last-Event-ID: 1' # replays what came after 1
//   curl -r 0-99 localhost:3000/api/download/notes.txt      # 206, the first 100 bytes

#include <ignis/http/app.hpp>
#include <ignis/http/file.hpp>
#include <ignis/http/sse.hpp>
#include <ignis/json/writer.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

using namespace ignis;
using namespace std::chrono_literals;

namespace {

// Every created post goes to every /api/events subscriber; the last 1,000 are kept for
// clients that reconnect with Last-Event-ID.
Broadcast<SseFrame> post_events({.history = 1000});

Task<Response> ticks(Request&) {
  co_return Response::stream(
      [](StreamWriter& out) -> Task<void> {
        for (int i = 0; i < 10; ++i) {
          if (!co_await out.write("tick " + std::to_string(i) + "\n")) co_return;  // the client left
          if (!co_await out.sleep_for(200ms)) co_return;
        }
      },
      {.headers = {{"Content-Type", "text/plain; charset=utf-8"}}});
}

Task<Response> stream(Request& req) {
  const int count = std::atoi(std::string(req.search_params().get("count").value_or("10")).c_str());
  const int interval = std::atoi(std::string(req.search_params().get("interval_ms").value_or("100")).c_str());
  co_return event_stream([count, interval](EventStream& es) -> Task<void> {
    for (int i = 0; i < count; ++i) {
      if (i > 0 && !co_await es.sleep_for(std::chrono::milliseconds(interval))) co_return;
      const std::string data = "Message " + std::to_string(i);
      if (!co_await es.send({.data = data})) co_return;
    }
  });
}

Task<Response> events(Request&) {
  co_return event_stream([](EventStream& es) -> Task<void> {
    auto subscription = post_events.subscribe(es.last_event_number());
    co_await es.forward(subscription, 15s);  // ": ping" after 15 s without an event
  });
}

Task<Response> create_post(Request& req) {
  std::string_view title = co_await req.text();
  const std::string post = json::stringify({{"title", title}});
  const auto id = post_events.publish(SseFrame::make("post.created", post));
  co_return Response::json({{"event", id}}, {.status = 201});
}

}  // namespace

int main(int argc, char** argv) {
  ServerOptions options;
  options.port = 3000;
  std::string files = "files";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--port")) options.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--threads")) options.threads = static_cast<unsigned>(std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--files")) files = argv[i + 1];
    if (!std::strcmp(argv[i], "--backend")) options.backend = parse_backend(argv[i + 1]).value_or(options.backend);
  }
  std::filesystem::create_directories(files);
  FileRoot root(files);

  App app;
  app.route("/api/ticks").GET(ticks);
  app.route("/api/stream").GET(stream);
  app.route("/api/events").GET(events);
  app.route("/api/posts").POST(create_post);
  app.route("/api/download/[filename]").GET([&root](Request& req, RouteContext& ctx) -> Task<Response> {
    auto name = ctx.params.get("filename");
    co_return Response::file(req, root.open(name), {.download_name = name});
  });
  app.listen(options);
}
