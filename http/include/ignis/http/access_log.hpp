#pragma once
// An access log, off unless used. Lines are formatted on the reactor thread and handed to
// a background writer, so a slow disk never stalls a request; past `max_pending_bytes`
// waiting to be written, lines are dropped (and counted) rather than waited for.
//
//   app.use(ignis::access_log({.path = "access.log"}));   // before request_id() to log its id
//
// One line per request:
//   127.0.0.1 - - [21/Nov/2026:12:00:00 +0000] "GET /api/posts?page=2 HTTP/1.1" 200 512 0.000231 "<request id or ->"
// (address, time, request line, status, body bytes, seconds, the response's X-Request-Id).
//
// | option            | default  | meaning                                              |
// |-------------------|----------|------------------------------------------------------|
// | path              | "-"      | file to append to; "-" is stdout                     |
// | sink              | none     | called on the writer thread with batches of lines    |
// |                   |          | instead of writing to `path` (for tests, shipping)   |
// | max_pending_bytes | 8 MiB    | lines waiting beyond this are dropped                |

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ignis/http/middleware.hpp"

namespace ignis {

struct AccessLogOptions {
  std::string path = "-";
  std::function<void(std::string_view lines)> sink = {};
  std::size_t max_pending_bytes = 8 << 20;
};

class AccessLog : public WrapperBase<AccessLog> {
 public:
  // Throws std::system_error if the file cannot be opened.
  explicit AccessLog(AccessLogOptions options);
  using WrapperBase<AccessLog>::operator();
  Task<Response> operator()(Request& req, RouteContext& ctx, Next next) const;

  // Lines dropped because the writer fell behind.
  std::uint64_t dropped() const noexcept;
  // Blocks until every line handed over so far is written (tests, shutdown).
  void flush() const;

  class Writer;

 private:
  std::shared_ptr<Writer> writer_;
};

inline AccessLog access_log(AccessLogOptions options = {}) { return AccessLog(std::move(options)); }

}  // namespace ignis
