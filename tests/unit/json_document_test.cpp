// Unit tests for ignis::json::Document (the simdjson On-Demand wrapper).

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ignis/json/document.hpp"
#include "ignis/json/writer.hpp"

namespace json = ignis::json;

namespace {

// Reads every part of a value; any error throws.
void consume(simdjson::ondemand::value v) {
  using simdjson::ondemand::json_type;
  switch (json_type(v.type())) {
    case json_type::object:
      for (auto field : v.get_object()) {
        (void)std::string_view(field.unescaped_key());
        consume(field.value());
      }
      break;
    case json_type::array:
      for (auto item : v.get_array()) consume(item.value());
      break;
    case json_type::string: (void)std::string_view(v.get_string()); break;
    case json_type::number: (void)double(v.get_double()); break;
    case json_type::boolean: (void)bool(v.get_bool()); break;
    case json_type::null:
      if (!bool(v.is_null())) throw std::runtime_error("bad null");
      break;
  }
}

// A JSON text followed by the padding simdjson needs, in one allocation.
struct Padded {
  explicit Padded(std::string_view text) : size(text.size()) {
    storage.assign(text);
    storage.append(simdjson::SIMDJSON_PADDING, ' ');
  }
  std::string_view view() const { return {storage.data(), size}; }
  std::size_t capacity() const { return storage.size(); }
  json::Document parse() const { return json::Document::parse(view(), capacity()); }

  std::string storage;
  std::size_t size;
};

TEST(JsonDocument, ReadsFieldsInAnyOrder) {
  Padded in(R"({"id": 42, "name": "post", "ok": true, "score": 2.5})");
  json::Document doc = in.parse();
  EXPECT_EQ(std::string_view(doc["name"]), "post");
  EXPECT_EQ(std::int64_t(doc["id"]), 42);
  EXPECT_EQ(double(doc["score"]), 2.5);
  EXPECT_EQ(bool(doc["ok"]), true);
  EXPECT_EQ(std::int64_t(doc["id"]), 42) << "a field can be read again";
}

TEST(JsonDocument, NestedValuesAndArrays) {
  Padded in(R"({"items": [1, 2, 3], "user": {"id": 7, "tags": ["a", "b"]}})");
  json::Document doc = in.parse();
  simdjson::ondemand::value arr = doc["items"];
  EXPECT_EQ(std::size_t(arr.count_elements()), 3u);
  std::vector<std::int64_t> items;
  for (auto v : doc["items"].get_array()) items.push_back(std::int64_t(v.value()));
  EXPECT_EQ(items, (std::vector<std::int64_t>{1, 2, 3}));
  simdjson::ondemand::object user = doc["user"].get_object();
  EXPECT_EQ(std::int64_t(user["id"]), 7);
}

TEST(JsonDocument, StringEscapesAreDecoded) {
  Padded in(R"({"s": "a\"b\\c\n\u00e9\ud83d\ude00"})");
  json::Document doc = in.parse();
  EXPECT_EQ(std::string_view(doc["s"]), "a\"b\\c\n\xC3\xA9\xF0\x9F\x98\x80");
}

TEST(JsonDocument, RawGivesTheOnDemandDocument) {
  Padded in("[1, 2, 3]");
  json::Document doc = in.parse();
  std::int64_t sum = 0;
  for (auto v : doc.raw().get_array()) sum += std::int64_t(v.value());
  EXPECT_EQ(sum, 6);
}

TEST(JsonDocument, ScalarRoot) {
  Padded in("12345");
  json::Document doc = in.parse();
  EXPECT_EQ(std::int64_t(doc.raw().get_int64()), 12345);
}

TEST(JsonDocument, MissingFieldThrowsParseError) {
  Padded in(R"({"a": 1})");
  json::Document doc = in.parse();
  EXPECT_THROW(doc["b"], json::ParseError);
}

TEST(JsonDocument, FieldOfANonObjectThrowsParseError) {
  Padded in("[1, 2]");
  json::Document doc = in.parse();
  EXPECT_THROW(doc["a"], json::ParseError);
}

TEST(JsonDocument, WrongTypeSurfacesAsSimdjsonError) {
  Padded in(R"({"a": "text"})");
  json::Document doc = in.parse();
  EXPECT_THROW((void)std::int64_t(doc["a"]), simdjson::simdjson_error);
}

TEST(JsonDocument, EmptyOrBlankInputThrowsParseError) {
  EXPECT_THROW(Padded("").parse(), json::ParseError);
  EXPECT_THROW(Padded("   \n\t ").parse(), json::ParseError);
}

TEST(JsonDocument, MalformedInputFailsWhenRead) {
  // On-Demand reads lazily: whichever step meets the bad part throws, and walking the whole
  // document never succeeds.
  for (std::string_view text : {R"({"a": )", R"({"a" 1})", R"({"a": tru})", R"({"a": [1, 2})", R"({a: 1})",
                                R"({"a": "unterminated})", "{", "}", R"({"a": 01})", R"({"a": 1,})",
                                R"({"a": [1,,2]})", R"({"a": nul})", R"({"a": "\x"})"}) {
    Padded in(text);
    bool threw = false;
    try {
      json::Document doc = in.parse();
      consume(doc.raw().get_value().value());
    } catch (const json::ParseError&) {
      threw = true;
    } catch (const simdjson::simdjson_error&) {
      threw = true;
    }
    EXPECT_TRUE(threw) << text;
  }
}

