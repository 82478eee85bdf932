// libFuzzer target: whole HTTP/1.1 connections (the llhttp glue, keep-alive, pipelining,
// chunked bodies, body reading, streamed and file responses) fed arbitrary bytes cut at
// arbitrary points, with no socket: tests/support/memory_connection.hpp.
//
// Input: one byte n, then n piece sizes (one byte each), then the bytes the client sends.
// Each input is served three times: in one piece, in the pieces chosen, and a byte at a
// time. Every run must end (no hang), leave no connection behind (no leak), send only
// well-formed responses, and all three must answer the same way: the same responses with
// the same bodies (see agree() for the one difference allowed).
//
//   scripts/fuzz.sh connection 600          # or: build-fuzz/bin/connection_fuzz tests/fuzz/corpus/connection

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/fuzz_app.hpp"
#include "support/memory_connection.hpp"

using ignis::testing::FuzzApp;
using ignis::testing::MemoryServer;
using ignis::testing::WireParse;

namespace {

using ignis::testing::WireResponse;

// The final responses (a "100 Continue" depends on timing and is left out).
std::vector<const WireResponse*> finals(const WireParse& p) {
  std::vector<const WireResponse*> out;
  for (const auto& r : p.responses)
    if (r.status != 100) out.push_back(&r);
  return out;
}

std::string describe(const WireParse& p) {
  std::string s;
  for (const WireResponse* r : finals(p)) s += std::to_string(r->status) + " " + r->body + "\n";
  return s;
}

bool closes(const WireResponse& r) {
  auto c = r.header("connection");
  return c && *c == "close";
}

bool mentions_continue(std::string_view input) {
  for (std::size_t i = 0; i + 12 <= input.size(); ++i) {
    bool match = true;
    for (std::size_t j = 0; j < 12 && match; ++j) match = (input[i + j] | 0x20) == "100-continue"[j];
    if (match) return true;
  }
  return false;
}

// Two runs of one input agree: the same responses with the same bodies, except where the
// server acts on what has arrived so far, which is legitimate:
// - a malformed body may be noticed with the head (400 before the handler runs) or by the
//   handler or the drain after it (its own answer): the last responses may differ if both
//   runs end the connection there and one of them is an error;
// - a handler that leaves unread the body of an "Expect: 100-continue" request ends the
//   connection if the body has not arrived yet (the client may be waiting for the 100), and
//   keeps it if it has: one run may stop early, at a response that closes.
bool agree(const WireParse& a, const WireParse& b, bool expect_continue) {
  auto x = finals(a), y = finals(b);
  if (x.size() > y.size()) std::swap(x, y);
  if (x.size() != y.size() && !(expect_continue && !x.empty() && closes(*x.back()))) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i]->status == y[i]->status && x[i]->body == y[i]->body) continue;
    const bool last = i + 1 == x.size();
    if (!last || !closes(*x[i]) || !closes(*y[i]) || (x[i]->status < 400 && y[i]->status < 400)) return false;
  }
  return true;
}

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "connection_fuzz: %s\n%s\n", what, detail.c_str());
  std::abort();
}

WireParse serve_checked(MemoryServer& server, std::string_view input, const std::vector<std::size_t>& pieces) {
  const std::string wire = server.serve(input, pieces);
  if (std::getenv("CONNECTION_FUZZ_VERBOSE")) std::fprintf(stderr, "---- %zu pieces:\n%s\n", pieces.size(), wire.c_str());
  if (server.open_connections() != 0) fail("a connection outlived its serve()", "");
  WireParse p = ignis::testing::parse_wire(wire);
  if (!p.ok()) fail(p.error.c_str(), wire);
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FuzzApp app;
  static MemoryServer server(app.app(), FuzzApp::options());
  if (size < 1) return 0;
  const std::size_t n = data[0] % 32;
  if (size < 1 + n) return 0;
  std::vector<std::size_t> cuts(data + 1, data + 1 + n);
  const std::string_view input(reinterpret_cast<const char*>(data + 1 + n), size - 1 - n);

  const WireParse whole = serve_checked(server, input, {});
  const WireParse cut = serve_checked(server, input, cuts);
  const WireParse bytes = serve_checked(server, input, std::vector<std::size_t>(input.size(), 1));
  const bool expect = mentions_continue(input);
  if (!agree(whole, cut, expect) || !agree(whole, bytes, expect) || !agree(cut, bytes, expect))
    fail("the answers depend on how the input was cut",
         "whole:\n" + describe(whole) + "cut:\n" + describe(cut) + "bytes:\n" + describe(bytes));
  return 0;
}
