#pragma once
// Streamed responses: a coroutine produces the body while the server sends it.
//
//   co_return Response::stream([](StreamWriter& out) -> Task<void> {
//     for (int i = 0; i < 10; ++i) {
//       if (!co_await out.write("tick\n")) co_return;            // the client left
//       if (!co_await out.sleep_for(100ms)) co_return;           // ... or left meanwhile
//     }
//   }, {.headers = {{"Content-Type", "text/plain"}}});
//
// What the server does with it:
//   - the head leaves with the first write (or flush()); a producer that throws before
//     that still gets a proper error response (500, or an HttpError's status)
//   - each write resumes only once the socket took every byte (backpressure), and sends
//     the caller's bytes as they are, gathered with the framing: nothing is copied, so the
//     bytes only need to live until the co_await finishes
//   - framing: Content-Length when the length was given (Response::stream(fn, init,
//     length)), else chunked (HTTP/1.1) or the end of the connection (HTTP/1.0)
//   - HEAD and bodyless statuses (204, 304): the head only; the producer does not run
//   - the connection watches for the client hanging up while the producer runs
//
// When the client goes away, signal() aborts (waking sleep_for and anything else that
// listens to it) and the next write returns false. A write after a false one throws
// ConnectionLost, so a producer that ignores the result still stops at its next write.
// A write that makes no progress for ServerOptions::idle_timeout also ends the stream.
// On a graceful server stop, signal() aborts too and the server ends the body properly.
//
// The producer callable is kept alive, in the Response, until the body is sent: its
// captures are safe to use across co_await. Capture by value, not by reference to the
// handler's locals (the handler has returned when the producer runs); the request is
// out.request().

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "ignis/core/abort.hpp"
#include "ignis/core/io.hpp"
#include "ignis/core/task.hpp"

namespace ignis {

class Request;

class StreamWriter {
 public:
  virtual ~StreamWriter() = default;

  // Sends bytes as the next part of the body. True once the socket took all of them;
  // false if the client is gone (see above). Empty writes send nothing.
  Task<bool> write(std::string_view bytes) { return send(bytes, {}); }
  // Several pieces as one part of the body, in one gathered write. The pieces (and the
  // array) must live until the co_await finishes:
  //   std::array<std::string_view, 2> parts{head, tail};   // (g++ 12 cannot keep a braced
  //   co_await out.write(parts);                           //  list across a co_await)
  Task<bool> write(std::span<const std::string_view> pieces) { return send({}, pieces); }
  // `count` bytes of an open file from `offset`, sent without reading them into memory
  // (sendfile). The descriptor must stay open until the co_await finishes.
  virtual Task<bool> write_file(int fd, std::uint64_t offset, std::uint64_t count) = 0;
  // Sends the head (and anything waiting) now rather than with the next write.
  virtual Task<bool> flush() = 0;

  // Aborted when the client goes away or the server stops.
  virtual AbortSignal& signal() noexcept = 0;
  // The request this body answers; valid while the producer runs.
  virtual Request& request() noexcept = 0;
  // True once a write failed: nothing more can be sent.
  virtual bool closed() const noexcept = 0;

  // Sleeps, cut short when the client goes away: false if it was.
  template <class Rep, class Period>
  SleepAwaiter sleep_for(std::chrono::duration<Rep, Period> d) noexcept {
    return ignis::sleep_for(d, &signal());
  }

 protected:
  // `first` (a copy, kept in the task) then `rest`, as one part of the body. `rest` stays
  // valid until the returned task finishes: it is awaited at once.
  virtual Task<bool> send(std::string_view first, std::span<const std::string_view> rest) = 0;
};

namespace detail {

// A body the server produces while it sends it, kept in the Response.
class BodyProducer {
 public:
  virtual ~BodyProducer() = default;
  virtual Task<void> produce(StreamWriter& out) = 0;
  // Known in advance: sent as Content-Length (and exactly that many bytes must follow).
  std::optional<std::uint64_t> length;
};

template <class F>
class FunctionProducer final : public BodyProducer {
 public:
  explicit FunctionProducer(F fn) : fn_(std::move(fn)) {}
  // The task refers to fn_ (a lambda coroutine keeps only `this`), which lives as long as
  // the Response that owns this producer.
  Task<void> produce(StreamWriter& out) override { return fn_(out); }

 private:
  F fn_;
};

}  // namespace detail
}  // namespace ignis
