// Unit tests for ignis::Router and ignis::Params.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ignis/router/router.hpp"
#include "ignis/router/url.hpp"
#include "support/router_reference.hpp"

using ignis::InvalidRoutePattern;
using ignis::Params;
using ignis::RouteConflict;
using ignis::Router;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

// The pattern matched by path, or "" when nothing matches.
std::string matched(const Router& r, std::string_view path, Params& p) {
  auto id = r.match(path, p);
  return id ? std::string(r.pattern(*id)) : std::string();
}
std::string matched(const Router& r, std::string_view path) {
  Params p;
  return matched(r, path, p);
}

// The message of the RouteConflict that adding `pattern` throws ("" if none).
std::string conflict_message(Router& r, std::string_view pattern) {
  try {
    r.add(pattern);
  } catch (const RouteConflict& e) {
    return e.what();
  }
  return {};
}

// ------------------------------------------------------------------ registration

TEST(RouterAdd, ReturnsSequentialIdsAndRemembersPatterns) {
  Router r;
  EXPECT_EQ(r.size(), 0u);
  auto a = r.add("/");
  auto b = r.add("/a");
  auto c = r.add("/a/[id]");
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 1u);
  EXPECT_EQ(c, 2u);
  EXPECT_EQ(r.size(), 3u);
  EXPECT_EQ(r.pattern(a), "/");
  EXPECT_EQ(r.pattern(c), "/a/[id]");
}

TEST(RouterFind, FindsRegisteredPatternsOnly) {
  Router r;
  auto id = r.add("/users/[id]");
  EXPECT_EQ(r.find("/users/[id]"), std::optional<Router::RouteId>(id));
  EXPECT_EQ(r.find("/users/[other]"), std::nullopt);
  EXPECT_EQ(r.find("/users"), std::nullopt);
  EXPECT_EQ(r.find("/users/1"), std::nullopt) << "find looks up patterns, it does not match paths";
}

TEST(RouterAdd, RejectsPatternsNotStartingWithSlash) {
  Router r;
  EXPECT_THROW(r.add(""), InvalidRoutePattern);
  EXPECT_THROW(r.add("a"), InvalidRoutePattern);
  EXPECT_THROW(r.add("a/b"), InvalidRoutePattern);
  EXPECT_THROW(r.add("[id]"), InvalidRoutePattern);
  EXPECT_EQ(r.size(), 0u);
}

TEST(RouterAdd, RejectsEmptySegments) {
  Router r;
  EXPECT_THROW(r.add("/a//b"), InvalidRoutePattern);
  EXPECT_THROW(r.add("//a"), InvalidRoutePattern);
  EXPECT_THROW(r.add("/a///b"), InvalidRoutePattern);
}

// Regression (was a bug): "//" and "/a//" are accepted (as "/" and "/a"): parse_pattern removes one trailing
// '/' and then the segment loop stops when nothing follows the next '/', so a trailing empty
// segment is silently dropped while "/a//b" is rejected. Expected: InvalidRoutePattern
// ("empty segment") for both, like every other empty segment.
TEST(RouterAdd, RejectsTrailingEmptySegment) {
  Router r;
  EXPECT_THROW(r.add("//"), InvalidRoutePattern);
  EXPECT_THROW(r.add("/a//"), InvalidRoutePattern);
}

TEST(RouterAdd, RejectsBadBrackets) {
  Router r;
  for (std::string_view p : {"/a[id]", "/[id]a", "/[id", "/id]", "/[", "/]", "/a]b", "/[[id]", "/x[", "/[a]]"}) {
    EXPECT_THROW(r.add(p), InvalidRoutePattern) << p;
  }
  EXPECT_EQ(r.size(), 0u);
}

TEST(RouterAdd, RejectsBadParameterNames) {
  Router r;
  for (std::string_view p : {"/[]", "/[...]", "/[[...]]", "/[1a]", "/[a-b]", "/[a b]", "/[a.b]", "/[..x]",
                             "/[....x]", "/[[x]]", "/[[..x]]", "/[[...x]", "/[...x]]", "/[$]"}) {
    EXPECT_THROW(r.add(p), InvalidRoutePattern) << p;
  }
}

TEST(RouterAdd, AcceptsIdentifierParameterNames) {
  Router r;
  EXPECT_NO_THROW(r.add("/a/[id]"));
  EXPECT_NO_THROW(r.add("/b/[_x9]"));
  EXPECT_NO_THROW(r.add("/c/[CamelCase]"));
  EXPECT_NO_THROW(r.add("/d/[...rest_1]"));
  EXPECT_NO_THROW(r.add("/e/[[...opt]]"));
}

TEST(RouterAdd, CatchAllMustBeLast) {
  Router r;
  EXPECT_THROW(r.add("/[...a]/b"), InvalidRoutePattern);
  EXPECT_THROW(r.add("/[[...a]]/b"), InvalidRoutePattern);
  EXPECT_THROW(r.add("/x/[...a]/[id]"), InvalidRoutePattern);
}

TEST(RouterAdd, RejectsRepeatedParameterName) {
  Router r;
  EXPECT_THROW(r.add("/[id]/[id]"), InvalidRoutePattern);
  EXPECT_THROW(r.add("/[id]/x/[...id]"), InvalidRoutePattern);
  try {
    r.add("/[a]/[a]");
    FAIL() << "expected InvalidRoutePattern";
  } catch (const InvalidRoutePattern& e) {
    EXPECT_THAT(e.what(), HasSubstr("/[a]/[a]"));
    EXPECT_THAT(e.what(), HasSubstr("'a'"));
  }
}

