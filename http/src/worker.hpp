#pragma once
// Worker: the HTTP server's state on one reactor thread. It accepts on its own
// SO_REUSEPORT socket, owns the connections it accepted, and keeps what they share
// without locks: the Date line, pooled per-request state, the drain on shutdown.

#include <functional>
#include <memory>
#include <vector>

#include "date.hpp"
#include "ignis/core/io.hpp"
#include "ignis/http/app.hpp"
#include "ignis/http/options.hpp"
#include "parser.hpp"

namespace ignis::detail {

class Connection;

// Everything one request needs besides the connection; pooled, so an idle connection
// holds none of it. Room for 16 header fields to start with, grown when a head has more
// (a stream open for hours keeps what its head needed, not max_headers' worth).
struct RequestState {
  RequestState() : spans(16), fields(16) {}
  Request request;
  RouteContext context;
  std::vector<HeaderSpan> spans;
  std::vector<HeaderField> fields;
  RequestState* next_free = nullptr;  // the worker's pool
};

class Worker {
 public:
  // `stopped(false)` runs on the reactor thread once a drain has finished (nothing left
  // open); `stopped(true)` if connections still hold on after the shutdown timeout and
  // the abort. The server stops its own reactor then, or tells the host's waiters.
  Worker(const App& app, const ServerOptions& options, Reactor& reactor, std::unique_ptr<Acceptor> acceptor,
         std::function<void(bool forced)> stopped = {});
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // On the reactor thread: start accepting (if there is an acceptor).
  void start();
  // On the reactor thread: stop accepting, close idle connections, abort the rest after
  // the shutdown timeout; `stopped` runs once no connection is left.
  void drain();

  const App& app() const noexcept { return app_; }
  const ServerOptions& options() const noexcept { return options_; }
  const ParserLimits& limits() const noexcept { return limits_; }
  Reactor& reactor() noexcept { return reactor_; }
  bool draining() const noexcept { return draining_; }
  // "Server: ignis\r\nDate: ...\r\n"
  std::string_view common_headers() const noexcept { return common_headers_; }
  // "HTTP/1.1 200 OK\r\n" and the common headers: most heads begin so.
  std::string_view ok_head() const noexcept { return ok_head_; }
  void log(LogLevel level, std::string_view message) const { app_.log(level, message); }

  RequestState* acquire_request();
  void release_request(RequestState* rs) noexcept;

  void add(Connection& c) noexcept;
  void remove(Connection& c) noexcept;
  std::size_t connection_count() const noexcept { return connection_count_; }

 private:
  Task<void> accept_loop();
  void refresh_date();
  static void on_date_timer(void* self);
  static void on_drain_timer(void* self);
  void stop_if_done();

  const App& app_;
  const ServerOptions& options_;
  ParserLimits limits_;
  Reactor& reactor_;
  std::unique_ptr<Acceptor> acceptor_;
  std::function<void(bool forced)> stopped_;

  DateLine date_;
  char head_buf_[128] = {};  // the status line of a 200, then the common headers
  std::string_view common_headers_;
  std::string_view ok_head_;
  Timer date_timer_;

  Connection* connections_ = nullptr;  // intrusive list
  std::size_t connection_count_ = 0;
  RequestState* free_requests_ = nullptr;  // a list through next_free
  std::size_t free_request_count_ = 0;

  bool draining_ = false;
  bool aborted_ = false;  // the shutdown timeout passed
  bool accepting_ = false;
  bool stopping_ = false;
  Timer drain_timer_;
};

}  // namespace ignis::detail
