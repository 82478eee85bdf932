// A big multipart upload over a real socket: throughput, and how much the server's memory
// grows while it takes the upload (peak RSS, VmHWM, against the RSS before it).
//
//   upload_bench [--size 100] [--mode stream|form|slow] [--pause-ms 1] [--warmup 32]
//                [--backend epoll|io_uring] [--dir DIR] [--max-growth-mib 16]
//
// The server runs in a child process (its memory is its own), one reactor thread:
//   stream  POST /upload: MultipartReader, SHA-256 and an AtomicFile, as the reference
//           app's /api/upload does
//   form    POST /form: co_await req.form_data(), the file spilled to an anonymous temporary
//           file and linked into place by save_as()
//   slow    as stream, waiting --pause-ms after each piece (a slow disk): shows whether the
//           backend stops reading from the socket while the handler is not reading
// The parent streams the body from one 1 MiB block of random bytes, so the client holds no
// copy of the upload either. A warm-up upload (--warmup MiB) runs first, so that memory
// every server touches once under load is resident before the baseline: the io_uring
// backend's provided receive buffers (16 MiB per reactor) are faulted in then. Then the
// server's peak RSS is reset (/proc/self/clear_refs) and the measured upload runs.
// Exit status 1 when the growth reaches --max-growth-mib or the server's hash is wrong.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ignis/core/io.hpp>
#include <ignis/http/app.hpp>
#include <ignis/http/crypto.hpp>
#include <ignis/http/form.hpp>
#include <ignis/http/multipart.hpp>
#include <ignis/http/server.hpp>
#include <ignis/json/document.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

using namespace ignis;

namespace {

long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(field);
  while (std::getline(in, line))
    if (line.compare(0, n, field) == 0) return std::strtol(line.c_str() + n + 1, nullptr, 10);
  return -1;
}

// `pause`: how long to wait after each piece (a slow disk, say); zero for none.
Task<Response> upload(Request& req, const std::string& dir, std::chrono::milliseconds pause) {
  MultipartReader form(req);
  std::uint64_t size = 0;
  std::string hash;
  while (const MultipartPart* part = co_await form.next()) {
    if (!part->is_file) continue;
    AtomicFile out(dir + "/" + safe_filename(part->filename).value_or("upload.bin"));
    crypto::Sha256 sha;
    for (;;) {
      std::string_view piece = co_await form.read();
      if (piece.empty()) break;
      sha.update(piece);
      out.write(piece);
      if (pause.count()) co_await sleep_for(pause);
    }
    out.commit();
    size = out.size();
    const auto digest = sha.finish();
    hash = crypto::hex(std::span<const std::uint8_t>(digest));
  }
  co_return Response::json({{"size", size}, {"sha256", hash}, {"hwm_kib", status_kib("VmHWM")}});
}

Task<Response> form(Request& req, const std::string& dir) {
  FormOptions options;
  options.temp_dir = dir;
  FormData data = co_await req.form_data(options);
  const UploadedFile* file = data.file("file");
  if (!file) co_return Response::json({{"error", "No file provided"}}, {.status = 400});
  file->save_as(dir + "/" + safe_filename(file->filename()).value_or("upload.bin"));
  co_return Response::json({{"size", file->size()}, {"sha256", ""}, {"hwm_kib", status_kib("VmHWM")}});
}

[[noreturn]] void serve(Backend backend, const std::string& dir, std::chrono::milliseconds pause, int port_pipe) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  App app;
  app.route("/upload").POST([&dir](Request& req) { return upload(req, dir, std::chrono::milliseconds(0)); });
  app.route("/upload-slow").POST([&dir, pause](Request& req) { return upload(req, dir, pause); });
  app.route("/form").POST([&dir](Request& req) { return form(req, dir); });
  app.route("/baseline").GET([](Request&) -> Task<Response> {
    std::ofstream("/proc/self/clear_refs") << "5";  // the peak starts again from here
    co_return Response::json({{"rss_kib", status_kib("VmRSS")}});
  });
  ServerOptions options;
  options.port = 0;
  options.threads = 1;
  options.backend = backend;
  options.max_body_bytes = 1ull << 40;
  Server server(app, options);
  server.start();
  const std::uint16_t port = server.port();
  if (::write(port_pipe, &port, sizeof port) != sizeof port) std::_Exit(2);
  int sig;
  sigwait(&stop, &sig);
  server.stop();
  server.wait();
  std::_Exit(0);
}

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    std::exit(2);
  }
  return fd;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      std::perror("send");
      std::exit(2);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// One response (Content-Length framed): its status and body.
std::pair<int, std::string> read_response(int fd) {
  std::string in;
  char buf[65536];
  for (;;) {
    const std::size_t head_end = in.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const std::size_t cl = in.find("Content-Length: ");
      const std::size_t length = cl == std::string::npos ? 0 : std::strtoul(in.c_str() + cl + 16, nullptr, 10);
      if (in.size() >= head_end + 4 + length)
        return {std::atoi(in.c_str() + 9), in.substr(head_end + 4, length)};
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return {0, ""};
    in.append(buf, static_cast<std::size_t>(n));
  }
}

std::pair<int, std::string> get(std::uint16_t port, const char* target) {
  const int fd = connect_to(port);
  send_all(fd, std::string("GET ") + target + " HTTP/1.1\r\nHost: bench\r\n\r\n");
  auto r = read_response(fd);
  ::close(fd);
  return r;
}

