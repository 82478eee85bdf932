// The reference app's streams: /api/stream and /api/events over raw sockets and in a real
// browser, and a shutdown that ends open streams cleanly.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ignis/http/app.hpp>

#include <filesystem>
#include <regex>
#include <thread>

#include "blog_process.hpp"
#include "support/test_server.hpp"

namespace blog::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A client that sends one request and then reads the response as it arrives.
class StreamClient {
 public:
  StreamClient(std::uint16_t port, const std::string& target, const std::string& headers = {}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect failed");
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n";
    ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
  }
  ~StreamClient() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Reads until `needle` appears in what came (true), the peer closes or `limit` passes.
  bool read_until(std::string_view needle, std::chrono::milliseconds limit = 5s) {
    const auto deadline = Clock::now() + limit;
    while (received_.find(needle) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return received_.find(needle) != std::string::npos;
      }
      received_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  bool closed_by_peer(std::chrono::milliseconds limit = 5s) {
    read_until(std::string(1, '\0'), limit);
    return closed_;
  }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
  std::string received_;
};

std::uint64_t open_streams(const BlogProcess& blog) {
  std::smatch m;
  const std::string metrics = blog.curl("/metrics").body;
  return std::regex_search(metrics, m, std::regex(R"(\nsse_open_streams (\d+)\n)")) ? std::stoull(m[1]) : 99;
}

TEST(BlogStreams, StreamSendsSpacedMessagesThenEnds) {
  BlogProcess blog;
  StreamClient c(blog.port(), "/api/stream?count=4&interval_ms=150");
  ASSERT_TRUE(c.read_until("\r\n\r\n"));
  EXPECT_NE(c.received().find("Content-Type: text/event-stream\r\n"), std::string::npos) << c.received();
  EXPECT_NE(c.received().find("Cache-Control: no-cache\r\n"), std::string::npos);
  std::vector<Clock::time_point> arrivals;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(c.read_until("data: Message " + std::to_string(i) + "\n\n")) << c.received();
    arrivals.push_back(Clock::now());
  }
  ASSERT_TRUE(c.read_until("\r\n0\r\n\r\n"));  // the body ends (chunked)
  // Streamed, not buffered to the end: each message came on its own, about 150 ms apart.
  for (int i = 1; i < 4; ++i) EXPECT_GE(arrivals[i] - arrivals[i - 1], 100ms) << i;
  EXPECT_EQ(c.received().find("Message 4"), std::string::npos);
  // The defaults: 10 messages, 100 ms apart.
  Reply whole = blog.curl("/api/stream");
  std::size_t messages = 0;
  for (std::size_t at = 0; (at = whole.body.find("data: Message ", at)) != std::string::npos; ++at) ++messages;
  EXPECT_EQ(messages, 10u);
  EXPECT_EQ(blog.curl("/api/stream?count=x").status, 400);
}

TEST(BlogStreams, AClientThatLeavesStopsTheProducer) {
  BlogProcess blog;
  {
    StreamClient c(blog.port(), "/api/stream?count=100000&interval_ms=20");
    ASSERT_TRUE(c.read_until("data: Message 2\n\n"));
    EXPECT_EQ(open_streams(blog), 1u);
  }  // closed
  std::uint64_t open = 1;
  for (int i = 0; i < 100 && open != 0; ++i) {
    std::this_thread::sleep_for(20ms);
    open = open_streams(blog);
  }
  EXPECT_EQ(open, 0u);
}

TEST(BlogStreams, EventsCarryEveryPostChangeAndResumeFromLastEventId) {
  BlogProcess blog;
  StreamClient sub(blog.port(), "/api/events");
  ASSERT_TRUE(sub.read_until("\r\n\r\n"));
  EXPECT_NE(sub.received().find("Content-Type: text/event-stream\r\n"), std::string::npos);
  const std::vector<std::string> json = {"-H", "Content-Type: application/json"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), json.begin(), json.end());
    return args;
  };
  ASSERT_EQ(blog.curl("/api/posts", with({"-X", "POST", "--data", R"({"title":"First","content":"c"})"})).status, 201);
  ASSERT_EQ(blog.curl("/api/posts/1", with({"-X", "PATCH", "--data", R"({"title":"Renamed"})"})).status, 200);
  ASSERT_EQ(blog.curl("/api/posts/1", {"-X", "DELETE"}).status, 204);
  ASSERT_TRUE(sub.read_until("event: post.deleted\n")) << sub.received();
  ASSERT_TRUE(sub.read_until("}\n\n"));
  const std::string& got = sub.received();
  const std::regex frame(R"(id: (\d+)\nevent: (post\.\w+)\ndata: (\{[^\n]*\})\n\n)");
  std::vector<std::tuple<std::string, std::string, std::string>> events;
  for (std::sregex_iterator it(got.begin(), got.end(), frame), end; it != end; ++it)
    events.emplace_back((*it)[1], (*it)[2], (*it)[3]);
  ASSERT_EQ(events.size(), 3u) << got;
  EXPECT_EQ(events[0], std::make_tuple("1", "post.created", std::get<2>(events[0])));
  EXPECT_NE(std::get<2>(events[0]).find(R"("id":1,"title":"First")"), std::string::npos);
  EXPECT_EQ(std::get<1>(events[1]), "post.updated");
  EXPECT_NE(std::get<2>(events[1]).find(R"("title":"Renamed")"), std::string::npos);
  EXPECT_EQ(std::get<0>(events[2]), "3");
  EXPECT_EQ(std::get<1>(events[2]), "post.deleted");
  EXPECT_NE(std::get<2>(events[2]).find(R"("id":1,"title":"Renamed")"), std::string::npos);  // the deleted post

  // A reconnecting client gets what came after its Last-Event-ID, and only that.
  StreamClient again(blog.port(), "/api/events", "Last-Event-ID: 1\r\n");
  ASSERT_TRUE(again.read_until("id: 3\n"));
  EXPECT_EQ(again.received().find("id: 1\n"), std::string::npos);
  EXPECT_NE(again.received().find("id: 2\nevent: post.updated\n"), std::string::npos);
}

