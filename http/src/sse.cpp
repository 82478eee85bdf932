#include "ignis/http/sse.hpp"

#include <array>
#include <charconv>
#include <cstring>

#include "ignis/http/app.hpp"
#include "ignis/http/request.hpp"

namespace ignis {
namespace {

// A field value cannot hold a line break: it would end the field.
void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  for (char c : value)
    if (c != '\n' && c != '\r') out += c;
  out += '\n';
}

void append_data(std::string& out, std::string_view data) {
  for (;;) {
    const std::size_t end = data.find_first_of("\r\n");
    out += "data: ";
    out += data.substr(0, end);
    out += '\n';
    if (end == std::string_view::npos) return;
    const std::size_t skip = data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n' ? 2 : 1;
    data.remove_prefix(end + skip);
  }
}

}  // namespace

void append_sse(std::string& out, const SseEvent& e) {
  if (!e.id.empty()) append_field(out, "id", e.id);
  if (!e.event.empty()) append_field(out, "event", e.event);
  if (e.retry) {
    char digits[24];
    auto r = std::to_chars(digits, digits + sizeof digits, e.retry->count());
    append_field(out, "retry", {digits, static_cast<std::size_t>(r.ptr - digits)});
  }
  append_data(out, e.data);
  out += '\n';
}

SseFrame SseFrame::make(std::string_view event, std::string_view data) {
  SseFrame f;
  append_sse(f.text, {.data = data, .event = event});
  return f;
}

Task<bool> EventStream::send(const SseEvent& event) {
  scratch_.clear();
  append_sse(scratch_, event);
  co_return co_await out_.write(scratch_);
}

Task<bool> EventStream::send(const BroadcastEvent<SseFrame>& event) {
  // (g++ 12 rejects an array initialized from a literal in a coroutine.)
  std::array<char, 32> line;
  std::memcpy(line.data(), "id: ", 4);
  auto r = std::to_chars(line.data() + 4, line.data() + line.size() - 1, event.id);
  *r.ptr++ = '\n';
  const std::string_view id_line(line.data(), static_cast<std::size_t>(r.ptr - line.data()));
  const std::array<std::string_view, 2> pieces{id_line, event.value.text};
  co_return co_await out_.write(pieces);
}

Task<bool> EventStream::comment(std::string_view text) {
  scratch_.clear();
  for (;;) {  // one comment line per line of text
    const std::size_t end = text.find_first_of("\r\n");
    scratch_ += ": ";
    scratch_ += text.substr(0, end);
    scratch_ += '\n';
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  scratch_ += '\n';
  co_return co_await out_.write(scratch_);
}

Task<bool> EventStream::retry(std::chrono::milliseconds delay) {
  std::array<char, 40> line;
  std::memcpy(line.data(), "retry: ", 7);
  auto r = std::to_chars(line.data() + 7, line.data() + line.size() - 2, delay.count());
  *r.ptr++ = '\n';
  *r.ptr++ = '\n';
  const std::string_view text(line.data(), static_cast<std::size_t>(r.ptr - line.data()));
  co_return co_await out_.write(text);
}

Task<void> EventStream::forward(Subscription<SseFrame>& subscription, std::chrono::milliseconds heartbeat) {
  for (;;) {
    auto next = co_await subscription.next(heartbeat, &signal());
    if (next) {
      if (!co_await send(*next)) co_return;
    } else if (next.timed_out()) {
      if (!co_await comment()) co_return;
    } else {
      co_return;  // the client left, the server stops, or the channel ended
    }
  }
}

std::optional<std::string_view> EventStream::last_event_id() const {
  return out_.request().headers().get("last-event-id");
}

std::optional<std::uint64_t> EventStream::last_event_number() const {
  auto id = last_event_id();
  if (!id || id->empty()) return std::nullopt;
  std::uint64_t n = 0;
  auto r = std::from_chars(id->data(), id->data() + id->size(), n);
  if (r.ec != std::errc() || r.ptr != id->data() + id->size()) return std::nullopt;
  return n;
}

namespace detail {

OpenEventStream::OpenEventStream(StreamWriter& out) : app(out.request().app()) { app.count_event_stream(1); }
OpenEventStream::~OpenEventStream() { app.count_event_stream(-1); }

void set_event_stream_headers(Response& r) {
  r.headers().set("Content-Type", "text/event-stream");
  if (!r.headers().has("Cache-Control")) r.headers().set("Cache-Control", "no-cache");
  r.headers().set("X-Accel-Buffering", "no");
}

}  // namespace detail
}  // namespace ignis
