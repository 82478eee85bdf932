#include "support/fuzz_app.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <vector>

#include <ignis/http/error.hpp>
#include <ignis/http/file.hpp>
#include <ignis/http/sse.hpp>
#include <ignis/json/schema.hpp>
#include <ignis/json/writer.hpp>

namespace ignis::testing {
namespace {

struct Post {
  std::string title;
  std::optional<std::int32_t> rank;
  std::vector<std::string> tags;
};

}  // namespace
}  // namespace ignis::testing

namespace ignis::testing {
namespace {

constexpr auto json_schema(json::For<Post>) {
  using json::field;
  return json::object(field<&Post::title>("title").min(1).max(40), field<&Post::rank>("rank").min(0),
                      field<&Post::tags>("tags").optional().max(4));
}

Response head_marker() { return Response::text("", {.headers = {{"X-Head", "1"}}}); }
bool is_head(const Request& req) { return req.method() == Method::HEAD; }

Task<Response> get_only(Request& req) {
  if (is_head(req)) co_return head_marker();
  co_return Response::text("get");
}

Task<Response> echo(Request& req) {
  std::string_view body = co_await req.text();
  co_return Response::text(body);
}

Task<Response> pieces(Request& req) {
  std::string all;
  for (;;) {
    std::string_view piece = co_await req.body().read();
    if (piece.empty()) break;
    all.append(piece);
  }
  co_return Response::text(all);
}

Task<Response> json_post(Request& req) {
  Post post = co_await req.json<Post>();
  co_return Response::json(json::Value{{"title", post.title}, {"tags", post.tags.size()}});
}

Task<Response> form(Request& req) {
  FormOptions options;
  options.max_parts = 8;
  options.memory_threshold = 256;  // bigger files go to a temporary file
  options.max_part_head_bytes = 512;
  FormData data = co_await req.form_data(options);
  std::string out;
  for (const FormField& f : data.fields()) out += "field " + f.name + "=" + f.value + "\n";
  for (const UploadedFile& f : data.files())
    out += "file " + std::string(f.field_name()) + " " + std::string(f.filename()) + " " + std::to_string(f.size()) + " " +
           f.read() + "\n";
  co_return Response::text(out);
}

Task<Response> item(Request& req, RouteContext& ctx) {
  if (is_head(req)) co_return head_marker();
  const SearchParams& q = req.search_params();
  const std::vector<std::string_view> all = q.get_all("q");
  co_return Response::json(json::Value{{"id", ctx.params.get("id")},
                                       {"q", q.get("q").value_or("")},
                                       {"has", q.has("q")},
                                       {"all", all},
                                       {"cookie", req.cookies().get("s").value_or("")}});
}

Task<Response> stream(Request& req) {
  Response r = Response::stream([](StreamWriter& out) -> Task<void> {
    std::string_view n = out.request().search_params().get("n").value_or("3");
    const int count = n.size() == 1 && n[0] >= '0' && n[0] <= '9' ? n[0] - '0' : 3;
    for (int i = 0; i < count; ++i)
      if (!co_await out.write("chunk " + std::to_string(i) + "\n")) co_return;
  });
  if (is_head(req)) r.headers().set("X-Head", "1");
  co_return r;
}

Task<Response> fixed(Request& req) {
  Response r = Response::stream(
      [](StreamWriter& out) -> Task<void> {
        if (!co_await out.write("01234")) co_return;
        co_await out.write("56789");
      },
      {}, 10);
  if (is_head(req)) r.headers().set("X-Head", "1");
  co_return r;
}

Task<Response> sse(Request& req) {
  Response r = event_stream([](EventStream& es) -> Task<void> {
    const SearchParams& q = es.request().search_params();
    co_await es.send({.data = q.get("data").value_or("hello"), .event = q.get("event").value_or(""),
                      .id = q.get("id").value_or("")});
  });
  if (is_head(req)) r.headers().set("X-Head", "1");
  co_return r;
}

std::string make_file() {
  char path[] = "/tmp/ignis-fuzz-file-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  const std::string content = "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789ABCDEF";
  const bool written = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  if (!written) throw std::runtime_error("write failed");
  return path;
}

}  // namespace

FuzzApp::FuzzApp() : file_path_(make_file()) {
  app_.set_logger([](LogLevel, std::string_view) {});
  for (std::string_view path : {"/echo", "/pieces", "/json", "/form"}) app_.route(RoutePattern::runtime(path)).GET(get_only);
  app_.route("/echo").POST(echo).PUT(echo);
  app_.route("/pieces").POST(pieces);
  app_.route("/json").POST(json_post);
  app_.route("/form").POST(form);
  app_.route("/items/[id]").GET(item);
  app_.route("/stream").GET(stream);
  app_.route("/fixed").GET(fixed);
  app_.route("/sse").GET(sse);
  app_.route("/file").GET([path = file_path_](Request& req) -> Task<Response> {
    Response r = Response::file(req, path);
    if (is_head(req)) r.headers().set("X-Head", "1");
    co_return r;
  });
  app_.route("/throw")
      .GET([](Request& req) -> Task<Response> {
        if (is_head(req)) co_return head_marker();
        throw std::runtime_error("a handler failed");
      })
      .POST([](Request&) -> Task<Response> { throw HttpError(418, "teapot"); });
  auto rest = [](Request& req, RouteContext& ctx) -> Task<Response> {
    if (is_head(req)) co_return head_marker();
    co_return Response::text(ctx.params.get("rest"));
  };
  app_.route("/[[...rest]]").GET(rest).POST(rest).PUT(rest).PATCH(rest).DELETE(rest).OPTIONS(rest);
}

FuzzApp::~FuzzApp() { ::unlink(file_path_.c_str()); }

ServerOptions FuzzApp::options() {
  ServerOptions o;
  o.max_head_bytes = 2048;
  o.max_request_line = 512;
  o.max_headers = 16;
  o.max_body_bytes = 4096;
  return o;
}

}  // namespace ignis::testing