TEST(BlogStreams, IdleEventStreamsGetAPingEvery15Seconds) {
  BlogProcess blog;
  StreamClient sub(blog.port(), "/api/events");
  ASSERT_TRUE(sub.read_until("\r\n\r\n"));
  const auto start = Clock::now();
  ASSERT_TRUE(sub.read_until(": ping\n\n", 20s)) << sub.received();
  EXPECT_GE(Clock::now() - start, 14s);
}

TEST(BlogStreams, SigtermEndsOpenStreamsCleanlyAndExitsZero) {
  BlogProcess blog({.args = {"--threads", "2"}});
  StreamClient events(blog.port(), "/api/events");
  StreamClient stream(blog.port(), "/api/stream?count=100000&interval_ms=50");
  ASSERT_TRUE(events.read_until("\r\n\r\n"));
  ASSERT_TRUE(stream.read_until("data: Message 1\n\n"));
  const auto start = Clock::now();
  EXPECT_EQ(blog.terminate(), 0);  // waitpid status 0: exited with 0
  EXPECT_LT(Clock::now() - start, 10s);
  // Each stream ended as a whole chunked body, then the connection closed.
  EXPECT_TRUE(events.read_until("\r\n0\r\n\r\n", 2s)) << events.received();
  EXPECT_TRUE(stream.read_until("\r\n0\r\n\r\n", 2s));
  EXPECT_TRUE(events.closed_by_peer(2s));
}

std::string find_chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (std::filesystem::exists(p)) return p;
  return {};
}

// A page on another origin (a front end) opens EventSources on the blog, which lists that
// origin in CORS_ORIGINS, and creates a post with fetch().
TEST(BlogStreams, ChromiumEventSourceReceivesStreamAndPostEvents) {
  const std::string chromium = find_chromium();
  if (chromium.empty())
    GTEST_SKIP() << "headless Chromium is not installed (Debian package `chromium`, which "
                    "scripts/install-deps.sh --test installs): the browser test cannot run here";
  ignis::App front;
  std::string page;
  front.route("/").GET([&page](ignis::Request&) -> ignis::Task<ignis::Response> { co_return ignis::Response::html(page); });
  ignis::testing::TestServer front_server(front);
  const std::string origin = "http://127.0.0.1:" + std::to_string(front_server.port());
  BlogProcess blog({.env = {"CORS_ORIGINS=https://your-frontend.com," + origin}});
  page = R"(<!doctype html><html><body><pre id="stream"></pre><pre id="events"></pre><script>
const api = 'http://127.0.0.1:)" + std::to_string(blog.port()) + R"(';
const log = (id, line) => { document.getElementById(id).textContent += line + '\n'; };
const stream = new EventSource(api + '/api/stream?count=3&interval_ms=50');
stream.onmessage = (e) => log('stream', 'stream:' + e.data);
stream.onerror = () => { log('stream', 'stream:closed'); stream.close(); };
const events = new EventSource(api + '/api/events');
events.onopen = () => fetch(api + '/api/posts', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                               body: JSON.stringify({title: 'From the browser', content: 'c'})})
                         .then((r) => log('events', 'created:' + r.status));
events.addEventListener('post.created', (e) => {
  log('events', 'event:' + e.lastEventId + ':' + JSON.parse(e.data).title);
  events.close();
});
</script></body></html>)";

  char dir[] = "/tmp/ignis-chromium-XXXXXX";
  ASSERT_TRUE(::mkdtemp(dir));
  auto [dom, code] = run({"timeout", "90", chromium, "--headless", "--no-sandbox", "--disable-gpu",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          "--no-first-run", "--disable-dev-shm-usage", "--virtual-time-budget=5000",
                          std::string("--user-data-dir=") + dir, "--dump-dom", origin + "/"});
  std::filesystem::remove_all(dir);
  EXPECT_NE(dom.find("stream:Message 0\nstream:Message 1\nstream:Message 2\nstream:closed\n"), std::string::npos) << dom;
  EXPECT_NE(dom.find("created:201"), std::string::npos) << dom;
  EXPECT_NE(dom.find("event:1:From the browser"), std::string::npos) << dom;
}

}  // namespace
}  // namespace blog::testing
