// Unit tests for ignis::json::Writer, json::write, json::Value and json::Array.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <limits>
#include <list>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "ignis/json/writer.hpp"

namespace json = ignis::json;
using namespace std::string_literals;

namespace app_types {

struct Point {
  int x;
  int y;
};
void to_json(json::Writer& w, const Point& p) {
  w.begin_object();
  w.key("x");
  w.integer(p.x);
  w.key("y");
  w.integer(p.y);
  w.end_object();
}

struct Tagged {
  std::string name;
  std::vector<Point> points;
};
void to_json(json::Writer& w, const Tagged& t) {
  w.begin_object();
  w.key("name");
  json::write(w, t.name);
  w.key("points");
  json::write(w, t.points);
  w.end_object();
}

}  // namespace app_types

namespace {

std::string json_quoted(std::string_view s) {
  std::string out;
  json::append_quoted(out, s);
  return out;
}

// True if s is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

const std::string kFFFD = "\xEF\xBF\xBD";

// ------------------------------------------------------------------ Writer

TEST(JsonWriter, Scalars) {
  std::string out;
  json::Writer w(out);
  w.null();
  EXPECT_EQ(out, "null");
  out.clear();
  json::Writer w2(out);
  w2.boolean(true);
  EXPECT_EQ(out, "true");
  EXPECT_EQ(json::stringify(false), "false");
  EXPECT_EQ(json::stringify(0), "0");
  EXPECT_EQ(json::stringify(-17), "-17");
  EXPECT_EQ(json::stringify(42u), "42");
}

TEST(JsonWriter, WritesIntoTheGivenStringAfterExistingContent) {
  std::string out = "prefix:";
  json::Writer w(out);
  w.integer(5);
  EXPECT_EQ(out, "prefix:5");
  EXPECT_EQ(&w.out(), &out);
}

TEST(JsonWriter, IntegerExtremes) {
  EXPECT_EQ(json::stringify(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808");
  EXPECT_EQ(json::stringify(std::numeric_limits<std::int64_t>::max()), "9223372036854775807");
  EXPECT_EQ(json::stringify(std::numeric_limits<std::uint64_t>::max()), "18446744073709551615");
  EXPECT_EQ(json::stringify(std::int8_t{-128}), "-128");
  EXPECT_EQ(json::stringify(std::uint8_t{255}), "255");
  EXPECT_EQ(json::stringify(std::int16_t{-32768}), "-32768");
}

TEST(JsonWriter, DoublesUseShortestRoundTripForm) {
  EXPECT_EQ(json::stringify(0.5), "0.5");
  EXPECT_EQ(json::stringify(0.1), "0.1");
  EXPECT_EQ(json::stringify(1.0), "1");
  EXPECT_EQ(json::stringify(-2.25), "-2.25");
  EXPECT_EQ(json::stringify(1e21), "1e+21");
  EXPECT_EQ(json::stringify(1.5f), "1.5");
  const double tricky = 0.1 + 0.2;
  EXPECT_EQ(std::strtod(json::stringify(tricky).c_str(), nullptr), tricky);
  EXPECT_EQ(std::strtod(json::stringify(std::numeric_limits<double>::max()).c_str(), nullptr), std::numeric_limits<double>::max());
  EXPECT_EQ(std::strtod(json::stringify(std::numeric_limits<double>::denorm_min()).c_str(), nullptr),
            std::numeric_limits<double>::denorm_min());
}

TEST(JsonWriter, NonFiniteNumbersBecomeNull) {
  EXPECT_EQ(json::stringify(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(json::stringify(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(json::stringify(-std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(json::stringify(std::numeric_limits<float>::quiet_NaN()), "null");
  EXPECT_EQ(json::stringify(std::vector<double>{1.0, NAN, INFINITY, 2.5}), "[1,null,null,2.5]");
}

TEST(JsonWriter, EmptyContainers) {
  std::string out;
  json::Writer w(out);
  w.begin_array();
  w.end_array();
  EXPECT_EQ(out, "[]");
  out.clear();
  json::Writer w2(out);
  w2.begin_object();
  w2.end_object();
  EXPECT_EQ(out, "{}");
}

TEST(JsonWriter, CommasBetweenItemsAndMembers) {
  std::string out;
  json::Writer w(out);
  w.begin_object();
  w.key("a");
  w.begin_array();
  w.integer(1);
  w.integer(2);
  w.begin_array();
  w.end_array();
  w.begin_object();
  w.end_object();
  w.null();
  w.end_array();
  w.key("b");
  w.begin_object();
  w.key("c");
  w.string("d");
  w.key("e");
  w.boolean(false);
  w.end_object();
  w.key("f");
  w.number(1.5);
  w.end_object();
  EXPECT_EQ(out, R"({"a":[1,2,[],{},null],"b":{"c":"d","e":false},"f":1.5})");
}

TEST(JsonWriter, SiblingContainersResetTheirItemState) {
  std::string out;
  json::Writer w(out);
  w.begin_array();
  for (int i = 0; i < 3; ++i) {
    w.begin_array();
    w.integer(i);
    w.integer(i);
    w.end_array();
  }
  w.end_array();
  EXPECT_EQ(out, "[[0,0],[1,1],[2,2]]");
}

TEST(JsonWriter, RawValuesTakePartInSeparators) {
  std::string out;
  json::Writer w(out);
  w.begin_object();
  w.key("pre");
  w.raw(R"({"x":[1,2]})");
  w.key("n");
  w.integer(1);
  w.end_object();
  EXPECT_EQ(out, R"({"pre":{"x":[1,2]},"n":1})");
  out.clear();
  json::Writer w2(out);
  w2.begin_array();
  w2.raw("1");
  w2.raw("2");
  w2.end_array();
  EXPECT_EQ(out, "[1,2]");
}

TEST(JsonWriter, KeysAreEscaped) {
  std::string out;
  json::Writer w(out);
  w.begin_object();
  w.key("a\"b\\c\n");
  w.integer(1);
  w.key("");
  w.integer(2);
  w.end_object();
  EXPECT_EQ(out, R"({"a\"b\\c\n":1,"":2})");
}

TEST(JsonWriter, CloseWithoutOpenThrows) {
  std::string out;
  json::Writer w(out);
  EXPECT_THROW(w.end_array(), std::logic_error);
  EXPECT_THROW(w.end_object(), std::logic_error);
}

TEST(JsonWriter, NestingLimit) {
  // kMaxDepth bounds nesting; going past it throws instead of corrupting state.
  std::string out;
  json::Writer w(out);
  int opened = 0;
  try {
    for (int i = 0; i < 1000; ++i) {
      w.begin_array();
      ++opened;
    }
    FAIL() << "nesting was never limited";
  } catch (const std::length_error&) {
  }
  EXPECT_GE(opened, json::Writer::kMaxDepth - 1);
  EXPECT_LE(opened, json::Writer::kMaxDepth);
  for (int i = 0; i < opened; ++i) w.end_array();
  EXPECT_THROW(w.end_array(), std::logic_error);
}

// Regression (was a bug): Writer::open() throws once depth_ + 1 >= kMaxDepth, so only 63 containers can be
// nested although kMaxDepth is 64 and the message says "nesting deeper than 64"
// (json/src/writer.cpp, Writer::open). Expected: exactly kMaxDepth levels allowed and the
// (kMaxDepth + 1)-th rejected; the bit for depth d in has_items_ would then be d - 1.
TEST(JsonWriter, NestingLimitAllowsExactlyKMaxDepthLevels) {
  std::string out;
  json::Writer w(out);
  for (int i = 0; i < json::Writer::kMaxDepth; ++i) ASSERT_NO_THROW(w.begin_array()) << "level " << i + 1;
  EXPECT_THROW(w.begin_array(), std::length_error);
}

TEST(JsonWriter, DeepButAllowedNestingIsWellFormed) {
  std::string out;
  json::Writer w(out);
  const int depth = json::Writer::kMaxDepth - 1;
  for (int i = 0; i < depth; ++i) {
    w.begin_array();
    w.integer(i);
  }
  for (int i = 0; i < depth; ++i) w.end_array();
  std::string expected;
  for (int i = 0; i < depth; ++i) expected += std::string("[") + std::to_string(i) + ",";
  // Each "[i," was followed by the next "[" except the last one, which closed right away.
  expected.pop_back();
  expected += std::string(depth, ']');
  EXPECT_EQ(out, expected);
}

// ------------------------------------------------------------------ string escaping

TEST(JsonEscape, PlainAndEmpty) {
  EXPECT_EQ(json_quoted(""), R"("")");
  EXPECT_EQ(json_quoted("hello world"), R"("hello world")");
  EXPECT_EQ(json_quoted("/slash/is/not/escaped"), R"("/slash/is/not/escaped")");
}

TEST(JsonEscape, QuoteAndBackslash) {
  EXPECT_EQ(json_quoted("\""), R"("\"")");
  EXPECT_EQ(json_quoted("\\"), R"("\\")");
  EXPECT_EQ(json_quoted("a\"b\\c"), R"("a\"b\\c")");
}

TEST(JsonEscape, ShortEscapes) {
  EXPECT_EQ(json_quoted("\n\r\t\b\f"), R"("\n\r\t\b\f")");
}

TEST(JsonEscape, EveryControlCharacter) {
  for (int c = 0; c < 0x20; ++c) {
    const std::string in(1, static_cast<char>(c));
    const std::string out = json_quoted(in);
    std::string expected;
    switch (c) {
      case '\n': expected = R"("\n")"; break;
      case '\r': expected = R"("\r")"; break;
      case '\t': expected = R"("\t")"; break;
      case '\b': expected = R"("\b")"; break;
      case '\f': expected = R"("\f")"; break;
      default: {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\"\\u%04x\"", c);
        expected = buf;
      }
    }
    EXPECT_EQ(out, expected) << "control character " << c;
  }
}

TEST(JsonEscape, NulInTheMiddle) {
  EXPECT_EQ(json_quoted("a\0b"s), R"("a\u0000b")");
}

TEST(JsonEscape, DelAndPrintableAsciiPassThrough) {
  std::string all;
  for (int c = 0x20; c < 0x80; ++c)
    if (c != '"' && c != '\\') all.push_back(static_cast<char>(c));
  EXPECT_EQ(json_quoted(all), "\"" + all + "\"");
}

TEST(JsonEscape, ValidUtf8PassesThrough) {
  for (std::string s : {"\xC3\xA9"s, "\xE2\x82\xAC"s, "\xF0\x9F\x98\x80"s, "\xC2\x80"s, "\xDF\xBF"s, "\xE0\xA0\x80"s,
                        "\xED\x9F\xBF"s, "\xEE\x80\x80"s, "\xEF\xBF\xBF"s, "\xF0\x90\x80\x80"s, "\xF4\x8F\xBF\xBF"s,
                        "\xE2\x80\xA8"s}) {
    EXPECT_EQ(json_quoted(s), "\"" + s + "\"") << "bytes: " << ::testing::PrintToString(s);
  }
  EXPECT_EQ(json_quoted("na\xC3\xAFve caf\xC3\xA9"), "\"na\xC3\xAFve caf\xC3\xA9\"");
}

TEST(JsonEscape, InvalidUtf8BecomesReplacementCharacter) {
  // A stray continuation byte, a byte that never starts a sequence, or a lead byte at the end.
  EXPECT_EQ(json_quoted("a\x80z"), "\"a" + kFFFD + "z\"");
  EXPECT_EQ(json_quoted("\xFF"), "\"" + kFFFD + "\"");
  EXPECT_EQ(json_quoted("\xFE"), "\"" + kFFFD + "\"");
  EXPECT_EQ(json_quoted("x\xC3"), "\"x" + kFFFD + "\"");
  EXPECT_EQ(json_quoted("\xC3x"), "\"" + kFFFD + "x\"");
}

TEST(JsonEscape, OverlongsSurrogatesAndOutOfRangeAreRejected) {
  const std::string cases[] = {
      "\xC0\x80"s,          // overlong NUL
      "\xC1\xBF"s,          // overlong
      "\xE0\x80\x80"s,      // overlong 3-byte
      "\xE0\x9F\xBF"s,      // overlong 3-byte
      "\xED\xA0\x80"s,      // U+D800 surrogate
      "\xED\xBF\xBF"s,      // U+DFFF surrogate
      "\xF0\x80\x80\x80"s,  // overlong 4-byte
      "\xF0\x8F\xBF\xBF"s,  // overlong 4-byte
      "\xF4\x90\x80\x80"s,  // U+110000
      "\xF5\x80\x80\x80"s,  // lead byte past F4
      "\xF8\x88\x80\x80\x80"s,
  };
  for (const std::string& s : cases) {
    const std::string out = json_quoted(s);
    EXPECT_NE(out.find(kFFFD), std::string::npos) << ::testing::PrintToString(s);
    EXPECT_TRUE(valid_utf8(out)) << ::testing::PrintToString(s);
    // None of the original bytes >= 0x80 survive on their own.
    for (char c : std::string_view(out).substr(1, out.size() - 2)) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        EXPECT_TRUE(c == kFFFD[0] || c == kFFFD[1] || c == kFFFD[2]) << ::testing::PrintToString(s);
      }
    }
  }
}

TEST(JsonEscape, TruncatedSequencesAreRepairedAndFollowingTextKept) {
  for (const std::string& s : {"\xE2\x82"s, "\xF0\x9F\x98"s, "\xF0\x9F"s, "\xE2"s}) {
    const std::string out = json_quoted(s + "ok");
    EXPECT_TRUE(valid_utf8(out)) << ::testing::PrintToString(s);
    EXPECT_NE(out.find(kFFFD), std::string::npos);
    EXPECT_EQ(out.substr(out.size() - 3), "ok\"");
  }
  // A sequence cut short by an ASCII byte keeps that byte.
  EXPECT_EQ(json_quoted("\xE2\x82" "A"), "\"" + kFFFD + kFFFD + "A\"");
}

TEST(JsonEscape, RandomBytesAlwaysGiveValidUtf8AndBalancedQuotes) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string s(rng() % 40, '\0');
    for (char& c : s) c = static_cast<char>(rng() & 0xFF);
    const std::string out = json_quoted(s);
    ASSERT_TRUE(valid_utf8(out)) << ::testing::PrintToString(s);
    ASSERT_GE(out.size(), 2u);
    EXPECT_EQ(out.front(), '"');
    EXPECT_EQ(out.back(), '"');
    // Inside, every '"' is escaped and no raw control character remains.
    bool escaped = false;
    for (std::size_t i = 1; i + 1 < out.size(); ++i) {
      const char c = out[i];
      ASSERT_FALSE(static_cast<unsigned char>(c) < 0x20) << ::testing::PrintToString(s);
      if (escaped) {
        escaped = false;
        continue;
      }
      if (c == '\\') escaped = true;
      ASSERT_NE(c, '"') << ::testing::PrintToString(s);
    }
    EXPECT_FALSE(escaped) << "dangling backslash";
  }
}

// Strings are checked in words of 8 or 4 bytes (overlapping at the end) up to 32 bytes and
// 8 at a time beyond: one special byte at every position of every length up to 40 is found,
// in a value and in a key.
TEST(JsonEscape, ASpecialByteIsFoundAtEveryPositionOfEveryLength) {
  const std::pair<char, std::string> specials[] = {
      {'"', R"(\")"}, {'\\', R"(\\)"}, {'\x01', R"(\u0001)"}, {'\x1f', R"(\u001f)"}, {'\x80', "\xEF\xBF\xBD"}};
  for (std::size_t n = 1; n <= 40; ++n) {
    for (std::size_t at = 0; at < n; ++at) {
      for (const auto& [byte, escaped] : specials) {
        std::string in(n, 'a');
        in[at] = byte;
        const std::string expected = in.substr(0, at) + escaped + in.substr(at + 1);
        ASSERT_EQ(json_quoted(in), "\"" + expected + "\"") << "length " << n << ", at " << at;
        std::string out;
        json::Writer w(out);
        w.begin_object();
        w.key(in);
        w.integer(1);
        w.end_object();
        ASSERT_EQ(out, "{\"" + expected + "\":1}") << "key of length " << n << ", at " << at;
      }
    }
  }
}

// A default-constructed view holds no pointer at all (the connection fuzzer, under UBSan,
// met one as an empty query parameter): it is written as "" without touching it.
TEST(JsonEscape, AnEmptyViewWithoutAPointerIsAnEmptyString) {
  EXPECT_EQ(json_quoted(std::string_view()), R"("")");
  std::string out;
  json::Writer w(out);
  w.begin_object();
  w.key(std::string_view());
  w.string(std::string_view());
  w.end_object();
  EXPECT_EQ(out, R"({"":""})");
}

TEST(JsonEscape, AppendsToExistingContent) {
  std::string out = "x=";
  json::append_quoted(out, "y");
  EXPECT_EQ(out, R"(x="y")");
}

// ------------------------------------------------------------------ json::write for types

TEST(JsonWrite, Strings) {
  EXPECT_EQ(json::stringify("lit"), R"("lit")");
  EXPECT_EQ(json::stringify(std::string("str")), R"("str")");
  EXPECT_EQ(json::stringify(std::string_view("sv")), R"("sv")");
  const char* p = "ptr";
  EXPECT_EQ(json::stringify(p), R"("ptr")");
}

TEST(JsonWrite, NullLikes) {
  EXPECT_EQ(json::stringify(nullptr), "null");
  EXPECT_EQ(json::stringify(std::nullopt), "null");
  EXPECT_EQ(json::stringify(std::monostate{}), "null");
}

TEST(JsonWrite, Optionals) {
  EXPECT_EQ(json::stringify(std::optional<int>{}), "null");
  EXPECT_EQ(json::stringify(std::optional<int>{3}), "3");
  EXPECT_EQ(json::stringify(std::optional<std::string>{"s"}), R"("s")");
  EXPECT_EQ(json::stringify(std::vector<std::optional<int>>{1, std::nullopt, 3}), "[1,null,3]");
}

TEST(JsonWrite, Ranges) {
  EXPECT_EQ(json::stringify(std::vector<int>{}), "[]");
  EXPECT_EQ(json::stringify(std::vector<int>{1, 2, 3}), "[1,2,3]");
  EXPECT_EQ(json::stringify(std::array<double, 2>{0.5, -1}), "[0.5,-1]");
  EXPECT_EQ(json::stringify(std::list<std::string>{"a", "b"}), R"(["a","b"])");
  EXPECT_EQ(json::stringify(std::vector<std::vector<int>>{{1}, {}, {2, 3}}), "[[1],[],[2,3]]");
  EXPECT_EQ(json::stringify(std::vector<bool>{true, false}), "[true,false]");
  const int c_array[] = {4, 5};
  EXPECT_EQ(json::stringify(c_array), "[4,5]");
}

TEST(JsonWrite, StringKeyedMaps) {
  EXPECT_EQ(json::stringify(std::map<std::string, int>{}), "{}");
  EXPECT_EQ(json::stringify(std::map<std::string, int>{{"b", 2}, {"a", 1}}), R"({"a":1,"b":2})");
  EXPECT_EQ(json::stringify(std::map<std::string_view, std::vector<int>>{{"k", {1, 2}}}), R"({"k":[1,2]})");
  EXPECT_EQ(json::stringify(std::map<std::string, std::string>{{"q\"", "v\n"}}), R"({"q\"":"v\n"})");
  const std::unordered_map<std::string, bool> um{{"only", true}};
  EXPECT_EQ(json::stringify(um), R"({"only":true})");
  EXPECT_EQ(json::stringify(std::map<std::string, std::map<std::string, int>>{{"o", {{"i", 1}}}}),
            R"({"o":{"i":1}})");
}

TEST(JsonWrite, UserTypesThroughToJson) {
  EXPECT_EQ(json::stringify(app_types::Point{1, -2}), R"({"x":1,"y":-2})");
  EXPECT_EQ(json::stringify(std::vector<app_types::Point>{{1, 2}, {3, 4}}), R"([{"x":1,"y":2},{"x":3,"y":4}])");
  app_types::Tagged t{"t", {{0, 0}}};
  EXPECT_EQ(json::stringify(t), R"({"name":"t","points":[{"x":0,"y":0}]})");
  EXPECT_EQ(json::stringify(std::optional<app_types::Point>{}), "null");
  EXPECT_EQ(json::stringify(std::map<std::string, app_types::Point>{{"p", {5, 6}}}), R"({"p":{"x":5,"y":6}})");
}

// ------------------------------------------------------------------ Value literals

TEST(JsonValue, ObjectLiteral) {
  EXPECT_EQ(json::stringify({{"error", "Not found"}}), R"({"error":"Not found"})");
  EXPECT_EQ(json::stringify(json::Value{{"a", 1}, {"b", true}, {"c", nullptr}, {"d", 2.5}, {"e", "x"}}),
            R"({"a":1,"b":true,"c":null,"d":2.5,"e":"x"})");
}

TEST(JsonValue, EmptyObjectLiteral) {
  EXPECT_EQ(json::stringify(json::Value(std::initializer_list<json::Member>{})), "{}");
}

TEST(JsonValue, NestedObjectsAndArrays) {
  const std::vector<int> ids{1, 2};
  EXPECT_EQ(json::stringify(json::Value{{"user", json::Value{{"id", 7}, {"tags", json::Array{"a", "b"}}}},
                                        {"ids", ids},
                                        {"empty", json::Array{}}}),
            R"({"user":{"id":7,"tags":["a","b"]},"ids":[1,2],"empty":[]})");
}

TEST(JsonValue, ArrayLiteralMixesKinds) {
  EXPECT_EQ(json::stringify(json::Array{1, "two", json::Value{{"three", 3}}, nullptr, false, 4.5}),
            R"([1,"two",{"three":3},null,false,4.5])");
}

TEST(JsonValue, IntegerKindsKeepSignedness) {
  EXPECT_EQ(json::stringify(json::Value{{"u", std::uint64_t{18446744073709551615ull}},
                                        {"i", std::int64_t{-9223372036854775807LL - 1}},
                                        {"s", short{-3}},
                                        {"uc", static_cast<unsigned char>(200)}}),
            R"({"u":18446744073709551615,"i":-9223372036854775808,"s":-3,"uc":200})");
}

TEST(JsonValue, StringKinds) {
  const std::string s = "std";
  const std::string_view sv = "view";
  EXPECT_EQ(json::stringify(json::Value{{"a", s}, {"b", sv}, {"c", "lit"}}), R"({"a":"std","b":"view","c":"lit"})");
}

TEST(JsonValue, NonFiniteFloatMembers) {
  EXPECT_EQ(json::stringify(json::Value{{"nan", NAN}, {"inf", std::numeric_limits<float>::infinity()}}),
            R"({"nan":null,"inf":null})");
}

TEST(JsonValue, OtherValuesByReference) {
  const std::map<std::string, int> m{{"k", 1}};
  const std::optional<std::string> o;
  const app_types::Point p{9, 8};
  EXPECT_EQ(json::stringify(json::Value{{"m", m}, {"o", o}, {"p", p}}), R"({"m":{"k":1},"o":null,"p":{"x":9,"y":8}})");
}

TEST(JsonValue, ValueInsideAVectorOfValues) {
  const std::vector<json::Value> v{1, "a", nullptr};
  EXPECT_EQ(json::stringify(v), R"([1,"a",null])");
}

TEST(JsonValue, EscapesKeysAndValues) {
  EXPECT_EQ(json::stringify({{"k\"1", "v\\\x01"}}), R"({"k\"1":"v\\\u0001"})");
}

}  // namespace
