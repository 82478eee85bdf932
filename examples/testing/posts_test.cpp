// Handler unit tests: the app answers in process (ignis::TestClient), no sockets.
#include <gtest/gtest.h>
#include <ignis/http/test_client.hpp>

#include "posts.hpp"

struct PostsApi : ::testing::Test {
  PostStore store;
  ignis::App app = make_posts_app(store);
  ignis::TestClient client{app};
};

TEST_F(PostsApi, GetsAPostOr404) {
  store.add("Hello", "First post");
  auto res = client.get("/api/posts/1");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(std::string_view(res.json()["title"]), "Hello");
  EXPECT_EQ(client.get("/api/posts/2").text(), R"({"error":"Post not found"})");
  EXPECT_EQ(client.get("/api/posts/abc").status, 404);  // [id:int] takes numbers only
}

TEST_F(PostsApi, CreatesValidPosts) {
  auto res = client.post("/api/posts", {.json = R"({"title":"Hi","content":"Hello"})"});
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.header("location"), "/api/posts/1");
  EXPECT_EQ(res.text(), R"({"id":1,"title":"Hi","content":"Hello"})");
  EXPECT_EQ(client.post("/api/posts", {.json = R"({"title":""})"}).status, 400);
}

TEST_F(PostsApi, DeletingNeedsASession) {
  store.add("Hello", "First post");
  EXPECT_EQ(client.request("DELETE", "/api/posts/1").status, 401);
  client.post("/api/login", {.json = R"({"user":"ada"})"});  // the client keeps the cookie
  EXPECT_EQ(client.request("DELETE", "/api/posts/1").status, 204);
  EXPECT_EQ(client.get("/api/posts/1").status, 404);
}
