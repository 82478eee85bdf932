// Unit tests for ignis::RequestCookies, ignis::format_set_cookie and ignis::ResponseCookies.

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ignis/http/cookies.hpp"
#include "ignis/http/headers.hpp"

using ignis::CookieOptions;
using ignis::format_set_cookie;
using ignis::HeaderField;
using ignis::RequestCookies;
using ignis::RequestHeaders;
using ignis::ResponseCookies;
using ignis::ResponseHeaders;
using ignis::SameSite;
using namespace std::string_literals;

namespace {

// Cookies parsed from one Cookie header value.
std::optional<std::string_view> cookie(std::string_view header_value, std::string_view name) {
  const HeaderField fields[] = {{"Cookie", header_value}};
  return RequestCookies(RequestHeaders(fields)).get(name);
}

// ------------------------------------------------------------------ RequestCookies

TEST(RequestCookies, NoCookieHeader) {
  const HeaderField fields[] = {{"Host", "x"}};
  RequestCookies c{RequestHeaders(fields)};
  EXPECT_EQ(c.get("a"), std::nullopt);
  EXPECT_FALSE(c.has("a"));
  RequestCookies none{RequestHeaders()};
  EXPECT_FALSE(none.has("a"));
}

TEST(RequestCookies, BasicPairs) {
  EXPECT_EQ(cookie("a=1", "a"), "1");
  EXPECT_EQ(cookie("a=1; b=2; c=3", "a"), "1");
  EXPECT_EQ(cookie("a=1; b=2; c=3", "b"), "2");
  EXPECT_EQ(cookie("a=1; b=2; c=3", "c"), "3");
  EXPECT_EQ(cookie("a=1; b=2; c=3", "d"), std::nullopt);
}

TEST(RequestCookies, NamesAreCaseSensitiveAndExact) {
  EXPECT_EQ(cookie("Session=x", "session"), std::nullopt);
  EXPECT_EQ(cookie("Session=x", "Session"), "x");
  EXPECT_EQ(cookie("session_id=x", "session"), std::nullopt);
  EXPECT_EQ(cookie("xsession=x", "session"), std::nullopt);
}

TEST(RequestCookies, WhitespaceAroundNamesAndValuesIsTrimmed) {
  EXPECT_EQ(cookie("  a = 1 ;b=2", "a"), "1");
  EXPECT_EQ(cookie("a=1;b=2", "b"), "2");
  EXPECT_EQ(cookie("a=1;\tb=\t2\t", "b"), "2");
}

TEST(RequestCookies, EmptyValueIsPresent) {
  EXPECT_EQ(cookie("a=; b=2", "a"), "");
  EXPECT_EQ(cookie("a=", "a"), "");
}

TEST(RequestCookies, QuotedValuesLoseTheirQuotes) {
  EXPECT_EQ(cookie("a=\"quoted value\"", "a"), "quoted value");
  EXPECT_EQ(cookie("a=\"\"", "a"), "");
  EXPECT_EQ(cookie("a=\"", "a"), "\"") << "a lone quote is not a quoted value";
  EXPECT_EQ(cookie("a=\"half", "a"), "\"half");
}

TEST(RequestCookies, ValueMayContainEquals) {
  EXPECT_EQ(cookie("token=abc==; x=1", "token"), "abc==");
  EXPECT_EQ(cookie("k=a=b=c", "k"), "a=b=c");
}

TEST(RequestCookies, MalformedPiecesAreSkipped) {
  EXPECT_EQ(cookie("garbage; a=1", "a"), "1");
  EXPECT_EQ(cookie(";;; a=1 ;;", "a"), "1");
  EXPECT_EQ(cookie("", "a"), std::nullopt);
  EXPECT_EQ(cookie(";", "a"), std::nullopt);
  EXPECT_EQ(cookie("a", "a"), std::nullopt) << "a name without '=' is not a cookie";
  EXPECT_EQ(cookie("=1", ""), "1") << "an empty name matches only an empty name";
  EXPECT_EQ(cookie("=1", "a"), std::nullopt);
}

TEST(RequestCookies, FirstOccurrenceWins) {
  EXPECT_EQ(cookie("a=1; a=2", "a"), "1");
}

TEST(RequestCookies, SeveralCookieHeaders) {
  const HeaderField fields[] = {{"cookie", "a=1"}, {"Accept", "*/*"}, {"COOKIE", "b=2; a=3"}};
  RequestCookies c{RequestHeaders(fields)};
  EXPECT_EQ(c.get("a"), "1");
  EXPECT_EQ(c.get("b"), "2");
  EXPECT_TRUE(c.has("b"));
  EXPECT_FALSE(c.has("c"));
}

TEST(RequestCookies, OtherHeadersAreNotCookies) {
  const HeaderField fields[] = {{"Set-Cookie", "a=1"}, {"Cookie2", "b=2"}, {"X-Cookie", "c=3"}};
  RequestCookies c{RequestHeaders(fields)};
  EXPECT_FALSE(c.has("a"));
  EXPECT_FALSE(c.has("b"));
  EXPECT_FALSE(c.has("c"));
}

TEST(RequestCookies, ValuesAreViewsIntoTheHeader) {
  const std::string header = "a=1; bb=hello";
  const auto v = cookie(header, "bb");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->data(), header.data() + 8);
}

