// The HTTP client over real sockets: against an ignis server, and against scripted
// upstreams that send exactly the bytes a case needs (chunks, slow pieces, garbage).

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ignis/core/io.hpp>
#include <ignis/http/app.hpp>
#include <ignis/http/client.hpp>
#include <ignis/json/document.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "support/test_client.hpp"
#include "support/test_server.hpp"

using namespace ignis;
using namespace std::chrono_literals;
using ignis::testing::request;
using ignis::testing::TestServer;

namespace {

// A loopback server on its own thread: each accepted connection is handed to `serve`
// (one at a time), which reads and writes raw bytes.
class ScriptedServer {
 public:
  using Serve = std::function<void(int fd, int index)>;
  explicit ScriptedServer(Serve serve) : serve_(std::move(serve)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  std::string url(std::string_view path) const { return "http://127.0.0.1:" + std::to_string(port_) + std::string(path); }
  int connections() const { return connections_.load(); }

  // Reads one request head (and a Content-Length body); empty if the peer closed.
  static std::string read_request(int fd) {
    std::string in;
    char buf[4096];
    for (;;) {
      const std::size_t end = in.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t body = 0;
        if (auto cl = in.find("Content-Length: "); cl != std::string::npos && cl < end) body = std::stoul(in.substr(cl + 16));
        if (in.size() >= end + 4 + body) return in;
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 3000) <= 0) return {};
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return {};
      in.append(buf, static_cast<std::size_t>(n));
    }
  }
  static void write_all(int fd, std::string_view s) {
    while (!s.empty()) {
      const ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      s.remove_prefix(static_cast<std::size_t>(n));
    }
  }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      serve_(c, connections_++);
      ::close(c);
    }
  }
  Serve serve_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

std::string reason_name(FetchError::Reason r) {
  switch (r) {
    case FetchError::Reason::invalid_url: return "invalid_url";
    case FetchError::Reason::resolve: return "resolve";
    case FetchError::Reason::connect: return "connect";
    case FetchError::Reason::timeout: return "timeout";
    case FetchError::Reason::aborted: return "aborted";
    case FetchError::Reason::closed: return "closed";
    case FetchError::Reason::protocol: return "protocol";
    case FetchError::Reason::too_large: return "too_large";
  }
  return "?";
}

// A proxy app whose GET /fetch?url=... fetches the URL and reports what it got, or the
// FetchError's reason.
App proxy_app() {
  App app;
  app.route("/fetch").GET([](Request& req) -> Task<Response> {
    const FetchHeader headers[] = {{"X-Trace", "abc"}};
    FetchOptions o{.method = req.search_params().get("method").value_or("GET"),
                   .headers = headers,
                   .body = req.search_params().get("body").value_or(""),
                   .timeout = 500ms};
    if (req.search_params().has("small")) o.max_body = 4;
    try {
      FetchResponse res = co_await fetch(std::string(*req.search_params().get("url")), o);
      const int status = res.status();
      std::string type(res.header("content-type").value_or(""));
      std::string body = co_await res.text();
      co_return Response::json({{"status", status}, {"type", type}, {"body", body}});
    } catch (const FetchError& e) {
      co_return Response::json({{"error", reason_name(e.reason())}, {"message", e.what()}}, {.status = 502});
    }
  });
  app.route("/pieces").GET([](Request& req) -> Task<Response> {
    FetchResponse res = co_await fetch(std::string(*req.search_params().get("url")));
    std::vector<std::string> pieces;
    auto reader = res.body();
    for (std::string_view piece = co_await reader.read(); !piece.empty(); piece = co_await reader.read())
      pieces.emplace_back(piece);
    co_return Response::json({{"pieces", pieces}});
  });
  return app;
}

std::string fetch_via(TestServer& proxy, const std::string& url, const std::string& extra = "") {
  std::string target = "/fetch?url=" + encode_uri_component(url) + extra;
  auto res = request(proxy.port(), "GET", target);
  return res ? res->body : "no response";
}

