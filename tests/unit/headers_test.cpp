// Unit tests for ignis::RequestHeaders, ignis::ResponseHeaders and ignis::iequals.

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ignis/http/headers.hpp"

using ignis::HeaderField;
using ignis::iequals;
using ignis::RequestHeaders;
using ignis::ResponseHeaders;
using namespace std::string_literals;

namespace {

std::vector<std::pair<std::string, std::string>> fields_of(const ResponseHeaders& h) {
  std::vector<std::pair<std::string, std::string>> out;
  for (HeaderField f : h) out.emplace_back(std::string(f.name), std::string(f.value));
  return out;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

// ------------------------------------------------------------------ iequals

// The fields as the server writes them.
std::string wire(const ResponseHeaders& h) {
  std::string out;
  h.write_to(out);
  return out;
}

TEST(Iequals, AsciiCaseInsensitive) {
  EXPECT_TRUE(iequals("", ""));
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_TRUE(iequals("HOST", "host"));
  EXPECT_TRUE(iequals("x-Custom-9", "X-CUSTOM-9"));
  EXPECT_FALSE(iequals("host", "hosts"));
  EXPECT_FALSE(iequals("host", "hast"));
  EXPECT_FALSE(iequals("", "a"));
}

TEST(Iequals, OnlyLettersFoldCase) {
  // '@' (0x40) and '`' (0x60), '[' (0x5B) and '{' (0x7B) differ by 0x20 but are not letters.
  EXPECT_FALSE(iequals("@", "`"));
  EXPECT_FALSE(iequals("[", "{"));
  EXPECT_FALSE(iequals("]", "}"));
  EXPECT_FALSE(iequals("^", "~"));
  EXPECT_FALSE(iequals("_", "\x7F"));
  // Bytes above 0x7F are compared exactly.
  EXPECT_FALSE(iequals("\xC3\xA9", "\xC3\x89"));
  EXPECT_TRUE(iequals("\xC3\xA9", "\xC3\xA9"));
}

// ------------------------------------------------------------------ RequestHeaders

TEST(RequestHeaders, EmptyByDefault) {
  RequestHeaders h;
  EXPECT_EQ(h.size(), 0u);
  EXPECT_FALSE(h.has("host"));
  EXPECT_EQ(h.get("host"), std::nullopt);
  EXPECT_EQ(h.count("host"), 0u);
  EXPECT_EQ(h.begin(), h.end());
}

TEST(RequestHeaders, LookupIsCaseInsensitiveAndFirstWins) {
  const HeaderField fields[] = {
      {"Host", "example.com"}, {"Accept", "text/html"}, {"X-Multi", "one"}, {"x-multi", "two"}, {"Empty", ""}};
  RequestHeaders h(fields);
  EXPECT_EQ(h.size(), 5u);
  EXPECT_EQ(h.get("host"), "example.com");
  EXPECT_EQ(h.get("HOST"), "example.com");
  EXPECT_EQ(h.get("x-MULTI"), "one");
  EXPECT_EQ(h.count("X-Multi"), 2u);
  EXPECT_EQ(h.count("accept"), 1u);
  EXPECT_EQ(h.count("missing"), 0u);
  EXPECT_TRUE(h.has("empty"));
  EXPECT_EQ(h.get("empty"), "") << "an empty value is present, not missing";
  EXPECT_FALSE(h.has("Hos"));
  EXPECT_FALSE(h.has(""));
}

TEST(RequestHeaders, IteratesInOrder) {
  const HeaderField fields[] = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  RequestHeaders h(fields);
  std::string seen;
  for (const HeaderField& f : h) seen += std::string(f.name) + "=" + std::string(f.value) + ";";
  EXPECT_EQ(seen, "a=1;b=2;c=3;");
}

TEST(RequestHeaders, ValuesAreViewsNotCopies) {
  const std::string storage = "Host: h";
  const HeaderField fields[] = {{std::string_view(storage).substr(0, 4), std::string_view(storage).substr(6)}};
  RequestHeaders h(fields);
  EXPECT_EQ(h.get("host")->data(), storage.data() + 6);
}

// ------------------------------------------------------------------ ResponseHeaders

TEST(ResponseHeaders, SetGetAndWireFormat) {
  ResponseHeaders h;
  EXPECT_TRUE(h.empty());
  h.set("Content-Type", "text/plain");
  h.set("X-Id", "42");
  EXPECT_FALSE(h.empty());
  EXPECT_EQ(h.get("content-type"), "text/plain");
  EXPECT_EQ(h.get("X-ID"), "42");
  EXPECT_EQ(h.get("missing"), std::nullopt);
  EXPECT_EQ(wire(h), "Content-Type: text/plain\r\nX-Id: 42\r\n");
}

TEST(ResponseHeaders, SetReplacesEveryFieldOfThatName) {
  ResponseHeaders h;
  h.append("Vary", "Accept");
  h.append("X-Other", "keep");
  h.append("vary", "Origin");
  h.set("VARY", "Cookie");
  EXPECT_EQ(fields_of(h), (Fields{{"X-Other", "keep"}, {"VARY", "Cookie"}}));
}

TEST(ResponseHeaders, AppendKeepsDuplicates) {
  ResponseHeaders h;
  h.append("Set-Cookie", "a=1");
  h.append("Set-Cookie", "b=2");
  EXPECT_EQ(h.get("set-cookie"), "a=1") << "get returns the first";
  EXPECT_EQ(fields_of(h), (Fields{{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}}));
}

TEST(ResponseHeaders, EraseRemovesAllMatchesOnly) {
  ResponseHeaders h;
  h.append("A", "1");
  h.append("B", "2");
  h.append("a", "3");
  h.append("AB", "4");
  h.append("C", "5");
  h.erase("a");
  EXPECT_EQ(fields_of(h), (Fields{{"B", "2"}, {"AB", "4"}, {"C", "5"}}));
  h.erase("missing");
  EXPECT_EQ(fields_of(h).size(), 3u);
  h.erase("C");
  h.erase("B");
  h.erase("ab");
  EXPECT_TRUE(h.empty());
}

TEST(ResponseHeaders, EraseAdjacentMatches) {
  ResponseHeaders h;
  h.append("X", "1");
  h.append("X", "2");
  h.append("X", "3");
  h.erase("x");
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(wire(h), "");
}

TEST(ResponseHeaders, ValueEdgeCasesRoundTrip) {
  ResponseHeaders h;
  h.set("Empty", "");
  h.set("Leading", "  two spaces");
  h.set("Colon", "a: b: c");
  h.set("Tab", "a\tb");
  h.set("Utf8", "caf\xC3\xA9");
  EXPECT_EQ(h.get("empty"), "");
  EXPECT_EQ(h.get("leading"), "  two spaces") << "get returns exactly what was set";
  EXPECT_EQ(h.get("colon"), "a: b: c");
  EXPECT_EQ(h.get("tab"), "a\tb");
  EXPECT_EQ(h.get("utf8"), "caf\xC3\xA9");
  EXPECT_EQ(fields_of(h),
            (Fields{{"Empty", ""}, {"Leading", "  two spaces"}, {"Colon", "a: b: c"}, {"Tab", "a\tb"},
                    {"Utf8", "caf\xC3\xA9"}}));
}

TEST(ResponseHeaders, RejectsCrLfNulInValues) {
  ResponseHeaders h;
  EXPECT_THROW(h.set("X", "a\r\nInjected: yes"), std::invalid_argument);
  EXPECT_THROW(h.set("X", "a\rb"), std::invalid_argument);
  EXPECT_THROW(h.set("X", "a\nb"), std::invalid_argument);
  EXPECT_THROW(h.set("X", "a\0b"s), std::invalid_argument);
  EXPECT_THROW(h.append("X", "\r\n"), std::invalid_argument);
  EXPECT_THROW(h.append("X", "\n"), std::invalid_argument);
  EXPECT_TRUE(h.empty()) << "a rejected field leaves nothing behind";
}

TEST(ResponseHeaders, RejectedSetKeepsTheOldValue) {
  ResponseHeaders h;
  h.set("Location", "/ok");
  EXPECT_THROW(h.set("Location", "/evil\r\nSet-Cookie: x=1"), std::invalid_argument);
  EXPECT_EQ(h.get("location"), "/ok");
  EXPECT_EQ(wire(h), "Location: /ok\r\n");
}

TEST(ResponseHeaders, RejectsNonTokenNames) {
  ResponseHeaders h;
  for (std::string name : {""s, "Bad Name"s, "Colon:"s, "a\r\nb"s, "a\nb"s, "(x)"s, "a/b"s, "a;b"s, "a=b"s,
                           "\"q\""s, "a@b"s, "a,b"s, "a{b}"s, "a\tb"s, "a\0b"s, "caf\xC3\xA9"s, "a\x7F"s, "[x]"s,
                           "a?b"s, "a\\b"s}) {
    EXPECT_THROW(h.set(name, "v"), std::invalid_argument) << ::testing::PrintToString(name);
    EXPECT_THROW(h.append(name, "v"), std::invalid_argument) << ::testing::PrintToString(name);
  }
  EXPECT_TRUE(h.empty());
}

TEST(ResponseHeaders, AcceptsAllTokenCharacters) {
  ResponseHeaders h;
  const std::string token = "!#$%&'*+-.^_`|~09AZaz";
  EXPECT_NO_THROW(h.set(token, "v"));
  EXPECT_EQ(h.get(token), "v");
}

TEST(ResponseHeaders, LiteralContentTypeIsAFieldLikeAnyOther) {
  ResponseHeaders h;
  h.set_content_type_literal("application/json");
  h.set("X-Id", "1");
  EXPECT_EQ(h.get("content-type"), "application/json");
  EXPECT_EQ(wire(h), "Content-Type: application/json\r\nX-Id: 1\r\n");
  std::vector<std::string> names;
  for (HeaderField f : h) names.emplace_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Content-Type", "X-Id"}));
  h.set("Content-Type", "text/csv");  // a handler's own replaces the literal
  EXPECT_EQ(wire(h), "X-Id: 1\r\nContent-Type: text/csv\r\n");
  h.append("Content-Type", "text/plain");
  EXPECT_EQ(h.get("Content-Type"), "text/csv");
  h.erase("content-type");
  EXPECT_EQ(wire(h), "X-Id: 1\r\n");
}

TEST(ResponseHeaders, FramingFieldsAreRemovedOnRequest) {
  ResponseHeaders h;
  h.set("Content-Length", "5");
  h.set("Connection", "close");
  h.set("X-Keep", "yes");
  h.set("Transfer-Encoding", "chunked");
  h.remove_framing();
  EXPECT_EQ(wire(h), "X-Keep: yes\r\n");
}

TEST(ResponseHeaders, IteratorWalksEveryField) {
  ResponseHeaders h;
  EXPECT_EQ(h.begin(), h.end());
  h.append("A", "1");
  h.append("B", "");
  h.append("C", "3");
  auto it = h.begin();
  EXPECT_EQ((*it).name, "A");
  EXPECT_EQ((*it).value, "1");
  auto prev = it++;
  EXPECT_EQ((*prev).name, "A");
  EXPECT_EQ((*it).name, "B");
  EXPECT_EQ((*it).value, "");
  ++it;
  EXPECT_EQ((*it).name, "C");
  ++it;
  EXPECT_EQ(it, h.end());
  std::size_t n = 0;
  for (auto f : h) {
    (void)f;
    ++n;
  }
  EXPECT_EQ(n, 3u);
}

TEST(ResponseHeaders, ClearEmpties) {
  ResponseHeaders h;
  h.set("A", "1");
  h.clear();
  EXPECT_TRUE(h.empty());
  EXPECT_FALSE(h.has("A"));
  h.set("B", "2");
  EXPECT_EQ(wire(h), "B: 2\r\n");
}

TEST(ResponseHeaders, NameThatIsAPrefixOfAnotherIsDistinct) {
  ResponseHeaders h;
  h.set("Content-Type", "a");
  h.set("Content", "b");
  EXPECT_EQ(h.get("content"), "b");
  EXPECT_EQ(h.get("content-type"), "a");
  h.erase("content");
  EXPECT_EQ(h.get("content-type"), "a");
  EXPECT_FALSE(h.has("content"));
}

}  // namespace