struct UploadResult {
  int status = 0;
  std::string body;
  double seconds = 0;
};

// POSTs a multipart body holding one file of `blocks` copies of `block`.
UploadResult post_upload(std::uint16_t port, const char* target, const std::string& block, std::size_t blocks) {
  const std::string boundary = "----ignis-upload-bench";
  const std::string head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nbench\r\n--" +
                           boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n" +
                           "Content-Type: application/octet-stream\r\n\r\n";
  const std::string tail = "\r\n--" + boundary + "--\r\n";
  const std::uint64_t length = head.size() + block.size() * blocks + tail.size();
  const int fd = connect_to(port);
  const auto start = std::chrono::steady_clock::now();
  send_all(fd, std::string("POST ") + target + " HTTP/1.1\r\nHost: bench\r\nContent-Type: multipart/form-data; boundary=" +
                   boundary + "\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n" + head);
  for (std::size_t i = 0; i < blocks; ++i) send_all(fd, block);
  send_all(fd, tail);
  auto [status, body] = read_response(fd);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(fd);
  return {status, body, seconds};
}

std::int64_t json_int(const std::string& body, const char* key) {
  std::string padded = body;
  padded.append(64, ' ');
  auto doc = json::Document::parse(std::string_view(padded.data(), body.size()), padded.size());
  return doc[key].get_int64();
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t size_mib = 100;
  std::string mode = "stream";
  std::string dir;
  Backend backend = default_backend();
  double max_growth_mib = 16;
  std::size_t warmup_mib = 32;
  std::chrono::milliseconds pause(1);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--size") {
      size_mib = std::stoul(value());
    } else if (a == "--mode") {
      mode = value();
    } else if (a == "--dir") {
      dir = value();
    } else if (a == "--pause-ms") {
      pause = std::chrono::milliseconds(std::stol(value()));
    } else if (a == "--warmup") {
      warmup_mib = std::stoul(value());
    } else if (a == "--max-growth-mib") {
      max_growth_mib = std::stod(value());
    } else if (a == "--backend") {
      auto b = parse_backend(value());
      if (!b) {
        std::fprintf(stderr, "unknown backend\n");
        return 2;
      }
      backend = *b;
    } else {
      std::fprintf(stderr,
                   "usage: upload_bench [--size MiB] [--mode stream|form|slow] [--pause-ms N] [--warmup MiB] "
                   "[--backend epoll|io_uring] [--dir DIR] [--max-growth-mib N]\n");
      return 2;
    }
  }
  if (mode != "stream" && mode != "form" && mode != "slow") return 2;
  bool own_dir = false;
  if (dir.empty()) {
    char tmpl[] = "/tmp/ignis-upload-bench-XXXXXX";
    if (!::mkdtemp(tmpl)) return 2;
    dir = tmpl;
    own_dir = true;
  }

  int pipefd[2];
  if (::pipe(pipefd) != 0) return 2;
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipefd[0]);
    serve(backend, dir, pause, pipefd[1]);
  }
  ::close(pipefd[1]);
  std::uint16_t port = 0;
  if (::read(pipefd[0], &port, sizeof port) != sizeof port) {
    std::fprintf(stderr, "the server did not start\n");
    return 2;
  }

  std::string block(1 << 20, '\0');
  std::mt19937_64 rng(42);
  for (std::size_t i = 0; i < block.size(); i += 8) {
    const std::uint64_t r = rng();
    std::memcpy(block.data() + i, &r, 8);
  }
  crypto::Sha256 expected_hash;
  for (std::size_t i = 0; i < size_mib; ++i) expected_hash.update(block);
  const auto digest = expected_hash.finish();
  const std::string expected = crypto::hex(std::span<const std::uint8_t>(digest));

  const char* target = mode == "stream" ? "/upload" : mode == "slow" ? "/upload-slow" : "/form";
  post_upload(port, target, block, warmup_mib);  // warm-up
  const auto [bstatus, baseline] = get(port, "/baseline");
  const std::int64_t rss_before = bstatus == 200 ? json_int(baseline, "rss_kib") : -1;
  const UploadResult r = post_upload(port, target, block, size_mib);

  ::kill(child, SIGTERM);
  int wstatus = 0;
  ::waitpid(child, &wstatus, 0);
  if (own_dir) {
    ::unlink((dir + "/big.bin").c_str());
    ::rmdir(dir.c_str());
  }

  if (r.status != 200 || rss_before < 0) {
    std::fprintf(stderr, "upload failed: %d %s\n", r.status, r.body.c_str());
    return 1;
  }
  const std::int64_t hwm = json_int(r.body, "hwm_kib");
  const std::int64_t size = json_int(r.body, "size");
  const std::int64_t growth_kib = hwm - rss_before;
  const bool hash_ok = mode == "form" || r.body.find(expected) != std::string::npos;
  std::printf("upload %s %s: %zu MiB in %.3f s = %.0f MiB/s; server RSS before %lld KiB, peak growth %lld KiB (limit %.0f MiB)%s\n",
              mode.c_str(), to_string(backend).data(), size_mib, r.seconds, static_cast<double>(size_mib) / r.seconds,
              static_cast<long long>(rss_before), static_cast<long long>(growth_kib), max_growth_mib,
              hash_ok ? "" : "; WRONG SHA-256");
  const bool ok = hash_ok && size == static_cast<std::int64_t>(size_mib << 20) &&
                  static_cast<double>(growth_kib) < max_growth_mib * 1024;
  return ok ? 0 : 1;
}
