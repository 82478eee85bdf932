// alloc_count: heap allocations per request on the server's thread, at steady state.
//
//   alloc_count                               the four peers scenarios, one request at a time
//   alloc_count --pipeline 16                 batches of 16 pipelined requests
//   alloc_count --require-zero plaintext      also exit 3 if plaintext allocates
//   alloc_count --middleware on               with bench_server's production middleware
//                                             (metrics, X-Request-Id, CORS)
//   alloc_count --trace 8                     print the call stacks of the first 8 server-side
//                                             allocations of each measured window (named
//                                             through addr2line, from binutils)
//   options: --requests N (20000) --warmup N (2000) --connections N (4)
//            --scenario plaintext,json,echo,target --backend epoll|io_uring
//
// Exit status: 0 fine; 1 a response was wrong or missing, or the server logged a warning;
// 2 usage, or the hooks are not in use; 3 a --require-zero scenario allocated; 4 the
// calibration failed.
//
// The scenarios are the peers harness's (bench_server.cpp, same handlers and 50 routes), plus
// "control", a calibration route run first: its handler makes exactly one 1000-byte
// operator new per request, and the run fails unless the window counts exactly that.
//
// How it counts. This program replaces the global allocation functions: every form of
// operator new and delete (plain, array, sized, aligned, nothrow) and, underneath them, the
// C allocator (malloc, calloc, realloc, free, posix_memalign, aligned_alloc, memalign,
// valloc, pvalloc), each forwarding to glibc's own (__libc_malloc and friends). Operator new
// calls glibc directly, so each allocation is counted once, in one of two columns: "new"
// (C++ allocations) or "malloc" (C-level calls made by something other than operator new:
// libc, simdjson's aligned buffers, liburing, exception objects).
//
// Whose allocations. The counters are split by a thread_local flag, `t_client`, which the
// main thread sets on itself before anything else runs. The main thread is the load client
// (and also starts and stops the server); every thread the server creates starts with the
// flag clear. So the "server" figures are exactly the allocations made on the server's
// threads (its reactor thread, and its offload pool, which these handlers never use), and
// the client's own allocations are counted apart (it makes none in the window; a note is
// printed if it ever does).
//
// The measured window. The client sends W warm-up requests per scenario (pools, buffers and
// caches fill), waits 50 ms for the server to go idle, zeroes the counters, sends N requests
// round robin over its keep-alive connections, reading each full response before the next
// (or each batch of D pipelined responses), waits 50 ms again so that the server finishes
// the bookkeeping of the last response inside the window, and reads the counters. The window
// therefore holds the server's whole work for exactly N requests, plus its timers (the Date
// header is refreshed once a second). Every response is checked (status, Content-Type,
// Content-Length, body, no Connection: close); any mismatch exits 1.

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <ignis/http/app.hpp>
#include <ignis/http/cors.hpp>
#include <ignis/http/metrics.hpp>
#include <ignis/http/request_id.hpp>
#include <ignis/http/server.hpp>
#include <ignis/json/document.hpp>

#include "peers_app.hpp"
#include "peers_data.hpp"

// ============================================================================ counting

