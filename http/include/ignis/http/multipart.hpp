#pragma once
// A multipart/form-data body read part by part as it arrives, in constant memory: the
// pieces handed out are views into the connection's buffer, valid until the next call.
//
//   ignis::MultipartReader form(req);        // 415 / 400 unless multipart/form-data with a boundary
//   while (const ignis::MultipartPart* part = co_await form.next()) {
//     if (!part->is_file) {
//       std::string_view value = co_await form.text();      // the whole value (max_field_bytes)
//       continue;
//     }
//     ignis::AtomicFile out("files/" + *ignis::safe_filename(part->filename));
//     ignis::crypto::Sha256 hash;
//     for (std::string_view piece; !(piece = co_await form.read()).empty();) {
//       hash.update(piece);
//       out.write(piece);
//     }
//     out.commit();
//   }
//
// Limits come from FormOptions (ignis/http/form.hpp): max_parts, max_field_bytes (a part
// without a filename), max_file_bytes, max_total_bytes, max_part_head_bytes. Errors are
// thrown as HttpError with the statuses listed there; unread parts are skipped by next().

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ignis/core/task.hpp"
#include "ignis/http/form.hpp"

namespace ignis {

class Request;

namespace detail {
class MultipartParser;
}

struct MultipartPart {
  std::string_view name;          // the form field's name
  std::string_view filename;      // as the client sent it (empty for a text field)
  std::string_view content_type;  // as sent; "text/plain" or "application/octet-stream" if absent
  bool is_file = false;           // the part had a filename parameter
};

class MultipartReader {
 public:
  // Throws HttpError 415 (not multipart/form-data) or 400 (no valid boundary).
  explicit MultipartReader(Request& req, FormOptions options = {});
  ~MultipartReader();
  MultipartReader(const MultipartReader&) = delete;
  MultipartReader& operator=(const MultipartReader&) = delete;

  // The next part's head, skipping what is left of the current part; nullptr after the
  // last part. The part's views stay valid until the next call to next().
  Task<const MultipartPart*> next();
  // The next piece of the current part's content; empty at its end.
  Task<std::string_view> read();
  // The rest of the current part in one piece (413 past max_field_bytes).
  Task<std::string_view> text();

 private:
  Task<void> pull();
  [[noreturn]] void fail() const;

  Request& req_;
  FormOptions options_;
  std::unique_ptr<detail::MultipartParser> parser_;
  MultipartPart part_;
  std::string text_;
  std::size_t parts_ = 0;
  std::uint64_t part_bytes_ = 0;
  std::uint64_t total_bytes_ = 0;
  bool in_part_ = false;
  bool done_ = false;
};

}  // namespace ignis
