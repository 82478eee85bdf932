// A program that uses ignis as a library, built by the consumer projects. It checks the
// three ways in: a Server on ignis's threads, fetched over a real socket; the same app
// on an asio::io_context this program runs (its own Asio, as a host's); and the
// in-process TestClient. Exits 0 if every answer is right.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <ignis/core/io_context.hpp>
#include <ignis/http/app.hpp>
#include <ignis/http/server.hpp>
#include <ignis/http/test_client.hpp>

#include <iostream>
#include <string>
#include <thread>

ignis::Task<ignis::Response> hello(ignis::Request&, ignis::RouteContext& ctx) {
  co_return ignis::Response::json({{"hello", ctx.params.get("name")}});
}

// GET /hello/<name> over a fresh socket; the raw reply.
std::string fetch(std::uint16_t port, const std::string& name) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET /hello/" + name + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return reply;
}

bool answered(const std::string& reply, const std::string& name) {
  const bool ok = reply.starts_with("HTTP/1.1 200 OK\r\n") && reply.ends_with("\r\n\r\n{\"hello\":\"" + name + "\"}");
  if (!ok) std::cout << "consumer: unexpected reply for " << name << ":\n" << reply << "\n";
  return ok;
}

int main() {
  ignis::App app;
  app.set_logger([](ignis::LogLevel, std::string_view) {});
  app.route("/hello/[name]").GET(hello);

  ignis::Server server(app, {.port = 0, .threads = 1});
  server.start();
  const bool threads_ok = answered(fetch(server.port(), "consumer"), "consumer");
  server.stop();
  server.wait();

  asio::io_context io;
  auto reactor = ignis::make_reactor(io);
  auto hosted = std::make_unique<ignis::Server>(app, ignis::ServerOptions{.port = 0},
                                                std::vector<ignis::Reactor*>{reactor.get()});
  hosted->start();
  std::thread loop([&io] { io.run(); });
  const bool host_ok = answered(fetch(hosted->port(), "host"), "host");
  hosted->stop();
  hosted->wait();
  hosted.reset();
  asio::post(io, [&reactor] { reactor.reset(); });
  loop.join();

  ignis::TestClient client(app);
  auto res = client.get("/hello/in-process");
  const bool client_ok = res.status == 200 && res.text() == R"({"hello":"in-process"})";
  if (!client_ok) std::cout << "consumer: TestClient got " << res.status << " " << res.text() << "\n";

  const bool ok = threads_ok && host_ok && client_ok;
  std::cout << (ok ? "consumer: ok" : "consumer: failed") << "\n";
  return ok ? 0 : 1;
}
