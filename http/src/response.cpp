#include "ignis/http/response.hpp"

#include <memory>
#include <stdexcept>

#include "string_pool.hpp"

namespace ignis {
namespace detail {
namespace {

// Strings of at most this capacity are kept; bigger bodies go back to the allocator.
constexpr std::size_t kMaxRecycledCapacity = 64 * 1024;
constexpr std::size_t kMaxRecycled = 256;

struct StringPool {
  std::string free[kMaxRecycled];
  std::size_t count = 0;
};

// A plain pointer, so that the hot path pays no TLS guard; the pool itself is made on
// first use and freed with the thread.
thread_local StringPool* string_pool = nullptr;

StringPool& pool() {
  if (!string_pool) {
    static thread_local std::unique_ptr<StringPool> owner = std::make_unique<StringPool>();
    string_pool = owner.get();
  }
  return *string_pool;
}

}  // namespace

std::string take_string() noexcept {
  StringPool* p = string_pool;
  if (!p || p->count == 0) return {};
  return std::move(p->free[--p->count]);
}

void recycle_string_slow(std::string& s) noexcept {
  if (s.capacity() <= 15 || s.capacity() > kMaxRecycledCapacity) return;
  StringPool& p = pool();
  if (p.count == kMaxRecycled) return;
  s.clear();
  p.free[p.count++] = std::move(s);
}

}  // namespace detail

Response::Response(std::string_view body, ResponseInit init) : body_(detail::take_string()) {
  body_.assign(body);
  apply(init);
}

Response& Response::operator=(Response&& o) noexcept {
  if (this != &o) {
    detail::recycle_string(headers_.storage());
    detail::recycle_string(body_);
    status_ = o.status_;
    headers_ = std::move(o.headers_);
    body_ = std::move(o.body_);
    producer_ = std::move(o.producer_);
  }
  return *this;
}

void Response::release() noexcept {
  detail::recycle_string(headers_.storage());
  detail::recycle_string(body_);
  producer_.reset();
}

void Response::set_status(int status) {
  if (status < 100 || status > 999) throw std::invalid_argument("HTTP status out of range: " + std::to_string(status));
  status_ = status;
}

void Response::apply_slow(const ResponseInit& init) {
  if (init.status != 200) set_status(init.status);
  if (init.headers.size() && headers_.storage().capacity() <= 15) headers_.storage() = detail::take_string();
  for (const auto& [name, value] : init.headers) headers_.set(name, value);
}

Response Response::with_type(std::string_view content_type, ResponseInit init) {
  Response r;
  r.body_ = detail::take_string();
  r.headers_.set_content_type_literal(content_type);
  r.apply(init);
  return r;
}

Response Response::with_type_line(std::string_view line, ResponseInit init) {
  return with_body_line(line, detail::take_string(), init);
}

Response Response::with_body_line(std::string_view line, std::string&& body, ResponseInit init) {
  Response r;
  r.body_ = std::move(body);
  r.headers_.set_content_type_line(line);
  r.apply(init);
  return r;
}

namespace {
// A body that fits in the string itself needs no pooled capacity.
constexpr std::size_t kInlineString = 15;
}  // namespace

Response Response::text(std::string_view body, ResponseInit init) {
  Response r;
  r.headers_.set_content_type_line(kTextLine);
  if (body.size() > kInlineString) r.body_ = detail::take_string();
  r.body_.assign(body);
  r.apply(init);
  return r;
}

Response Response::html(std::string_view body, ResponseInit init) {
  Response r;
  r.headers_.set_content_type_line(kHtmlLine);
  if (body.size() > kInlineString) r.body_ = detail::take_string();
  r.body_.assign(body);
  r.apply(init);
  return r;
}

Response Response::empty(int status) {
  Response r;
  r.set_status(status);
  return r;
}

Response Response::redirect(std::string_view location, int status) {
  if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308)
    throw std::invalid_argument("redirect status must be 301, 302, 303, 307 or 308");
  Response r;
  r.set_status(status);
  r.headers_.set("Location", location);
  return r;
}

}  // namespace ignis
