// SSE fan-out: many concurrent EventSource-style subscribers on one server thread.
//
//   sse_fanout [--subscribers 10000] [--rounds 5] [--backend epoll|io_uring] [--payload 64]
//
// A child process runs the server (one reactor thread): GET /events subscribes to a
// Broadcast<SseFrame> and forwards it; POST /publish publishes one event. The parent opens
// the subscribers over loopback, then reports
//   - memory per subscriber: growth of the server's RSS / subscribers
//   - per broadcast round: the time from publish() until the server's last subscriber
//     write finished (server side), and until the last client had read the event (client
//     side, including the client's own work on the same two cores)
// Needs `ulimit -n` above the subscriber count (each process holds one side).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ignis/http/app.hpp>
#include <ignis/http/server.hpp>
#include <ignis/http/sse.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>
#include <iostream>
#include <string>
#include <vector>

using namespace ignis;
using SteadyClock = std::chrono::steady_clock;

namespace {

// ------------------------------------------------------------------------------ server (child)

struct Stats {  // touched on the server's one reactor thread only
  long subscribers = 0;
  long expected = 0;
  long delivered = 0;
  SteadyClock::time_point published{};
  SteadyClock::time_point last_done{};
};

[[noreturn]] void run_server(Backend backend, int port_pipe) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  static Broadcast<SseFrame> events({.queue = 16});
  static Stats stats;
  App app;
  app.set_logger([](LogLevel, std::string_view) {});
  app.route("/events").GET([](Request&) -> Task<Response> {
    co_return event_stream([](EventStream& es) -> Task<void> {
      auto sub = events.subscribe();
      ++stats.subscribers;
      for (;;) {
        auto e = co_await sub.next(std::chrono::seconds(120), &es.signal());
        if (!e) {
          if (e.timed_out()) continue;
          break;
        }
        if (!co_await es.send(*e)) break;
        if (++stats.delivered == stats.expected) stats.last_done = SteadyClock::now();
      }
      --stats.subscribers;
    });
  });
  app.route("/publish").POST([](Request& req) -> Task<Response> {
    const std::size_t payload = std::stoul(std::string(req.search_params().get("payload").value_or("64")));
    stats.expected = stats.subscribers;
    stats.delivered = 0;
    stats.published = SteadyClock::now();
    events.publish(SseFrame::make("tick", std::string(payload, 'x')));
    co_return Response::empty();
  });
  app.route("/stats").GET([](Request&) -> Task<Response> {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(stats.last_done - stats.published).count();
    co_return Response::json({{"subscribers", stats.subscribers}, {"delivered", stats.delivered}, {"fanout_us", us}});
  });
  ServerOptions options;
  options.port = 0;
  options.threads = 1;
  options.backend = backend;
  Server server(app, options);
  server.start();
  const std::uint16_t port = server.port();
  (void)!::write(port_pipe, &port, sizeof port);
  int sig;
  sigwait(&stop, &sig);
  server.stop();
  server.wait();
  std::_Exit(0);
}

// ------------------------------------------------------------------------------ client (parent)

long rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

// User and system CPU time of a process, in clock ticks.
std::pair<long, long> cpu_ticks(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::size_t p = stat.rfind(')');
  std::vector<std::string> fields;
  std::size_t start = p + 2;
  while (start < stat.size()) {
    std::size_t end = stat.find(' ', start);
    if (end == std::string::npos) end = stat.size();
    fields.push_back(stat.substr(start, end - start));
    start = end + 1;
  }
  // After the command: state is field 3; utime and stime are fields 14 and 15.
  return {std::atol(fields[11].c_str()), std::atol(fields[12].c_str())};
}

