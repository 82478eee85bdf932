// json::Writer: escaping, UTF-8 repair, numbers, and the word-at-a-time scan against a
// byte-at-a-time reference on random strings.

#include <gtest/gtest.h>

#include <ignis/json/writer.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace ignis;

namespace {

std::string json_quoted(std::string_view s) {
  std::string out;
  json::append_quoted(out, s);
  return out;
}

// The obvious implementation, one byte at a time: what the fast one must equal.
std::string reference_quoted(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence strictly; anything else is one U+FFFD per byte.
    std::size_t n = c > 0xF7 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    std::uint32_t cp = n == 4 ? c & 0x07 : n == 3 ? c & 0x0F : c & 0x1F;
    bool ok = n != 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok) {
      const std::uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
      ok = cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out + "\"";
}

TEST(JsonEscape, EscapesWhatJsonRequires) {
  EXPECT_EQ(json_quoted(""), "\"\"");
  EXPECT_EQ(json_quoted("plain"), "\"plain\"");
  EXPECT_EQ(json_quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_quoted("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(json_quoted(std::string("\0\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(json_quoted("/ and \x7f stay"), "\"/ and \x7f stay\"");
  // Specials at every position of an 8-byte word and past it.
  for (std::size_t at = 0; at < 40; ++at) {
    std::string s(40, 'x');
    s[at] = '"';
    EXPECT_EQ(json_quoted(s), reference_quoted(s)) << at;
  }
}

TEST(JsonEscape, KeepsValidUtf8AndRepairsInvalid) {
  EXPECT_EQ(json_quoted("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"), "\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  EXPECT_EQ(json_quoted("\xFF"), "\"\xEF\xBF\xBD\"");                         // never valid
  EXPECT_EQ(json_quoted("\xC3"), "\"\xEF\xBF\xBD\"");                         // truncated
  EXPECT_EQ(json_quoted("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");         // overlong '/'
  EXPECT_EQ(json_quoted("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a surrogate
  EXPECT_EQ(json_quoted("\xF4\x90\x80\x80"), reference_quoted("\xF4\x90\x80\x80"));    // past U+10FFFF
}

TEST(JsonEscape, RandomStringsMatchTheByteAtATimeReference) {
  std::mt19937_64 rng(20240601);
  // Bytes drawn mostly from the interesting ones: specials, UTF-8 lead and continuation bytes.
  static constexpr char kAlphabet[] = "ab \"\\\n\x01\x1f\x7f\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xED\xA0\xFF\xC0";
  const std::string alphabet(kAlphabet, sizeof kAlphabet - 1);
  for (int round = 0; round < 20000; ++round) {
    const std::size_t n = rng() % 70;
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
      s += rng() % 4 == 0 ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    ASSERT_EQ(json_quoted(s), reference_quoted(s)) << ::testing::PrintToString(s);
    std::string key_out;
    json::Writer w(key_out);
    w.begin_object();
    w.key(s);
    w.null();
    w.end_object();
    std::string expected = "{";  // appended, not "{" + ...: g++ 12 warns falsely (-Wrestrict) on that
    expected += reference_quoted(s);
    expected += ":null}";
    ASSERT_EQ(key_out, expected);
  }
}

TEST(JsonEscape, Numbers) {
  auto num = [](double v) {
    std::string out;
    json::Writer w(out);
    w.number(v);
    return out;
  };
  EXPECT_EQ(num(0), "0");
  EXPECT_EQ(num(-0.0), "-0");
  EXPECT_EQ(num(3), "3");
  EXPECT_EQ(num(-42), "-42");
  EXPECT_EQ(num(3.25), "3.25");
  EXPECT_EQ(num(0.1), "0.1");
  EXPECT_EQ(num(1e300), "1e+300");
  EXPECT_EQ(std::stod(num(9007199254740993.0)), 9007199254740993.0);
  EXPECT_EQ(num(std::nan("")), "null");
  EXPECT_EQ(num(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(json::stringify(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808");
  EXPECT_EQ(json::stringify(std::numeric_limits<std::uint64_t>::max()), "18446744073709551615");
}

TEST(JsonEscape, ValuesMapsRangesAndLiterals) {
  std::map<std::string, int> m{{"a", 1}, {"b", 2}};
  std::optional<int> none;
  EXPECT_EQ(json::stringify(m), R"({"a":1,"b":2})");
  EXPECT_EQ(json::stringify(std::vector<std::string>{"x", "y"}), R"(["x","y"])");
  EXPECT_EQ(json::stringify({{"error", "Not found"}, {"ids", std::vector{1, 2}}, {"none", none}, {"t", true}}),
            R"({"error":"Not found","ids":[1,2],"none":null,"t":true})");
  EXPECT_EQ(json::stringify(json::Array{1, "two", json::Value{{"three", 3}}}), R"([1,"two",{"three":3}])");
}

TEST(JsonEscape, NestingIsBounded) {
  std::string out;
  json::Writer w(out);
  EXPECT_THROW(
      {
        for (int i = 0; i < 100; ++i) w.begin_array();
      },
      std::length_error);
  std::string out2;
  json::Writer w2(out2);
  EXPECT_THROW(w2.end_object(), std::logic_error);
}

}  // namespace
