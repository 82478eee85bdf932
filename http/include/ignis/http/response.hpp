#pragma once
// Response: what a handler returns, built like Next.js's Response and NextResponse.
//
//   co_return Response::json(post);
//   co_return Response::json({{"error", "Post not found"}}, {.status = 404});
//   co_return Response::text("Hello, World!");
//   co_return Response::empty();                      // 204, no body
//   co_return Response::redirect("/login");           // 307 with Location
//
//   auto res = Response::json({{"success", true}});
//   res.headers().set("Cache-Control", "no-store");
//   res.cookies().set("session", token, {.max_age = 604800, .http_only = true});
//
//   co_return Response::stream([](StreamWriter& out) -> Task<void> { ... });  // stream.hpp
//   co_return Response::file(req, files.open(name), {.download_name = name});  // file.hpp
//
// The server adds Date, Content-Length and Connection. Body and header storage are
// recycled per thread, so building a small response allocates nothing at steady state.

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <string_view>
#include <utility>

#include "ignis/http/cookies.hpp"
#include "ignis/http/headers.hpp"
#include "ignis/http/stream.hpp"
#include "ignis/json/writer.hpp"

namespace ignis {

struct ResponseInit {
  int status = 200;
  std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {};
};

class File;
struct FileOptions;
class Request;

class Response {
 public:
  Response() noexcept = default;  // 200, no body
  explicit Response(std::string_view body, ResponseInit init = {});
  Response(Response&& o) noexcept = default;
  Response& operator=(Response&& o) noexcept;
  // Most Responses die moved-from (handler -> app -> connection): those skip the pools.
  ~Response() {
    if (headers_.storage().capacity() > 15 || body_.capacity() > 15 || producer_) release();
  }

  static Response text(std::string_view body, ResponseInit init = {});
  static Response html(std::string_view body, ResponseInit init = {});
  // A body the handler built is taken over, not copied: Response::text(std::move(s)).
  template <std::same_as<std::string> S>
  static Response text(S&& body, ResponseInit init = {}) {
    return with_body_line(kTextLine, std::move(body), init);
  }
  template <std::same_as<std::string> S>
  static Response html(S&& body, ResponseInit init = {}) {
    return with_body_line(kHtmlLine, std::move(body), init);
  }
  template <class T>
  static Response json(const T& value, ResponseInit init = {});
  static Response json(std::initializer_list<json::Member> object, ResponseInit init = {}) {
    return json(json::Value(object), init);
  }
  static Response empty(int status = 204);
  static Response redirect(std::string_view location, int status = 307);

  // A body that a coroutine produces while the server sends it (stream.hpp). Without a
  // length it is sent chunked; Content-Type defaults to application/octet-stream.
  template <class F>
  static Response stream(F producer, ResponseInit init = {}, std::optional<std::uint64_t> length = {});
  // A file sent with sendfile, answering Range and conditional requests (file.hpp).
  static Response file(const Request& req, std::string_view path);
  static Response file(const Request& req, std::string_view path, const FileOptions& options);
  static Response file(const Request& req, File file);
  static Response file(const Request& req, File file, const FileOptions& options);

  int status() const noexcept { return status_; }
  void set_status(int status);

  ResponseHeaders& headers() noexcept { return headers_; }
  const ResponseHeaders& headers() const noexcept { return headers_; }
  ResponseCookies cookies() noexcept { return ResponseCookies(headers_); }

  std::string& body() noexcept { return body_; }
  const std::string& body() const noexcept { return body_; }
  // The producer of a streamed or file body (the server runs it), or nullptr.
  detail::BodyProducer* producer() const noexcept { return producer_.get(); }

 private:
  static constexpr std::string_view kTextLine = "Content-Type: text/plain; charset=utf-8\r\n";
  static constexpr std::string_view kHtmlLine = "Content-Type: text/html; charset=utf-8\r\n";
  static constexpr std::string_view kJsonLine = "Content-Type: application/json\r\n";
  static constexpr std::string_view kOctetsLine = "Content-Type: application/octet-stream\r\n";

  // content_type must be a string literal (it is kept by reference).
  static Response with_type(std::string_view content_type, ResponseInit init);
  // The same with a literal "Content-Type: <type>\r\n" line, which goes out in one piece.
  static Response with_type_line(std::string_view line, ResponseInit init);
  static Response with_body_line(std::string_view line, std::string&& body, ResponseInit init);
  void release() noexcept;  // gives the strings back to the per-thread pool
  // Most responses are 200 without extra fields: then nothing is called.
  void apply(const ResponseInit& init) {
    if (init.status != 200 || init.headers.size()) apply_slow(init);
  }
  void apply_slow(const ResponseInit& init);

  int status_ = 200;
  ResponseHeaders headers_;
  std::string body_;
  std::unique_ptr<detail::BodyProducer> producer_;
};

template <class F>
Response Response::stream(F producer, ResponseInit init, std::optional<std::uint64_t> length) {
  static_assert(std::is_invocable_r_v<Task<void>, F&, StreamWriter&>, "a stream producer is Task<void>(StreamWriter&)");
  Response r = with_type_line(kOctetsLine, init);
  r.producer_ = std::make_unique<detail::FunctionProducer<F>>(std::move(producer));
  r.producer_->length = length;
  return r;
}

template <class T>
Response Response::json(const T& value, ResponseInit init) {
  Response r = with_type_line(kJsonLine, init);
  json::Writer w(r.body_);
  json::write(w, value);
  return r;
}

}  // namespace ignis
