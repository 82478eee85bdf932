#include "ignis/http/cache.hpp"

#include <algorithm>
#include <chrono>
#include <coroutine>
#include <mutex>
#include <unordered_map>

#include "ignis/core/reactor.hpp"
#include "ignis/http/app.hpp"
#include "ignis/http/error.hpp"

namespace ignis {
namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Response from_copy(const CachedResponse& c, std::string_view state) {
  Response r(c.body);
  r.set_status(c.status);
  r.headers().storage().assign(c.headers);
  r.headers().append_trusted("X-Cache", state);
  return r;
}

}  // namespace

// ---------------------------------------------------------------------------- memory store

struct MemoryCacheStore::Impl {
  struct Entry {
    std::shared_ptr<const CachedResponse> copy;
    std::string path;
    std::vector<std::string> tags;
  };
  mutable std::mutex mutex;
  std::unordered_map<std::string, Entry> entries;
};

MemoryCacheStore::MemoryCacheStore() : impl_(std::make_unique<Impl>()) {}
MemoryCacheStore::~MemoryCacheStore() = default;

std::size_t MemoryCacheStore::size() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->entries.size();
}

Task<std::shared_ptr<const CachedResponse>> MemoryCacheStore::get(std::string key) {
  std::shared_ptr<const CachedResponse> found;
  {
    std::lock_guard lock(impl_->mutex);
    if (auto it = impl_->entries.find(key); it != impl_->entries.end()) found = it->second.copy;
  }
  co_return found;
}

Task<void> MemoryCacheStore::put(std::string key, std::string path, std::vector<std::string> tags,
                                 CachedResponse entry) {
  auto copy = std::make_shared<const CachedResponse>(std::move(entry));
  std::lock_guard lock(impl_->mutex);
  impl_->entries[std::move(key)] = Impl::Entry{std::move(copy), std::move(path), std::move(tags)};
  co_return;
}

Task<void> MemoryCacheStore::revalidate_path(std::string path) {
  std::lock_guard lock(impl_->mutex);
  std::erase_if(impl_->entries, [&](const auto& kv) { return kv.second.path == path; });
  co_return;
}

Task<void> MemoryCacheStore::revalidate_tag(std::string tag) {
  std::lock_guard lock(impl_->mutex);
  std::erase_if(impl_->entries, [&](const auto& kv) {
    const auto& tags = kv.second.tags;
    return std::find(tags.begin(), tags.end(), tag) != tags.end();
  });
  co_return;
}

Task<void> revalidate_path(const Request& req, std::string path) {
  return req.app().cache_store()->revalidate_path(std::move(path));
}

Task<void> revalidate_tag(const Request& req, std::string tag) {
  return req.app().cache_store()->revalidate_tag(std::move(tag));
}

// ---------------------------------------------------------------------------- the wrapper

// Which keys are being filled in this process, and who waits for them (from any thread).
struct Cache::State {
  CacheOptions options;
  std::mutex mutex;
  struct Waiter {
    Reactor* reactor;
    std::coroutine_handle<> handle;
  };
  std::unordered_map<std::string, std::vector<Waiter>> filling;

  bool begin_fill(const std::string& key) {
    std::lock_guard lock(mutex);
    return filling.try_emplace(key).second;
  }
  void end_fill(const std::string& key) {
    std::vector<Waiter> waiters;
    {
      std::lock_guard lock(mutex);
      auto it = filling.find(key);
      if (it == filling.end()) return;
      waiters = std::move(it->second);
      filling.erase(it);
    }
    for (const Waiter& w : waiters) w.reactor->post(w.handle);  // each resumes on its own thread
  }

  // Suspends until the fill of `key` ends (at once if it already has).
  struct FillWait {
    State& s;
    const std::string& key;
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
      std::lock_guard lock(s.mutex);
      auto it = s.filling.find(key);
      if (it == s.filling.end()) return false;
      it->second.push_back({Reactor::current(), h});
      return true;
    }
    void await_resume() const noexcept {}
  };
};

Cache::Cache(CacheOptions options) : state_(std::make_shared<State>()) {
  if (options.revalidate && options.revalidate->count() <= 0)
    throw std::invalid_argument("cache: revalidate must be positive (or none, for static)");
  state_->options = std::move(options);  // no store: the app's, found per request
}

Task<Response> Cache::operator()(Request& req, RouteContext&, Next next) const {
  State& s = *state_;
  const CacheOptions& o = s.options;
  if (req.method() != Method::GET && req.method() != Method::HEAD) co_return co_await next();
  CacheStore& store = o.store ? *o.store : *req.app().cache_store();
  const std::string key(req.url());

  // A filler's guard: the fill ends however the handler does.
  struct Fill {
    State& s;
    const std::string& key;
    bool active = false;
    ~Fill() {
      if (active) s.end_fill(key);
    }
  };

  for (int attempt = 0;; ++attempt) {
    std::shared_ptr<const CachedResponse> copy;
    bool store_failed = false;
    try {
      Task<std::shared_ptr<const CachedResponse>> lookup = store.get(key);
      copy = co_await lookup;
    } catch (const std::exception&) {
      store_failed = true;
    }
    if (store_failed) co_return co_await next();  // the store is unavailable: answer uncached
    const bool fresh = copy && (!o.revalidate || unix_ms() - copy->stored_at_ms < o.revalidate->count());
    if (fresh) co_return from_copy(*copy, "HIT");

    Fill fill{s, key};
    fill.active = s.begin_fill(key);
    if (!fill.active) {
      if (copy) co_return from_copy(*copy, "STALE");  // another request is refreshing it
      if (attempt == 0) {
        State::FillWait wait{s, key};
        co_await wait;
        continue;  // look again: the copy should be there now
      }
      co_return co_await next();  // the other fill stored nothing: answer uncached
    }

    Response res = co_await next();
    // Streamed and file bodies are not kept (their bytes are not in the response).
    if (res.status() == 200 && !res.producer() && !res.headers().has("set-cookie")) {
      CachedResponse entry{res.status(), {}, res.body(), unix_ms()};
      res.headers().write_to(entry.headers);
      try {
        Task<void> saving = store.put(key, std::string(req.path()), o.tags, std::move(entry));
        co_await saving;
      } catch (const std::exception&) {
        // Not stored: the next request runs the handler again.
      }
    }
    res.headers().append_trusted("X-Cache", "MISS");
    co_return res;
  }
}

}  // namespace ignis
