#include <ignis/http/crypto.hpp>
#include <ignis/http/form.hpp>
#include <ignis/http/multipart.hpp>

#include "../routes.hpp"

namespace blog::api::upload {

// multipart/form-data with a text field "name" and a file "file", which is streamed to
// files/<filename> while it is hashed: memory stays flat whatever its size, and a
// failed upload leaves nothing behind.
Task<Response> POST(Request& req) {
  MultipartReader form(req);
  std::string name, filename, type, sha256;
  std::uint64_t size = 0;
  while (const MultipartPart* part = co_await form.next()) {
    if (!part->is_file) {
      if (part->name == "name") name = co_await form.text();
      continue;
    }
    if (part->name != "file" || part->filename.empty() || !filename.empty()) continue;
    auto safe = safe_filename(part->filename);
    if (!safe) throw HttpError(400, "Invalid file name");
    filename = *safe;
    type = part->content_type;
    AtomicFile out(blog().files.path() + "/" + filename);
    crypto::Sha256 hash;
    for (auto piece = co_await form.read(); !piece.empty(); piece = co_await form.read()) {
      hash.update(piece);
      out.write(piece);
    }
    out.commit();
    size = out.size();
    sha256 = crypto::hex(hash.finish());
  }
  if (filename.empty()) throw HttpError(400, "No file provided");
  co_return Response::json({{"name", name}, {"filename", filename}, {"size", size}, {"type", type}, {"sha256", sha256}});
}

}  // namespace blog::api::upload