TEST(RouterAdd, AtMostSixteenParameters) {
  Router r;
  std::string sixteen, seventeen;
  for (int i = 0; i < 16; ++i) sixteen += std::string("/[p") + std::to_string(i) + "]";
  seventeen = sixteen + "/[p16]";
  EXPECT_THROW(r.add(seventeen), InvalidRoutePattern);
  auto id = r.add(sixteen);

  std::string path;
  for (int i = 0; i < 16; ++i) path += std::string("/v") + std::to_string(i);
  Params p;
  ASSERT_EQ(r.match(path, p), std::optional<Router::RouteId>(id));
  ASSERT_EQ(p.size(), 16u);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(p.get(std::string("p") + std::to_string(i)), std::string("v") + std::to_string(i));
}

TEST(RouterAdd, InvalidPatternMessageNamesThePattern) {
  Router r;
  try {
    r.add("/ok/[bad-name]");
    FAIL() << "expected InvalidRoutePattern";
  } catch (const InvalidRoutePattern& e) {
    EXPECT_THAT(e.what(), HasSubstr("/ok/[bad-name]"));
  }
  // InvalidRoutePattern and RouteConflict are both std::invalid_argument.
  EXPECT_THROW(r.add("nope"), std::invalid_argument);
}

// ------------------------------------------------------------------ conflicts

TEST(RouterConflict, DuplicatePattern) {
  Router r;
  r.add("/a/b");
  const std::string msg = conflict_message(r, "/a/b");
  EXPECT_THAT(msg, HasSubstr("'/a/b' conflicts with '/a/b'"));
}

TEST(RouterConflict, TrailingSlashIsTheSameRoute) {
  Router r;
  r.add("/a/b");
  const std::string msg = conflict_message(r, "/a/b/");
  EXPECT_THAT(msg, HasSubstr("/a/b/"));
  EXPECT_THAT(msg, HasSubstr("'/a/b'"));
}

TEST(RouterConflict, DifferentParameterNamesAtOnePosition) {
  Router r;
  r.add("/users/[id]");
  const std::string msg = conflict_message(r, "/users/[userId]/posts");
  EXPECT_THAT(msg, HasSubstr("/users/[userId]/posts"));
  EXPECT_THAT(msg, HasSubstr("/users/[id]"));
  // Same name, longer route: fine.
  EXPECT_NO_THROW(r.add("/users/[id]/posts"));
}

TEST(RouterConflict, DynamicNameClashNamesTheRouteThatIntroducedIt) {
  Router r;
  r.add("/x/[a]/one");
  r.add("/x/[a]/two");
  const std::string msg = conflict_message(r, "/x/[b]/three");
  EXPECT_THAT(msg, HasSubstr("'/x/[a]/one'"));
}

TEST(RouterConflict, SameDynamicRouteTwiceWithDifferentName) {
  Router r;
  r.add("/[a]");
  EXPECT_THAT(conflict_message(r, "/[b]"), HasSubstr("'/[a]'"));
}

TEST(RouterConflict, TwoCatchAllsAtOnePosition) {
  Router r;
  r.add("/docs/[...slug]");
  EXPECT_THAT(conflict_message(r, "/docs/[...path]"), HasSubstr("'/docs/[...slug]'"));
  EXPECT_THAT(conflict_message(r, "/docs/[...slug]"), HasSubstr("'/docs/[...slug]'"));
}

TEST(RouterConflict, CatchAllAndOptionalCatchAll) {
  Router r;
  r.add("/a/[...x]");
  EXPECT_THAT(conflict_message(r, "/a/[[...y]]"), HasSubstr("'/a/[...x]'"));
  Router r2;
  r2.add("/a/[[...y]]");
  EXPECT_THAT(conflict_message(r2, "/a/[...x]"), HasSubstr("'/a/[[...y]]'"));
  EXPECT_THAT(conflict_message(r2, "/a/[[...z]]"), HasSubstr("'/a/[[...y]]'"));
}

TEST(RouterConflict, OptionalCatchAllAndTheRouteAtItsParent) {
  Router r;
  r.add("/shop");
  EXPECT_THAT(conflict_message(r, "/shop/[[...slug]]"), HasSubstr("'/shop'"));
  Router r2;
  r2.add("/shop/[[...slug]]");
  EXPECT_THAT(conflict_message(r2, "/shop"), HasSubstr("'/shop/[[...slug]]'"));
  EXPECT_THAT(conflict_message(r2, "/shop/"), HasSubstr("'/shop/[[...slug]]'"));
}

TEST(RouterConflict, RootAndRootOptionalCatchAll) {
  Router r;
  r.add("/");
  EXPECT_THAT(conflict_message(r, "/[[...all]]"), HasSubstr("'/'"));
}

TEST(RouterConflict, CatchAllAndRouteAtParentCoexist) {
  // [...x] needs at least one segment, so it does not match its parent's path.
  Router r;
  r.add("/docs");
  EXPECT_NO_THROW(r.add("/docs/[...slug]"));
  EXPECT_EQ(matched(r, "/docs"), "/docs");
  EXPECT_EQ(matched(r, "/docs/a"), "/docs/[...slug]");
}

TEST(RouterConflict, FailedAddLeavesRouterUnchanged) {
  Router r;
  r.add("/a/[id]");
  const std::size_t before = r.size();
  EXPECT_THROW(r.add("/a/[other]/deeper/path"), RouteConflict);
  EXPECT_THROW(r.add("/a/[id]"), RouteConflict);
  EXPECT_THROW(r.add("/a/[[...bad"), InvalidRoutePattern);
  EXPECT_EQ(r.size(), before);
  EXPECT_EQ(r.find("/a/[other]/deeper/path"), std::nullopt);
  EXPECT_EQ(matched(r, "/a/1/deeper/path"), "");
  // The router still works and still accepts a valid route at the same place.
  EXPECT_NO_THROW(r.add("/a/[id]/deeper/path"));
  EXPECT_EQ(matched(r, "/a/1/deeper/path"), "/a/[id]/deeper/path");
}

