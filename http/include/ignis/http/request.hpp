#pragma once
// Request: what a handler receives, shaped like the Web Request that Next.js route
// handlers get. Everything is a view into the connection's buffer, valid until the
// handler's response is sent; nothing is copied or allocated to build it.
//
//   req.method()                        Method::GET
//   req.url() / req.path()              "/api/posts?page=2" / "/api/posts"
//   req.search_params().get("page")     optional<string_view>, percent-decoded
//   req.headers().get("content-type")   optional<string_view>, any case
//   req.cookies().get("session")
//   co_await req.text()                 the whole body
//   co_await req.json()                 the body parsed with simdjson (json/document.hpp)
//   co_await req.json<NewPost>()        the body mapped onto a struct with a schema (json/schema.hpp)
//   co_await req.form_data()            a urlencoded or multipart form (http/form.hpp)
//   co_await req.body().read()          the body piece by piece; empty at the end
//   req.signal()                        aborted when the client goes away
//   req.app()                           the App answering it (its log, its cache store)

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ignis/core/abort.hpp"
#include "ignis/core/task.hpp"
#include "ignis/http/cookies.hpp"
#include "ignis/http/form.hpp"
#include "ignis/http/headers.hpp"
#include "ignis/http/method.hpp"
#include "ignis/json/schema.hpp"

namespace ignis {

class App;

namespace json {
class Document;
}

// Where a request's body comes from: the connection, or the in-process test client.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // The next piece of the body (valid until the next call); empty at the end.
  virtual Task<std::string_view> read() = 0;
  // The rest of the body in one piece, followed by at least 64 readable bytes (for
  // simdjson); valid until the response is sent.
  virtual Task<std::string_view> read_all() = 0;
};

// Small per-request allocations (decoded query values): bump allocation, freed at once
// when the request ends.
class Arena {
 public:
  char* allocate(std::size_t n);
  // Inline: most requests never used more than the inline part.
  void reset() noexcept {
    used_ = 0;
    if (block_next_) release_blocks();
  }

 private:
  void release_blocks() noexcept;

  std::array<char, 1024> inline_{};
  std::size_t used_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* block_next_ = nullptr;
  std::size_t block_left_ = 0;
};

class SearchParams {
 public:
  // The first value for name (names and values percent-decoded, '+' as space).
  std::optional<std::string_view> get(std::string_view name) const;
  std::vector<std::string_view> get_all(std::string_view name) const;
  bool has(std::string_view name) const;
  std::string_view raw() const noexcept { return query_; }

 private:
  friend class Request;
  std::string_view decode(std::string_view s) const;
  std::string_view query_;
  Arena* arena_ = nullptr;
};

class Request {
 public:
  Request();
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  Method method() const noexcept { return method_; }
  std::string_view method_name() const noexcept { return method_name_; }
  std::string_view url() const noexcept { return target_; }
  std::string_view path() const noexcept { return path_; }
  std::string_view query() const noexcept { return search_.query_; }
  const SearchParams& search_params() const noexcept { return search_; }
  const RequestHeaders& headers() const noexcept { return headers_; }
  RequestCookies cookies() const noexcept { return RequestCookies(headers_); }
  // "1.1" or "1.0".
  std::string_view http_version() const noexcept { return version_minor_ == 0 ? "1.0" : "1.1"; }
  // The peer's address ("127.0.0.1"); proxies' X-Forwarded-For is the application's call.
  std::string_view client_address() const noexcept { return client_address_; }
  std::optional<std::uint64_t> content_length() const noexcept { return content_length_; }

  // Aborted when the client disconnects before the response is sent, or the server stops
  // waiting for this request.
  AbortSignal& signal() noexcept { return signal_; }

  // The app answering this request. Throws std::logic_error for a request no app received
  // (one built by hand).
  const App& app() const;

  // The whole body. 413 when it exceeds the server's limit.
  Task<std::string_view> text();
  // The body parsed as JSON; invalid JSON answers 400 {"error":"Invalid JSON"}.
  Task<json::Document> json();
  // The body mapped onto T through its schema, in place (no copy of the body). Invalid
  // JSON answers 400 {"error":"Invalid JSON"}; a wrong shape answers 400
  // {"error":"Validation failed","issues":[{"path":"title","message":"Required"}]}.
  template <json::Mappable T>
  Task<T> json();
  // The body as a form (FormOptions and the answers to bad forms: http/form.hpp).
  Task<FormData> form_data(FormOptions options = {});

  class BodyReader {
   public:
    Task<std::string_view> read() { return source_->read(); }

   private:
    friend class Request;
    explicit BodyReader(BodySource* s) noexcept : source_(s) {}
    BodySource* source_;
  };
  BodyReader body() noexcept { return BodyReader(body_); }

  // Scratch memory that lives as long as this request.
  Arena& arena() noexcept { return arena_; }

  // Filled by the server (and the test client), not by handlers.
  struct Head {
    Method method = Method::GET;
    std::string_view method_name;
    std::string_view target;
    int version_minor = 1;
    std::span<const HeaderField> headers;
    std::optional<std::uint64_t> content_length;
    std::string_view client_address;
    const App* app = nullptr;
  };
  void reset(const Head& head, BodySource* body);

 private:
  Method method_ = Method::GET;
  std::string_view method_name_;
  std::string_view target_;
  std::string_view path_;
  int version_minor_ = 1;
  RequestHeaders headers_;
  std::optional<std::uint64_t> content_length_;
  std::string_view client_address_;
  const App* app_ = nullptr;
  SearchParams search_;
  BodySource* body_ = nullptr;
  std::optional<std::string_view> text_;  // the body, once read whole
  AbortSignal signal_;
  Arena arena_;
};

template <json::Mappable T>
Task<T> Request::json() {
  std::string_view body = co_await text();
  // read_all() leaves 64 readable bytes after the body: simdjson reads it in place.
  json::Result<T> r = json::parse<T>(body, body.empty() ? 0 : body.size() + 64);
  if (!r.ok()) throw json::ValidationError(std::move(r.issues));
  co_return std::move(r.value);
}

}  // namespace ignis
