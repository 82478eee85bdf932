#include "blog_process.hpp"

#include "support/child_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace blog::testing {
namespace {

// Starts argv with stdout on a pipe (returned) and stderr into a file.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, int& stdout_fd,
            const std::string& stderr_path) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  if (!stderr_path.empty())
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    throw std::runtime_error("cannot start " + argv[0]);
  }
  stdout_fd = out[0];
  return pid;
}

std::vector<std::string> inherited_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  return env;
}

// Reads what is available within `limit` (until EOF, or a line when `line_only`).
std::string read_from(int fd, std::chrono::milliseconds limit, bool line_only) {
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!(line_only && text.find('\n') != std::string::npos)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, line_only ? 1 : sizeof buf);  // a line: no further
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace

std::pair<std::string, int> run(const std::vector<std::string>& argv) {
  int out = -1;
  const pid_t pid = spawn(argv, inherited_environment(), out, "/dev/null");
  std::string text = read_from(out, std::chrono::seconds(120), false);
  ::close(out);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {std::move(text), WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

Reply curl(const std::string& url, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"curl", "-s", "-i", "--max-time", "30"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(url);
  auto [text, code] = run(argv);
  Reply r;
  r.curl_exit = code;
  std::size_t at = 0;
  for (;;) {  // heads until a final one (1xx heads come first)
    const std::size_t end = text.find("\r\n\r\n", at);
    if (text.compare(at, 5, "HTTP/") != 0 || end == std::string::npos) return r;
    std::istringstream head(text.substr(at, end - at));
    std::string line;
    std::getline(head, line);
    r.status = std::atoi(line.c_str() + line.find(' ') + 1);
    r.headers.clear();
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      r.headers.emplace_back(line.substr(0, colon), line.substr(v));
    }
    at = end + 4;
    if (r.status >= 200) break;
  }
  r.body = text.substr(at);
  return r;
}

BlogProcess::BlogProcess(BlogOptions options) : data_dir_(std::move(options.data_dir)) {
  if (data_dir_.empty()) {
    char dir[] = "/tmp/ignis-blog-XXXXXX";
    if (!::mkdtemp(dir)) throw std::runtime_error("mkdtemp failed");
    data_dir_ = std::string(dir) + "/data";  // the app creates it
    own_dir_ = true;
  }
  char log[] = "/tmp/ignis-blog-stderr-XXXXXX";
  const int log_fd = ::mkstemp(log);
  if (log_fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(log_fd);
  stderr_path_ = log;
  std::vector<std::string> argv = {IGNIS_BLOG_BINARY, "--port", "0", "--data-dir", data_dir_};
  if (const char* backend = std::getenv("IGNIS_TEST_BACKEND")) argv.insert(argv.end(), {"--backend", backend});
  argv.insert(argv.end(), options.args.begin(), options.args.end());
  std::vector<std::string> env = inherited_environment();
  env.push_back("WEBHOOK_SECRET=" + std::string(kWebhookSecret));
  env.push_back("REVALIDATION_SECRET=" + std::string(kRevalidationSecret));
  env.push_back("SESSION_SECRET=session_test");
  for (const std::string& entry : options.env) {  // replaces any entry of the same name
    const std::string name = entry.substr(0, entry.find('=') + 1);
    std::erase_if(env, [&](const std::string& e) { return e.rfind(name, 0) == 0; });
    env.push_back(entry);
  }
  pid_ = spawn(argv, env, stdout_, stderr_path_);
  line_ = read_from(stdout_, std::chrono::seconds(20), true);
  const std::size_t colon = line_.rfind(':');
  if (line_.rfind("listening on http://", 0) != 0 || colon == std::string::npos) {
    terminate(std::chrono::seconds(1));
    throw std::runtime_error("the blog did not start: " + line_ + stderr_text());
  }
  port_ = static_cast<std::uint16_t>(std::atoi(line_.c_str() + colon + 1));
}

BlogProcess::~BlogProcess() {
  if (pid_ > 0) terminate(std::chrono::seconds(5));
  if (stdout_ >= 0) ::close(stdout_);
  std::error_code ec;
  std::filesystem::remove(stderr_path_, ec);
  if (own_dir_) std::filesystem::remove_all(std::filesystem::path(data_dir_).parent_path(), ec);
}

std::string BlogProcess::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

Reply BlogProcess::curl(std::string_view path, const std::vector<std::string>& args) const {
  return testing::curl(url(path), args);
}

int BlogProcess::terminate(std::chrono::milliseconds limit) {
  if (pid_ <= 0) return -1;
  const int status = ignis::testing::terminate_process(pid_, limit);
  pid_ = -1;
  return status;
}

std::string BlogProcess::stderr_text() const {
  std::ifstream in(stderr_path_);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string BlogProcess::stdout_rest() { return read_from(stdout_, std::chrono::milliseconds(100), false); }

std::size_t peak_resident_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  return 0;
}

}  // namespace blog::testing