// ------------------------------------------------------------------ format_set_cookie

TEST(SetCookie, DefaultsToPathSlash) {
  EXPECT_EQ(format_set_cookie("a", "1", {}), "a=1; Path=/");
}

TEST(SetCookie, NoPath) {
  EXPECT_EQ(format_set_cookie("a", "1", {.path = ""}), "a=1");
}

TEST(SetCookie, AllAttributesInOrder) {
  CookieOptions o;
  o.path = "/app";
  o.domain = "example.com";
  o.max_age = 3600;
  o.expires = std::chrono::system_clock::time_point(std::chrono::seconds(784111777));
  o.http_only = true;
  o.secure = true;
  o.same_site = SameSite::strict;
  EXPECT_EQ(format_set_cookie("sid", "abc", o),
            "sid=abc; Path=/app; Domain=example.com; Max-Age=3600; Expires=Sun, 06 Nov 1994 08:49:37 GMT; HttpOnly; "
            "Secure; SameSite=Strict");
}

TEST(SetCookie, ExpiresIsAnImfFixdate) {
  CookieOptions o;
  o.path = "";
  o.expires = std::chrono::system_clock::time_point{};  // the Unix epoch
  EXPECT_EQ(format_set_cookie("a", "b", o), "a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  o.expires = std::chrono::system_clock::time_point(std::chrono::seconds(4102444799));  // 2099-12-31 23:59:59
  EXPECT_EQ(format_set_cookie("a", "b", o), "a=b; Expires=Thu, 31 Dec 2099 23:59:59 GMT");
}

TEST(SetCookie, MaxAgeZeroAndNegative) {
  EXPECT_EQ(format_set_cookie("a", "", {.path = "", .max_age = 0}), "a=; Max-Age=0");
  EXPECT_EQ(format_set_cookie("a", "", {.path = "", .max_age = -1}), "a=; Max-Age=-1");
}

TEST(SetCookie, SameSiteVariants) {
  EXPECT_EQ(format_set_cookie("a", "1", {.path = "", .same_site = SameSite::lax}), "a=1; SameSite=Lax");
  EXPECT_EQ(format_set_cookie("a", "1", {.path = "", .same_site = SameSite::strict}), "a=1; SameSite=Strict");
  EXPECT_EQ(format_set_cookie("a", "1", {.path = "", .same_site = SameSite::none}), "a=1; Secure; SameSite=None")
      << "SameSite=None implies Secure";
  EXPECT_EQ(format_set_cookie("a", "1", {.path = "", .secure = true, .same_site = SameSite::none}),
            "a=1; Secure; SameSite=None")
      << "Secure appears once";
}

TEST(SetCookie, FlagsAlone) {
  EXPECT_EQ(format_set_cookie("a", "1", {.path = "", .http_only = true}), "a=1; HttpOnly");
  EXPECT_EQ(format_set_cookie("a", "1", {.path = "", .secure = true}), "a=1; Secure");
}

TEST(SetCookie, RejectsBadNames) {
  for (std::string name : {""s, "a b"s, "a=b"s, "a;b"s, "a,b"s, "a\"b"s, "a(b"s, "a)b"s, "a<b"s, "a>b"s, "a@b"s,
                           "a:b"s, "a\\b"s, "a/b"s, "a[b"s, "a]b"s, "a?b"s, "a{b"s, "a}b"s, "a\tb"s, "a\x7F"s,
                           "a\x01"s, "caf\xC3\xA9"s, "a\r\nb"s, "a\0b"s}) {
    EXPECT_THROW(format_set_cookie(name, "v", {}), std::invalid_argument) << ::testing::PrintToString(name);
  }
}

TEST(SetCookie, AcceptsTokenNames) {
  EXPECT_NO_THROW(format_set_cookie("__Host-session_id.v2!#$%&'*+^`|~", "v", {}));
}

TEST(SetCookie, RejectsBadValues) {
  for (std::string value : {" "s, "a b"s, "a;b"s, "a,b"s, "a\"b"s, "a\\b"s, "a\r\nSet-Cookie: x=1"s, "a\nb"s,
                            "a\0b"s, "a\x7F"s, "\xC3\xA9"s, "\t"s}) {
    EXPECT_THROW(format_set_cookie("n", value, {}), std::invalid_argument) << ::testing::PrintToString(value);
  }
}

TEST(SetCookie, AcceptsCookieOctets) {
  std::string all;
  for (int c = 0x21; c <= 0x7E; ++c)
    if (c != '"' && c != ',' && c != ';' && c != '\\') all.push_back(static_cast<char>(c));
  EXPECT_EQ(format_set_cookie("n", all, {.path = ""}), "n=" + all);
  EXPECT_EQ(format_set_cookie("n", "", {.path = ""}), "n=");
}

TEST(SetCookie, RejectsAttributeInjection) {
  EXPECT_THROW(format_set_cookie("a", "1", {.path = "/; HttpOnly"}), std::invalid_argument);
  EXPECT_THROW(format_set_cookie("a", "1", {.path = "/\r\nX: y"}), std::invalid_argument);
  EXPECT_THROW(format_set_cookie("a", "1", {.path = "/\x7F"}), std::invalid_argument);
  EXPECT_THROW(format_set_cookie("a", "1", {.domain = "evil.com; Secure"}), std::invalid_argument);
  EXPECT_THROW(format_set_cookie("a", "1", {.domain = "a\nb"}), std::invalid_argument);
  CookieOptions nul;
  nul.domain = std::string_view("a\0b", 3);
  EXPECT_THROW(format_set_cookie("a", "1", nul), std::invalid_argument);
}

// ------------------------------------------------------------------ ResponseCookies

TEST(ResponseCookies, SetAppendsSetCookieFields) {
  ResponseHeaders h;
  ResponseCookies c(h);
  c.set("a", "1");
  c.set("b", "2", {.path = "/x", .http_only = true});
  std::vector<std::string> values;
  for (HeaderField f : h) {
    EXPECT_EQ(f.name, "Set-Cookie");
    values.emplace_back(f.value);
  }
  EXPECT_EQ(values, (std::vector<std::string>{"a=1; Path=/", "b=2; Path=/x; HttpOnly"}));
}

TEST(ResponseCookies, RemoveSendsEmptyValueAndMaxAgeZero) {
  ResponseHeaders h;
  ResponseCookies c(h);
  c.remove("session");
  EXPECT_EQ(h.get("set-cookie"), "session=; Path=/; Max-Age=0");
  ResponseHeaders h2;
  ResponseCookies c2(h2);
  c2.remove("session", {.path = "/app", .domain = "example.com", .max_age = 999});
  EXPECT_EQ(h2.get("set-cookie"), "session=; Path=/app; Domain=example.com; Max-Age=0");
}

TEST(ResponseCookies, InvalidCookieAddsNothing) {
  ResponseHeaders h;
  ResponseCookies c(h);
  EXPECT_THROW(c.set("bad name", "v"), std::invalid_argument);
  EXPECT_THROW(c.set("n", "bad value"), std::invalid_argument);
  EXPECT_TRUE(h.empty());
}

}  // namespace