TEST(RouterConflict, StaticAndDynamicSiblingsDoNotConflict) {
  Router r;
  r.add("/posts/new");
  EXPECT_NO_THROW(r.add("/posts/[id]"));
  EXPECT_NO_THROW(r.add("/posts/[...rest]"));
}

// ------------------------------------------------------------------ matching

TEST(RouterMatch, RootAndStaticRoutes) {
  Router r;
  r.add("/");
  r.add("/about");
  r.add("/api/posts");
  EXPECT_EQ(matched(r, "/"), "/");
  EXPECT_EQ(matched(r, "/about"), "/about");
  EXPECT_EQ(matched(r, "/api/posts"), "/api/posts");
  EXPECT_EQ(matched(r, "/api"), "");
  EXPECT_EQ(matched(r, "/api/posts/1"), "");
  EXPECT_EQ(matched(r, "/abou"), "");
  EXPECT_EQ(matched(r, "/aboutx"), "");
  EXPECT_EQ(matched(r, "/About"), "") << "paths are case-sensitive";
}

TEST(RouterMatch, EmptyRouterMatchesNothing) {
  Router r;
  EXPECT_EQ(matched(r, "/"), "");
  EXPECT_EQ(matched(r, "/a"), "");
}

TEST(RouterMatch, PathMustStartWithSlash) {
  Router r;
  r.add("/");
  r.add("/a");
  EXPECT_EQ(matched(r, ""), "");
  EXPECT_EQ(matched(r, "a"), "");
  EXPECT_EQ(matched(r, "*"), "");
  EXPECT_EQ(matched(r, "http://x/a"), "");
}

TEST(RouterMatch, OneTrailingSlashIsIgnored) {
  Router r;
  r.add("/a/b");
  r.add("/x/[id]");
  EXPECT_EQ(matched(r, "/a/b/"), "/a/b");
  Params p;
  EXPECT_EQ(matched(r, "/x/7/", p), "/x/[id]");
  EXPECT_EQ(p.get("id"), "7");
}

TEST(RouterMatch, EmptySegmentsDoNotMatch) {
  Router r;
  r.add("/a/b");
  r.add("/a/[id]/c");
  r.add("/p/[id]");
  EXPECT_EQ(matched(r, "/a//b"), "");
  EXPECT_EQ(matched(r, "//a/b"), "");
  EXPECT_EQ(matched(r, "/a/b//"), "");
  EXPECT_EQ(matched(r, "/a//c"), "") << "a dynamic segment never matches an empty segment";
  EXPECT_EQ(matched(r, "/p/"), "");
  EXPECT_EQ(matched(r, "/p//"), "");
}

TEST(RouterMatch, DynamicSegmentCapturesValue) {
  Router r;
  r.add("/api/posts/[id]");
  r.add("/users/[uid]/posts/[pid]");
  Params p;
  EXPECT_EQ(matched(r, "/api/posts/42", p), "/api/posts/[id]");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.name(0), "id");
  EXPECT_EQ(p.value(0), "42");
  EXPECT_TRUE(p.has("id"));
  EXPECT_FALSE(p.has("ID"));
  EXPECT_EQ(p.get("missing"), "");

  EXPECT_EQ(matched(r, "/users/u1/posts/p2", p), "/users/[uid]/posts/[pid]");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.get("uid"), "u1");
  EXPECT_EQ(p.get("pid"), "p2");
  EXPECT_EQ(p.name(0), "uid");
  EXPECT_EQ(p.name(1), "pid");
}

TEST(RouterMatch, StaticBeatsDynamicBeatsCatchAll) {
  Router r;
  r.add("/posts/[...rest]");
  r.add("/posts/[id]");
  r.add("/posts/new");
  Params p;
  EXPECT_EQ(matched(r, "/posts/new", p), "/posts/new");
  EXPECT_EQ(p.size(), 0u);
  EXPECT_EQ(matched(r, "/posts/7", p), "/posts/[id]");
  EXPECT_EQ(p.get("id"), "7");
  EXPECT_EQ(matched(r, "/posts/7/comments", p), "/posts/[...rest]");
  EXPECT_EQ(p.get("rest"), "7/comments");
  EXPECT_FALSE(p.has("id")) << "a failed branch leaves no parameter behind";
}

TEST(RouterMatch, BacktracksFromStaticToDynamic) {
  Router r;
  r.add("/a/b/c");
  r.add("/a/[x]/d");
  Params p;
  EXPECT_EQ(matched(r, "/a/b/c", p), "/a/b/c");
  EXPECT_EQ(matched(r, "/a/b/d", p), "/a/[x]/d");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.get("x"), "b");
  EXPECT_EQ(matched(r, "/a/b", p), "");
}

TEST(RouterMatch, BacktracksFromDynamicToCatchAll) {
  Router r;
  r.add("/a/[x]/end");
  r.add("/a/[...rest]");
  Params p;
  EXPECT_EQ(matched(r, "/a/1/end", p), "/a/[x]/end");
  EXPECT_EQ(p.get("x"), "1");
  EXPECT_EQ(matched(r, "/a/1/other", p), "/a/[...rest]");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.name(0), "rest");
  EXPECT_EQ(p.get("rest"), "1/other");
}

TEST(RouterMatch, BacktracksFromStaticToCatchAllAtAShallowerLevel) {
  Router r;
  r.add("/x/static/deep/leaf");
  r.add("/x/[a]/[b]/other");
  r.add("/[...all]");
  Params p;
  EXPECT_EQ(matched(r, "/x/static/deep/leaf", p), "/x/static/deep/leaf");
  EXPECT_EQ(matched(r, "/x/static/deep/other", p), "/x/[a]/[b]/other");
  EXPECT_EQ(p.get("a"), "static");
  EXPECT_EQ(p.get("b"), "deep");
  EXPECT_EQ(matched(r, "/x/static/deep/nothing", p), "/[...all]");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.get("all"), "x/static/deep/nothing");
}

