#pragma once
// Connection: one HTTP/1.1 connection's life, as one coroutine on its worker's thread.
//
//   read a head  -> parse it in place (llhttp) -> a Request of views into the read buffer
//   respond      -> App::handle() routes and runs the handler; errors become responses
//   finish body  -> read and drop a body the handler left unread (or close instead)
//   write        -> status line, headers and body in one write; responses to pipelined
//                   requests already buffered wait and leave together
//   stream       -> a streamed or file body (Response::stream, Response::file): its producer
//                   runs with a BodyWriter that frames and sends each piece as it comes
//
// Idle, a connection holds no buffer and no request state: both come from per-thread pools
// when bytes arrive. Timeouts are one lazily rescheduled timer per connection.

#include <string>

#include "ignis/core/io.hpp"
#include "ignis/http/request.hpp"
#include "ignis/http/response.hpp"
#include "parser.hpp"
#include "worker.hpp"

namespace ignis::detail {

class Connection final : public BodySource {
 public:
  Connection(Worker& worker, StreamPtr stream);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Serves requests until the connection ends. Never throws.
  Task<void> run();

  // From the worker on shutdown: close now if waiting for a request; abort everything.
  void close_if_idle() noexcept;
  void abort() noexcept;

  // The body, for the request's handler.
  Task<std::string_view> read() override;
  Task<std::string_view> read_all() override;

  Connection* prev = nullptr;  // the worker's list
  Connection* next = nullptr;

 private:
  struct HandlerRun;
  struct Flush;
  class BodyWriter;

  static constexpr int kHeadComplete = 0, kHeadPartial = -1;  // else a status to refuse with
  int parse_head();
  int feed_head();
  Task<bool> read_rest_of_head();
  void build_request();
  static constexpr int kBodyDone = 0, kBodyLost = 1, kBodyUnread = 2;
  int body_state() const noexcept;
  Task<int> finish_body();
  bool buffer_response(Response& res);
  Task<bool> send_with_body(std::string_view body);
  Task<bool> write_streamed(Response& res);
  void append_head(int status, const ResponseHeaders& headers, std::size_t content_length, bool send_length,
                   std::string_view framing = {});
  Flush flush();
  Task<void> reject(int status);
  Task<void> linger();
  Task<void> receive_body(bool whole);
  [[noreturn]] void throw_body_error() const;
  void switch_to_body_buffer(bool whole);
  char* body_base() noexcept { return parse_buf_ == &in_ ? in_.data() + start_ : body_in_.data(); }
  void end_request() noexcept;

  void arm(Clock::duration timeout) { arm_at(worker_.reactor().coarse_now() + timeout); }
  void arm_at(Clock::time_point deadline);
  void disarm() noexcept { deadline_ = Clock::time_point::max(); }
  static void on_timer(void* self);

  Worker& worker_;
  StreamPtr stream_;
  RequestParser parser_;
  std::string client_address_;

  ByteBuffer in_;       // bytes read; the current request's head stays here until it is answered
  ByteBuffer body_in_;  // body bytes that did not arrive with the head
  ByteBuffer out_;      // responses not yet sent
  ByteBuffer* parse_buf_ = &in_;
  std::size_t start_ = 0;   // the current request's first byte in in_
  std::size_t parsed_ = 0;  // bytes of *parse_buf_ handed to the parser
  RequestState* rs_ = nullptr;

  Timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point head_started_{};

  bool idle_ = false;           // waiting for the first byte of a request
  bool timed_out_ = false;
  bool aborted_ = false;        // the server stopped waiting for us
  bool peer_gone_ = false;      // a read or write failed: nothing more can be sent
  bool keep_alive_ = true;
  bool continue_sent_ = false;  // "100 Continue" went out for this request
  bool linger_ = false;         // we close while the peer may still send: drain before closing
  bool streaming_ = false;      // a streamed body's producer is running
  bool stop_stream_ = false;    // the server stops: end the streamed body (from the timer)
  bool stream_busy_ = false;    // a streamed body's send is in flight
};

// Runs a connection accepted by `worker` to its end.
Task<void> serve_connection(Worker& worker, StreamPtr stream);

}  // namespace ignis::detail
