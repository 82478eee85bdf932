// Next.js matcher syntax for middleware: what each form matches, and what is rejected.

#include <gtest/gtest.h>

#include <ignis/http/middleware.hpp>
#include <ignis/router/router.hpp>

using ignis::InvalidRoutePattern;
using ignis::PathMatcher;

TEST(PathMatcher, LiteralPathOnly) {
  PathMatcher m("/api/health");
  EXPECT_TRUE(m.matches("/api/health"));
  EXPECT_TRUE(m.matches("/api/health/"));
  EXPECT_FALSE(m.matches("/api/healthz"));
  EXPECT_FALSE(m.matches("/api/health/x"));
  EXPECT_FALSE(m.matches("/api"));
}

TEST(PathMatcher, ZeroOrMoreSegments) {
  PathMatcher m("/api/:path*");
  EXPECT_TRUE(m.matches("/api"));
  EXPECT_TRUE(m.matches("/api/"));
  EXPECT_TRUE(m.matches("/api/posts"));
  EXPECT_TRUE(m.matches("/api/posts/1/comments"));
  EXPECT_FALSE(m.matches("/apix"));
  EXPECT_FALSE(m.matches("/rss.xml"));
  EXPECT_FALSE(m.matches("/"));
}

TEST(PathMatcher, OneOrMoreSegments) {
  PathMatcher m("/api/:path+");
  EXPECT_FALSE(m.matches("/api"));
  EXPECT_TRUE(m.matches("/api/a"));
  EXPECT_TRUE(m.matches("/api/a/b"));
}

TEST(PathMatcher, OneAndOptionalSegments) {
  PathMatcher one("/posts/:id/edit");
  EXPECT_TRUE(one.matches("/posts/7/edit"));
  EXPECT_FALSE(one.matches("/posts/edit"));
  EXPECT_FALSE(one.matches("/posts/7/8/edit"));
  PathMatcher opt("/docs/:lang?");
  EXPECT_TRUE(opt.matches("/docs"));
  EXPECT_TRUE(opt.matches("/docs/en"));
  EXPECT_FALSE(opt.matches("/docs/en/x"));
}

TEST(PathMatcher, WildcardInTheMiddle) {
  PathMatcher m("/a/:rest*/z");
  EXPECT_TRUE(m.matches("/a/z"));
  EXPECT_TRUE(m.matches("/a/b/c/z"));
  EXPECT_FALSE(m.matches("/a/b/c"));
  EXPECT_FALSE(m.matches("/a//z/q"));
}

TEST(PathMatcher, ListMatchesAny) {
  PathMatcher m({"/api/:path*", "/rss.xml"});
  EXPECT_TRUE(m.matches("/rss.xml"));
  EXPECT_TRUE(m.matches("/api/x"));
  EXPECT_FALSE(m.matches("/about"));
}

TEST(PathMatcher, EmptyMatcherMatchesEverything) {
  PathMatcher m;
  EXPECT_TRUE(m.matches("/"));
  EXPECT_TRUE(m.matches("/anything/at/all"));
  PathMatcher root("/:path*");
  EXPECT_TRUE(root.matches("/"));
  EXPECT_TRUE(root.matches("/a/b"));
}

TEST(PathMatcher, RejectsWhatItCannotMatch) {
  EXPECT_THROW(PathMatcher("api"), InvalidRoutePattern);
  EXPECT_THROW(PathMatcher(""), InvalidRoutePattern);
  EXPECT_THROW(PathMatcher("/((?!api).*)"), InvalidRoutePattern);
  EXPECT_THROW(PathMatcher("/a//b"), InvalidRoutePattern);
  EXPECT_THROW(PathMatcher("/:"), InvalidRoutePattern);
  EXPECT_THROW(PathMatcher("/a:b"), InvalidRoutePattern);
  EXPECT_THROW(PathMatcher("/:na-me"), InvalidRoutePattern);
}
