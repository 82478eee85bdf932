// libFuzzer target: the llhttp glue (http/src/parser.cpp) on its own, fed the way the
// connection feeds it: offsets from the request's first byte, a buffer that moves between
// reads, pipelined messages parsed one at a time, chunked bodies de-chunked in place.
//
// Input: one byte n, then n piece sizes, then the bytes. Invariants: every recorded
// offset lies inside what was parsed; a finished message's body is exactly what its
// framing says (Content-Length bytes, or the de-chunked data); and the messages, their
// heads and bodies, and whether (not why) a message is refused do not depend on how the
// bytes were cut (compared with the whole input in one piece and a byte at a time).
//
//   scripts/fuzz.sh parser 600

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "parser.hpp"

using ignis::detail::HeaderSpan;
using ignis::detail::ParseError;
using ignis::detail::ParserLimits;
using ignis::detail::RequestParser;

namespace {

constexpr ParserLimits kLimits{.max_head_bytes = 1024, .max_request_line = 256, .max_headers = 12, .max_body_bytes = 2048};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "parser_fuzz: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

// Everything about the messages that must not depend on the cuts.
std::string run(std::string_view input, const std::vector<std::size_t>& cuts) {
  RequestParser parser(kLimits);
  std::vector<HeaderSpan> spans(kLimits.max_headers);
  std::string buffer;  // reallocated on every read, like a connection buffer that grows
  std::size_t at = 0, next_cut = 0;
  auto read_more = [&]() -> bool {
    if (at == input.size()) return false;
    std::size_t n = next_cut < cuts.size() ? cuts[next_cut++] : 0;
    if (n == 0 || n > input.size() - at) n = input.size() - at;
    std::string moved;
    moved.reserve(buffer.size() + n + 1);
    moved.append(buffer).append(input.substr(at, n));
    buffer.swap(moved);  // the old storage is freed: a stale pointer shows under ASan
    at += n;
    return true;
  };

  std::string out;
  std::size_t start = 0, parsed = 0;
  for (;;) {
    parser.begin_message(spans);
    bool head_seen = false;
    for (;;) {
      if (parsed == buffer.size() && !read_more()) return out + "incomplete\n";
      const std::size_t fed = buffer.size() - parsed;
      const std::size_t took = parser.feed(buffer.data() + start, buffer.data() + parsed, fed);
      check(took <= fed, "consumed more than it was given");
      parsed += took;
      const std::size_t held = parsed - start;  // bytes of this message so far
      if (parser.head_complete() && !head_seen) {
        head_seen = true;
        check(std::size_t(parser.method_offset()) + parser.method_length() <= held, "method out of bounds");
        check(std::size_t(parser.target_offset()) + parser.target_length() <= held, "target out of bounds");
        check(parser.header_count() <= kLimits.max_headers, "too many headers");
        const char* base = buffer.data() + start;
        out += std::string(base + parser.method_offset(), parser.method_length()) + " ";
        out += std::string(base + parser.target_offset(), parser.target_length()) + "\n";
        for (std::size_t i = 0; i < parser.header_count(); ++i) {
          const HeaderSpan& s = spans[i];
          check(std::size_t(s.name_offset) + s.name_length <= held && std::size_t(s.value_offset) + s.value_length <= held,
                "header out of bounds");
          out += std::string(base + s.name_offset, s.name_length) + ": " + std::string(base + s.value_offset, s.value_length) + "\n";
        }
        out += parser.keep_alive() ? "keep-alive\n" : "close\n";
        check(!(parser.chunked() && parser.has_content_length()), "both framings accepted");
      }
      // (A head is recorded even when the body that came with it failed: with other cuts the
      // head is complete before the body arrives.)
      if (parser.error() != ParseError::none) {
        // Which limit or rule trips first can depend on the cuts (llhttp reports a field
        // piece when a buffer ends, so a limit may trip before a syntax error further on):
        // only that the message was refused must not.
        out += "error\n";
        return out;
      }
      check(parser.body_begin() <= parser.body_end() && parser.body_end() <= held, "body region out of bounds");
      check(!parser.message_complete() || parser.head_complete(), "a message ended before its head");
      if (parser.message_complete()) {
        const std::string_view body(buffer.data() + start + parser.body_begin(), parser.body_end() - parser.body_begin());
        check(body.size() == parser.body_received(), "body bytes lost or invented");
        if (parser.has_content_length()) check(body.size() == parser.content_length(), "body shorter than its length");
        check(body.size() <= kLimits.max_body_bytes, "body over the limit");
        out += "body " + std::to_string(body.size()) + ":" + std::string(body) + "\n";
        break;
      }
    }
    if (!parser.keep_alive()) return out + "end\n";
    start = parsed;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t n = data[0] % 32;
  if (size < 1 + n) return 0;
  const std::vector<std::size_t> cuts(data + 1, data + 1 + n);
  const std::string_view input(reinterpret_cast<const char*>(data + 1 + n), size - 1 - n);
  const std::string whole = run(input, {});
  const std::string cut = run(input, cuts);
  const std::string bytes = run(input, std::vector<std::size_t>(input.size(), 1));
  if (whole != cut || whole != bytes) {
    std::fprintf(stderr, "whole:\n%s\ncut:\n%s\nbytes:\n%s\n", whole.c_str(), cut.c_str(), bytes.c_str());
    fail("the messages depend on how the input was cut");
  }
  return 0;
}
