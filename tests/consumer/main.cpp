// A program that uses ignis as a library: it serves one route on a free port, fetches it
// over a real socket, and exits 0 if the answer is right. Built by the consumer projects.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ignis/http/app.hpp>
#include <ignis/http/server.hpp>

#include <iostream>
#include <string>

ignis::Task<ignis::Response> hello(ignis::Request&, ignis::RouteContext& ctx) {
  co_return ignis::Response::json({{"hello", ctx.params.get("name")}});
}

int main() {
  ignis::App app;
  app.route("/hello/[name]").GET(hello);
  ignis::Server server(app, {.port = 0, .threads = 1});
  server.start();

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 1;
  const std::string request = "GET /hello/consumer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) return 1;
  std::string reply;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  server.stop();
  server.wait();

  const bool ok = reply.starts_with("HTTP/1.1 200 OK\r\n") && reply.ends_with("\r\n\r\n{\"hello\":\"consumer\"}");
  std::cout << (ok ? "consumer: ok" : "consumer: unexpected reply:\n" + reply) << "\n";
  return ok ? 0 : 1;
}
