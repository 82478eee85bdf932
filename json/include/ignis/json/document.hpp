#pragma once
// JSON in: a body parsed with simdjson On-Demand, in place over the connection's buffer.
//
//   auto body = co_await req.json();
//   std::int64_t id = body["id"];               // fields in any order
//   std::size_t n = body["items"].count_elements();
//
// On-Demand reads lazily: an error surfaces where the bad part is read, as a
// json::ParseError (or simdjson's own error from the raw API), which the server answers
// with 400 {"error":"Invalid JSON"}. A document holds one parser from a per-thread pool
// until it is destroyed, so a handler may keep it across co_await.

#include <simdjson.h>

#include <memory>
#include <stdexcept>
#include <string_view>

#include "ignis/json/error.hpp"

namespace ignis::json {

class Document {
 public:
  // Parses `json`, which must be followed by at least SIMDJSON_PADDING readable bytes:
  // `capacity` counts the bytes readable from json.data(). Throws ParseError.
  static Document parse(std::string_view json, std::size_t capacity);

  Document(Document&&) noexcept = default;
  Document& operator=(Document&&) noexcept = default;
  ~Document();

  // The raw On-Demand document.
  simdjson::ondemand::document& raw() noexcept { return doc_; }
  // A field of the root object (looked up in any order). Throws ParseError.
  simdjson::ondemand::value operator[](std::string_view key);

 private:
  struct ParserReturn {
    void operator()(simdjson::ondemand::parser* p) const noexcept;
  };
  using ParserLease = std::unique_ptr<simdjson::ondemand::parser, ParserReturn>;
  Document(ParserLease parser, simdjson::ondemand::document doc) noexcept
      : parser_(std::move(parser)), doc_(std::move(doc)) {}

  ParserLease parser_;
  simdjson::ondemand::document doc_;
};

}  // namespace ignis::json