namespace {

struct Tally {
  std::atomic<std::uint64_t> allocs{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> frees{0};

  void reset() noexcept {
    allocs.store(0, std::memory_order_relaxed);
    bytes.store(0, std::memory_order_relaxed);
    frees.store(0, std::memory_order_relaxed);
  }
};

struct Counters {
  Tally cxx;  // operator new / delete, every form
  Tally c;    // the C allocator, called by something other than operator new
};

Counters g_server;
Counters g_client;

// Set on the threads of this program that are not the server's (the main thread).
thread_local bool t_client = false;
// Inside backtrace(): allocations it makes are counted but not traced.
thread_local bool t_tracing = false;

// --trace: the call stacks of the first few server-side allocations after arm_traces().
constexpr int kMaxTraces = 64;
constexpr int kTraceDepth = 40;
struct TraceSlot {
  void* frames[kTraceDepth];
  int depth;
  std::size_t size;
  bool cxx;
};
TraceSlot g_traces[kMaxTraces];
std::atomic<int> g_trace_limit{0};
std::atomic<int> g_trace_next{0};

inline Counters& counters_here() noexcept { return t_client ? g_client : g_server; }

void trace(bool cxx, std::size_t size) noexcept {
  if (t_client || t_tracing) return;
  const int limit = g_trace_limit.load(std::memory_order_relaxed);
  if (limit == 0) return;
  const int i = g_trace_next.fetch_add(1, std::memory_order_relaxed);
  if (i >= limit) return;
  t_tracing = true;
  TraceSlot& s = g_traces[i];
  s.depth = ::backtrace(s.frames, kTraceDepth);
  s.size = size;
  s.cxx = cxx;
  t_tracing = false;
}

inline void note_alloc(Tally& t, std::size_t size) noexcept {
  t.allocs.fetch_add(1, std::memory_order_relaxed);
  t.bytes.fetch_add(size, std::memory_order_relaxed);
}

inline void note_cxx_alloc(std::size_t size) noexcept {
  note_alloc(counters_here().cxx, size);
  trace(true, size);
}
inline void note_c_alloc(std::size_t size) noexcept {
  note_alloc(counters_here().c, size);
  trace(false, size);
}
inline void note_cxx_free(void* p) noexcept {
  if (p) counters_here().cxx.frees.fetch_add(1, std::memory_order_relaxed);
}
inline void note_c_free(void* p) noexcept {
  if (p) counters_here().c.frees.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

// glibc's allocator under its internal names: what the replacements below forward to.
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t n, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void __libc_free(void* p);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void* __libc_valloc(std::size_t size);
void* __libc_pvalloc(std::size_t size);
}

// ---------------------------------------------------------------- the C allocator

extern "C" {

void* malloc(std::size_t size) noexcept {
  note_c_alloc(size);
  return __libc_malloc(size);
}

void* calloc(std::size_t n, std::size_t size) noexcept {
  note_c_alloc(n * size);
  return __libc_calloc(n, size);
}

void* realloc(void* p, std::size_t size) noexcept {
  if (size == 0 && p) {
    note_c_free(p);
  } else {
    note_c_alloc(size);
  }
  return __libc_realloc(p, size);
}

void free(void* p) noexcept {
  note_c_free(p);
  __libc_free(p);
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0 || alignment == 0) return EINVAL;
  note_c_alloc(size);
  void* p = __libc_memalign(alignment, size);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  note_c_alloc(size);
  return __libc_memalign(alignment, size);
}

void* memalign(std::size_t alignment, std::size_t size) noexcept {
  note_c_alloc(size);
  return __libc_memalign(alignment, size);
}

void* valloc(std::size_t size) noexcept {
  note_c_alloc(size);
  return __libc_valloc(size);
}

void* pvalloc(std::size_t size) noexcept {
  note_c_alloc(size);
  return __libc_pvalloc(size);
}

}  // extern "C"

// ---------------------------------------------------------------- operator new / delete

namespace {

void* cxx_alloc_nothrow(std::size_t size) noexcept {
  note_cxx_alloc(size);
  return __libc_malloc(size ? size : 1);
}

void* cxx_alloc(std::size_t size) {
  note_cxx_alloc(size);
  for (;;) {
    if (void* p = __libc_malloc(size ? size : 1)) return p;
    std::new_handler h = std::get_new_handler();
    if (!h) throw std::bad_alloc();
    h();
  }
}

void* cxx_alloc_aligned_nothrow(std::size_t size, std::align_val_t alignment) noexcept {
  note_cxx_alloc(size);
  return __libc_memalign(static_cast<std::size_t>(alignment), size ? size : 1);
}

void* cxx_alloc_aligned(std::size_t size, std::align_val_t alignment) {
  note_cxx_alloc(size);
  for (;;) {
    if (void* p = __libc_memalign(static_cast<std::size_t>(alignment), size ? size : 1)) return p;
    std::new_handler h = std::get_new_handler();
    if (!h) throw std::bad_alloc();
    h();
  }
}

void cxx_free(void* p) noexcept {
  note_cxx_free(p);
  __libc_free(p);
}

}  // namespace

void* operator new(std::size_t size) { return cxx_alloc(size); }
void* operator new[](std::size_t size) { return cxx_alloc(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return cxx_alloc_nothrow(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return cxx_alloc_nothrow(size); }
void* operator new(std::size_t size, std::align_val_t a) { return cxx_alloc_aligned(size, a); }
void* operator new[](std::size_t size, std::align_val_t a) { return cxx_alloc_aligned(size, a); }
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return cxx_alloc_aligned_nothrow(size, a);
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return cxx_alloc_aligned_nothrow(size, a);
}

void operator delete(void* p) noexcept { cxx_free(p); }
void operator delete[](void* p) noexcept { cxx_free(p); }
void operator delete(void* p, std::size_t) noexcept { cxx_free(p); }
void operator delete[](void* p, std::size_t) noexcept { cxx_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { cxx_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { cxx_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { cxx_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { cxx_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { cxx_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { cxx_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { cxx_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { cxx_free(p); }

// ============================================================================ the program

namespace {

using namespace ignis;
using bench::RouteKind;

struct Snapshot {
  std::uint64_t allocs = 0, bytes = 0, frees = 0;
};
Snapshot take(const Tally& t) {
  return {t.allocs.load(std::memory_order_relaxed), t.bytes.load(std::memory_order_relaxed),
          t.frees.load(std::memory_order_relaxed)};
}

void reset_counters() {
  g_server.cxx.reset();
  g_server.c.reset();
  g_client.cxx.reset();
  g_client.c.reset();
}

// Checks that the replacements are the ones in use, for every path an allocation can take
// (the compiler may not elide these: the pointers escape through a volatile).
bool self_test() {
  void* volatile sink = nullptr;
  t_client = false;
  reset_counters();
  sink = ::operator new(24);
  ::operator delete(sink);
  auto* ints = new int[3];
  sink = ints;
  delete[] ints;
  sink = ::operator new(64, std::align_val_t{64});
  ::operator delete(sink, std::align_val_t{64});
  const Snapshot cxx = take(g_server.cxx);
  sink = std::malloc(32);
  std::free(sink);
  char* dup = ::strdup("through libc");  // libc's own call to malloc must be seen too
  sink = dup;
  std::free(dup);
  void* aligned = nullptr;
  if (::posix_memalign(&aligned, 64, 128) == 0) std::free(aligned);
  const Snapshot c = take(g_server.c);
  t_client = true;
  reset_counters();
  (void)sink;
  if (cxx.allocs != 3 || cxx.frees != 3 || c.allocs != 3 || c.frees != 3) {
    std::fprintf(stderr, "alloc_count: the allocation hooks are not in use (new %llu/%llu, malloc %llu/%llu)\n",
                 static_cast<unsigned long long>(cxx.allocs), static_cast<unsigned long long>(cxx.frees),
                 static_cast<unsigned long long>(c.allocs), static_cast<unsigned long long>(c.frees));
    return false;
  }
  return true;
}

// ---------------------------------------------------------------- the app (bench_server's)

// The calibration route allocates exactly this once per request.
constexpr std::size_t kControlBytes = 1000;

Task<Response> control(Request&) {
  void* volatile block = ::operator new(kControlBytes);  // volatile: cannot be elided
  ::operator delete(block);
  co_return Response::text("Hello, World!");
}

void build_app(App& app, Metrics* metrics) {
  bench::add_peer_routes(app);
  app.route("/__alloc_control").GET(control);
  if (metrics) {
    app.use(*metrics);
    app.use(request_id());
    app.use(cors({.origins = {"https://your-frontend.com"}}));
  }
}

// ---------------------------------------------------------------- the client

struct Scenario {
  std::string_view name;
  std::string request;  // one request, as wrk would send it
  std::string_view content_type;
  std::string_view body;
};

std::vector<Scenario> make_scenarios() {
  std::vector<Scenario> s;
  s.push_back({"control", "GET /__alloc_control HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "text/plain; charset=utf-8",
               "Hello, World!"});
  s.push_back({"plaintext", "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "text/plain; charset=utf-8",
               "Hello, World!"});
  s.push_back({"json", "GET /json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "application/json",
               R"({"message":"Hello, World!"})"});
  std::string post = "POST /api/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ";
  post += std::to_string(bench::kEchoBody.size());
  post += "\r\n\r\n";
  post += bench::kEchoBody;
  s.push_back({"echo", std::move(post), "application/json", R"({"id":12345,"n":9})"});
  s.push_back({"target", "GET /api/users/123/posts/456 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "application/json",
               R"({"user":"123","post":"456"})"});
  return s;
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Prints a response (or part of one) with its control characters visible.
void dump(std::string_view bytes) {
  const std::size_t n = bytes.size() < 600 ? bytes.size() : 600;
  for (std::size_t i = 0; i < n; ++i) {
    const char ch = bytes[i];
    if (ch == '\r')
      std::fputs("\\r", stderr);
    else if (ch == '\n')
      std::fputs("\\n\n    ", stderr);
    else if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7f)
      std::fprintf(stderr, "\\x%02x", static_cast<unsigned char>(ch));
    else
      std::fputc(ch, stderr);
  }
  if (n < bytes.size()) std::fprintf(stderr, "... (%zu bytes)", bytes.size());
  std::fputc('\n', stderr);
}

class Connection {
 public:
  static constexpr std::size_t kBufferSize = 256 * 1024;

  explicit Connection(std::uint16_t port) : buf_(kBufferSize) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{10, 0};  // a server that stops answering fails the run instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
  }
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        std::fprintf(stderr, "alloc_count: send failed: %s\n", n < 0 ? std::strerror(errno) : "closed");
        return false;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads one full response and checks it against the scenario.
  bool read_response(const Scenario& s) {
    for (;;) {
      const std::string_view have(buf_.data(), len_);
      const std::size_t head_end = have.find("\r\n\r\n");
      if (head_end != std::string_view::npos) {
        const std::string_view head = have.substr(0, head_end + 2);
        std::size_t content_length = 0;
        if (!check_head(s, head, content_length)) return fail(s, "bad head", have);
        const std::size_t total = head_end + 4 + content_length;
        if (len_ >= total) {
          if (have.substr(head_end + 4, content_length) != s.body) return fail(s, "bad body", have.substr(0, total));
          std::memmove(buf_.data(), buf_.data() + total, len_ - total);
          len_ -= total;
          return true;
        }
      }
      if (len_ == buf_.size()) return fail(s, "response too large", have);
      const ssize_t n = ::recv(fd_, buf_.data() + len_, buf_.size() - len_, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return fail(s, n == 0 ? "connection closed by the server" : std::strerror(errno), have);
      len_ += static_cast<std::size_t>(n);
    }
  }

  // Bytes received and not yet taken by read_response(): must be none between batches.
  std::size_t pending() const noexcept { return len_; }

 private:
  static bool check_head(const Scenario& s, std::string_view head, std::size_t& content_length) {
    constexpr std::string_view status = "HTTP/1.1 200 OK\r\n";
    if (head.substr(0, status.size()) != status) return false;
    bool have_type = false, have_length = false;
    std::size_t pos = head.find("\r\n") + 2;
    while (pos < head.size()) {
      const std::size_t eol = head.find("\r\n", pos);
      const std::string_view line = head.substr(pos, eol - pos);
      pos = eol + 2;
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) return false;
      const std::string_view name = line.substr(0, colon);
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (iequal(name, "content-type")) {
        if (have_type || value != s.content_type) return false;
        have_type = true;
      } else if (iequal(name, "content-length")) {
        if (have_length || value.empty() || value.size() > 9) return false;
        std::size_t v = 0;
        for (char ch : value) {
          if (ch < '0' || ch > '9') return false;
          v = v * 10 + static_cast<std::size_t>(ch - '0');
        }
        content_length = v;
        have_length = true;
      } else if (iequal(name, "connection")) {
        if (iequal(value, "close")) return false;
      } else if (iequal(name, "transfer-encoding")) {
        return false;
      }
    }
    return have_type && have_length && content_length == s.body.size();
  }

  bool fail(const Scenario& s, const char* what, std::string_view bytes) {
    std::fprintf(stderr, "alloc_count: %.*s: wrong response (%s):\n    ", static_cast<int>(s.name.size()), s.name.data(),
                 what);
    dump(bytes);
    return false;
  }

  int fd_ = -1;
  std::vector<char> buf_;
  std::size_t len_ = 0;
};

struct Config {
  std::uint64_t requests = 20000;
  std::uint64_t warmup = 2000;
  unsigned connections = 4;
  unsigned pipeline = 1;
  int trace = 0;
  std::vector<std::string> scenarios;     // empty: all
  std::vector<std::string> require_zero;  // scenarios that must not allocate
  Backend backend = default_backend();
  bool middleware = false;
};

// Sends `count` requests round robin over the connections, `depth` at a time on one
// connection (one write, then `depth` responses read and checked).
bool drive(std::vector<std::unique_ptr<Connection>>& conns, const Scenario& s, const std::string& batch,
           unsigned depth, std::uint64_t count) {
  std::uint64_t sent = 0;
  for (std::size_t next = 0; sent < count; next = (next + 1) % conns.size()) {
    Connection& c = *conns[next];
    const unsigned n = static_cast<unsigned>(count - sent < depth ? count - sent : depth);
    const std::string_view bytes(batch.data(), s.request.size() * n);
    if (!c.send_all(bytes)) return false;
    for (unsigned i = 0; i < n; ++i)
      if (!c.read_response(s)) return false;
    if (c.pending() != 0) {
      std::fprintf(stderr, "alloc_count: %.*s: %zu unexpected bytes after the responses\n",
                   static_cast<int>(s.name.size()), s.name.data(), c.pending());
      return false;
    }
    sent += n;
  }
  return true;
}

void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }

struct Result {
  std::string_view name;
  Snapshot cxx, c, client_cxx, client_c;
  double seconds;
};

// Prints one frame of this executable per line through addr2line (names of local
// functions and coroutine bodies too), or the raw frames if addr2line is missing.
void print_exe_frames(const std::string& exe, void* const* frames, int n) {
  if (n == 0) return;
  std::string cmd = "addr2line -Cfipe '" + exe + "'";
  for (int i = 0; i < n; ++i) {
    Dl_info info{};
    ::dladdr(frames[i], &info);
    char offset[32];
    // A return address points after its call: step back into the call instruction.
    std::snprintf(offset, sizeof offset, " 0x%zx",
                  static_cast<std::size_t>(static_cast<const char*>(frames[i]) - static_cast<const char*>(info.dli_fbase) - 1));
    cmd += offset;
  }
  std::fflush(stderr);
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char line[4096];
    while (std::fgets(line, sizeof line, p)) std::fprintf(stderr, "    %s", line);
    if (::pclose(p) == 0) return;
  }
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
}

void print_traces(std::string_view name, int limit) {
  const int n = std::min(g_trace_next.load(), limit);
  if (n == 0) return;
  char exe_buf[4096];
  const ssize_t len = ::readlink("/proc/self/exe", exe_buf, sizeof exe_buf - 1);
  const std::string exe(exe_buf, len > 0 ? static_cast<std::size_t>(len) : 0);
  Dl_info self{};
  ::dladdr(static_cast<const void*>(&g_traces), &self);
  const void* const exe_base = self.dli_fbase;
  std::fprintf(stderr, "\n--- %.*s: the first %d server-side allocations of the window\n", static_cast<int>(name.size()),
               name.data(), n);
  for (int i = 0; i < n; ++i) {
    const TraceSlot& t = g_traces[i];
    std::fprintf(stderr, "#%d: %s of %zu bytes\n", i + 1, t.cxx ? "operator new" : "malloc-family call", t.size);
    // Runs of frames in this executable go through addr2line; others are printed as they are.
    int run = 0;
    for (int f = 0; f <= t.depth; ++f) {
      Dl_info info{};
      const bool in_exe = f < t.depth && ::dladdr(t.frames[f], &info) && info.dli_fbase == exe_base;
      if (in_exe) continue;
      print_exe_frames(exe, t.frames + run, f - run);
      if (f < t.depth) backtrace_symbols_fd(t.frames + f, 1, STDERR_FILENO);
      run = f + 1;
    }
  }
}

std::vector<std::string> split(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    out.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  for (const auto& x : v)
    if (x == s) return true;
  return false;
}

int usage() {
  std::fputs(
      "usage: alloc_count [--pipeline D] [--requests N] [--warmup N] [--connections N]\n"
      "                   [--scenario plaintext,json,echo,target] [--require-zero LIST]\n"
      "                   [--trace K] [--backend epoll|io_uring] [--middleware on|off]\n",
      stderr);
  return 2;
}

bool parse_count(std::string_view v, std::uint64_t& out, std::uint64_t min) {
  if (v.empty() || v.size() > 12) return false;
  std::uint64_t x = 0;
  for (char ch : v) {
    if (ch < '0' || ch > '9') return false;
    x = x * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  if (x < min) return false;
  out = x;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  t_client = true;  // this thread is the client; the server's threads are counted
  if (!self_test()) return 2;
  {
    void* warm[4];
    (void)::backtrace(warm, 4);  // loads the unwinder now, not inside the window
  }

  Config cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string_view value = argv[++i];
    std::uint64_t n = 0;
    if (arg == "--pipeline" && parse_count(value, n, 1) && n <= 1024) {
      cfg.pipeline = static_cast<unsigned>(n);
    } else if (arg == "--requests" && parse_count(value, n, 1)) {
      cfg.requests = n;
    } else if (arg == "--warmup" && parse_count(value, n, 0)) {
      cfg.warmup = n;
    } else if (arg == "--connections" && parse_count(value, n, 1) && n <= 1000) {
      cfg.connections = static_cast<unsigned>(n);
    } else if (arg == "--trace" && parse_count(value, n, 0) && n <= kMaxTraces) {
      cfg.trace = static_cast<int>(n);
    } else if (arg == "--scenario") {
      cfg.scenarios = split(value);
    } else if (arg == "--require-zero") {
      cfg.require_zero = split(value);
    } else if (arg == "--backend") {
      auto b = parse_backend(value);
      if (!b) return usage();
      cfg.backend = *b;
    } else if (arg == "--middleware" && (value == "on" || value == "off")) {
      cfg.middleware = value == "on";
    } else {
      return usage();
    }
  }

  std::vector<Scenario> scenarios;
  for (Scenario& s : make_scenarios())
    if (s.name == "control" || cfg.scenarios.empty() || contains(cfg.scenarios, s.name))
      scenarios.push_back(std::move(s));
  if (scenarios.size() == 1) return usage();
  for (const auto& name : cfg.scenarios) {
    bool known = false;
    for (const Scenario& s : scenarios) known = known || s.name == name;
    if (!known) return usage();
  }

  Metrics metrics;
  App app;
  build_app(app, cfg.middleware ? &metrics : nullptr);
  std::atomic<unsigned> log_problems{0};
  // Discards everything; counts warnings and errors, which fail the run.
  app.set_logger([&log_problems](LogLevel level, std::string_view) {
    if (level >= LogLevel::warn) log_problems.fetch_add(1, std::memory_order_relaxed);
  });
  ServerOptions options;
  options.port = 0;
  options.threads = 1;
  options.backend = cfg.backend;
  std::unique_ptr<Server> server_ptr;
  try {
    server_ptr = std::make_unique<Server>(app, options);
    server_ptr->start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "alloc_count: cannot start the server: %s\n", e.what());
    return 2;
  }
  Server& server = *server_ptr;

  std::vector<Result> results;
  Snapshot before_first_window;  // the server's allocations from start-up to the first window
  bool ok = true;
  try {
    std::vector<std::unique_ptr<Connection>> conns;
    for (unsigned i = 0; i < cfg.connections; ++i) conns.push_back(std::make_unique<Connection>(server.port()));

    for (const Scenario& s : scenarios) {
      std::string batch;
      for (unsigned i = 0; i < cfg.pipeline; ++i) batch += s.request;

      if (!drive(conns, s, batch, cfg.pipeline, cfg.warmup)) {
        ok = false;
        break;
      }
      settle();
      if (results.empty()) before_first_window = take(g_server.cxx);
      reset_counters();
      g_trace_next.store(0);
      g_trace_limit.store(cfg.trace);
      const auto t0 = std::chrono::steady_clock::now();
      const bool done = drive(conns, s, batch, cfg.pipeline, cfg.requests);
      const auto t1 = std::chrono::steady_clock::now();
      settle();
      g_trace_limit.store(0);
      results.push_back({s.name, take(g_server.cxx), take(g_server.c), take(g_client.cxx), take(g_client.c),
                         std::chrono::duration<double>(t1 - t0).count()});
      if (cfg.trace > 0) print_traces(s.name, cfg.trace);
      if (!done) {
        ok = false;
        break;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "alloc_count: %s\n", e.what());
    ok = false;
  }
  server.stop();
  server.wait();

  std::printf("alloc_count: %s backend, 1 server thread, %u keep-alive connections, %llu requests per scenario "
              "(after %llu warm-up), %s\n",
              std::string(to_string(server.backend())).c_str(), cfg.connections,
              static_cast<unsigned long long>(cfg.requests), static_cast<unsigned long long>(cfg.warmup),
              cfg.pipeline == 1 ? "one at a time" : ("pipelined " + std::to_string(cfg.pipeline) + " deep").c_str());
  std::printf("server-thread allocations per request (new = operator new, malloc = C allocator called directly)\n");
  std::printf("%-10s %10s %11s %10s %11s %12s %10s %12s %9s\n", "scenario", "new/req", "bytes/req", "delete/req",
              "malloc/req", "mbytes/req", "new total", "malloc total", "req/s");
  const double n = static_cast<double>(cfg.requests);
  int exit_code = ok ? 0 : 1;
  std::printf("%-10s %llu operator new calls on the server's thread from start-up to the first window\n", "(start)",
              static_cast<unsigned long long>(before_first_window.allocs));
  for (const Result& r : results) {
    std::printf("%-10.*s %10.4f %11.2f %10.4f %11.4f %12.2f %10llu %12llu %9.0f\n", static_cast<int>(r.name.size()),
                r.name.data(), static_cast<double>(r.cxx.allocs) / n, static_cast<double>(r.cxx.bytes) / n,
                static_cast<double>(r.cxx.frees) / n, static_cast<double>(r.c.allocs) / n,
                static_cast<double>(r.c.bytes) / n, static_cast<unsigned long long>(r.cxx.allocs),
                static_cast<unsigned long long>(r.c.allocs), n / r.seconds);
    if (r.client_cxx.allocs + r.client_c.allocs != 0)
      std::printf("%-10s (the client itself allocated %llu times in the window; not counted above)\n", "",
                  static_cast<unsigned long long>(r.client_cxx.allocs + r.client_c.allocs));
    if (contains(cfg.require_zero, r.name) && r.cxx.allocs + r.c.allocs != 0) {
      std::printf("%-10s FAIL: required to allocate nothing per request\n", "");
      if (exit_code == 0) exit_code = 3;
    }
  }
  // The calibration: one known allocation per request, counted on the server's thread.
  if (!results.empty() && results.front().name == "control" && ok) {
    const Result& c = results.front();
    if (cfg.trace == 0 && (c.cxx.allocs != cfg.requests || c.cxx.bytes != cfg.requests * kControlBytes)) {
      std::printf("CALIBRATION FAILED: the control route allocates %zu bytes once per request; counted %llu "
                  "allocations of %llu bytes for %llu requests\n",
                  kControlBytes, static_cast<unsigned long long>(c.cxx.allocs),
                  static_cast<unsigned long long>(c.cxx.bytes), static_cast<unsigned long long>(cfg.requests));
      if (exit_code == 0) exit_code = 4;
    } else {
      std::printf("control: a calibration route that allocates %zu bytes once per request (expect 1.0000, %zu.00)\n",
                  kControlBytes, kControlBytes);
    }
  }
  if (cfg.trace > 0) std::printf("(--trace: backtrace() may itself allocate; counts include that)\n");
  if (log_problems.load() != 0) {
    std::printf("the server logged %u warning(s) or error(s)\n", log_problems.load());
    if (exit_code == 0) exit_code = 1;
  }
  if (!ok) std::printf("FAILED: a response was wrong or missing (details on stderr)\n");
  return exit_code;
}
