#pragma once
// Whole HTTP connections without sockets, for fuzzing and for tests that must control
// exactly where the bytes are cut.
//
//   ignis::testing::MemoryServer server(app);
//   std::string wire = server.serve("GET /a HTTP/1.1\r\nHost: t\r\n\r\n", {{3, 7}});
//   auto parsed = ignis::testing::parse_wire(wire);   // the responses, or what is wrong
//
// serve() drives the real connection coroutine (http/src/connection.cpp) over a Stream
// whose receive() hands out the input in the pieces asked for and whose send() collects
// the output. Every operation completes at once and the reactor is never run, so the
// whole connection runs inline: it must end before serve() returns (a handler that
// suspends on a timer or offload() would leave it hanging, which serve() reports). The
// client is modelled as sending everything and then closing its side; the server never
// sees a hang-up before that.

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <ignis/http/app.hpp>
#include <ignis/http/options.hpp>

namespace ignis::testing {

class MemoryServer {
 public:
  // Serves `app` with `options` (only the limits and timeouts matter; nothing listens).
  explicit MemoryServer(const App& app, ServerOptions options = {});
  ~MemoryServer();
  MemoryServer(const MemoryServer&) = delete;
  MemoryServer& operator=(const MemoryServer&) = delete;

  // One connection: the client sends `input` in pieces of the given sizes (a zero size or
  // the sizes running out: the rest in one piece), then closes its side. Returns every
  // byte the server sent. Throws std::logic_error if the connection did not end inline.
  std::string serve(std::string_view input, std::span<const std::size_t> pieces = {});

  // Connections still registered with the worker (0 once every serve() returned).
  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One response as it came off the wire.
struct WireResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // de-chunked
  enum class Framing { none, length, chunked, close } framing = Framing::none;

  std::optional<std::string_view> header(std::string_view name) const;
  std::size_t header_count(std::string_view name) const;
};

struct WireParse {
  std::vector<WireResponse> responses;
  std::string error;  // empty when every byte formed well-framed responses
  bool ok() const { return error.empty(); }
};

// Splits a server's output into responses, checking each as a client would need it:
// "HTTP/1.1 <3 digits> <reason>" status lines; header names that are tokens and values
// without CR, LF or NUL; exactly one of Content-Length / Transfer-Encoding: chunked /
// neither (a close-delimited body, which must be the last thing sent); no body for 1xx,
// 204 and 304; Connection: close only on the last response. A response that carries the
// header `bodyless_marker` is taken to answer HEAD (a head with no body after it).
WireParse parse_wire(std::string_view wire, std::string_view bodyless_marker = "x-head");

}  // namespace ignis::testing
