#pragma once
// Forms: `co_await req.form_data()`, the twin of `await request.formData()`, for
// application/x-www-form-urlencoded and multipart/form-data bodies.
//
//   auto form = co_await req.form_data();
//   std::optional<std::string_view> name = form.get("name");
//   if (const ignis::UploadedFile* file = form.file("file")) {
//     file->filename();       // as the client sent it: ignis::safe_filename() before using it as a path
//     file->content_type();   // "application/octet-stream" when the part had none
//     file->size();
//     file->save_as("files/report.pdf");  // a link when the temporary file is on that file system
//   }
//
// Files stay in memory up to memory_threshold; past it they are streamed into an
// anonymous temporary file (O_TMPFILE: it has no name until save_as() gives it one), so
// an upload that fails half-way, a client that leaves, or even a crash leaves nothing on
// disk. For constant-memory work on the parts as they arrive (hashing while writing, say),
// read the body part by part with MultipartReader (ignis/http/multipart.hpp).
//
// Bad input gets its answer (an HttpError; the App sends it as {"error": ...}):
//   Content-Type neither of the two              415 Unsupported media type
//   multipart without a valid boundary           400 Invalid multipart boundary
//   malformed multipart (boundaries, part heads,
//   a body that ends before the closing boundary) 400 Malformed multipart body
//   a limit below passed                         413 (the message names the limit)
//   the temporary file system full               507 Insufficient storage
//
// FormOptions:
// | option              | default        | past it                                               |
// |---------------------|----------------|-------------------------------------------------------|
// | max_parts           | 100            | 413 Too many parts (fields of a urlencoded body too)  |
// | max_field_bytes     | 1 MiB          | 413 Field too large (one text field's value)          |
// | max_file_bytes      | unlimited      | 413 File too large (one file)                         |
// | max_total_bytes     | unlimited      | 413 Payload too large (all parts' contents together;  |
// |                     |                | the server's max_body_bytes applies first anyway)     |
// | max_memory_bytes    | 8 MiB          | text fields past it: 413 Form too large; small files  |
// |                     |                | past it go to disk instead                            |
// | memory_threshold    | 64 KiB         | a bigger file goes to a temporary file                |
// | max_part_head_bytes | 16 KiB         | 400 Multipart part head too large                     |
// | temp_dir            | $TMPDIR, /tmp  | where temporary files live (put it on the file system |
// |                     |                | of save_as() targets to save without copying)         |

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ignis {

struct FormOptions {
  std::size_t max_parts = 100;
  std::size_t max_field_bytes = 1 << 20;
  std::uint64_t max_file_bytes = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_total_bytes = std::numeric_limits<std::uint64_t>::max();
  std::size_t max_memory_bytes = 8 << 20;
  std::size_t memory_threshold = 64 * 1024;
  std::size_t max_part_head_bytes = 16 * 1024;
  std::string temp_dir = {};
};

namespace detail {
struct FormBuilder;
}

// A file part of a form.
class UploadedFile {
 public:
  UploadedFile(UploadedFile&& o) noexcept;
  UploadedFile& operator=(UploadedFile&& o) noexcept;
  UploadedFile(const UploadedFile&) = delete;
  UploadedFile& operator=(const UploadedFile&) = delete;
  ~UploadedFile();

  std::string_view field_name() const noexcept { return field_; }
  // The client's name for the file. Never trust it as a path: see safe_filename().
  std::string_view filename() const noexcept { return filename_; }
  std::string_view content_type() const noexcept { return content_type_; }
  std::uint64_t size() const noexcept { return size_; }

  // The content, when it is small enough to be held in memory.
  bool in_memory() const noexcept { return fd_ < 0; }
  std::string_view bytes() const noexcept { return memory_; }
  // The temporary file's descriptor when on disk (-1 in memory); it closes with this object.
  int fd() const noexcept { return fd_; }

  // The whole content (read back from disk if it is there). Throws std::system_error.
  std::string read() const;
  // Writes the content to `path`, replacing what is there; the file appears whole or not at
  // all. On the temporary file's file system it is linked, not copied. Throws std::system_error.
  void save_as(const std::string& path) const;

 private:
  friend struct detail::FormBuilder;
  UploadedFile(std::string field, std::string filename, std::string content_type) noexcept;

  std::string field_, filename_, content_type_;
  std::uint64_t size_ = 0;
  std::string memory_;
  int fd_ = -1;
};

struct FormField {
  std::string name;
  std::string value;
};

class FormData {
 public:
  // The first text field with this name.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  std::vector<std::string_view> get_all(std::string_view name) const;
  // A text field or a file with this name.
  bool has(std::string_view name) const noexcept;
  // The first file with this name, or nullptr.
  const UploadedFile* file(std::string_view name) const noexcept;

  // Everything, in the order it came.
  const std::vector<FormField>& fields() const noexcept { return fields_; }
  const std::vector<UploadedFile>& files() const noexcept { return files_; }

 private:
  friend struct detail::FormBuilder;
  std::vector<FormField> fields_;
  std::vector<UploadedFile> files_;
};

// A client's file name made safe to use as one path component: the last component of
// what was sent (after '/' or '\'), or nullopt when nothing usable is left (empty, "." or
// "..", a leading '.', control characters, more than 255 bytes).
std::optional<std::string> safe_filename(std::string_view client_name);

// A file written piece by piece that appears at its path only once complete: it is written
// unnamed (O_TMPFILE) in the target's directory and linked into place by commit(). If the
// object dies first (an error, a client that went away), nothing is left behind. All
// methods throw std::system_error.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  AtomicFile(AtomicFile&& o) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  ~AtomicFile();

  void write(std::string_view bytes);
  std::uint64_t size() const noexcept { return size_; }
  // Puts the file at its path, replacing what was there.
  void commit();

 private:
  std::string path_;
  std::string named_temp_;  // where O_TMPFILE is not supported: a named temporary, removed if not committed
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace ignis
