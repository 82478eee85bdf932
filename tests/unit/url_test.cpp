// Unit tests for ignis::url (percent-decoding and encoding).

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "ignis/router/url.hpp"

namespace url = ignis::url;
using namespace std::string_literals;

namespace {

TEST(UrlNeedsDecoding, DetectsPercentAndOptionallyPlus) {
  EXPECT_FALSE(url::needs_decoding("", false));
  EXPECT_FALSE(url::needs_decoding("plain-text_~.", false));
  EXPECT_TRUE(url::needs_decoding("a%20b", false));
  EXPECT_TRUE(url::needs_decoding("%", false));
  EXPECT_FALSE(url::needs_decoding("a+b", false));
  EXPECT_TRUE(url::needs_decoding("a+b", true));
  EXPECT_TRUE(url::needs_decoding("+", true));
}

TEST(UrlDecode, PlainTextIsUnchanged) {
  EXPECT_EQ(url::decode(""), "");
  EXPECT_EQ(url::decode("hello"), "hello");
  EXPECT_EQ(url::decode("/a/b?c=d"), "/a/b?c=d");
}

TEST(UrlDecode, DecodesHexEscapesInEitherCase) {
  EXPECT_EQ(url::decode("%41"), "A");
  EXPECT_EQ(url::decode("%4a%4A"), "JJ");
  EXPECT_EQ(url::decode("a%20b"), "a b");
  EXPECT_EQ(url::decode("%2F"), "/");
  EXPECT_EQ(url::decode("%25"), "%");
  EXPECT_EQ(url::decode("%2525"), "%25") << "decoding happens once, not recursively";
  EXPECT_EQ(url::decode("%c3%a9"), "\xC3\xA9");
  EXPECT_EQ(url::decode("%FF%fe"), "\xFF\xFE");
}

TEST(UrlDecode, DecodesNulByte) {
  const std::string out = url::decode("a%00b");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out, "a\0b"s);
}

TEST(UrlDecode, MalformedEscapesAreKeptVerbatim) {
  EXPECT_EQ(url::decode("%"), "%");
  EXPECT_EQ(url::decode("%4"), "%4");
  EXPECT_EQ(url::decode("a%"), "a%");
  EXPECT_EQ(url::decode("a%4"), "a%4");
  EXPECT_EQ(url::decode("%zz"), "%zz");
  EXPECT_EQ(url::decode("%g1"), "%g1");
  EXPECT_EQ(url::decode("%1g"), "%1g");
  EXPECT_EQ(url::decode("%%41"), "%A");
  EXPECT_EQ(url::decode("%%%"), "%%%");
  EXPECT_EQ(url::decode("100%"), "100%");
  EXPECT_EQ(url::decode("% 41"), "% 41");
}

TEST(UrlDecode, EscapeAtTheVeryEnd) {
  EXPECT_EQ(url::decode("ab%41"), "abA");
  EXPECT_EQ(url::decode("ab%4"), "ab%4");
}

TEST(UrlDecode, PlusIsSpaceOnlyWhenAsked) {
  EXPECT_EQ(url::decode("a+b", false), "a+b");
  EXPECT_EQ(url::decode("a+b", true), "a b");
  EXPECT_EQ(url::decode("++", true), "  ");
  EXPECT_EQ(url::decode("%2B", true), "+") << "an encoded plus stays a plus";
  EXPECT_EQ(url::decode("%2b+", true), "+ ");
}

TEST(UrlDecode, IntoBufferReturnsLength) {
  const std::string_view in = "x%41y%zz+";
  std::string buf(in.size(), '#');
  const std::size_t n = url::decode(in, buf.data(), true);
  EXPECT_EQ(n, 7u);
  EXPECT_EQ(buf.substr(0, n), "xAy%zz ");
  // Nothing past the decoded length was written.
  EXPECT_EQ(buf.substr(n), "##");
}

TEST(UrlDecode, NeverLengthens) {
  for (std::string_view s : {"", "%", "%%", "%4", "%41", "+", "a%2", "%%%41%", "abc"}) {
    EXPECT_LE(url::decode(s, true).size(), s.size()) << s;
    EXPECT_LE(url::decode(s, false).size(), s.size()) << s;
  }
}

TEST(UrlDecodedEquals, MatchesDecode) {
  EXPECT_TRUE(url::decoded_equals("", "", false));
  EXPECT_TRUE(url::decoded_equals("abc", "abc", false));
  EXPECT_TRUE(url::decoded_equals("a%20b", "a b", false));
  EXPECT_TRUE(url::decoded_equals("a+b", "a b", true));
  EXPECT_FALSE(url::decoded_equals("a+b", "a b", false));
  EXPECT_TRUE(url::decoded_equals("a+b", "a+b", false));
  EXPECT_TRUE(url::decoded_equals("%zz", "%zz", false));
  EXPECT_TRUE(url::decoded_equals("%4", "%4", false));
}

TEST(UrlDecodedEquals, LengthMismatchesAreFalse) {
  EXPECT_FALSE(url::decoded_equals("abc", "ab", false));
  EXPECT_FALSE(url::decoded_equals("ab", "abc", false));
  EXPECT_FALSE(url::decoded_equals("%41", "AA", false));
  EXPECT_FALSE(url::decoded_equals("%41%41", "A", false));
  EXPECT_FALSE(url::decoded_equals("", "a", false));
  EXPECT_FALSE(url::decoded_equals("a", "", false));
  EXPECT_FALSE(url::decoded_equals("%41", "%41", false)) << "the raw text is not its own decoding";
}

TEST(UrlDecodedEquals, AgreesWithDecodeOnManyInputs) {
  const char* inputs[] = {"", "a", "%", "%4", "%41", "%4G", "a+b%2B", "%%41", "x%2fy", "%e2%82%ac", "+%20+"};
  for (const char* raw : inputs) {
    for (bool plus : {false, true}) {
      const std::string decoded = url::decode(raw, plus);
      EXPECT_TRUE(url::decoded_equals(raw, decoded, plus)) << raw;
      EXPECT_FALSE(url::decoded_equals(raw, decoded + "x", plus)) << raw;
      if (!decoded.empty()) {
        std::string changed = decoded;
        changed.back() = static_cast<char>(changed.back() ^ 1);
        EXPECT_FALSE(url::decoded_equals(raw, changed, plus)) << raw;
      }
    }
  }
}

TEST(UrlEncodeComponent, KeepsUnreservedOnly) {
  EXPECT_EQ(url::encode_component(""), "");
  EXPECT_EQ(url::encode_component("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(url::encode_component(" "), "%20");
  EXPECT_EQ(url::encode_component("a/b?c=d&e#f"), "a%2Fb%3Fc%3Dd%26e%23f");
  EXPECT_EQ(url::encode_component("+%"), "%2B%25");
  EXPECT_EQ(url::encode_component("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(url::encode_component("\x00\xFF"s), "%00%FF");
  EXPECT_EQ(url::encode_component("!*'()"), "%21%2A%27%28%29");
}

TEST(UrlEncodeComponent, RoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  const std::string encoded = url::encode_component(all);
  for (char c : encoded) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~' || c == '%';
    EXPECT_TRUE(ok) << "unexpected character in encoding: " << int(static_cast<unsigned char>(c));
  }
  EXPECT_EQ(url::decode(encoded, false), all);
  EXPECT_EQ(url::decode(encoded, true), all) << "encoding leaves no '+' to confuse";
}

}  // namespace
