#pragma once
// Server-Sent Events: event_stream() answers with an event stream, and its producer
// writes events through an EventStream.
//
//   app.route("/api/stream").GET([](Request&) -> Task<Response> {
//     co_return event_stream([](EventStream& es) -> Task<void> {
//       for (int i = 0; i < 10; ++i) {
//         if (!co_await es.send({.data = "Message " + std::to_string(i)})) co_return;
//         if (!co_await es.sleep_for(100ms)) co_return;   // false: the client left
//       }
//     });
//   });
//
// A broadcast of pre-rendered events (core/channel.hpp), with replay by Last-Event-ID and
// a ": ping" comment whenever nothing was sent for 15 s:
//
//   Broadcast<SseFrame> post_events({.history = 1000});
//   post_events.publish(SseFrame::make("post.created", json::stringify(post)));
//
//   co_return event_stream([](EventStream& es) -> Task<void> {
//     auto sub = post_events.subscribe(es.last_event_number());
//     co_await es.forward(sub, std::chrono::seconds(15));
//   });
//
// The response carries Content-Type: text/event-stream, Cache-Control: no-cache (unless
// the init gives another) and X-Accel-Buffering: no (so that a proxy passes each event on
// at once); its head is sent before the producer starts, so that EventSource opens at once.
// Everything in stream.hpp holds: writes resume when the socket took the bytes, and a
// client that leaves aborts signal() and makes the next send return false.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ignis/core/channel.hpp"
#include "ignis/http/response.hpp"
#include "ignis/http/stream.hpp"

namespace ignis {

class App;

// One event. data is split on line breaks (\n, \r\n, \r) into one "data:" line each, so a
// multi-line payload arrives as it was; event, id and retry are sent when set. Line breaks
// in event or id cannot be sent and are dropped.
struct SseEvent {
  std::string_view data;
  std::string_view event = {};
  std::string_view id = {};
  std::optional<std::chrono::milliseconds> retry = std::nullopt;
};

// Appends the wire form of an event ("event: x\ndata: y\n\n") to out.
void append_sse(std::string& out, const SseEvent& event);

// An event rendered once (without an id) and sent as is to every subscriber of a
// Broadcast<SseFrame>, which adds the broadcast's id.
struct SseFrame {
  std::string text;
  static SseFrame make(std::string_view event, std::string_view data);
};

class EventStream {
 public:
  explicit EventStream(StreamWriter& out) noexcept : out_(out) {}
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Each resumes once the socket took the bytes; false if the client is gone.
  Task<bool> send(const SseEvent& event);
  // A broadcast event: "id: <id>" then the frame, sent without copying the frame.
  Task<bool> send(const BroadcastEvent<SseFrame>& event);
  // ": text" (a heartbeat that keeps proxies from closing an idle stream).
  Task<bool> comment(std::string_view text = "ping");
  // Tells the client how long to wait before reconnecting.
  Task<bool> retry(std::chrono::milliseconds delay);

  // Sends what a subscription delivers until the client leaves or the subscription ends,
  // with a comment whenever nothing was sent for `heartbeat`.
  Task<void> forward(Subscription<SseFrame>& subscription,
                     std::chrono::milliseconds heartbeat = std::chrono::seconds(15));

  // The Last-Event-ID header a reconnecting EventSource sends, and its numeric form.
  std::optional<std::string_view> last_event_id() const;
  std::optional<std::uint64_t> last_event_number() const;

  AbortSignal& signal() noexcept { return out_.signal(); }
  Request& request() noexcept { return out_.request(); }
  StreamWriter& writer() noexcept { return out_; }
  template <class Rep, class Period>
  SleepAwaiter sleep_for(std::chrono::duration<Rep, Period> d) noexcept {
    return out_.sleep_for(d);
  }

 private:
  StreamWriter& out_;
  std::string scratch_;  // the wire form of the event being sent
};

namespace detail {

// Counts an event stream as open on its app for as long as it lives (App::open_event_streams(),
// which Metrics serves as sse_open_streams).
struct OpenEventStream {
  explicit OpenEventStream(StreamWriter& out);
  ~OpenEventStream();
  OpenEventStream(const OpenEventStream&) = delete;
  OpenEventStream& operator=(const OpenEventStream&) = delete;
  const App& app;
};

template <class F>
struct EventStreamProducer {
  F fn;
  // `fn` lives in the Response's producer for as long as the body is sent.
  Task<void> operator()(StreamWriter& out) { return run(fn, out); }
  static Task<void> run(F& fn, StreamWriter& out) {
    OpenEventStream open(out);
    EventStream es(out);
    if (!co_await out.flush()) co_return;  // the head: EventSource opens now
    Task<void> produce = fn(es);
    co_await produce;
  }
};

void set_event_stream_headers(Response& r);

}  // namespace detail

// An event-stream response whose events `producer` (Task<void>(EventStream&)) writes.
template <class F>
Response event_stream(F producer, ResponseInit init = {}) {
  static_assert(std::is_invocable_r_v<Task<void>, F&, EventStream&>, "an event producer is Task<void>(EventStream&)");
  Response r = Response::stream(detail::EventStreamProducer<F>{std::move(producer)}, init);
  detail::set_event_stream_headers(r);
  return r;
}

}  // namespace ignis
