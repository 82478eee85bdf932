#include "ignis/http/multipart.hpp"

#include "ignis/http/error.hpp"
#include "ignis/http/request.hpp"
#include "multipart_parser.hpp"

namespace ignis {

MultipartReader::MultipartReader(Request& req, FormOptions options) : req_(req), options_(std::move(options)) {
  const std::string_view content_type = req.headers().get("content-type").value_or("");
  if (detail::classify_content_type(content_type) != detail::MultipartType::form_data)
    throw HttpError(415, "Unsupported media type");
  std::string boundary;
  if (!detail::form_data_boundary(content_type, boundary)) throw HttpError(400, "Invalid multipart boundary");
  parser_ = std::make_unique<detail::MultipartParser>(boundary, options_.max_part_head_bytes);
}

MultipartReader::~MultipartReader() = default;

void MultipartReader::fail() const {
  if (parser_->error() == detail::MultipartParser::Error::head_too_large)
    throw HttpError(400, "Multipart part head too large");
  throw HttpError(400, "Malformed multipart body");
}

Task<void> MultipartReader::pull() {
  std::string_view piece = co_await req_.body().read();
  if (piece.empty())
    parser_->finish();
  else
    parser_->feed(piece);
}

Task<const MultipartPart*> MultipartReader::next() {
  while (in_part_) {
    std::string_view rest = co_await read();
    if (rest.empty()) break;
  }
  if (done_) co_return nullptr;
  using Event = detail::MultipartParser::Event;
  for (;;) {
    switch (parser_->next()) {
      case Event::part_begin:
        if (++parts_ > options_.max_parts) throw HttpError(413, "Too many parts");
        part_.name = parser_->name();
        part_.filename = parser_->filename();
        part_.is_file = parser_->has_filename();
        part_.content_type = parser_->content_type();
        if (part_.content_type.empty()) part_.content_type = part_.is_file ? "application/octet-stream" : "text/plain";
        part_bytes_ = 0;
        in_part_ = true;
        co_return &part_;
      case Event::done:
        done_ = true;
        co_return nullptr;
      case Event::need_more:
        co_await pull();
        break;
      case Event::error:
        fail();
      case Event::data:
      case Event::part_end:
        fail();  // content outside a part cannot happen: the preamble is skipped
    }
  }
}

Task<std::string_view> MultipartReader::read() {
  if (!in_part_) co_return std::string_view{};
  using Event = detail::MultipartParser::Event;
  for (;;) {
    switch (parser_->next()) {
      case Event::data: {
        const std::string_view piece = parser_->data();
        part_bytes_ += piece.size();
        total_bytes_ += piece.size();
        if (!part_.is_file && part_bytes_ > options_.max_field_bytes) throw HttpError(413, "Field too large");
        if (part_.is_file && part_bytes_ > options_.max_file_bytes) throw HttpError(413, "File too large");
        if (total_bytes_ > options_.max_total_bytes) throw HttpError(413, "Payload too large");
        co_return piece;
      }
      case Event::part_end:
        in_part_ = false;
        co_return std::string_view{};
      case Event::need_more:
        co_await pull();
        break;
      case Event::error:
      case Event::part_begin:
      case Event::done:
        fail();
    }
  }
}

Task<std::string_view> MultipartReader::text() {
  text_.clear();
  for (;;) {
    std::string_view piece = co_await read();
    if (piece.empty()) break;
    if (text_.size() + piece.size() > options_.max_field_bytes) throw HttpError(413, "Field too large");
    text_.append(piece);
  }
  co_return std::string_view(text_);
}

}  // namespace ignis
