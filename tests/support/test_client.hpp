#pragma once
// A deliberately simple blocking HTTP/1.1 client over a raw socket, so tests can send
// exactly the bytes they mean (malformed heads, pipelined bursts, slow trickles) and read
// exactly what came back.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ignis::testing {

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header with this name (any case).
  std::optional<std::string> header(std::string_view name) const;
  std::size_t header_count(std::string_view name) const;
};

class RawClient {
 public:
  // Connects to 127.0.0.1:port. Every read gives up after `timeout`.
  explicit RawClient(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // Sends all of data; false if the peer is gone.
  bool send(std::string_view data);
  // Reads one response. `head_only` for responses to HEAD (no body despite Content-Length).
  // nullopt if the connection closed or timed out first.
  std::optional<HttpResponse> read_response(bool head_only = false);
  // Reads whatever arrives until the peer closes or the timeout passes.
  std::string read_until_close();
  // True if the peer closed the connection (EOF or reset) within the timeout.
  bool closed_by_peer();
  // Bytes received but not yet consumed by read_response.
  const std::string& pending() const { return buffer_; }
  void shutdown_send();
  int fd() const { return fd_; }

 private:
  bool fill();  // reads more into buffer_; false on EOF, error or timeout
  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buffer_;
};

// One request on a fresh connection: "GET", "/path", extra header lines, body.
std::optional<HttpResponse> request(std::uint16_t port, std::string_view method, std::string_view target,
                                    std::string_view headers = {}, std::string_view body = {});

}  // namespace ignis::testing
