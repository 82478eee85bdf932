// Struct mapping and Zod-style validation: reading (simdjson On-Demand), validating values
// built in code, writing through the same fields; malformed inputs; random documents.

#include <gtest/gtest.h>

#include <ignis/json/schema.hpp>
#include <ignis/json/writer.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace ignis;
using json::field;
using json::Issue;

namespace blog {

enum class Status { draft, published, archived = 7 };
constexpr auto json_schema(json::For<Status>) {
  return json::enumeration<Status>({{Status::draft, "draft"}, {Status::published, "published"}, {Status::archived, "archived"}});
}

struct Author {
  std::string name;
  std::optional<std::string> email;
};
constexpr auto json_schema(json::For<Author>) {
  return json::object(field<&Author::name>("name").min(1),
                      field<&Author::email>("email").pattern("^[^@\\s]+@[^@\\s]+$", "Invalid email"));
}

struct NewPost {
  std::string title;
  std::string content;
  std::vector<std::string> tags;
  Status status = Status::draft;
  std::int32_t priority = 0;
  double score = 0;
  bool pinned = false;
  std::optional<Author> author;
  std::vector<Author> reviewers;
};
constexpr auto json_schema(json::For<NewPost>) {
  return json::object(field<&NewPost::title>("title").min(1).max(200),
                      field<&NewPost::content>("content").min(1, "Content is required"),
                      field<&NewPost::tags>("tags").optional().max(5).each(json::Rules{}.min(1).max(20)),
                      field<&NewPost::status>("status").optional(),
                      field<&NewPost::priority>("priority").optional().min(0).max(10),
                      field<&NewPost::score>("score").optional().min(-1.5),
                      field<&NewPost::pinned>("pinned").optional(),
                      field<&NewPost::author>("author"),
                      field<&NewPost::reviewers>("reviewers").optional());
}

struct Ranges {
  std::int8_t i8 = 0;
  std::uint8_t u8 = 0;
  std::int64_t i64 = 0;
  std::uint64_t u64 = 0;
  float f = 0;
};
constexpr auto json_schema(json::For<Ranges>) {
  return json::object(field<&Ranges::i8>("i8").optional(), field<&Ranges::u8>("u8").optional(),
                      field<&Ranges::i64>("i64").optional(), field<&Ranges::u64>("u64").optional(),
                      field<&Ranges::f>("f").optional());
}

}  // namespace blog

