#pragma once
// fetch(): the framework's HTTP client, on the calling handler's reactor thread.
//
//   auto res = co_await ignis::fetch("http://api.example/v1/current?city=London", {.timeout = 5s});
//   if (!res.ok()) ...                          // status outside 200..299
//   auto doc = co_await res.json();             // or co_await res.text()
//   while (auto piece = co_await res.body().read(); !piece.empty()) ...   // streamed
//
// A FetchResponse belongs to the reactor thread that fetched it. To relay an upstream
// stream, keep it in the producer of a streamed response (stream.hpp):
//
//   auto upstream = std::make_shared<ignis::FetchResponse>(co_await ignis::fetch(url));
//   co_return ignis::Response::stream([upstream](ignis::StreamWriter& out) -> ignis::Task<void> {
//     auto reader = upstream->body();
//     for (auto piece = co_await reader.read(); !piece.empty(); piece = co_await reader.read())
//       if (!co_await out.write(piece)) co_return;
//   });
//
// Plain http:// (https:// is refused with FetchError invalid_url). Connections are kept
// per host on each reactor thread and reused; a request sent on a reused connection that
// the server had closed is retried once on a new one when its method is idempotent.
// llhttp parses responses: Content-Length, chunked and close-delimited bodies.
//
// Options hold views (trivially destructible, which keeps them safe from g++ 12's double
// destruction of temporaries in co_await expressions): what they view must outlive the
// co_await, as it does when the call is awaited where it is made. Headers are an array:
//
//   const ignis::FetchHeader headers[] = {{"Accept", "application/json"}};
//   auto res = co_await ignis::fetch(url, {.method = "POST", .headers = headers, .body = payload});
//
// Failures throw FetchError, whose reason() says which: invalid_url, resolve, connect,
// timeout, aborted (the signal), closed (the server went away mid-response), protocol (a
// malformed response), too_large.
//
// | option   | default | meaning                                                        |
// |----------|---------|----------------------------------------------------------------|
// | method   | "GET"   |                                                                |
// | headers  | none    | sent as given (Host, Content-Length are the client's)          |
// | body     | empty   | sent with Content-Length (POST, PUT, PATCH: even when empty)   |
// | timeout  | 30 s    | for the whole exchange: connect, request, response head and body |
// | signal   | none    | aborts the exchange (pass req.signal() to stop with the client)|
// | max_body | 64 MiB  | the most text()/json() will gather                             |

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ignis/core/abort.hpp"
#include "ignis/core/task.hpp"

namespace ignis {

namespace json {
class Document;
}

struct FetchHeader {
  std::string_view name;
  std::string_view value;
};

struct FetchOptions {
  std::string_view method = "GET";
  std::span<const FetchHeader> headers = {};
  std::string_view body = {};
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
  AbortSignal* signal = nullptr;
  std::size_t max_body = 64u << 20;
};

class FetchError : public std::runtime_error {
 public:
  enum class Reason { invalid_url, resolve, connect, timeout, aborted, closed, protocol, too_large };
  FetchError(Reason reason, const std::string& message) : std::runtime_error(message), reason_(reason) {}
  Reason reason() const noexcept { return reason_; }

 private:
  Reason reason_;
};

class FetchResponse {
 public:
  FetchResponse(FetchResponse&&) noexcept;
  FetchResponse& operator=(FetchResponse&&) noexcept;
  ~FetchResponse();  // an unread body closes the connection instead of reusing it

  int status() const noexcept;
  bool ok() const noexcept { return status() >= 200 && status() < 300; }
  std::string_view status_text() const noexcept;
  // The first header with this name (any case).
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  const std::vector<std::pair<std::string, std::string>>& headers() const noexcept;

  // The whole body (at most options.max_body).
  Task<std::string> text();
  // The body parsed as JSON; the document views the response's buffer, so it must not
  // outlive this response. Invalid JSON throws json::ParseError.
  Task<json::Document> json();

  class BodyReader {
   public:
    // The next piece of the body (valid until the next read); empty at the end.
    Task<std::string_view> read();

   private:
    friend class FetchResponse;
    explicit BodyReader(FetchResponse& r) noexcept : response_(r) {}
    FetchResponse& response_;
  };
  BodyReader body() noexcept { return BodyReader(*this); }

  struct Exchange;
  explicit FetchResponse(std::unique_ptr<Exchange> exchange) noexcept;

 private:
  std::unique_ptr<Exchange> exchange_;
  std::string json_buffer_;
};

// Sends a request from the calling reactor thread. Throws FetchError.
Task<FetchResponse> fetch(std::string url, FetchOptions options = {});
static_assert(std::is_trivially_destructible_v<FetchOptions>);

// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay).
std::string encode_uri_component(std::string_view s);

}  // namespace ignis
