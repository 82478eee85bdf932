#pragma once
// ServerOptions: every knob of the HTTP server, with its default.
//
// | option            | default      | what happens at the limit                             |
// |-------------------|--------------|-------------------------------------------------------|
// | host, port        | 127.0.0.1:3000 | port 0 picks a free port (Server::port() tells)      |
// | threads           | cores        | one reactor and one SO_REUSEPORT acceptor per thread   |
// | backend           | io_uring     | io_uring (liburing) or epoll (Asio); build default     |
// | backend_fallback  | true         | epoll where io_uring cannot start (sysctl, seccomp,    |
// |                   |              | kernel before 6.0); the start-up line says which runs  |
// | max_head_bytes    | 16 KiB       | 431, connection closed                                 |
// | max_request_line  | 8 KiB        | 414, connection closed                                 |
// | max_headers       | 100          | 431, connection closed                                 |
// | max_body_bytes    | 64 MiB       | 413 before reading (Content-Length) or once exceeded   |
// | header_timeout    | 10 s         | a request head still incomplete: 408, closed           |
// | idle_timeout      | 60 s         | idle keep-alive connection closed; also the longest a  |
// |                   |              | body read or a send may wait without progress          |
// | shutdown_timeout  | 10 s         | on stop, requests still running after it are aborted   |

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "ignis/core/reactor.hpp"

namespace ignis {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3000;
  unsigned threads = 0;
  Backend backend = default_backend();
  bool backend_fallback = true;

  std::size_t max_head_bytes = 16 * 1024;
  std::size_t max_request_line = 8 * 1024;
  std::size_t max_headers = 100;
  std::uint64_t max_body_bytes = 64ull << 20;

  std::chrono::milliseconds header_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(10);
};

}  // namespace ignis
