#pragma once
// The reference app (build/bin/blog) as its own process, and curl as its client, for the
// end-to-end tests under tests/blog/.
//
//   BlogProcess blog({.args = {"--threads", "1"}, .env = {"CORS_ORIGINS=https://a.com"}});
//   Reply r = blog.curl("/api/posts", {"-X", "POST", "--data", R"({"title":"t","content":"c"})"});
//   EXPECT_EQ(r.status, 201);
//   int status = blog.terminate();   // SIGTERM, then the exit status

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/test_client.hpp"

namespace blog::testing {

// One HTTP answer as curl received it (interim 1xx answers skipped).
struct Reply : ignis::testing::HttpResponse {
  int curl_exit = 0;
};

// Runs a program (no shell), returns what it wrote to stdout and its exit code.
std::pair<std::string, int> run(const std::vector<std::string>& argv);

// Runs `curl -s -i <args> <url>` and parses what came back.
Reply curl(const std::string& url, const std::vector<std::string>& args = {});

struct BlogOptions {
  std::vector<std::string> args = {};  // besides --port 0 and --data-dir
  std::vector<std::string> env = {};   // NAME=value, besides the secrets below
  std::string data_dir = {};           // empty: a new temporary directory
};

// Test secrets the app is started with unless env names them.
inline constexpr std::string_view kWebhookSecret = "whsec_test";
inline constexpr std::string_view kRevalidationSecret = "reval_test";

class BlogProcess {
 public:
  // Starts build/bin/blog (with --backend $IGNIS_TEST_BACKEND when set) and waits for its
  // "listening on" line. Throws std::runtime_error.
  explicit BlogProcess(BlogOptions options = {});
  ~BlogProcess();  // kills it if still running; removes a temporary data directory
  BlogProcess(const BlogProcess&) = delete;
  BlogProcess& operator=(const BlogProcess&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  pid_t pid() const noexcept { return pid_; }
  const std::string& data_dir() const noexcept { return data_dir_; }
  const std::string& listening_line() const noexcept { return line_; }
  std::string url(std::string_view path) const;
  Reply curl(std::string_view path, const std::vector<std::string>& args = {}) const;

  // SIGTERM, then waits up to `limit`. Returns the exit status (waitpid form), or -1 if it
  // had to be killed.
  int terminate(std::chrono::milliseconds limit = std::chrono::seconds(15));
  // What it wrote to stderr so far, and to stdout after the listening line.
  std::string stderr_text() const;
  std::string stdout_rest();

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  int stdout_ = -1;
  std::string line_, data_dir_, stderr_path_;
  bool own_dir_ = false;
};

// Peak resident memory (VmHWM) of a process, in bytes.
std::size_t peak_resident_bytes(pid_t pid);

}  // namespace blog::testing
