// Serves the files of one directory, for the download benchmark (bench/file_download.sh).
//
//   file_server --dir DIR [--port 8090] [--threads 1] [--backend epoll|io_uring]
//
//   GET /files/[...path]   the file beneath DIR, with sendfile (Range and 304 as usual)

#include <ignis/http/app.hpp>
#include <ignis/http/file.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

using namespace ignis;

int main(int argc, char** argv) {
  ServerOptions options;
  options.port = 8090;
  options.threads = 1;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view arg = argv[i], value = argv[i + 1];
    if (arg == "--dir") {
      dir = value;
    } else if (arg == "--port") {
      options.port = static_cast<std::uint16_t>(std::atoi(value.data()));
    } else if (arg == "--threads") {
      options.threads = static_cast<unsigned>(std::atoi(value.data()));
    } else if (arg == "--backend" && parse_backend(value)) {
      options.backend = *parse_backend(value);
    } else {
      std::cerr << "usage: file_server --dir DIR [--port N] [--threads N] [--backend epoll|io_uring]\n";
      return 2;
    }
  }
  if (dir.empty()) {
    std::cerr << "file_server: --dir is required\n";
    return 2;
  }
  auto root = std::make_shared<FileRoot>(dir);
  App app;
  app.route("/files/[...path]").GET([root](Request& req, RouteContext& ctx) -> Task<Response> {
    co_return Response::file(req, root->open(ctx.params.get("path")));
  });
  app.listen(options);
}