TEST(JsonDocument, WellFormedInputWalksCompletely) {
  Padded in(R"({"a": [1, 2.5, "s", true, null, {"b": []}], "c": {}})");
  json::Document doc = in.parse();
  EXPECT_NO_THROW(consume(doc.raw().get_value().value()));
}

TEST(JsonDocument, UnpaddedInputIsALogicError) {
  std::string s = R"({"a": 1})";
  EXPECT_THROW(json::Document::parse(s, s.size()), std::logic_error);
  EXPECT_THROW(json::Document::parse(s, s.size() + simdjson::SIMDJSON_PADDING - 1), std::logic_error);
  s.append(simdjson::SIMDJSON_PADDING, '\0');
  EXPECT_NO_THROW(json::Document::parse(std::string_view(s.data(), 8), s.size()));
}

TEST(JsonDocument, ParsesASubrangeOfALargerBuffer) {
  // As a body in the connection buffer: bytes after the JSON are other data, not padding.
  std::string buf = R"({"k": "v"}GARBAGE-THAT-FOLLOWS)";
  const std::size_t json_len = 10;
  buf.append(simdjson::SIMDJSON_PADDING, 'x');
  json::Document doc = json::Document::parse(std::string_view(buf.data(), json_len), buf.size());
  EXPECT_EQ(std::string_view(doc["k"]), "v");
}

TEST(JsonDocument, MovedDocumentStaysUsable) {
  Padded in(R"({"n": 5})");
  json::Document a = in.parse();
  json::Document b = std::move(a);
  EXPECT_EQ(std::int64_t(b["n"]), 5);
  Padded in2(R"({"n": 6})");
  json::Document c = in2.parse();
  c = std::move(b);
  EXPECT_EQ(std::int64_t(c["n"]), 5);
}

TEST(JsonDocument, ManyDocumentsAliveAtOnceAndParsersRecycled) {
  // More documents alive than the per-thread pool keeps, each with its own parser.
  std::vector<Padded> inputs;
  for (int i = 0; i < 20; ++i) inputs.emplace_back(std::string(R"({"i": )") + std::to_string(i) + "}");
  for (int round = 0; round < 3; ++round) {
    std::vector<json::Document> docs;
    for (const Padded& p : inputs) docs.push_back(p.parse());
    for (int i = 0; i < 20; ++i) EXPECT_EQ(std::int64_t(docs[i]["i"]), i);
  }
}

TEST(JsonDocument, ParserReuseDoesNotLeakPreviousDocument) {
  {
    Padded big(R"({"a": [1,2,3,4,5,6,7,8,9,10], "b": "long string value here"})");
    json::Document d = big.parse();
    simdjson::ondemand::value a = d["a"];
    EXPECT_EQ(std::size_t(a.count_elements()), 10u);
  }
  Padded small(R"({"b": "x"})");
  json::Document d = small.parse();
  EXPECT_EQ(std::string_view(d["b"]), "x");
  EXPECT_THROW(d["a"], json::ParseError);
}

TEST(JsonDocument, RoundTripsWhatTheWriterWrites) {
  std::string text = json::stringify(json::Value{{"s", "quote\" backslash\\ tab\t nul-free \xC3\xA9"},
                                                 {"n", -12345678901234LL},
                                                 {"d", 0.1},
                                                 {"b", false},
                                                 {"z", nullptr},
                                                 {"arr", json::Array{1, 2, 3}}});
  Padded in(text);
  json::Document doc = in.parse();
  EXPECT_EQ(std::string_view(doc["s"]), "quote\" backslash\\ tab\t nul-free \xC3\xA9");
  EXPECT_EQ(std::int64_t(doc["n"]), -12345678901234LL);
  EXPECT_EQ(double(doc["d"]), 0.1);
  EXPECT_EQ(bool(doc["b"]), false);
  simdjson::ondemand::value z = doc["z"];
  EXPECT_TRUE(bool(z.is_null()));
  simdjson::ondemand::value arr = doc["arr"];
  EXPECT_EQ(std::size_t(arr.count_elements()), 3u);
}

TEST(JsonDocument, WriterRepairedUtf8IsAcceptedBySimdjson) {
  // simdjson validates UTF-8; what the writer produced from invalid bytes must parse.
  std::string text = json::stringify(json::Value{{"s", "bad\xFF\xC0\x80 bytes\xED\xA0\x80"}});
  Padded in(text);
  json::Document doc = in.parse();
  std::string_view s;
  ASSERT_NO_THROW(s = std::string_view(doc["s"]));
  EXPECT_NE(s.find("\xEF\xBF\xBD"), std::string_view::npos);
}

TEST(JsonDocument, InvalidUtf8InputIsRejected) {
  Padded in("{\"s\": \"\xFF\"}");
  EXPECT_THROW(
      {
        json::Document doc = in.parse();
        (void)std::string_view(doc["s"]);
      },
      std::exception);
}

}  // namespace
