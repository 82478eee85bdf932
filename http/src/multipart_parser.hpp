#pragma once
// multipart/form-data (RFC 7578, RFC 2046) as an incremental, non-allocating state machine:
// fed the body in whatever pieces it arrives, it yields part heads and content pieces that
// are views into those pieces, so a part of any size passes through in constant memory.
//
//   MultipartParser p(boundary);
//   p.feed(piece);                       // when next() asks for more (piece valid until then)
//   switch (p.next()) {
//     case Event::part_begin: p.name(), p.filename(), p.content_type()
//     case Event::data:       p.data()   (a view into the piece, or into the delimiter)
//     case Event::part_end:   ...
//     case Event::need_more:  feed the next piece, or finish() at the end of the body
//     case Event::done:       the closing delimiter was seen (the epilogue is ignored)
//     case Event::error:      p.error()
//   }
//
// The delimiter is "\r\n--" + boundary; the body is read as if it began with "\r\n", so
// the first boundary line needs no special case. Because '\r' occurs only at the start of
// the delimiter (boundaries may not hold CR), a partial match at the end of a piece can
// be remembered as a count alone, and a false alarm re-emitted from the delimiter itself:
// nothing is ever copied but part heads.

#include <cstddef>
#include <string>
#include <string_view>

namespace ignis::detail {

// Which form a Content-Type names (media type compared without case, parameters ignored).
enum class MultipartType { form_data, urlencoded, other };
MultipartType classify_content_type(std::string_view content_type) noexcept;
// The boundary parameter (unquoted) of a multipart Content-Type; false when it is missing
// or invalid (1..70 characters of RFC 2046's bchars, not ending in a space).
bool form_data_boundary(std::string_view content_type, std::string& boundary);

class MultipartParser {
 public:
  enum class Event { need_more, part_begin, data, part_end, done, error };
  enum class Error { none, malformed, unexpected_end, head_too_large };

  explicit MultipartParser(std::string_view boundary, std::size_t max_head_bytes = 16 * 1024);
  MultipartParser(const MultipartParser&) = delete;
  MultipartParser& operator=(const MultipartParser&) = delete;

  // The next piece of the body; only after next() returned need_more.
  void feed(std::string_view piece) noexcept {
    in_ = piece;
    pos_ = 0;
  }
  // The body ended; only after next() returned need_more.
  void finish() noexcept { finished_ = true; }

  Event next();

  // The current part's head (after part_begin, until the next one).
  std::string_view name() const noexcept { return name_; }
  std::string_view filename() const noexcept { return filename_; }
  bool has_filename() const noexcept { return has_filename_; }
  // As sent; empty when the part had no Content-Type.
  std::string_view content_type() const noexcept { return content_type_; }
  // After a data event: valid until the next call to next() or feed().
  std::string_view data() const noexcept { return data_; }
  Error error() const noexcept { return error_; }

 private:
  enum class State { preamble, after_delimiter, head, body, epilogue, failed };

  Event fail(Error e) noexcept;
  Event scan(bool body);
  Event after_delimiter();
  Event head();
  bool parse_head();

  std::string delimiter_;  // "\r\n--" + boundary
  std::size_t max_head_bytes_;
  State state_ = State::preamble;
  std::size_t matched_ = 2;  // bytes of the delimiter matched at the end of the input so far
  int tail_ = 0;             // progress through the rest of a delimiter line
  std::string_view in_;
  std::size_t pos_ = 0;
  bool finished_ = false;
  std::string_view data_;
  Error error_ = Error::none;

  std::string head_;  // the current part's header lines
  std::string name_, filename_, content_type_;
  bool has_filename_ = false;
};

}  // namespace ignis::detail