int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::perror("socket");
    std::exit(1);
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// One request on its own connection; the whole answer (Connection: close).
std::string roundtrip(std::uint16_t port, const std::string& req) {
  int fd = connect_to(port);
  (void)!::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

struct Subscriber {
  int fd;
  std::string seen;
  bool done = false;
};

// Reads every subscriber until each has `needle` (from its round start); returns when the
// last one had it.
SteadyClock::time_point wait_all(int ep, std::vector<Subscriber>& subs, std::string_view needle, std::size_t from,
                                 std::size_t to) {
  std::size_t left = to - from;
  for (std::size_t i = from; i < to; ++i) {
    subs[i].done = subs[i].seen.find(needle) != std::string::npos;
    if (subs[i].done) --left;
  }
  std::vector<epoll_event> ready(1024);
  char buf[16384];
  SteadyClock::time_point last = SteadyClock::now();
  while (left > 0) {
    int n = ::epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), 10000);
    if (n <= 0) {
      std::cerr << "timed out with " << left << " subscribers still waiting\n";
      std::exit(1);
    }
    for (int k = 0; k < n; ++k) {
      Subscriber& s = subs[ready[static_cast<std::size_t>(k)].data.u64];
      ssize_t r;
      while ((r = ::recv(s.fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) s.seen.append(buf, static_cast<std::size_t>(r));
      if (r == 0) {
        std::cerr << "a subscriber was closed by the server\n";
        std::exit(1);
      }
      std::size_t idx = &s - subs.data();
      if (!s.done && idx >= from && idx < to && s.seen.find(needle) != std::string::npos) {
        s.done = true;
        last = SteadyClock::now();
        --left;
      }
    }
  }
  return last;
}

int usage() {
  std::cerr << "usage: sse_fanout [--subscribers N] [--rounds N] [--payload BYTES] [--backend epoll|io_uring]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t subscribers = 10000, rounds = 5, payload = 64;
  Backend backend = default_backend();
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    std::string_view value = argv[++i];
    if (arg == "--subscribers") subscribers = std::stoul(std::string(value));
    else if (arg == "--rounds") rounds = std::stoul(std::string(value));
    else if (arg == "--payload") payload = std::stoul(std::string(value));
    else if (arg == "--backend") {
      auto b = parse_backend(value);
      if (!b) return usage();
      backend = *b;
    } else {
      return usage();
    }
  }
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < subscribers + 64) {
    std::cerr << "ulimit -n is " << lim.rlim_cur << ": raise it above " << subscribers + 64 << "\n";
    return 1;
  }

  int pipefd[2];
  if (::pipe(pipefd) != 0) return 1;
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipefd[0]);
    run_server(backend, pipefd[1]);
  }
  ::close(pipefd[1]);
  std::uint16_t port = 0;
  if (::read(pipefd[0], &port, sizeof port) != sizeof port) {
    std::cerr << "the server did not start\n";
    return 1;
  }

  // Warm the server up (pools, first frames), then take the baseline.
  roundtrip(port, "GET /stats HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");
  usleep(200000);
  const long rss_before = rss_kib(child);

  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<Subscriber> subs;
  subs.reserve(subscribers);
  const std::string req = "GET /events HTTP/1.1\r\nHost: b\r\nAccept: text/event-stream\r\n\r\n";
  const auto connect_start = SteadyClock::now();
  for (std::size_t batch = 0; batch < subscribers; batch += 500) {
    const std::size_t end = std::min(subscribers, batch + 500);
    for (std::size_t i = batch; i < end; ++i) {
      int fd = connect_to(port);
      (void)!::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
      subs.push_back({fd, {}, false});
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    wait_all(ep, subs, "\r\n\r\n", batch, end);  // each stream's head
  }
  const double connect_s = std::chrono::duration<double>(SteadyClock::now() - connect_start).count();
  usleep(500000);
  const long rss_after = rss_kib(child);
  for (auto& s : subs) s.seen.clear();

  std::printf("backend %s, %zu subscribers on one server thread (opened in %.2f s)\n",
              std::string(to_string(backend)).c_str(), subscribers, connect_s);
  std::printf("server RSS: %ld KiB before, %ld KiB with the subscribers: %.0f bytes per subscriber\n", rss_before,
              rss_after, double(rss_after - rss_before) * 1024.0 / double(subscribers));

  std::vector<double> server_ms, client_ms;
  const auto cpu_before = cpu_ticks(child);
  for (std::size_t round = 1; round <= rounds; ++round) {
    const auto t0 = SteadyClock::now();
    roundtrip(port, "POST /publish?payload=" + std::to_string(payload) +
                        " HTTP/1.1\r\nHost: b\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    const std::string needle = "id: " + std::to_string(round) + "\n";
    const auto last = wait_all(ep, subs, needle, 0, subscribers);
    for (auto& s : subs) s.seen.clear();
    const std::string stats = roundtrip(port, "GET /stats HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");
    const auto at = stats.find("\"fanout_us\":");
    const double server = at == std::string::npos ? -1 : std::atof(stats.c_str() + at + 12) / 1000.0;
    const double client = std::chrono::duration<double, std::milli>(last - t0).count();
    server_ms.push_back(server);
    client_ms.push_back(client);
    std::printf("round %zu: server publish -> last write done %.2f ms; client publish request -> last event read %.2f ms\n",
                round, server, client);
  }
  const auto cpu_after = cpu_ticks(child);
  const double tick_ns = 1e9 / double(::sysconf(_SC_CLK_TCK));
  const double events = double(subscribers) * double(rounds);
  std::printf("server CPU per delivered event: %.0f ns user, %.0f ns system (clock ticks of %.0f ms)\n",
              double(cpu_after.first - cpu_before.first) * tick_ns / events,
              double(cpu_after.second - cpu_before.second) * tick_ns / events, tick_ns / 1e6);
  std::sort(server_ms.begin(), server_ms.end());
  std::sort(client_ms.begin(), client_ms.end());
  std::printf("median of %zu rounds: server %.2f ms (%.0f ns per subscriber), client-observed %.2f ms\n", rounds,
              server_ms[rounds / 2], server_ms[rounds / 2] * 1e6 / double(subscribers), client_ms[rounds / 2]);

  for (auto& s : subs) ::close(s.fd);
  ::kill(child, SIGTERM);
  int status = 0;
  ::waitpid(child, &status, 0);
  return 0;
}
