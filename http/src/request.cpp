#include "ignis/http/request.hpp"

#include <cstring>
#include <stdexcept>

#include "ignis/http/error.hpp"
#include "ignis/json/document.hpp"
#include "ignis/router/url.hpp"

namespace ignis {

// ---------------------------------------------------------------------------- Arena

char* Arena::allocate(std::size_t n) {
  n = (n + 7) & ~std::size_t{7};
  if (inline_.size() - used_ >= n) {
    char* p = inline_.data() + used_;
    used_ += n;
    return p;
  }
  if (block_left_ < n) {
    const std::size_t size = n > 4096 ? n : 4096;
    blocks_.push_back(std::make_unique<char[]>(size));
    block_next_ = blocks_.back().get();
    block_left_ = size;
  }
  char* p = block_next_;
  block_next_ += n;
  block_left_ -= n;
  return p;
}

void Arena::release_blocks() noexcept {
  blocks_.clear();
  block_next_ = nullptr;
  block_left_ = 0;
}

// ---------------------------------------------------------------------------- SearchParams

namespace {

// Calls fn(name, value) (both raw) for each pair of a query string until fn returns true.
template <class Fn>
void for_each_pair(std::string_view query, Fn&& fn) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (fn(name, value)) return;
  }
}

bool name_matches(std::string_view raw, std::string_view name) {
  if (!url::needs_decoding(raw, true)) return raw == name;
  return url::decoded_equals(raw, name, true);
}

}  // namespace

std::string_view SearchParams::decode(std::string_view s) const {
  if (!url::needs_decoding(s, true)) return s;
  char* out = arena_->allocate(s.size());
  return {out, url::decode(s, out, true)};
}

std::optional<std::string_view> SearchParams::get(std::string_view name) const {
  std::optional<std::string_view> found;
  for_each_pair(query_, [&](std::string_view n, std::string_view v) {
    if (!name_matches(n, name)) return false;
    found = decode(v);
    return true;
  });
  return found;
}

std::vector<std::string_view> SearchParams::get_all(std::string_view name) const {
  std::vector<std::string_view> all;
  for_each_pair(query_, [&](std::string_view n, std::string_view v) {
    if (name_matches(n, name)) all.push_back(decode(v));
    return false;
  });
  return all;
}

bool SearchParams::has(std::string_view name) const {
  bool found = false;
  for_each_pair(query_, [&](std::string_view n, std::string_view) { return found = name_matches(n, name); });
  return found;
}

// ---------------------------------------------------------------------------- Request

Request::Request() { search_.arena_ = &arena_; }

const App& Request::app() const {
  if (!app_) throw std::logic_error("this request was not received by an App");
  return *app_;
}

void Request::reset(const Head& head, BodySource* body) {
  method_ = head.method;
  method_name_ = head.method_name;
  target_ = head.target;
  version_minor_ = head.version_minor;
  headers_ = RequestHeaders(head.headers);
  content_length_ = head.content_length;
  client_address_ = head.client_address;
  app_ = head.app;
  body_ = body;
  text_.reset();
  signal_.reset();
  arena_.reset();

  // origin-form "/p?q", or absolute-form "http://host/p?q" whose path is what routes. A
  // fragment has no business in a request target, but if one came, it is not the path's.
  std::string_view t = head.target.substr(0, head.target.find('#'));
  if (!t.empty() && t[0] != '/') {
    std::size_t scheme = t.find("://");
    if (scheme != std::string_view::npos) {
      std::size_t slash = t.find_first_of("/?", scheme + 3);
      t = slash == std::string_view::npos ? std::string_view{} : t.substr(slash);
    }
  }
  std::size_t q = t.find('?');
  path_ = t.substr(0, q);
  if (path_.empty()) path_ = "/";
  search_.query_ = q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

Task<std::string_view> Request::text() {
  if (!text_) {
    if (!body_) co_return std::string_view{};
    text_ = co_await body_->read_all();
  }
  co_return *text_;
}

Task<json::Document> Request::json() {
  std::string_view body = co_await text();
  // read_all() guarantees padding past the end, as simdjson wants.
  co_return json::Document::parse(body, body.size() + simdjson::SIMDJSON_PADDING);
}

}  // namespace ignis
