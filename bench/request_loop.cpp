// A fixed, repeatable request mix for instruction counting: `requests` requests spread
// round-robin over `connections` keep-alive connections, `depth` at a time on each
// (1: one request, then its response; more: that many pipelined). Exits non-zero when a
// response is missing or is not a 200, so a count is never taken over failures. With
// BODY_FILE the requests are POSTs of that file's bytes as application/json.
//
//   request_loop PORT REQUESTS [CONNECTIONS=4] [DEPTH=1] [PATH=/plaintext] [BODY_FILE]

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what) {
  std::perror(what);
  std::exit(1);
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fail("connect");
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Reads `count` whole responses (Content-Length framed) from fd; `pending` keeps bytes
// that arrived past them.
void read_responses(int fd, int count, std::string& pending) {
  char buf[65536];
  while (count > 0) {
    const std::size_t head_end = pending.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      if (pending.compare(0, 12, "HTTP/1.1 200") != 0) {
        std::fprintf(stderr, "request_loop: unexpected response: %.40s\n", pending.c_str());
        std::exit(1);
      }
      std::size_t length = 0;
      const std::size_t cl = pending.find("Content-Length: ");
      if (cl != std::string::npos && cl < head_end) length = std::strtoul(pending.c_str() + cl + 16, nullptr, 10);
      if (pending.size() >= head_end + 4 + length) {
        pending.erase(0, head_end + 4 + length);
        --count;
        continue;
      }
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) fail("recv (the server closed the connection)");
    pending.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s PORT REQUESTS [CONNECTIONS=4] [DEPTH=1] [PATH=/plaintext] [BODY_FILE]\n",
                 argv[0]);
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const long requests = std::atol(argv[2]);
  const int connections = argc > 3 ? std::atoi(argv[3]) : 4;
  const int depth = argc > 4 ? std::atoi(argv[4]) : 1;
  const std::string path = argc > 5 ? argv[5] : "/plaintext";
  if (port <= 0 || requests <= 0 || connections <= 0 || depth <= 0) return 2;

  std::string one = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (argc > 6) {
    std::ifstream in(argv[6], std::ios::binary);
    if (!in) fail(argv[6]);
    const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    one = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  std::string batch;
  for (int i = 0; i < depth; ++i) batch += one;

  std::vector<int> fds;
  std::vector<std::string> pending(static_cast<std::size_t>(connections));
  for (int i = 0; i < connections; ++i) fds.push_back(connect_to(port));
  for (long sent = 0; sent < requests;) {
    for (int i = 0; i < connections && sent < requests; ++i) {
      const int n = static_cast<int>(std::min<long>(depth, requests - sent));
      const std::string_view out(batch.data(), one.size() * static_cast<std::size_t>(n));
      if (::send(fds[static_cast<std::size_t>(i)], out.data(), out.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(out.size()))
        fail("send");
      read_responses(fds[static_cast<std::size_t>(i)], n, pending[static_cast<std::size_t>(i)]);
      sent += n;
    }
  }
  for (int fd : fds) ::close(fd);
  return 0;
}