TEST(RouterMatch, DeepBacktrackingPicksTheMostSpecificAtEachLevel) {
  Router r;
  r.add("/[a]/[b]/c");
  r.add("/x/[b]/d");
  Params p;
  EXPECT_EQ(matched(r, "/x/y/d", p), "/x/[b]/d");
  EXPECT_EQ(p.size(), 1u);
  EXPECT_EQ(matched(r, "/x/y/c", p), "/[a]/[b]/c");
  EXPECT_EQ(p.get("a"), "x");
  EXPECT_EQ(p.get("b"), "y");
}

TEST(RouterMatch, CatchAllNeedsAtLeastOneSegment) {
  Router r;
  r.add("/docs/[...slug]");
  Params p;
  EXPECT_EQ(matched(r, "/docs", p), "");
  EXPECT_EQ(matched(r, "/docs/", p), "");
  EXPECT_EQ(matched(r, "/docs/a", p), "/docs/[...slug]");
  EXPECT_EQ(p.get("slug"), "a");
  EXPECT_EQ(matched(r, "/docs/a/b/c", p), "/docs/[...slug]");
  EXPECT_EQ(p.get("slug"), "a/b/c");
  EXPECT_THAT(p.segments("slug"), ElementsAre("a", "b", "c"));
  EXPECT_EQ(matched(r, "/docs/a/b/c/", p), "/docs/[...slug]");
  EXPECT_EQ(p.get("slug"), "a/b/c") << "the trailing slash is not part of the catch-all";
}

TEST(RouterMatch, OptionalCatchAllMatchesZeroOrMore) {
  Router r;
  r.add("/shop/[[...slug]]");
  Params p;
  EXPECT_EQ(matched(r, "/shop", p), "/shop/[[...slug]]");
  EXPECT_EQ(p.size(), 0u);
  EXPECT_FALSE(p.has("slug"));
  EXPECT_EQ(p.get("slug"), "");
  EXPECT_TRUE(p.segments("slug").empty());

  EXPECT_EQ(matched(r, "/shop/", p), "/shop/[[...slug]]");
  EXPECT_FALSE(p.has("slug"));

  EXPECT_EQ(matched(r, "/shop/shoes", p), "/shop/[[...slug]]");
  EXPECT_TRUE(p.has("slug"));
  EXPECT_EQ(p.get("slug"), "shoes");
  EXPECT_THAT(p.segments("slug"), ElementsAre("shoes"));

  EXPECT_EQ(matched(r, "/shop/shoes/red/42", p), "/shop/[[...slug]]");
  EXPECT_EQ(p.get("slug"), "shoes/red/42");
  EXPECT_THAT(p.segments("slug"), ElementsAre("shoes", "red", "42"));

  EXPECT_EQ(matched(r, "/sho", p), "");
  EXPECT_EQ(matched(r, "/", p), "");
}

TEST(RouterMatch, RootOptionalCatchAllMatchesEverything) {
  Router r;
  r.add("/[[...all]]");
  r.add("/api/health");
  Params p;
  EXPECT_EQ(matched(r, "/", p), "/[[...all]]");
  EXPECT_FALSE(p.has("all"));
  EXPECT_EQ(matched(r, "/api/health", p), "/api/health");
  EXPECT_EQ(matched(r, "/api/other", p), "/[[...all]]");
  EXPECT_EQ(p.get("all"), "api/other");
}

TEST(RouterMatch, CatchAllAfterDynamicSegments) {
  Router r;
  r.add("/[org]/[repo]/blob/[...path]");
  Params p;
  EXPECT_EQ(matched(r, "/acme/app/blob/main/src/x.cpp", p), "/[org]/[repo]/blob/[...path]");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p.get("org"), "acme");
  EXPECT_EQ(p.get("repo"), "app");
  EXPECT_EQ(p.get("path"), "main/src/x.cpp");
  EXPECT_THAT(p.segments("path"), ElementsAre("main", "src", "x.cpp"));
  EXPECT_THAT(p.segments("org"), ElementsAre("acme")) << "a plain parameter is one segment";
  EXPECT_TRUE(p.segments("nope").empty());
}

TEST(RouterMatch, FailedMatchClearsParams) {
  Router r;
  r.add("/a/[id]");
  Params p;
  ASSERT_EQ(matched(r, "/a/1", p), "/a/[id]");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(matched(r, "/b/1", p), "");
  EXPECT_EQ(p.size(), 0u);
  EXPECT_FALSE(p.has("id"));
}

TEST(RouterMatch, ParamsClear) {
  Router r;
  r.add("/a/[id]");
  Params p;
  ASSERT_EQ(matched(r, "/a/1", p), "/a/[id]");
  p.clear();
  EXPECT_EQ(p.size(), 0u);
  EXPECT_FALSE(p.has("id"));
}

TEST(RouterMatch, ParamsArePercentDecoded) {
  Router r;
  r.add("/users/[name]");
  Params p;
  ASSERT_EQ(matched(r, "/users/J%C3%BCrgen%20M", p), "/users/[name]");
  EXPECT_EQ(p.get("name"), "J\xC3\xBCrgen M");
  ASSERT_EQ(matched(r, "/users/a+b", p), "/users/[name]");
  EXPECT_EQ(p.get("name"), "a+b") << "'+' is not a space in a path";
  ASSERT_EQ(matched(r, "/users/100%", p), "/users/[name]");
  EXPECT_EQ(p.get("name"), "100%");
  ASSERT_EQ(matched(r, "/users/%zz", p), "/users/[name]");
  EXPECT_EQ(p.get("name"), "%zz");
}

TEST(RouterMatch, EncodedSlashStaysInsideOneSegment) {
  Router r;
  r.add("/files/[name]");
  r.add("/a/b");
  Params p;
  ASSERT_EQ(matched(r, "/files/dir%2Ffile.txt", p), "/files/[name]");
  EXPECT_EQ(p.get("name"), "dir/file.txt");
  EXPECT_EQ(matched(r, "/a%2Fb", p), "") << "an encoded '/' does not split segments";
}

