// Request-head parsing with the llhttp glue (http/src/parser.hpp), the way the connection
// loop drives it: one RequestParser per connection, begin_message() then feed() per request.
//
// Per iteration: begin_message + feed over one whole request (head, and body for the POST),
// exactly what a connection does for a request that arrived in one read. The parser and the
// span array live outside the loop because the server keeps them per connection / in its
// recycled per-request state. Nothing is copied per iteration: llhttp does not write to a
// Content-Length request, so the same bytes can be parsed again.

#include <benchmark/benchmark.h>

#include <array>
#include <string>
#include <vector>
#include <string_view>

#include "../peers_data.hpp"
#include "parser.hpp"

namespace {

using ignis::detail::HeaderSpan;
using ignis::detail::ParseError;
using ignis::detail::ParserLimits;
using ignis::detail::RequestParser;

// ServerOptions' defaults.
constexpr ParserLimits kLimits{16 * 1024, 8 * 1024, 100, 64ull << 20};

// What wrk sends by default.
constexpr std::string_view kWrkGet = "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";

// A Chrome-like request with 12 header fields (client hints, cookies, a query string).
constexpr std::string_view kBrowserGet =
    "GET /api/users/123/posts/456?tab=comments&page=2 HTTP/1.1\r\n"
    "Host: app.example.com\r\n"
    "Connection: keep-alive\r\n"
    "sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n"
    "sec-ch-ua-mobile: ?0\r\n"
    "sec-ch-ua-platform: \"Linux\"\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n"
    "Sec-Fetch-Site: same-origin\r\n"
    "Sec-Fetch-Mode: navigate\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Accept-Language: en-US,en;q=0.9,fr;q=0.8\r\n"
    "Cookie: session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl; theme=dark; _ga=GA1.1.123456789.1700000000\r\n"
    "\r\n";
constexpr std::size_t kBrowserHeaders = 12;

std::string post_echo() {
  std::string r =
      "POST /api/echo HTTP/1.1\r\n"
      "Host: 127.0.0.1:8080\r\n"
      "User-Agent: bench-client/1.0\r\n"
      "Accept: application/json\r\n"
      "Content-Type: application/json\r\n"
      "Content-Length: ";
  r += std::to_string(ignis::bench::kEchoBody.size());
  r += "\r\n\r\n";
  r += ignis::bench::kEchoBody;
  return r;
}

void parse_requests(benchmark::State& state, std::string request, std::size_t expect_headers, bool expect_body) {
  RequestParser parser(kLimits);
  std::vector<HeaderSpan> spans(16);
  char* const data = request.data();
  const std::size_t size = request.size();

  // Check once that the request parses as the server would need it to.
  parser.begin_message(spans);
  if (parser.feed(data, data, size) != size || parser.error() != ParseError::none || !parser.message_complete() ||
      parser.header_count() != expect_headers || parser.has_body() != expect_body ||
      (expect_body && parser.body_end() - parser.body_begin() != ignis::bench::kEchoBody.size())) {
    state.SkipWithError("the request did not parse as expected");
    return;
  }

  for (auto _ : state) {
    parser.begin_message(spans);
    std::size_t consumed = parser.feed(data, data, size);
    benchmark::DoNotOptimize(consumed);
    // What the connection reads next: the target and the framing.
    std::uint32_t target = parser.target_offset() + parser.target_length();
    benchmark::DoNotOptimize(target);
    std::size_t fields = parser.header_count();
    benchmark::DoNotOptimize(fields);
    std::size_t body = parser.body_end();
    benchmark::DoNotOptimize(body);
    benchmark::ClobberMemory();  // the spans were written
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

void BM_Parse_WrkGet(benchmark::State& state) { parse_requests(state, std::string(kWrkGet), 1, false); }
void BM_Parse_BrowserGet(benchmark::State& state) {
  parse_requests(state, std::string(kBrowserGet), kBrowserHeaders, false);
}
void BM_Parse_Post1K(benchmark::State& state) { parse_requests(state, post_echo(), 5, true); }

BENCHMARK(BM_Parse_WrkGet);
BENCHMARK(BM_Parse_BrowserGet);
BENCHMARK(BM_Parse_Post1K);

}  // namespace
