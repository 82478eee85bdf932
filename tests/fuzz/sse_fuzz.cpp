// libFuzzer target: Server-Sent Events framing (http/src/sse.cpp).
//
// Input: "<data>\0<event>\0<id>\0<comment>" (missing parts are empty). What EventStream
// sends is read back with the event-stream parsing algorithm of the HTML standard, as an
// EventSource would: exactly one event must arrive, with the data as sent (line breaks
// normalised to \n), the event type as sent (line breaks removed; "message" when empty),
// and the last event ID as sent (line breaks removed); a comment must dispatch nothing.
// The same holds for a pre-rendered SseFrame sent as a broadcast event.
//
//   scripts/fuzz.sh sse 600

#include <ignis/http/request.hpp>
#include <ignis/http/sse.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "sse_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// Collects what the producer writes; every write finishes at once.
class CollectingWriter final : public ignis::StreamWriter {
 public:
  std::string out;
  ignis::Task<bool> write_file(int, std::uint64_t, std::uint64_t) override { co_return false; }
  ignis::Task<bool> flush() override { co_return true; }
  ignis::AbortSignal& signal() noexcept override { return signal_; }
  ignis::Request& request() noexcept override { return request_; }
  bool closed() const noexcept override { return false; }

 protected:
  ignis::Task<bool> send(std::string_view first, std::span<const std::string_view> rest) override {
    out.append(first);
    for (std::string_view p : rest) out.append(p);
    co_return true;
  }

 private:
  ignis::AbortSignal signal_;
  ignis::Request request_;
};

void run(ignis::Task<bool> task) {
  task.start();
  if (!task.done() || !task.result()) fail("a write did not finish at once", "");
}

struct Event {
  std::string type, data, last_id;
};

// The HTML standard's event-stream interpretation (section 9.2.6).
std::vector<Event> parse(std::string_view stream) {
  std::vector<Event> events;
  std::string data, type, last_id;
  while (!stream.empty()) {
    const std::size_t end = stream.find_first_of("\r\n");
    if (end == std::string_view::npos) break;  // an unterminated line is never processed
    const std::string_view line = stream.substr(0, end);
    stream.remove_prefix(end + (stream[end] == '\r' && end + 1 < stream.size() && stream[end + 1] == '\n' ? 2 : 1));
    if (line.empty()) {
      if (!data.empty()) {
        data.pop_back();
        events.push_back({type.empty() ? "message" : type, data, last_id});
      }
      data.clear();
      type.clear();
      continue;
    }
    if (line.front() == ':') continue;
    const std::size_t colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
      data.append(value).push_back('\n');
    } else if (field == "event") {
      type = value;
    } else if (field == "id") {
      if (value.find('\0') == std::string_view::npos) last_id = value;
    }
  }
  return events;
}

std::string without_breaks(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '\r' && c != '\n') out += c;
  return out;
}

std::string normalised(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

void expect_one(std::string_view wire, std::string_view data, std::string_view event, std::string_view id,
                std::string_view previous_id) {
  const auto events = parse(wire);
  if (events.size() != 1) fail("not exactly one event", wire);
  const Event& e = events[0];
  const std::string type = without_breaks(event);
  if (e.data != normalised(data)) fail("the data changed", wire);
  if (e.type != (type.empty() ? "message" : type)) fail("the event type changed", wire);
  const std::string clean_id = without_breaks(id);
  const bool id_sent = !id.empty() && clean_id.find('\0') == std::string::npos;
  if (e.last_id != (id_sent ? std::string_view(clean_id) : previous_id)) fail("the event id changed", wire);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(bytes), size);
  std::string_view part[4];
  for (auto& p : part) {
    const std::size_t nul = text.find('\0');
    p = text.substr(0, nul);
    text = nul == std::string_view::npos ? std::string_view{} : text.substr(nul + 1);
  }
  const auto [data, event, id, comment] = part;

  CollectingWriter w;
  ignis::EventStream es(w);
  run(es.send({.data = data, .event = event, .id = id}));
  expect_one(w.out, data, event, id, "");

  w.out.clear();
  run(es.comment(comment));
  if (!parse(w.out).empty()) fail("a comment dispatched an event", w.out);
  if (w.out.size() < 3 || w.out.substr(w.out.size() - 2) != "\n\n") fail("a comment not ended by a blank line", w.out);

  w.out.clear();
  const ignis::BroadcastEvent<ignis::SseFrame> frame{static_cast<std::uint64_t>(size) * 7919u,
                                                     ignis::SseFrame::make(event, data)};
  run(es.send(frame));
  expect_one(w.out, data, event, std::to_string(frame.id), "");
  return 0;
}
