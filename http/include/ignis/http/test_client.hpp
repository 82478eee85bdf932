#pragma once
// TestClient: an App answering requests in process, without sockets, for unit tests of
// handlers (like Hono's app.request()):
//
//   ignis::App app = make_app();
//   ignis::TestClient client(app);
//   auto res = client.get("/api/posts/1?fields=title", {.headers = {{"Accept", "application/json"}}});
//   EXPECT_EQ(res.status, 200);
//   EXPECT_EQ(res.header("content-type"), "application/json");
//   EXPECT_EQ(std::string_view(res.json()["title"]), "Hello");
//   auto created = client.post("/api/posts", {.json = R"({"title":"Hi","content":"..."})"});
//   auto removed = client.request("DELETE", "/api/posts/1");
//
// A request goes through the same code as one from a socket: the connection code parses
// it, the app routes it and runs its middleware and handler, answers HEAD, OPTIONS, 405
// and 404 itself and maps exceptions to error responses, and the connection frames the
// response; the client parses what was sent. The client runs a private reactor on the
// calling thread until the response has ended, so handlers may co_await timers, fetch()
// and offload() (a small pool of the client's own).
//
// A streamed response is collected whole. One that has not ended after `timeout` (an
// endless SSE stream, say) is cut there as a leaving client cuts it: the handler's signal
// aborts, writes fail, and the response holds what came, with `complete` false. A handler
// that ignores its signal holds request() until it returns.
//
// Cookies that responses set are kept (name=value; Max-Age=0 drops one; Path, Domain and
// Expires are not looked at) and sent with later requests unless a request sends its own
// Cookie header.
//
// | TestRequest | default | meaning                                                    |
// |-------------|---------|------------------------------------------------------------|
// | headers     | none    | sent as given; Host and Content-Length are added if absent  |
// | body        | empty   | sent with Content-Length                                   |
// | json        | empty   | a JSON body, sent with Content-Type: application/json      |
// | timeout     | 10 s    | then the client leaves and returns what it got             |

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ignis/http/app.hpp"
#include "ignis/http/options.hpp"
#include "ignis/json/document.hpp"

namespace ignis {

struct TestRequest {
  std::vector<std::pair<std::string, std::string>> headers = {};
  std::string body = {};
  std::string json = {};
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
};

struct TestResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string body;                                          // de-chunked
  bool complete = false;  // false when cut at the timeout

  bool ok() const noexcept { return status >= 200 && status < 300; }
  // The first header with this name (any case).
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  // Every header with this name, in order (Set-Cookie, say).
  std::vector<std::string_view> header_values(std::string_view name) const;
  std::string_view text() const noexcept { return body; }
  // The body parsed as JSON (json/document.hpp); the document views this response, so it
  // must not outlive it. Invalid JSON throws json::ParseError.
  json::Document json() const;

 private:
  mutable std::string padded_;  // a copy with simdjson's padding, if body has none
};

class TestClient {
 public:
  // `options` gives the limits and timeouts (max_body_bytes, ...); nothing listens.
  explicit TestClient(const App& app, ServerOptions options = {});
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  // One request on a fresh connection. `target` is the path with its query
  // ("/api/posts?page=2"). Throws std::invalid_argument for a method, target or header
  // that cannot be sent, std::runtime_error if the server's answer is malformed.
  TestResponse request(std::string_view method, std::string_view target, const TestRequest& init = {});
  TestResponse get(std::string_view target, const TestRequest& init = {}) { return request("GET", target, init); }
  TestResponse post(std::string_view target, const TestRequest& init = {}) { return request("POST", target, init); }

  // The cookie jar.
  std::optional<std::string> cookie(std::string_view name) const;
  void set_cookie(std::string name, std::string value);
  void clear_cookies() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ignis