TEST(Fetch, JsonFromAnIgnisServerLikeTheWeatherRoute) {
  App upstream;
  upstream.route("/v1/current").GET([](Request& req) -> Task<Response> {
    if (req.search_params().get("key") != "k") co_return Response::json({{"error", "bad key"}}, {.status = 401});
    co_return Response::json({{"temp", 21.5}, {"conditions", "Sunny"}, {"city", req.search_params().get("city")},
                              {"trace", req.headers().get("x-trace")}});
  });
  TestServer up(upstream);
  App app;
  const std::string base = "http://127.0.0.1:" + std::to_string(up.port());
  app.route("/api/weather").GET([base](Request& req) -> Task<Response> {
    auto city = req.search_params().get("city");
    if (!city) co_return Response::json({{"error", "City parameter required"}}, {.status = 400});
    try {
      const FetchHeader headers[] = {{"X-Trace", "t1"}};
      auto res = co_await fetch(base + "/v1/current?city=" + encode_uri_component(*city) + "&key=k",
                                {.headers = headers, .timeout = 5s, .signal = &req.signal()});
      if (!res.ok()) co_return Response::json({{"error", "Failed to fetch weather"}}, {.status = 502});
      auto data = co_await res.json();
      double temp = data["temp"];
      std::string_view conditions = data["conditions"];
      std::string_view echoed = data["city"];
      std::string_view trace = data["trace"];
      co_return Response::json({{"city", echoed}, {"temperature", temp}, {"conditions", conditions}, {"trace", trace}});
    } catch (const FetchError&) {
      co_return Response::json({{"error", "Failed to fetch weather"}}, {.status = 502});
    }
  });
  TestServer server(app);
  auto res = request(server.port(), "GET", "/api/weather?city=S%C3%A3o%20Paulo%20%26%20co");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"city":"São Paulo & co","temperature":21.5,"conditions":"Sunny","trace":"t1"})");
  auto missing = request(server.port(), "GET", "/api/weather");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
}

TEST(Fetch, MethodsBodiesAndStatusesFromAnIgnisServer) {
  App upstream;
  upstream.route("/echo").POST([](Request& req) -> Task<Response> {
    std::string_view body = co_await req.text();
    co_return Response::text(std::string(body) + "!", {.status = 201});
  });
  upstream.route("/gone").GET([](Request&) -> Task<Response> { co_return Response::json({{"error", "Not here"}}, {.status = 404}); });
  upstream.route("/empty").DELETE([](Request&) -> Task<Response> { co_return Response::empty(); });
  TestServer up(upstream);
  App proxy = proxy_app();
  TestServer server(proxy);
  const std::string base = "http://127.0.0.1:" + std::to_string(up.port());
  EXPECT_EQ(fetch_via(server, base + "/echo", "&method=POST&body=hi"),
            R"({"status":201,"type":"text/plain; charset=utf-8","body":"hi!"})");
  EXPECT_EQ(fetch_via(server, base + "/gone"), R"({"status":404,"type":"application/json","body":"{\"error\":\"Not here\"}"})");
  EXPECT_EQ(fetch_via(server, base + "/empty", "&method=DELETE"), R"({"status":204,"type":"","body":""})");
  EXPECT_EQ(fetch_via(server, base + "/gone", "&method=HEAD"), R"({"status":404,"type":"application/json","body":""})");
  EXPECT_EQ(fetch_via(server, "http://localhost:" + std::to_string(up.port()) + "/gone").substr(0, 13), R"({"status":404)");
}

TEST(Fetch, ReusesConnectionsPerHostAndRetriesOnesTheServerClosed) {
  // Answers keep-alive requests; closes after two on the first connection.
  ScriptedServer up([](int fd, int index) {
    for (int n = 0;; ++n) {
      if (ScriptedServer::read_request(fd).empty()) return;
      ScriptedServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + std::to_string(index));
      if (index == 0 && n == 1) return;
    }
  });
  App proxy = proxy_app();
  TestServer server(proxy);
  EXPECT_EQ(fetch_via(server, up.url("/a")), R"({"status":200,"type":"","body":"0"})");
  EXPECT_EQ(fetch_via(server, up.url("/b")), R"({"status":200,"type":"","body":"0"})");
  std::this_thread::sleep_for(50ms);
  // The pooled connection is closed now: the GET is retried on a new one.
  EXPECT_EQ(fetch_via(server, up.url("/c")), R"({"status":200,"type":"","body":"1"})");
  EXPECT_EQ(fetch_via(server, up.url("/d")), R"({"status":200,"type":"","body":"1"})");
  EXPECT_EQ(up.connections(), 2);
}

TEST(Fetch, ChunkedAndCloseDelimitedBodiesArriveInPieces) {
  ScriptedServer up([](int fd, int) {
    const std::string req = ScriptedServer::read_request(fd);
    if (req.find("GET /chunked") == 0) {
      ScriptedServer::write_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
      std::this_thread::sleep_for(100ms);
      ScriptedServer::write_all(fd, "6\r\n world\r\n0\r\n\r\n");
    } else {
      ScriptedServer::write_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil");
      std::this_thread::sleep_for(100ms);
      ScriptedServer::write_all(fd, " the end");
    }
  });
  App proxy = proxy_app();
  TestServer server(proxy);
  auto chunked = request(server.port(), "GET", "/pieces?url=" + encode_uri_component(up.url("/chunked")));
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->body, R"({"pieces":["hello"," world"]})");
  auto closing = request(server.port(), "GET", "/pieces?url=" + encode_uri_component(up.url("/close")));
  ASSERT_TRUE(closing);
  EXPECT_EQ(closing->body, R"({"pieces":["until"," the end"]})");
}