TEST(RouterMatch, CatchAllDecodesWholeAndPerSegment) {
  Router r;
  r.add("/docs/[...slug]");
  Params p;
  ASSERT_EQ(matched(r, "/docs/a%2Fb/c%20d", p), "/docs/[...slug]");
  EXPECT_EQ(p.get("slug"), "a/b/c d");
  EXPECT_THAT(p.segments("slug"), ElementsAre("a/b", "c d"));
}

TEST(RouterMatch, ManyEncodedParamsAllDecodedCorrectly) {
  Router r;
  r.add("/[a]/[b]/[c]/[...d]");
  Params p;
  ASSERT_EQ(matched(r, "/%41/plain/%43%43/x%2Fy/%44", p), "/[a]/[b]/[c]/[...d]");
  EXPECT_EQ(p.get("a"), "A");
  EXPECT_EQ(p.get("b"), "plain");
  EXPECT_EQ(p.get("c"), "CC");
  EXPECT_EQ(p.get("d"), "x/y/D");
  // Reuse with a longer decoded value (scratch grows) and then a shorter one.
  ASSERT_EQ(matched(r, "/%41%41%41%41%41%41%41%41%41%41/%42/%43/%44%44%44%44%44%44%44%44", p),
            "/[a]/[b]/[c]/[...d]");
  EXPECT_EQ(p.get("a"), "AAAAAAAAAA");
  EXPECT_EQ(p.get("b"), "B");
  EXPECT_EQ(p.get("c"), "C");
  EXPECT_EQ(p.get("d"), "DDDDDDDD");
  ASSERT_EQ(matched(r, "/%31/%32/%33/%34", p), "/[a]/[b]/[c]/[...d]");
  EXPECT_EQ(p.get("a"), "1");
  EXPECT_EQ(p.get("b"), "2");
  EXPECT_EQ(p.get("c"), "3");
  EXPECT_EQ(p.get("d"), "4");
}

TEST(RouterMatch, UnencodedParamsPointIntoThePath) {
  Router r;
  r.add("/a/[id]");
  const std::string path = "/a/hello";
  Params p;
  ASSERT_EQ(matched(r, path, p), "/a/[id]");
  const std::string_view v = p.get("id");
  EXPECT_EQ(v.data(), path.data() + 3) << "no copy for a value without escapes";
}

TEST(RouterMatch, EncodedPathMatchesStaticSegment) {
  Router r;
  r.add("/hello world");
  r.add("/caf\xC3\xA9");
  EXPECT_EQ(matched(r, "/hello%20world"), "/hello world");
  EXPECT_EQ(matched(r, "/hello world"), "/hello world");
  EXPECT_EQ(matched(r, "/caf%C3%A9"), "/caf\xC3\xA9");
  EXPECT_EQ(matched(r, "/caf%c3%a9"), "/caf\xC3\xA9");
  EXPECT_EQ(matched(r, "/hello%20worl"), "");
  EXPECT_EQ(matched(r, "/hello%20worldx"), "");
}

TEST(RouterMatch, EncodedStaticSegmentBeatsDynamic) {
  Router r;
  r.add("/posts/new");
  r.add("/posts/[id]");
  Params p;
  EXPECT_EQ(matched(r, "/posts/%6Eew", p), "/posts/new");
  EXPECT_EQ(p.size(), 0u);
}

TEST(RouterMatch, QueryIsNotStripped) {
  // match() takes a path without its query: a '?' is just a character.
  Router r;
  r.add("/a/[id]");
  Params p;
  ASSERT_EQ(matched(r, "/a/1?x=2", p), "/a/[id]");
  EXPECT_EQ(p.get("id"), "1?x=2");
}

TEST(RouterMatch, ManyStaticSiblings) {
  Router r;
  for (int i = 0; i < 200; ++i) r.add(std::string("/s/item") + std::to_string(i));
  r.add("/s/[other]");
  for (int i = 0; i < 200; i += 17) EXPECT_EQ(matched(r, std::string("/s/item") + std::to_string(i)), std::string("/s/item") + std::to_string(i));
  EXPECT_EQ(matched(r, "/s/item200"), "/s/[other]");
}

TEST(RouterMatch, StaticPathsFoundWholeAgreeWithTheTree) {
  // Routes of literals only are looked up by their whole path first; every answer must
  // be the tree's: segment lengths around the 8-byte key, shared prefixes, trailing
  // slashes, escapes, and paths that only nearly match.
  Router r;
  const std::vector<std::string> statics = {"/", "/a", "/ab", "/abc", "/abcd", "/abcdefg", "/abcdefgh",
                                            "/abcdefghi", "/abcdefgh/x", "/api/users", "/api/users/me"};
  for (const auto& s : statics) r.add(s);
  r.add("/api/users/[id]");
  r.add("/[...rest]");
  for (const auto& s : statics) {
    EXPECT_EQ(matched(r, s), s);
    if (s != "/") {
      EXPECT_EQ(matched(r, s + "/"), s);
    }
  }
  EXPECT_EQ(matched(r, "/abcdefgi"), "/[...rest]");     // same size and prefix as /abcdefgh but one byte
  EXPECT_EQ(matched(r, "/abcdefghj"), "/[...rest]");    // differs past the first 8 bytes
  EXPECT_EQ(matched(r, "/api/users/mf"), "/api/users/[id]");
  EXPECT_EQ(matched(r, "/api/users/m%65"), "/api/users/me");  // through the tree, decoded
  EXPECT_EQ(matched(r, "/api//users"), "/[...rest]");
  EXPECT_EQ(matched(r, "/a//"), "/[...rest]");          // one trailing slash goes, the empty segment stays
  Params p;
  p.clear();
  EXPECT_EQ(matched(r, "/api/users/7", p), "/api/users/[id]");
  EXPECT_EQ(p.get("id"), "7");
  EXPECT_EQ(matched(r, "/api/users", p), "/api/users");
  EXPECT_EQ(p.size(), 0u);  // a static match leaves no parameter of an earlier match
}

