#include "ignis/json/document.hpp"

#include <vector>

namespace ignis::json {
namespace {

// Parsers keep their internal buffers between documents; a few per thread are enough,
// since a parser is only held while a handler holds a Document.
struct ParserPool {
  std::vector<std::unique_ptr<simdjson::ondemand::parser>> free;
};
thread_local ParserPool parser_pool;

}  // namespace

void Document::ParserReturn::operator()(simdjson::ondemand::parser* p) const noexcept {
  if (parser_pool.free.size() < 8) {
    try {
      parser_pool.free.emplace_back(p);
      return;
    } catch (...) {
    }
  }
  delete p;
}

Document Document::parse(std::string_view json, std::size_t capacity) {
  ParserLease parser;
  if (!parser_pool.free.empty()) {
    parser.reset(parser_pool.free.back().release());
    parser_pool.free.pop_back();
  } else {
    parser.reset(new simdjson::ondemand::parser());
  }
  if (capacity < json.size() + simdjson::SIMDJSON_PADDING) throw std::logic_error("json::Document: unpadded input");
  simdjson::ondemand::document doc;
  simdjson::padded_string_view input(json.data(), json.size(), capacity);
  if (auto err = parser->iterate(input).get(doc)) throw ParseError(simdjson::error_message(err));
  return Document(std::move(parser), std::move(doc));
}

Document::~Document() = default;

simdjson::ondemand::value Document::operator[](std::string_view key) {
  simdjson::ondemand::value v;
  if (auto err = doc_.find_field_unordered(key).get(v)) throw ParseError(simdjson::error_message(err));
  return v;
}

}  // namespace ignis::json