TEST(Fetch, ClearErrors) {
  ScriptedServer up([](int fd, int) {
    const std::string req = ScriptedServer::read_request(fd);
    if (req.find("GET /silent") == 0) {
      ScriptedServer::read_request(fd);  // says nothing until the client gives up
    } else if (req.find("GET /garbage") == 0) {
      ScriptedServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n");
    } else if (req.find("GET /cut") == 0) {
      ScriptedServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    } else if (req.find("GET /big") == 0) {
      ScriptedServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
    }
  });
  App proxy = proxy_app();
  TestServer server(proxy);
  auto error_of = [&](const std::string& url, const std::string& extra = "") {
    const std::string body = fetch_via(server, url, extra);
    const std::size_t at = body.find(R"("error":")");
    return at == std::string::npos ? body : body.substr(at + 9, body.find('"', at + 9) - at - 9);
  };
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(error_of(up.url("/silent")), "timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(error_of(up.url("/garbage")), "protocol");
  EXPECT_EQ(error_of(up.url("/cut")), "closed");
  EXPECT_EQ(error_of(up.url("/big"), "&small=1"), "too_large");
  EXPECT_EQ(error_of("https://127.0.0.1/"), "invalid_url");
  EXPECT_EQ(error_of("ftp://127.0.0.1/"), "invalid_url");
  EXPECT_EQ(error_of("http://127.0.0.1:0/"), "invalid_url");
  EXPECT_EQ(error_of("http://no-such-host.invalid/"), "resolve");
  // A port nobody listens on.
  ScriptedServer* closed = new ScriptedServer([](int, int) {});
  const std::string refused = closed->url("/");
  delete closed;
  EXPECT_EQ(error_of(refused), "connect");
}

TEST(Fetch, TheSignalAbortsAnExchange) {
  ScriptedServer up([](int fd, int) {
    ScriptedServer::read_request(fd);
    ScriptedServer::read_request(fd);  // never answers
  });
  App app;
  app.route("/abort").GET([&up](Request&) -> Task<Response> {
    AbortSignal signal;
    spawn([](AbortSignal& s) -> Task<void> {
      co_await sleep_for(100ms);
      s.abort();
    }(signal));
    try {
      co_await fetch(up.url("/slow"), {.timeout = 10s, .signal = &signal});
    } catch (const FetchError& e) {
      co_return Response::json({{"error", reason_name(e.reason())}});
    }
    co_return Response::json({{"error", "none"}});
  });
  TestServer server(app);
  const auto start = std::chrono::steady_clock::now();
  auto res = request(server.port(), "GET", "/abort");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, R"({"error":"aborted"})");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(Fetch, EncodeUriComponent) {
  EXPECT_EQ(encode_uri_component("São Paulo & co/x?y=1"), "S%C3%A3o%20Paulo%20%26%20co%2Fx%3Fy%3D1");
  EXPECT_EQ(encode_uri_component("AZaz09-_.~"), "AZaz09-_.~");
}

}  // namespace

namespace {

// A handler relays an upstream's streamed body to its client as it arrives.
TEST(Fetch, RelaysAnUpstreamStreamToTheClient) {
  ScriptedServer up([](int fd, int) {
    ScriptedServer::read_request(fd);
    ScriptedServer::write_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n");
    std::this_thread::sleep_for(100ms);
    ScriptedServer::write_all(fd, "5\r\nworld\r\n");
    std::this_thread::sleep_for(100ms);
    ScriptedServer::write_all(fd, "0\r\n\r\n");
  });
  App app;
  const std::string url = up.url("/events");
  app.route("/relay").GET([url](Request&) -> Task<Response> {
    auto upstream = std::make_shared<FetchResponse>(co_await fetch(url));
    co_return Response::stream(
        [upstream](StreamWriter& out) -> Task<void> {
          auto reader = upstream->body();
          for (;;) {
            std::string_view piece = co_await reader.read();
            if (piece.empty() || !co_await out.write(piece)) co_return;
          }
        },
        {.headers = {{"Content-Type", "text/plain"}}});
  });
  TestServer server(app);
  ignis::testing::RawClient c(server.port());
  c.send("GET /relay HTTP/1.1\r\nHost: t\r\n\r\n");
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(res->body, "hello world");
}

}  // namespace