namespace {

using blog::NewPost;
using blog::Ranges;
using blog::Status;

std::vector<Issue> issues_of(std::string_view text) { return json::parse<NewPost>(text).issues; }

TEST(JsonSchema, ReadsEveryKindOfField) {
  auto r = json::parse<NewPost>(R"({
    "title": "Hello", "content": "World", "tags": ["a", "b"], "status": "archived",
    "priority": 3, "score": 2.5, "pinned": true,
    "author": {"name": "Ada", "email": "ada@example.com"},
    "reviewers": [{"name": "Bob"}, {"name": "Cy", "email": null}],
    "unknown": {"deep": [1, 2, {"x": null}]}
  })");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(r.issues.size());
  const NewPost& p = r.value;
  EXPECT_EQ(p.title, "Hello");
  EXPECT_EQ(p.content, "World");
  EXPECT_EQ(p.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(p.status, Status::archived);
  EXPECT_EQ(p.priority, 3);
  EXPECT_EQ(p.score, 2.5);
  EXPECT_TRUE(p.pinned);
  ASSERT_TRUE(p.author);
  EXPECT_EQ(p.author->name, "Ada");
  EXPECT_EQ(p.author->email, "ada@example.com");
  ASSERT_EQ(p.reviewers.size(), 2u);
  EXPECT_EQ(p.reviewers[0].name, "Bob");
  EXPECT_FALSE(p.reviewers[0].email);
  EXPECT_FALSE(p.reviewers[1].email);
}

TEST(JsonSchema, OptionalFieldsKeepTheirDefaults) {
  auto r = json::parse<NewPost>(R"({"title":"t","content":"c"})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value.tags.empty());
  EXPECT_EQ(r.value.status, Status::draft);
  EXPECT_FALSE(r.value.author);
}

TEST(JsonSchema, MissingAndMistypedFieldsAreIssuesWithPaths) {
  EXPECT_EQ(issues_of("{}"), (std::vector<Issue>{{"title", "Required"}, {"content", "Required"}}));
  EXPECT_EQ(issues_of(R"({"title":5,"content":null})"),
            (std::vector<Issue>{{"title", "Expected string, received number"},
                                {"content", "Expected string, received null"}}));
  EXPECT_EQ(issues_of(R"({"title":"","content":"c","tags":["ok",7,""]})"),
            (std::vector<Issue>{{"title", "String must contain at least 1 character(s)"},
                                {"tags.1", "Expected string, received number"},
                                {"tags.2", "String must contain at least 1 character(s)"}}));
  EXPECT_EQ(issues_of(R"({"title":"t","content":"","tags":"x"})"),
            (std::vector<Issue>{{"content", "Content is required"}, {"tags", "Expected array, received string"}}));
  EXPECT_EQ(issues_of(R"({"title":"t","content":"c","status":"gone"})"),
            (std::vector<Issue>{
                {"status", "Invalid enum value. Expected 'draft' | 'published' | 'archived', received 'gone'"}}));
  EXPECT_EQ(issues_of(R"({"title":"t","content":"c","status":1})"),
            (std::vector<Issue>{{"status", "Expected 'draft' | 'published' | 'archived', received number"}}));
  EXPECT_EQ(issues_of(R"({"title":"t","content":"c","priority":11,"score":-2})"),
            (std::vector<Issue>{{"priority", "Number must be less than or equal to 10"},
                                {"score", "Number must be greater than or equal to -1.5"}}));
  EXPECT_EQ(issues_of(R"({"title":"t","content":"c","priority":1.5})"),
            (std::vector<Issue>{{"priority", "Expected integer, received float"}}));
  EXPECT_EQ(issues_of(R"({"title":"t","content":"c","author":{"email":"nope"}})"),
            (std::vector<Issue>{{"author.email", "Invalid email"}, {"author.name", "Required"}}));
  EXPECT_EQ(issues_of(R"({"title":"t","content":"c","reviewers":[{"name":""},{"name":"x","email":3}]})"),
            (std::vector<Issue>{{"reviewers.0.name", "String must contain at least 1 character(s)"},
                                {"reviewers.1.email", "Expected string, received number"}}));
  EXPECT_EQ(issues_of(R"({"title":"t","content":"c","tags":["1","2","3","4","5","6"]})"),
            (std::vector<Issue>{{"tags", "Array must contain at most 5 element(s)"}}));
  EXPECT_EQ(issues_of(R"([1,2])"), (std::vector<Issue>{{"", "Expected object, received array"}}));
  EXPECT_EQ(issues_of(R"("text")"), (std::vector<Issue>{{"", "Expected object, received string"}}));
}

TEST(JsonSchema, LengthsCountCodePoints) {
  // 200 two-byte characters are 200 characters, not 400.
  std::string title;
  for (int i = 0; i < 200; ++i) title += "\xC3\xA9";
  EXPECT_TRUE(json::parse<NewPost>(R"({"title":")" + title + R"(","content":"c"})").ok());
  EXPECT_EQ(issues_of(R"({"title":")" + title + R"(x","content":"c"})"),
            (std::vector<Issue>{{"title", "String must contain at most 200 character(s)"}}));
}

TEST(JsonSchema, EscapedKeysAndDuplicates) {
  auto r = json::parse<NewPost>(R"({"t\u0069tle":"esc","content":"c","content":"second"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.title, "esc");
  EXPECT_EQ(r.value.content, "second");  // the last one wins
  auto r2 = json::parse<NewPost>(R"({"title":"a\"b\u00e9\n","content":"c"})");
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2.value.title, "a\"b\xC3\xA9\n");
}

TEST(JsonSchema, IntegerRangesFollowTheCppType) {
  auto issues = [](std::string_view text) { return json::parse<Ranges>(text).issues; };
  EXPECT_TRUE(issues(R"({"i8":-128,"u8":255,"i64":-9223372036854775808,"u64":18446744073709551615})").empty());
  auto r = json::parse<Ranges>(R"({"i8":127,"u8":0,"i64":9223372036854775807,"u64":18446744073709551615,"f":1.0})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.u64, 18446744073709551615ull);
  EXPECT_EQ(r.value.i64, 9223372036854775807ll);
  EXPECT_EQ(issues(R"({"i8":128})"), (std::vector<Issue>{{"i8", "Number must be less than or equal to 127"}}));
  EXPECT_EQ(issues(R"({"i8":-129})"), (std::vector<Issue>{{"i8", "Number must be greater than or equal to -128"}}));
  EXPECT_EQ(issues(R"({"u8":-1})"), (std::vector<Issue>{{"u8", "Number must be greater than or equal to 0"}}));
  EXPECT_EQ(issues(R"({"i64":9223372036854775808})"),
            (std::vector<Issue>{{"i64", "Number must be less than or equal to 9223372036854775807"}}));
  EXPECT_EQ(issues(R"({"i64":123456789012345678901234567890})"),
            (std::vector<Issue>{{"i64", "Number must be less than or equal to 9223372036854775807"}}));
  EXPECT_EQ(issues(R"({"u64":-123456789012345678901234567890})"),
            (std::vector<Issue>{{"u64", "Number must be greater than or equal to 0"}}));
  EXPECT_EQ(issues(R"({"i8":1e2})"), (std::vector<Issue>{}));
  EXPECT_EQ(issues(R"({"i64":1e19})"),
            (std::vector<Issue>{{"i64", "Number must be less than or equal to 9223372036854775807"}}));
  EXPECT_EQ(issues(R"({"f":1e400})"), (std::vector<Issue>{{"f", "Number is out of range"}}));
}

TEST(JsonSchema, MalformedJsonThrowsParseError) {
  for (std::string_view bad : {"", " ", "{", "{\"title\":", "{\"title\":\"x\"", "{\"title\":\"x\"}}", "{\"title\":\"x\"}{}",
                               "{\"title\":\"x\"} x", "{\"title\":tru}", "{\"title\":nul}", "{\"title\":\"\\x\"}",
                               "{\"junk\":tru,\"title\":\"t\",\"content\":\"c\"}", "{\"junk\":[1,,2]}",
                               "{\"junk\":{\"a\" 1}}", "{\"title\":\"t\",\"content\":\"c\",\"priority\":1.2.3}",
                               "{\"title\":\"\xFF\"}", "{'title':'x'}", "[1,2", "{\"a\":-}", "{\"a\":01}"}) {
    EXPECT_THROW(json::parse<NewPost>(bad), json::ParseError) << bad;
  }
}

TEST(JsonSchema, ParsesInPlaceWhenPaddedAndCopiesOtherwise) {
  std::string buffer = R"({"title":"t","content":"c"})";
  const std::size_t n = buffer.size();
  buffer.resize(n + 64, 'x');  // readable bytes after the JSON, as the connection's buffer has
  auto r = json::parse<NewPost>(std::string_view(buffer.data(), n), buffer.size());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.value.title, "t");
}

TEST(JsonSchema, ValidatesValuesBuiltInCode) {
  NewPost p;
  p.title = "";
  p.content = "c";
  p.tags = {"ok", std::string(21, 'x')};
  p.priority = 11;
  p.status = static_cast<Status>(3);
  p.author = blog::Author{"", "bad"};
  EXPECT_EQ(json::validate(p), (std::vector<Issue>{{"title", "String must contain at least 1 character(s)"},
                                                  {"tags.1", "String must contain at most 20 character(s)"},
                                                  {"status", "Invalid enum value. Expected 'draft' | 'published' | 'archived'"},
                                                  {"priority", "Number must be less than or equal to 10"},
                                                  {"author.name", "String must contain at least 1 character(s)"},
                                                  {"author.email", "Invalid email"}}));
}

TEST(JsonSchema, WritesThroughTheSameFields) {
  NewPost p;
  p.title = "Say \"hi\"";
  p.content = "c";
  p.tags = {"x"};
  p.status = Status::published;
  p.priority = 2;
  p.score = 0.5;
  p.reviewers = {{"Bob", std::nullopt}};
  const std::string text = json::stringify(p);
  EXPECT_EQ(text,
            R"({"title":"Say \"hi\"","content":"c","tags":["x"],"status":"published","priority":2,"score":0.5,)"
            R"("pinned":false,"author":null,"reviewers":[{"name":"Bob","email":null}]})");
  auto back = json::parse<NewPost>(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(json::stringify(back.value), text);
  EXPECT_EQ(json::stringify(json::Value{{"post", p}}), "{\"post\":" + text + "}");
}

TEST(JsonSchema, ValidationErrorIsTheApiShape) {
  json::ValidationError e({{"title", "Required"}, {"tags.0", "Expected string, received number"}});
  EXPECT_EQ(json::stringify(e),
            R"({"error":"Validation failed","issues":[{"path":"title","message":"Required"},)"
            R"({"path":"tags.0","message":"Expected string, received number"}]})");
}

// Random documents built from the schema, then damaged: the mapper either reads them,
// reports issues, or throws ParseError, and never anything else.
TEST(JsonSchema, RandomDocumentsNeverEscapeTheContract) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> pieces = {
      R"("title")", R"("content")", R"("tags")", R"("status")", R"("priority")", R"("author")",
      R"("name")", R"("x")", R"("draft")", "1", "-1", "1.5", "1e400", "true", "null", "[]", "{}",
      R"(["a"])", R"({"name":"n"})", ",", ":", "{", "}", "[", "]", "\"\\u00e9\"", "\"\xC3\"", " "};
  int ok = 0, with_issues = 0, parse_errors = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    if (rng() % 2) {
      text = R"({"title":"t","content":"c","tags":["a"],"priority":1,"author":{"name":"n"}})";
      for (int k = 0, n = static_cast<int>(rng() % 4); k < n; ++k) {
        const std::size_t at = rng() % (text.size() + 1);
        if (rng() % 2)
          text.insert(at, pieces[rng() % pieces.size()]);
        else
          text.erase(at, rng() % 4);
      }
    } else {
      for (int k = 0, n = static_cast<int>(rng() % 12); k < n; ++k) text += pieces[rng() % pieces.size()];
    }
    try {
      auto r = json::parse<NewPost>(text);
      (r.ok() ? ok : with_issues)++;
      if (r.ok()) {
        EXPECT_TRUE(json::validate(r.value).empty()) << text;
      }
    } catch (const json::ParseError&) {
      ++parse_errors;
    }
  }
  EXPECT_GT(ok, 0);
  EXPECT_GT(with_issues, 0);
  EXPECT_GT(parse_errors, 0);
}

}  // namespace