TEST(RouterMatch, RandomizedAgainstPatternShape) {
  // Routes /r/[a]/k<i> for i in 0..49 and a catch-all; random paths must pick the right one.
  Router r;
  for (int i = 0; i < 50; ++i) r.add(std::string("/r/[a]/k") + std::to_string(i));
  r.add("/r/[...rest]");
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 500; ++iter) {
    const int k = static_cast<int>(rng() % 60);
    const std::string a = std::string("v") + std::to_string(rng() % 1000);
    const std::string path = "/r/" + a + std::string("/k") + std::to_string(k);
    Params p;
    const std::string got = matched(r, path, p);
    if (k < 50) {
      EXPECT_EQ(got, std::string("/r/[a]/k") + std::to_string(k)) << path;
      EXPECT_EQ(p.get("a"), a);
    } else {
      EXPECT_EQ(got, "/r/[...rest]") << path;
      EXPECT_EQ(p.get("rest"), a + std::string("/k") + std::to_string(k));
    }
  }
}

// ------------------------------------------------------------------ match() against fixed answers

// What a path must give: the pattern ("" for no match) and every parameter, in order,
// as name and decoded value.
struct Expected {
  std::string path;
  std::string pattern;
  std::vector<std::pair<std::string, std::string>> params;
};

void expect_all(const Router& r, const std::vector<Expected>& cases) {
  Params p;
  for (const Expected& c : cases) {
    EXPECT_EQ(matched(r, c.path, p), c.pattern) << c.path;
    ASSERT_EQ(p.size(), c.params.size()) << c.path;
    for (std::size_t i = 0; i < c.params.size(); ++i) {
      EXPECT_EQ(p.name(i), c.params[i].first) << c.path;
      EXPECT_EQ(p.value(i), c.params[i].second) << c.path;
    }
  }
}

TEST(RouterMatch, TrickyCasesTable) {
  // Precedence and backtracking at every level, decoding, empty segments and trailing
  // slashes, all in one tree: the answers were checked against the recursive matcher.
  Router r;
  for (const char* pattern :
       {"/a/b/c", "/a/[x]/d", "/a/[...rest]", "/t/[n:int]", "/t/[u:uuid]", "/t/[s]", "/t/[n:int]/deep",
        "/t/[u:uuid]/deep", "/t/[s]/deeper", "/o/[[...all]]", "/o/fixed", "/o/fixed/[x]", "/c/[...all]", "/c/[x]/y",
        "/e/new", "/e/hello world", "/e/[id]", "/e/%41", "/e/A", "/e/abcdefghij", "/api/users", "/api/users/[id]",
        "/api/users/[id]/posts/[post:int]", "/api/users/me/settings"})
    r.add(pattern);
  const std::string uuid = "123e4567-e89b-12d3-a456-426614174000";
  expect_all(r, {
                    {"/a/b/c", "/a/b/c", {}},
                    {"/a/b/c/", "/a/b/c", {}},
                    {"/a/b/d", "/a/[x]/d", {{"x", "b"}}},              // static b fails deeper: [x]
                    {"/a/b/e", "/a/[...rest]", {{"rest", "b/e"}}},     // ... and [x] too: the catch-all
                    {"/a/b", "/a/[...rest]", {{"rest", "b"}}},         // node b has no route of its own
                    {"/a/b/c//", "/a/[...rest]", {{"rest", "b/c/"}}},  // one '/' goes; the empty segment stays
                    {"/a//c", "/a/[...rest]", {{"rest", "/c"}}},       // a catch-all takes empty segments
                    {"/a/", "", {}},
                    {"/a", "", {}},
                    {"/t/42", "/t/[n:int]", {{"n", "42"}}},
                    {"/t/-9223372036854775808", "/t/[n:int]", {{"n", "-9223372036854775808"}}},
                    {"/t/9223372036854775808", "/t/[s]", {{"s", "9223372036854775808"}}},
                    {"/t/" + uuid, "/t/[u:uuid]", {{"u", uuid}}},
                    {"/t/42/deep", "/t/[n:int]/deep", {{"n", "42"}}},
                    {"/t/42/deeper", "/t/[s]/deeper", {{"s", "42"}}},  // typed fails deeper: untyped
                    {"/t/" + uuid + "/deep", "/t/[u:uuid]/deep", {{"u", uuid}}},
                    {"/t/" + uuid + "/deeper", "/t/[s]/deeper", {{"s", uuid}}},
                    {"/t/42/other", "", {}},
                    {"/t/%34%32", "/t/[s]", {{"s", "42"}}},  // types look at the raw segment
                    {"/t/4%32/deeper", "/t/[s]/deeper", {{"s", "42"}}},
                    {"/o", "/o/[[...all]]", {}},
                    {"/o/", "/o/[[...all]]", {}},
                    {"/o/fixed", "/o/fixed", {}},
                    {"/o/fixed/1", "/o/fixed/[x]", {{"x", "1"}}},
                    {"/o/fixed/1/2", "/o/[[...all]]", {{"all", "fixed/1/2"}}},
                    {"/o/x%2Fy/z", "/o/[[...all]]", {{"all", "x/y/z"}}},
                    {"/o//", "", {}},  // "o" then an empty segment: nothing to backtrack to
                    {"/c", "", {}},
                    {"/c/", "", {}},
                    {"/c/q/y", "/c/[x]/y", {{"x", "q"}}},
                    {"/c/q/z", "/c/[...all]", {{"all", "q/z"}}},
                    {"/c/q/y/", "/c/[x]/y", {{"x", "q"}}},
                    {"/c/q/y//", "/c/[...all]", {{"all", "q/y/"}}},
                    {"/e/new", "/e/new", {}},
                    {"/e/%6Eew", "/e/new", {}},  // a literal equal to the decoded segment
                    {"/e/%6eew/", "/e/new", {}},
                    {"/e/%41", "/e/%41", {}},  // the literal itself beats the decoded "A"
                    {"/e/A", "/e/A", {}},
                    {"/e/%2541", "/e/%41", {}},
                    {"/e/hello%20world", "/e/hello world", {}},
                    {"/e/hello world", "/e/hello world", {}},
                    {"/e/abcdefghij", "/e/abcdefghij", {}},
                    {"/e/abcdefghiJ", "/e/[id]", {{"id", "abcdefghiJ"}}},
                    {"/e/abcdefgh%69j", "/e/abcdefghij", {}},
                    {"/e/%zz", "/e/[id]", {{"id", "%zz"}}},
                    {"/e/100%", "/e/[id]", {{"id", "100%"}}},
                    {"/e/%6Eew%2F", "/e/[id]", {{"id", "new/"}}},
                    {"/e/", "", {}},
                    {"/e//", "", {}},
                    {"/e/x/", "/e/[id]", {{"id", "x"}}},
                    {"/api/users", "/api/users", {}},
                    {"/api/users/", "/api/users", {}},
                    {"/api/users/7", "/api/users/[id]", {{"id", "7"}}},
                    {"/api/users/m%65", "/api/users/[id]", {{"id", "me"}}},  // no literal "me" ends here
                    {"/api/users/m%65/settings", "/api/users/me/settings", {}},
                    {"/api/users/123/posts/456", "/api/users/[id]/posts/[post:int]", {{"id", "123"}, {"post", "456"}}},
                    {"/api/users/me/posts/456", "/api/users/[id]/posts/[post:int]", {{"id", "me"}, {"post", "456"}}},
                    {"/api/users/123/posts/x", "", {}},
                    {"/api/users/123/posts/456/", "/api/users/[id]/posts/[post:int]", {{"id", "123"}, {"post", "456"}}},
                    {"/api/users/123/posts/456//", "", {}},
                    {"/api//users", "", {}},
                    {"//api/users", "", {}},
                    {"/", "", {}},
                    {"//", "", {}},
                    {"", "", {}},
                    {"api/users", "", {}},
                });
}

