#include "worker.hpp"

#include <cerrno>
#include <cstring>

#include "connection.hpp"
#include "worker_hooks.hpp"

namespace ignis::detail {

Worker::Worker(const App& app, const ServerOptions& options, Reactor& reactor, std::unique_ptr<Acceptor> acceptor,
               std::function<void(bool forced)> stopped)
    : app_(app),
      options_(options),
      limits_{options.max_head_bytes, options.max_request_line, options.max_headers, options.max_body_bytes},
      reactor_(reactor),
      acceptor_(std::move(acceptor)),
      stopped_(std::move(stopped)),
      date_timer_(&Worker::on_date_timer, this),
      drain_timer_(&Worker::on_drain_timer, this) {
  // Until start() adds the common headers (never, for a worker driven by hand in tests).
  ok_head_ = "HTTP/1.1 200 OK\r\n";
}

Worker::~Worker() {
  // A finished worker's timers are off already: it leaves the reactor alone then (on a
  // host's reactor, from the thread that destroys the server).
  if (date_timer_.scheduled()) reactor_.cancel(date_timer_);
  if (drain_timer_.scheduled()) reactor_.cancel(drain_timer_);
  while (RequestState* rs = free_requests_) {
    free_requests_ = rs->next_free;
    delete rs;
  }
}

void Worker::start() {
  refresh_date();
  if (!acceptor_) return;
  accepting_ = true;
  spawn(accept_loop());
}

Task<void> Worker::accept_loop() {
  bool starved = false;
  while (!draining_) {
    StreamPtr stream;
    const int r = co_await accept(*acceptor_, stream);
    if (r == 0) {
      starved = false;
      spawn(serve_connection(*this, std::move(stream)));
      continue;
    }
    if (r == -EAGAIN) continue;
    if (r == -ECANCELED || draining_) break;
    // Out of descriptors or memory: connections wait in the backlog while we pause, rather
    // than spinning on a socket that stays readable.
    if (!starved) log(LogLevel::warn, std::string("accept: ") + std::strerror(-r) + "; pausing accepts");
    starved = true;
    co_await sleep_for(std::chrono::milliseconds(100));
  }
  accepting_ = false;
  stop_if_done();
}

void Worker::refresh_date() {
  date_.refresh();
  constexpr std::string_view ok = "HTTP/1.1 200 OK\r\n";
  constexpr std::string_view server = "Server: ignis\r\n";
  std::string_view date = date_.get();
  static_assert(ok.size() + server.size() + 64 <= sizeof head_buf_);
  char* p = head_buf_;
  std::memcpy(p, ok.data(), ok.size());
  std::memcpy(p + ok.size(), server.data(), server.size());
  std::memcpy(p + ok.size() + server.size(), date.data(), date.size());
  ok_head_ = {p, ok.size() + server.size() + date.size()};
  common_headers_ = ok_head_.substr(ok.size());
  // Next refresh just after the wall-clock second turns.
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto into_second = now - std::chrono::duration_cast<std::chrono::seconds>(now);
  reactor_.schedule(date_timer_, Clock::now() + (std::chrono::seconds(1) - into_second) + std::chrono::milliseconds(1));
}

void Worker::on_date_timer(void* self) { static_cast<Worker*>(self)->refresh_date(); }

RequestState* Worker::acquire_request() {
  RequestState* rs = free_requests_;
  if (!rs) return new RequestState();
  free_requests_ = rs->next_free;
  --free_request_count_;
  return rs;
}

void Worker::release_request(RequestState* rs) noexcept {
  if (!rs) return;
  rs->request.signal().reset();
  rs->request.arena().reset();
  if (free_request_count_ < 1024) {
    rs->next_free = free_requests_;
    free_requests_ = rs;
    ++free_request_count_;
    return;
  }
  delete rs;
}

void Worker::add(Connection& c) noexcept {
  c.prev = nullptr;
  c.next = connections_;
  if (connections_) connections_->prev = &c;
  connections_ = &c;
  ++connection_count_;
  app_.count_connection(1);
}

void Worker::remove(Connection& c) noexcept {
  (c.prev ? c.prev->next : connections_) = c.next;
  if (c.next) c.next->prev = c.prev;
  --connection_count_;
  app_.count_connection(-1);
  stop_if_done();
}

void Worker::drain() {
  if (draining_) return;
  draining_ = true;
  if (acceptor_) acceptor_->close();
  // Cancellation completes on a later turn of the loop, so the list stays intact here.
  for (Connection* c = connections_; c; c = c->next) c->close_if_idle();
  reactor_.schedule(drain_timer_, Clock::now() + options_.shutdown_timeout);
  stop_if_done();
}

void Worker::on_drain_timer(void* self) {
  auto* w = static_cast<Worker*>(self);
  if (w->connection_count_ == 0) return;
  if (w->aborted_) {
    // Something ignores the abort (blocking work, say): the server decides (its own loop
    // stops regardless; a host's loop cannot, so the worker waits on).
    w->log(LogLevel::warn, std::to_string(w->connection_count_) + " connection(s) did not finish after the abort");
    if (w->stopped_) w->stopped_(true);
    return;
  }
  w->aborted_ = true;
  w->log(LogLevel::warn, "shutdown timeout: aborting " + std::to_string(w->connection_count_) + " request(s)");
  for (Connection *c = w->connections_, *next; c; c = next) {
    next = c->next;  // aborting may resume c's handler, which may end c
    c->abort();
  }
  w->reactor_.schedule(w->drain_timer_, Clock::now() + std::chrono::seconds(1));
}

void Worker::stop_if_done() {
  if (draining_ && !accepting_ && connection_count_ == 0 && !stopping_) {
    stopping_ = true;
    reactor_.cancel(date_timer_);
    reactor_.cancel(drain_timer_);
    close_idle_client_connections();
    // Posted, so that the completions of the sockets just closed run first. The acceptor
    // goes on this thread: a host's loop may still run after the server is gone.
    reactor_.post([this] {
      acceptor_.reset();
      if (stopped_) stopped_(false);
    });
  }
}

}  // namespace ignis::detail
