#pragma once
// Files: Response::file() sends a file with sendfile (no copy through user space), and
// answers Range and conditional requests; FileRoot opens names that can never leave their
// directory.
//
//   ignis::FileRoot files("data/files");                  // opened once, at start-up
//   app.route("/api/download/[filename]").GET([&](Request& req, RouteContext& ctx) -> Task<Response> {
//     auto name = ctx.params.get("filename");
//     co_return Response::file(req, files.open(name), {.download_name = name});
//   });
//
// What Response::file(req, file, options) answers (GET and HEAD; HEAD gets the head only):
//
// | request                                              | answer                                    |
// |------------------------------------------------------|-------------------------------------------|
// | the file is missing, or not a regular file           | 404 {"error":"File not found"}            |
// | FileRoot refused the name (see FileRoot::open)       | 400 {"error":"Invalid file name"}         |
// | If-None-Match matches the ETag (or is *)             | 304, no body                              |
// | no If-None-Match; If-Modified-Since >= Last-Modified | 304, no body                              |
// | Range: bytes=a-b, a-, -n (one range)                 | 206 with Content-Range: bytes a-b/size    |
// | a single range that starts past the end (or -0)      | 416 with Content-Range: bytes */size      |
// | several ranges, a malformed Range, a stale If-Range  | 200, the whole file                       |
// | anything else                                        | 200, the whole file                       |
//
// Every answer carries ETag ("<mtime>-<size>" in hex), Last-Modified and, with ranges on,
// Accept-Ranges: bytes. Content-Type comes from the extension unless given; the body's
// length is always known, so it goes out with Content-Length.

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ignis/http/response.hpp"

namespace ignis {

// | option        | default              | effect                                                    |
// |---------------|----------------------|-----------------------------------------------------------|
// | content_type  | by the file's name   | the Content-Type header (content_type_for())              |
// | download_name | none                 | Content-Disposition: attachment; filename="..." (+ filename* for non-ASCII) |
// | cache_control | none                 | a Cache-Control header, sent as given                     |
// | ranges        | true                 | honour Range (206/416) and send Accept-Ranges: bytes      |
// | conditional   | true                 | honour If-None-Match / If-Modified-Since (304)            |
// | headers       | none                 | more response headers                                     |
struct FileOptions {
  std::string_view content_type = {};
  std::optional<std::string_view> download_name = {};
  std::string_view cache_control = {};
  bool ranges = true;
  bool conditional = true;
  std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {};
};

// An open regular file (or the reason it could not be opened). Owns its descriptor.
class File {
 public:
  File() noexcept = default;  // not open (ENOENT)
  // Opens any path the process may read; no containment (see FileRoot for that).
  static File open(std::string_view path);
  File(File&& o) noexcept;
  File& operator=(File&& o) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  explicit operator bool() const noexcept { return fd_ >= 0; }
  // errno of a failed open (0 when open); EISDIR for a directory.
  int error() const noexcept { return error_; }
  // The name was refused by FileRoot (traversal, NUL, backslash, ...).
  bool refused() const noexcept { return refused_; }
  int fd() const noexcept { return fd_; }
  std::uint64_t size() const noexcept { return size_; }
  // Last modification, as the file system keeps it.
  timespec modified() const noexcept { return mtime_; }
  // From the name's extension (content_type_for()).
  std::string_view content_type() const noexcept { return content_type_; }

 private:
  friend class FileRoot;
  static File adopt(int fd, std::string_view name);  // fstat; refuses what is not a regular file
  static File failed(int error, bool refused = false) noexcept {
    File f;
    f.error_ = error;
    f.refused_ = refused;
    return f;
  }
  int fd_ = -1;
  int error_ = 2;  // ENOENT
  bool refused_ = false;
  std::uint64_t size_ = 0;
  timespec mtime_{};
  std::string_view content_type_ = "application/octet-stream";
};

// A directory that names are resolved beneath. open() never leaves it: it refuses empty
// names, absolute paths, "." and ".." segments, empty segments, backslashes, NUL and
// control characters; then the kernel resolves the rest with openat2(RESOLVE_BENEATH), so
// a symlink that points out of the directory is refused too (where openat2 is missing, the
// resolved path is checked instead). Slashes between safe segments are allowed, so a
// catch-all route (`/files/[...path]`) can serve subdirectories.
class FileRoot {
 public:
  // Throws std::system_error if the directory cannot be opened.
  explicit FileRoot(std::string_view directory);
  FileRoot(FileRoot&& o) noexcept;
  FileRoot& operator=(FileRoot&& o) noexcept;
  FileRoot(const FileRoot&) = delete;
  FileRoot& operator=(const FileRoot&) = delete;
  ~FileRoot();

  File open(std::string_view relative) const;
  File open(std::optional<std::string_view> relative) const {
    return relative ? open(*relative) : File::failed(22, true);  // EINVAL
  }
  const std::string& path() const noexcept { return path_; }
  // The lexical half of the check, on its own.
  static bool acceptable(std::string_view relative) noexcept;

 private:
  int dirfd_ = -1;
  std::string path_;
  std::string real_path_;  // for the fallback check
};

// "text/html; charset=utf-8" for "index.html"; application/octet-stream when unknown.
std::string_view content_type_for(std::string_view path) noexcept;

// `attachment; filename="report.pdf"`; quotes and backslashes escaped, control and
// non-ASCII bytes replaced in the quoted name, which then comes with an RFC 5987
// `filename*=UTF-8''...` carrying the exact name.
std::string content_disposition(std::string_view filename, bool attachment = true);

// One byte range, both ends included.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};
enum class RangeStatus { ignored, satisfiable, unsatisfiable };
// A Range header against a file of `size` bytes: one range of bytes=a-b, a- or -n.
// Several ranges, other units or malformed ones are ignored (the whole file is sent).
RangeStatus parse_range(std::string_view header, std::uint64_t size, ByteRange& out) noexcept;

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), as Last-Modified and If-Modified-Since use.
std::string format_http_date(std::time_t t);
std::optional<std::time_t> parse_http_date(std::string_view text) noexcept;

}  // namespace ignis