TEST(RouterMatch, TrickyCasesAtTheRoot) {
  Router r;
  r.add("/");
  r.add("/[...all]");
  r.add("/[x]/[y:int]");
  expect_all(r, {
                    {"/", "/", {}},
                    {"//", "/", {}},
                    {"///", "/[...all]", {{"all", "/"}}},  // "//" less one '/': one empty segment
                    {"//a", "/[...all]", {{"all", "/a"}}},
                    {"/a", "/[...all]", {{"all", "a"}}},
                    {"/a/1", "/[x]/[y:int]", {{"x", "a"}, {"y", "1"}}},
                    {"/a/b", "/[...all]", {{"all", "a/b"}}},
                    {"/a%2F1/%31", "/[...all]", {{"all", "a/1/1"}}},
                });
}

TEST(RouterMatch, SixteenParametersAndACatchAll) {
  // Params::kMax parameters, the last a catch-all, each with and without escapes.
  Router r;
  std::string pattern, path;
  std::vector<std::pair<std::string, std::string>> params;
  for (int i = 0; i < 15; ++i) {
    const std::string n = std::to_string(i);
    pattern.append("/[p").append(n).append("]");
    path.append(i % 2 ? "/v" : "/%76").append(n);
    params.emplace_back(std::string("p").append(n), std::string("v").append(n));
  }
  pattern += "/[...rest]";
  path += "/x/%79/z";
  params.emplace_back("rest", "x/y/z");
  r.add(pattern);
  r.add("/[p0]/[...b]");
  expect_all(r, {{path, pattern, params}, {path + "/", pattern, params}, {"/v/w", "/[p0]/[...b]", {{"p0", "v"}, {"b", "w"}}}});
}

// ------------------------------------------------------------------ match() against a reference

