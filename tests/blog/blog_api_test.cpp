// The reference app's JSON routes and conventions, end to end: build/bin/blog in its own
// process, curl as the client (reference-app.md, "Conventions" and "Routes").

#include <gtest/gtest.h>

#include <ignis/http/crypto.hpp>
#include <ignis/http/webhook.hpp>
#include <ignis/json/schema.hpp>

#include <ctime>
#include <regex>
#include <thread>

#include "blog_process.hpp"
#include "lib/posts.hpp"

namespace blog::testing {
namespace {

using namespace std::chrono_literals;

const std::regex kIsoTime(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");

Post as_post(const Reply& r) {
  auto parsed = ignis::json::parse<Post>(r.body);
  EXPECT_TRUE(parsed.ok()) << r.body;
  return parsed.value;
}

struct Page {
  std::vector<Post> data;
  int page = 0, limit = 0;
};
constexpr auto json_schema(ignis::json::For<Page>) {
  using ignis::json::field;
  return ignis::json::object(field<&Page::data>("data"), field<&Page::page>("page"), field<&Page::limit>("limit"));
}

class BlogApi : public ::testing::Test {
 protected:
  BlogProcess blog{{.args = {"--threads", "2"}}};

  Reply post_json(std::string_view path, const std::string& body, const char* method = "POST") {
    return blog.curl(path, {"-X", method, "-H", "Content-Type: application/json", "--data-binary", body});
  }
  Post create(const std::string& title, const std::string& tags = "[]") {
    Reply r = post_json("/api/posts", R"({"title":")" + title + R"(","content":"Body of )" + title + R"(","tags":)" + tags + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return as_post(r);
  }
};

void expect_json_error(const Reply& r, int status, std::string_view error) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.body, R"({"error":")" + std::string(error) + R"("})");
}

TEST_F(BlogApi, HealthHelloAndData) {
  Reply health = blog.curl("/api/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.header("Content-Type"), "application/json");
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  Reply hello = blog.curl("/api/hello");
  EXPECT_EQ(hello.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(hello.body, "Hello, World!");
  Reply data = blog.curl("/api/data");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(data.body, m, std::regex(R"re(\{"message":"Hello from API","timestamp":"(.*)"\})re"))) << data.body;
  EXPECT_TRUE(std::regex_match(m[1].str(), kIsoTime)) << m[1];
}

TEST_F(BlogApi, UnknownPathsMethodsHeadAndOptions) {
  expect_json_error(blog.curl("/api/nope"), 404, "Not found");
  expect_json_error(blog.curl("/nope/at/all"), 404, "Not found");
  Reply not_allowed = blog.curl("/api/health", {"-X", "DELETE"});
  expect_json_error(not_allowed, 405, "Method not allowed");
  EXPECT_EQ(not_allowed.header("Allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(blog.curl("/api/posts/1", {"-X", "POST"}).header("Allow"), "GET, HEAD, PUT, PATCH, DELETE, OPTIONS");
  Reply options = blog.curl("/api/posts", {"-X", "OPTIONS"});
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(options.header("Allow"), "GET, HEAD, POST, OPTIONS");
  EXPECT_EQ(options.body, "");
  // HEAD: GET's status and headers, Content-Length included, and no body.
  Reply get = blog.curl("/api/health");
  Reply head = blog.curl("/api/health", {"--head"});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), get.header("Content-Length"));
  EXPECT_EQ(head.header("Content-Type"), "application/json");
  EXPECT_EQ(head.body, "");
}

TEST_F(BlogApi, AHandlerThatThrowsAnswers500AndLogsTheTextOnly) {
  Reply r = blog.curl("/api/boom");
  expect_json_error(r, 500, "Internal server error");
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  std::this_thread::sleep_for(50ms);
  EXPECT_NE(blog.stderr_text().find("secret detail"), std::string::npos);
}

TEST_F(BlogApi, PostsAreCreatedValidatedAndListedNewestFirst) {
  const Post first = create("  Hello   World  ", R"(["c++","web"])");
  EXPECT_EQ(first.title, "  Hello   World  ");
  EXPECT_EQ(first.slug, "hello-world");
  EXPECT_EQ(first.tags, (std::vector<std::string>{"c++", "web"}));
  EXPECT_TRUE(std::regex_match(first.created_at, kIsoTime));
  EXPECT_EQ(first.created_at, first.updated_at);
  // tags default to [].
  Reply untagged = post_json("/api/posts", R"({"title":"No Tags","content":"x"})");
  EXPECT_EQ(untagged.status, 201);
  EXPECT_TRUE(as_post(untagged).tags.empty());
  for (int i = 0; i < 3; ++i) create("Post " + std::to_string(i));

  Reply list = blog.curl("/api/posts");
  auto page = ignis::json::parse<Page>(list.body);
  ASSERT_TRUE(page.ok()) << list.body;
  EXPECT_EQ(page.value.page, 1);
  EXPECT_EQ(page.value.limit, 10);
  ASSERT_EQ(page.value.data.size(), 5u);
  EXPECT_EQ(page.value.data[0].title, "Post 2");  // newest first
  EXPECT_EQ(page.value.data[4].id, first.id);
  auto second = ignis::json::parse<Page>(blog.curl("/api/posts?page=2&limit=2").body).value;
  ASSERT_EQ(second.data.size(), 2u);
  EXPECT_EQ(second.data[0].title, "Post 0");
  EXPECT_EQ(second.page, 2);
  EXPECT_EQ(second.limit, 2);

  for (const char* bad : {"page=0", "page=x", "limit=0", "limit=101", "limit=1.5", "page=-1"}) {
    Reply r = blog.curl("/api/posts?" + std::string(bad));
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.body.find(R"({"error":"Validation failed","issues":[{"path":")"), std::string::npos) << r.body;
  }
}

TEST_F(BlogApi, InvalidPostsGetEveryIssueWithDottedPaths) {
  Reply r = post_json("/api/posts", R"({"title":"","content":"","tags":["ok",7]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find(R"({"path":"title")"), std::string::npos);
  EXPECT_NE(r.body.find(R"({"path":"content")"), std::string::npos);
  EXPECT_NE(r.body.find(R"({"path":"tags.1","message":"Expected string, received number"})"), std::string::npos);
  Reply long_title = post_json("/api/posts", R"({"title":")" + std::string(201, 'x') + R"(","content":"c"})");
  EXPECT_EQ(long_title.status, 400);
  EXPECT_NE(long_title.body.find(R"("path":"title")"), std::string::npos);
  Reply missing = post_json("/api/posts", R"({"content":"c"})");
  EXPECT_EQ(missing.body, R"({"error":"Validation failed","issues":[{"path":"title","message":"Required"}]})");
  expect_json_error(post_json("/api/posts", R"({"title":"x",)"), 400, "Invalid JSON");
  expect_json_error(post_json("/api/posts", "not json"), 400, "Invalid JSON");
}

TEST_F(BlogApi, OnePostIsReadReplacedPatchedAndDeleted) {
  const Post p = create("Original", R"(["a"])");
  const std::string path = "/api/posts/" + std::to_string(p.id);
  EXPECT_EQ(as_post(blog.curl(path)).title, "Original");

  std::this_thread::sleep_for(5ms);  // updatedAt moves on
  Reply put = post_json(path, R"({"title":"Replaced Title","content":"new"})", "PUT");
  EXPECT_EQ(put.status, 200);
  const Post replaced = as_post(put);
  EXPECT_EQ(replaced.slug, "replaced-title");
  EXPECT_TRUE(replaced.tags.empty());  // PUT: tags default to []
  EXPECT_EQ(replaced.created_at, p.created_at);
  EXPECT_NE(replaced.updated_at, p.updated_at);
  EXPECT_EQ(post_json(path, R"({"title":"only title"})", "PUT").status, 400);

  Reply patch = post_json(path, R"({"tags":["x","y"]})", "PATCH");
  const Post patched = as_post(patch);
  EXPECT_EQ(patched.title, "Replaced Title");
  EXPECT_EQ(patched.content, "new");
  EXPECT_EQ(patched.tags, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(as_post(post_json(path, R"({"title":"Patched"})", "PATCH")).slug, "patched");
  EXPECT_EQ(post_json(path, R"({"title":""})", "PATCH").status, 400);
  EXPECT_EQ(as_post(blog.curl(path)).title, "Patched");

  Reply del = blog.curl(path, {"-X", "DELETE"});
  EXPECT_EQ(del.status, 204);
  EXPECT_EQ(del.body, "");
  EXPECT_FALSE(del.header("Content-Type"));
  expect_json_error(blog.curl(path), 404, "Post not found");
  expect_json_error(blog.curl(path, {"-X", "DELETE"}), 404, "Post not found");
  expect_json_error(post_json(path, R"({"title":"t"})", "PATCH"), 404, "Post not found");
  // Unknown or non-numeric ids.
  expect_json_error(blog.curl("/api/posts/999999"), 404, "Post not found");
  for (const char* id : {"abc", "1x", "99999999999999999999999"}) EXPECT_EQ(blog.curl("/api/posts/" + std::string(id)).status, 404) << id;
}

TEST_F(BlogApi, SearchByTitleAndEveryTag) {
  create("Coroutines in C++", R"(["cpp","async"])");
  create("Async Rust", R"(["rust","async"])");
  create("C++ modules", R"(["cpp"])");
  auto titles = [&](const std::string& query) {
    Reply r = blog.curl("/api/search?" + query);
    EXPECT_EQ(r.status, 200);
    std::vector<std::string> out;
    std::regex title(R"re("title":"([^"]*)")re");
    for (std::sregex_iterator it(r.body.begin(), r.body.end(), title), end; it != end; ++it) out.push_back((*it)[1]);
    return std::pair(r.body, out);
  };
  auto [body, found] = titles("q=async&tag=async");
  EXPECT_EQ(body.rfind(R"({"q":"async","tags":["async"],"results":[)", 0), 0u) << body;
  EXPECT_EQ(found, (std::vector<std::string>{"Async Rust"}));
  EXPECT_EQ(titles("tag=cpp&tag=async").second, (std::vector<std::string>{"Coroutines in C++"}));
  EXPECT_EQ(titles("q=c%2B%2B").second, (std::vector<std::string>{"C++ modules", "Coroutines in C++"}));
  EXPECT_EQ(titles("q=nothing").first, R"({"q":"nothing","tags":[],"results":[]})");
}

TEST_F(BlogApi, LoginSetsASignedSessionThatProfileChecks) {
  Reply bad = post_json("/api/login", R"({"username":"ada","password":"short"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_FALSE(bad.header("Set-Cookie"));
  Reply login = post_json("/api/login", R"({"username":"ada","password":"correct horse"})");
  EXPECT_EQ(login.status, 200);
  EXPECT_EQ(login.body, R"({"success":true,"user":"ada"})");
  const std::string cookie = login.header("Set-Cookie").value_or("");
  EXPECT_TRUE(std::regex_match(cookie, std::regex(R"(session=[^;]+; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax)")))
      << cookie;
  const std::string token = cookie.substr(0, cookie.find(';'));

  Reply profile = blog.curl("/api/profile", {"-H", "Cookie: " + token});
  EXPECT_EQ(profile.status, 200);
  EXPECT_EQ(profile.body, R"({"user":{"name":"ada"}})");
  expect_json_error(blog.curl("/api/profile"), 401, "Unauthorized");
  std::string tampered = token;
  tampered[tampered.find('=') + 2] ^= 1;  // another user name, same signature
  expect_json_error(blog.curl("/api/profile", {"-H", "Cookie: " + tampered}), 401, "Unauthorized");
  expect_json_error(blog.curl("/api/profile", {"-H", "Cookie: session=ada"}), 401, "Unauthorized");
}

TEST_F(BlogApi, WebhookSignatures) {
  const std::string body = R"({"type":"payment_intent.succeeded","data":{}})";
  auto send = [&](const std::vector<std::string>& headers) {
    std::vector<std::string> args = {"-X", "POST", "--data-binary", body};
    for (const auto& h : headers) args.insert(args.end(), {"-H", h});
    return blog.curl("/api/webhooks/stripe", args);
  };
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  expect_json_error(send({}), 400, "No signature");
  Reply valid = send({"Stripe-Signature: " + ignis::stripe_signature_header(body, kWebhookSecret, now)});
  EXPECT_EQ(valid.status, 200);
  EXPECT_EQ(valid.body, R"({"received":true,"type":"payment_intent.succeeded"})");
  expect_json_error(send({"Stripe-Signature: " + ignis::stripe_signature_header(body, "wrong", now)}), 400,
                    "Invalid signature");
  expect_json_error(send({"Stripe-Signature: " + ignis::stripe_signature_header(body, kWebhookSecret, now - 301)}), 400,
                    "Invalid signature");
  expect_json_error(send({"Stripe-Signature: garbage"}), 400, "Invalid signature");
  // The signature covers the raw body: the same header on other bytes fails.
  Reply other = blog.curl("/api/webhooks/stripe",
                          {"-X", "POST", "--data-binary", body + " ", "-H",
                           "Stripe-Signature: " + ignis::stripe_signature_header(body, kWebhookSecret, now)});
  expect_json_error(other, 400, "Invalid signature");
}

TEST_F(BlogApi, GlobalCorsAndRequestIds) {
  Reply listed = blog.curl("/api/health", {"-H", "Origin: https://your-frontend.com"});
  EXPECT_EQ(listed.header("Access-Control-Allow-Origin"), "https://your-frontend.com");
  EXPECT_EQ(listed.header("Vary"), "Origin");
  Reply other = blog.curl("/api/health", {"-H", "Origin: https://evil.example"});
  EXPECT_FALSE(other.header("Access-Control-Allow-Origin"));
  Reply preflight = blog.curl("/api/posts", {"-X", "OPTIONS", "-H", "Origin: https://your-frontend.com", "-H",
                                             "Access-Control-Request-Method: POST"});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.header("Access-Control-Allow-Origin"), "https://your-frontend.com");
  EXPECT_NE(preflight.header("Access-Control-Allow-Methods").value_or("").find("POST"), std::string::npos);
  EXPECT_EQ(preflight.header("Access-Control-Allow-Headers"), "Content-Type, Authorization");
  // Every response, errors and non-/api paths included, carries one request id.
  const std::regex uuid(R"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})");
  std::set<std::string> ids;
  for (const char* path : {"/api/health", "/api/nope", "/api/boom", "/rss.xml", "/metrics"}) {
    Reply r = blog.curl(path);
    ASSERT_EQ(r.header_count("X-Request-Id"), 1u) << path;
    EXPECT_TRUE(std::regex_match(*r.header("X-Request-Id"), uuid)) << *r.header("X-Request-Id");
    ids.insert(*r.header("X-Request-Id"));
  }
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(blog.curl("/api/health", {"-H", "X-Request-Id: from-proxy-1"}).header("X-Request-Id"), "from-proxy-1");
}

TEST_F(BlogApi, PublicRouteIsOpenToAnyOriginWithOneAllowOrigin) {
  Reply preflight = blog.curl("/api/public", {"-X", "OPTIONS", "-H", "Origin: https://anywhere.example", "-H",
                                              "Access-Control-Request-Method: GET"});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.header("Access-Control-Allow-Origin"), "*");
  EXPECT_NE(preflight.header("Access-Control-Allow-Methods").value_or("").find("GET"), std::string::npos);
  EXPECT_EQ(preflight.header("Access-Control-Allow-Headers"), "Content-Type, Authorization");
  Reply get = blog.curl("/api/public", {"-H", "Origin: https://anywhere.example"});
  EXPECT_EQ(get.body, R"({"message":"Hello from the API"})");
  EXPECT_EQ(get.header("Access-Control-Allow-Origin"), "*");
  // From an origin the global CORS lists too: still exactly one Allow-Origin.
  Reply listed = blog.curl("/api/public", {"-H", "Origin: https://your-frontend.com"});
  EXPECT_EQ(listed.header_count("Access-Control-Allow-Origin"), 1u);
}

TEST_F(BlogApi, GenerateIsRateLimitedPerClient) {
  for (int i = 0; i < 5; ++i) {
    Reply r = blog.curl("/api/generate", {"-X", "POST"});
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.body, R"({"data":"result"})");
    EXPECT_EQ(r.header("X-RateLimit-Limit"), "5");
    EXPECT_EQ(r.header("X-RateLimit-Remaining"), std::to_string(4 - i));
    const int reset = std::atoi(r.header("X-RateLimit-Reset").value_or("0").c_str());
    EXPECT_GT(reset, 55);
    EXPECT_LE(reset, 60);
  }
  Reply limited = blog.curl("/api/generate", {"-X", "POST"});
  expect_json_error(limited, 429, "Too many requests");
  EXPECT_EQ(limited.header("X-RateLimit-Remaining"), "0");
  EXPECT_GT(std::atoi(limited.header("Retry-After").value_or("0").c_str()), 0);
  // Without --trust-proxy, X-Forwarded-For changes nothing.
  EXPECT_EQ(blog.curl("/api/generate", {"-X", "POST", "-H", "X-Forwarded-For: 10.1.2.3"}).status, 429);
}

TEST_F(BlogApi, ConfigIsStaticAndTimeIsRevalidated) {
  Reply config = blog.curl("/api/config");
  EXPECT_EQ(config.status, 200);
  EXPECT_TRUE(std::regex_match(config.body, std::regex(R"(\{"version":"1.0.0","features":\[.+\],"generatedAt":"[^"]+"\})")))
      << config.body;
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(blog.curl("/api/config").body, config.body);  // the same bytes: the handler ran once

  auto now_of = [](const Reply& r) { return std::stoll(r.body.substr(r.body.find(':') + 1)); };
  const auto first = now_of(blog.curl("/api/time"));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(now_of(blog.curl("/api/time")), first);  // within the window
  std::this_thread::sleep_for(2100ms);
  const auto after_window = now_of(blog.curl("/api/time"));
  EXPECT_GE(after_window, first + 2000);

  // On-demand revalidation, by tag and by path.
  expect_json_error(post_json("/api/revalidate", R"({"tag":"time","secret":"wrong"})"), 401, "Invalid secret");
  expect_json_error(post_json("/api/revalidate", R"({"tag":"time"})"), 401, "Invalid secret");
  EXPECT_EQ(now_of(blog.curl("/api/time")), after_window);
  std::this_thread::sleep_for(20ms);
  Reply by_tag = post_json("/api/revalidate", R"({"tag":"time","secret":")" + std::string(kRevalidationSecret) + "\"}");
  EXPECT_EQ(by_tag.status, 200);
  EXPECT_TRUE(std::regex_match(by_tag.body, std::regex(R"(\{"revalidated":true,"now":\d+\})"))) << by_tag.body;
  const auto refreshed = now_of(blog.curl("/api/time"));
  EXPECT_GT(refreshed, after_window);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(post_json("/api/revalidate", R"({"path":"/api/time","secret":")" + std::string(kRevalidationSecret) + "\"}").status, 200);
  EXPECT_GT(now_of(blog.curl("/api/time")), refreshed);
}

TEST_F(BlogApi, RssFeedOfTheNewestPosts) {
  for (int i = 0; i < 22; ++i) create("Feed <" + std::to_string(i) + "> & more");
  Reply r = blog.curl("/rss.xml");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type").value_or("").rfind("application/rss+xml", 0), 0u);
  EXPECT_EQ(r.body.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>", 0), 0u);
  std::size_t items = 0;
  for (std::size_t at = 0; (at = r.body.find("<item>", at)) != std::string::npos; ++at) ++items;
  EXPECT_EQ(items, 20u);
  EXPECT_NE(r.body.find("<title>Feed &lt;21&gt; &amp; more</title>"), std::string::npos);  // newest, escaped
  EXPECT_EQ(r.body.find("<title>Feed &lt;1&gt;"), std::string::npos);                     // 21 and 22 ago: out
  EXPECT_TRUE(std::regex_search(r.body, std::regex(R"(<pubDate>\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT</pubDate>)")));
}

TEST_F(BlogApi, MetricsByRoutePattern) {
  create("Metered");
  blog.curl("/api/posts/1");
  blog.curl("/api/posts/1");
  blog.curl("/api/posts/424242");
  Reply r = blog.curl("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("http_requests_total{route=\"/api/posts/[id]\",method=\"GET\",status=\"200\"} 2\n"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("http_requests_total{route=\"/api/posts/[id]\",method=\"GET\",status=\"404\"} 1\n"),
            std::string::npos);
  EXPECT_NE(r.body.find("http_requests_total{route=\"/api/posts\",method=\"POST\",status=\"201\"} 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE http_request_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(r.body.find("http_request_duration_seconds_count{route=\"/api/posts/[id]\",method=\"GET\"} 3\n"),
            std::string::npos);
  EXPECT_TRUE(std::regex_search(r.body, std::regex(R"(\nhttp_open_connections \d+\n)")));
  EXPECT_NE(r.body.find("\nsse_open_streams 0\n"), std::string::npos);
}

}  // namespace
}  // namespace blog::testing
