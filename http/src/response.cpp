#include "ignis/http/response.hpp"

#include <stdexcept>
#include <vector>

#include "string_pool.hpp"

namespace ignis {
namespace detail {
namespace {

// Strings of at most this capacity are kept; bigger bodies go back to the allocator.
constexpr std::size_t kMaxRecycledCapacity = 64 * 1024;
constexpr std::size_t kMaxRecycled = 256;

struct StringPool {
  std::vector<std::string> free;
};
thread_local StringPool string_pool;

}  // namespace

std::string take_string() noexcept {
  auto& free = string_pool.free;
  if (free.empty()) return {};
  std::string s = std::move(free.back());
  free.pop_back();
  return s;
}

void recycle_string_slow(std::string& s) noexcept {
  if (s.capacity() <= 15 || s.capacity() > kMaxRecycledCapacity) return;
  auto& free = string_pool.free;
  if (free.size() >= kMaxRecycled) return;
  if (free.capacity() == 0) free.reserve(kMaxRecycled);  // once per thread, so push_back cannot throw
  s.clear();
  free.push_back(std::move(s));
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
  }
  return *this;
}

Response::~Response() {
  detail::recycle_string(headers_.storage());
  detail::recycle_string(body_);
}

void Response::set_status(int status) {
  if (status < 100 || status > 999) throw std::invalid_argument("HTTP status out of range: " + std::to_string(status));
  status_ = status;
}

void Response::apply(const ResponseInit& init) {
  if (init.status != 200) set_status(init.status);
  for (const auto& [name, value] : init.headers) headers_.set(name, value);
}

Response Response::with_type(std::string_view content_type, ResponseInit init) {
  Response r;
  r.headers_.storage() = detail::take_string();
  r.body_ = detail::take_string();
  r.headers_.append_trusted("Content-Type", content_type);
  r.apply(init);
  return r;
}

Response Response::text(std::string_view body, ResponseInit init) {
  Response r = with_type("text/plain; charset=utf-8", init);
  r.body_.assign(body);
  return r;
}

Response Response::html(std::string_view body, ResponseInit init) {
  Response r = with_type("text/html; charset=utf-8", init);
  r.body_.assign(body);
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