TEST(RouterMatch, RandomTreesAgreeWithTheReference) {
  // Random small route sets over a few literals, typed and untyped parameters and
  // catch-alls; random paths over those literals, their encodings, numbers, UUIDs, empty
  // segments and trailing slashes. Every answer (route and parameters) must be the one
  // of tests/support/router_reference.hpp, which matches each pattern on its own.
  std::mt19937 rng(20240611);
  auto pick = [&](const auto& v) -> const auto& { return v[rng() % v.size()]; };
  const std::vector<std::string> literals = {"a", "b", "ab", "A", "%41", "new", "abcdefghij", "abcdefgh"};
  const std::vector<std::string> path_segments = {
      "a",   "b",  "ab",  "A",   "%41", "%2541", "%61", "%61b", "new", "%6Eew", "abcdefghij", "abcdefgh%69j",
      "abcdefgh", "abcdefghiJ", "1", "-2", "42", "%31", "9223372036854775808", "123e4567-e89b-12d3-a456-426614174000",
      "x", "x%2Fy", "%zz", "", "100%"};
  std::size_t hits = 0, dynamic_hits = 0, paths = 0;
  for (int tree = 0; tree < 3000; ++tree) {
    Router r;
    std::vector<std::string> patterns;
    const int routes = 1 + static_cast<int>(rng() % 10);
    for (int i = 0; i < routes; ++i) {
      std::string pattern;
      const int depth = static_cast<int>(rng() % 4);
      for (int d = 0; d < depth + 1; ++d) {
        // Names follow the position and type, so that only real duplicates conflict.
        const std::string n = std::to_string(d);
        switch (rng() % 8) {
          case 0: case 1: case 2: pattern += "/" + pick(literals); break;
          case 3: pattern += "/[i" + n + ":int]"; break;
          case 4: pattern += "/[u" + n + ":uuid]"; break;
          case 5: pattern += "/[s" + n + "]"; break;
          case 6: pattern += "/[...c" + n + "]"; d = depth; break;
          case 7: pattern += "/[[...o" + n + "]]"; d = depth; break;
        }
      }
      if (rng() % 6 == 0) pattern = "/";
      try {
        r.add(pattern);
        patterns.push_back(pattern);
      } catch (const RouteConflict&) {
      }
    }
    for (int k = 0; k < 40; ++k) {
      std::string path;
      const int depth = static_cast<int>(rng() % 5);
      for (int d = 0; d < depth; ++d) path += "/" + pick(path_segments);
      if (path.empty() || rng() % 5 == 0) path += "/";
      if (rng() % 40 == 0) path = pick(path_segments);  // not starting with '/'
      ++paths;
      Params p;
      const auto id = r.match(path, p);
      const auto want = ignis::test::reference_match(patterns, path);
      ASSERT_FALSE(want && want->tie) << "the reference found two winners for " << path;
      ASSERT_EQ(id.has_value(), want.has_value()) << path << (want ? " should match " + patterns[want->index] : "");
      if (!id) {
        EXPECT_EQ(p.size(), 0u);
        continue;
      }
      ++hits;
      ASSERT_EQ(r.pattern(*id), patterns[want->index]) << path;
      ASSERT_EQ(p.size(), want->params.size()) << path;
      for (std::size_t i = 0; i < p.size(); ++i) {
        const ignis::test::ReferenceParam& e = want->params[i];
        ASSERT_EQ(p.name(i), e.name) << path;
        ASSERT_EQ(p.value(i), ignis::url::decode(e.raw)) << path;
        // A catch-all's segments, each decoded on its own (one segment for a parameter).
        std::vector<std::string> each;
        for (std::size_t from = 0;;) {
          const std::size_t slash = e.raw.find('/', from);
          each.push_back(ignis::url::decode(std::string_view(e.raw).substr(from, slash - from)));
          if (slash == std::string::npos) break;
          from = slash + 1;
        }
        ASSERT_EQ(p.segments(e.name), each) << path;
      }
      if (p.size() != 0) ++dynamic_hits;
    }
  }
  // The random trees must exercise the matcher, not just miss.
  EXPECT_GT(hits, paths / 5);
  EXPECT_GT(dynamic_hits, paths / 10);
}

}  // namespace

// ------------------------------------------------------------------ typed parameters

TEST(RouterTyped, IntMatchesOnlyIntegersInRange) {
  ignis::Router r;
  auto id = r.add("/posts/[id:int]");
  ignis::Params p;
  EXPECT_EQ(r.match("/posts/42", p), id);
  EXPECT_EQ(p.as<long>("id"), 42);
  EXPECT_EQ(r.match("/posts/-7", p), id);
  EXPECT_EQ(p.as<int>("id"), -7);
  EXPECT_EQ(r.match("/posts/9223372036854775807", p), id);
  EXPECT_FALSE(r.match("/posts/9223372036854775808", p));  // past int64
  EXPECT_EQ(r.match("/posts/-9223372036854775808", p), id);
  for (const char* bad : {"/posts/abc", "/posts/4x", "/posts/+4", "/posts/-", "/posts/%31", "/posts/1.5"})
    EXPECT_FALSE(r.match(bad, p)) << bad;
}

TEST(RouterTyped, UuidMatchesOnlyUuids) {
  ignis::Router r;
  auto id = r.add("/users/[id:uuid]");
  ignis::Params p;
  EXPECT_EQ(r.match("/users/123e4567-e89b-12d3-a456-426614174000", p), id);
  EXPECT_EQ(p.get("id"), "123e4567-e89b-12d3-a456-426614174000");
  EXPECT_FALSE(r.match("/users/123e4567e89b12d3a456426614174000", p));
  EXPECT_FALSE(r.match("/users/123e4567-e89b-12d3-a456-42661417400g", p));
}

TEST(RouterTyped, TypedBeforeUntypedAtOnePosition) {
  ignis::Router r;
  auto by_id = r.add("/posts/[id:int]");
  auto by_slug = r.add("/posts/[slug]");
  ignis::Params p;
  EXPECT_EQ(r.match("/posts/12", p), by_id);
  EXPECT_EQ(r.match("/posts/hello-world", p), by_slug);
  EXPECT_EQ(p.get("slug"), "hello-world");
  EXPECT_FALSE(p.as<int>("slug"));
}

TEST(RouterTyped, BacktracksFromATypedBranch) {
  ignis::Router r;
  r.add("/a/[id:int]/x");
  auto other = r.add("/a/[name]/y");
  ignis::Params p;
  EXPECT_EQ(r.match("/a/5/y", p), other);
  EXPECT_EQ(p.get("name"), "5");
}

TEST(RouterTyped, SameTypeDifferentNamesConflict) {
  ignis::Router r;
  r.add("/posts/[id:int]");
  EXPECT_THROW(r.add("/posts/[num:int]/x"), ignis::RouteConflict);
  EXPECT_NO_THROW(r.add("/posts/[id:int]/x"));
}

TEST(RouterTyped, BadTypesAreInvalid) {
  ignis::Router r;
  EXPECT_THROW(r.add("/a/[id:float]"), ignis::InvalidRoutePattern);
  EXPECT_THROW(r.add("/a/[id:]"), ignis::InvalidRoutePattern);
  EXPECT_THROW(r.add("/a/[:int]"), ignis::InvalidRoutePattern);
}

// Patterns are checked at compile time: these are constant expressions.
static_assert(ignis::parse_pattern("/api/posts/[id:int]/comments/[[...rest]]").size == 5);
static_assert(ignis::matches_type(ignis::ParamType::integer, "-12"));
static_assert(!ignis::matches_type(ignis::ParamType::uuid, "not-a-uuid"));
