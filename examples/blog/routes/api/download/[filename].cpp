#include "../../routes.hpp"

namespace blog::api::download::filename {

// FileRoot refuses any name that would leave files/ (.., encoded slashes, absolute paths,
// symlinks out); Response::file answers Range (206/416), 404 and HEAD.
Task<Response> GET(Request& req, RouteContext& ctx) {
  auto name = ctx.params.get("filename");
  co_return Response::file(req, blog().files.open(name),
                           {.content_type = "application/octet-stream", .download_name = name});
}

}  // namespace blog::api::download::filename
