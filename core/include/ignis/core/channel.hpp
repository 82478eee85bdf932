#pragma once
// Broadcast<T>: one event to many subscribers, across reactor threads.
//
//   ignis::Broadcast<std::string> news({.history = 1000});
//   std::uint64_t id = news.publish("hello");        // any thread
//
//   // on a reactor thread (a handler, a stream producer):
//   auto sub = news.subscribe();                    // or subscribe(last_seen_id): replay
//   for (;;) {
//     auto e = co_await sub.next(15s, &signal);     // an event, a timeout, or the end
//     if (e) use(e->id, e->value);
//     else if (e.timed_out()) heartbeat();
//     else break;                                   // aborted, closed, or lagged behind
//   }
//
// How an event travels: publish() takes the channel's lock once, numbers the event, keeps
// it in the history and posts it once to each reactor thread that has subscribers
// (Reactor::post: one hand-off per thread, not per subscriber). On that thread a hub puts
// it into every local subscriber's queue and wakes those that wait; the event itself is
// shared, never copied, and counted per thread without atomics.
//
// A slow subscriber never holds up the others: each has a bounded queue, and when it is
// full the overflow policy decides:
//
// | option   | default          | meaning                                                       |
// |----------|------------------|---------------------------------------------------------------|
// | history  | 0                | events kept for subscribe(after): a reconnecting client        |
// |          |                  | (SSE Last-Event-ID) gets those after its last one              |
// | queue    | 64               | events a subscriber may have waiting before overflow          |
// | overflow | Overflow::close  | close: the subscription ends (next() returns the end,          |
// |          |                  |   lagged() is true) and its queue is dropped; the client can   |
// |          |                  |   reconnect and replay from the history                        |
// |          |                  | drop_oldest: the oldest waiting event is dropped for the new   |
// |          |                  |   one; dropped() counts them                                   |
//
// Ordering: every subscriber sees events in id order, each at most once; a subscription
// sees events published after subscribe() (and, with subscribe(after), the held events
// after `after` first). A Subscription belongs to the reactor thread that made it and must
// end before that reactor stops.

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "ignis/core/abort.hpp"
#include "ignis/core/reactor.hpp"

namespace ignis {

enum class Overflow { close, drop_oldest };

struct BroadcastOptions {
  std::size_t history = 0;
  std::size_t queue = 64;
  Overflow overflow = Overflow::close;
};

template <class T>
struct BroadcastEvent {
  std::uint64_t id = 0;
  T value;
};

template <class T>
class Broadcast;
template <class T>
class Subscription;

namespace detail {

template <class T>
struct BroadcastState;

// One event on one reactor thread: shared by that thread's subscribers, counted without atomics.
template <class T>
struct LocalEvent {
  std::shared_ptr<const BroadcastEvent<T>> event;
  std::uint32_t refs = 0;
};

template <class T>
void release(LocalEvent<T>* e) noexcept {
  if (--e->refs == 0) delete e;
}

// The subscribers of one broadcast on one reactor thread. Touched only on that thread.
template <class T>
struct BroadcastHub {
  Reactor* reactor = nullptr;
  std::weak_ptr<BroadcastState<T>> state;
  Subscription<T>* head = nullptr;
  Subscription<T>* cursor = nullptr;  // the next one a running fan-out visits

  void deliver(const std::shared_ptr<const BroadcastEvent<T>>& event);
  void close();
};

template <class T>
struct BroadcastState {
  explicit BroadcastState(const BroadcastOptions& o) : options(o) {
    if (options.queue == 0) throw std::invalid_argument("Broadcast: queue must be at least 1");
  }
  BroadcastOptions options;
  std::mutex mutex;
  std::uint64_t last_id = 0;
  bool closed = false;
  std::deque<std::shared_ptr<const BroadcastEvent<T>>> history;
  std::vector<std::shared_ptr<BroadcastHub<T>>> hubs;
};

}  // namespace detail

template <class T>
class Broadcast {
 public:
  using Event = BroadcastEvent<T>;

  explicit Broadcast(const BroadcastOptions& options = {})
      : state_(std::make_shared<detail::BroadcastState<T>>(options)) {}
  ~Broadcast() { close(); }
  Broadcast(const Broadcast&) = delete;
  Broadcast& operator=(const Broadcast&) = delete;

  // Sends value to every subscriber; returns its id (1, 2, ...). Thread-safe.
  std::uint64_t publish(T value) {
    auto event = std::make_shared<Event>();
    event->value = std::move(value);
    std::lock_guard lock(state_->mutex);
    if (state_->closed) return 0;
    event->id = ++state_->last_id;
    std::shared_ptr<const Event> shared = std::move(event);
    if (state_->options.history > 0) {
      if (state_->history.size() == state_->options.history) state_->history.pop_front();
      state_->history.push_back(shared);
    }
    for (auto& hub : state_->hubs) hub->reactor->post([hub, shared] { hub->deliver(shared); });
    return shared->id;
  }

  // Subscribes on the calling reactor thread. With `after`, the held events with a larger
  // id come first (a reconnecting client's Last-Event-ID).
  Subscription<T> subscribe(std::optional<std::uint64_t> after = std::nullopt) {
    return Subscription<T>(state_, after);
  }

  // Ends every subscription once it has taken what it already has; later publishes are
  // dropped. Thread-safe.
  void close() {
    std::lock_guard lock(state_->mutex);
    if (state_->closed) return;
    state_->closed = true;
    for (auto& hub : state_->hubs) hub->reactor->post([hub] { hub->close(); });
  }

  // The id of the last event published (0 before the first).
  std::uint64_t last_id() const {
    std::lock_guard lock(state_->mutex);
    return state_->last_id;
  }

 private:
  std::shared_ptr<detail::BroadcastState<T>> state_;
};

// What next() gives: an event (valid until the next call to next()), or nothing, either
// because the timeout passed (timed_out()) or because the subscription ended.
template <class T>
class Received {
 public:
  explicit operator bool() const noexcept { return event_ != nullptr; }
  const BroadcastEvent<T>& operator*() const noexcept { return *event_; }
  const BroadcastEvent<T>* operator->() const noexcept { return event_; }
  bool timed_out() const noexcept { return timed_out_; }

 private:
  friend class Subscription<T>;
  const BroadcastEvent<T>* event_ = nullptr;
  bool timed_out_ = false;
};

template <class T>
class Subscription {
  using Event = BroadcastEvent<T>;
  using Local = detail::LocalEvent<T>;

 public:
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() {
    release_current();
    clear_queue();
    if (!hub_) return;
    unlink();
    if (!hub_->head) {
      // The last subscriber on this thread: stop sending events here.
      if (auto state = hub_->state.lock()) {
        std::lock_guard lock(state->mutex);
        std::erase(state->hubs, hub_);
      }
    }
  }

  class NextAwaiter {
   public:
    NextAwaiter(Subscription& s, std::optional<Clock::duration> timeout, AbortSignal* signal) noexcept
        : s_(s), timeout_(timeout), signal_(signal), timer_(&on_timer, this), listener_(&on_abort, this) {}
    NextAwaiter(const NextAwaiter&) = delete;
    NextAwaiter& operator=(const NextAwaiter&) = delete;
    // Also when the waiting frame is destroyed while suspended.
    ~NextAwaiter() {
      if (reactor_) reactor_->cancel(timer_);
      if (s_.waiting_ == this) s_.waiting_ = nullptr;
    }

    bool await_ready() noexcept {
      s_.release_current();
      return s_.ready() || s_.ended_ || (signal_ && signal_->aborted()) || (timeout_ && *timeout_ <= Clock::duration::zero());
    }
    void await_suspend(std::coroutine_handle<> h) {
      waiter_ = h;
      s_.waiting_ = this;
      if (timeout_) {
        reactor_ = Reactor::current();
        reactor_->schedule(timer_, Clock::now() + *timeout_);
      }
      if (signal_) signal_->subscribe(listener_);
    }
    Received<T> await_resume() noexcept {
      Received<T> r;
      if (signal_ && signal_->aborted()) return r;
      r.event_ = s_.pop();
      r.timed_out_ = !r.event_ && !s_.ended_;
      return r;
    }

   private:
    friend class Subscription;
    // Something to report: stop waiting for the rest, then resume (last: the waiter may
    // end this subscription).
    void wake() noexcept {
      s_.waiting_ = nullptr;
      if (reactor_) reactor_->cancel(timer_);
      listener_.detach();
      waiter_.resume();
    }
    static void on_timer(void* self) {
      auto* a = static_cast<NextAwaiter*>(self);
      a->reactor_ = nullptr;  // already off the queue
      a->wake();
    }
    static void on_abort(void* self) { static_cast<NextAwaiter*>(self)->wake(); }

    Subscription& s_;
    std::optional<Clock::duration> timeout_;
    AbortSignal* signal_;
    Timer timer_;
    AbortSignal::Listener listener_;
    Reactor* reactor_ = nullptr;
    std::coroutine_handle<> waiter_;
  };

  // The next event; waits at most `timeout` (none: as long as it takes), and ends early
  // when `signal` aborts.
  NextAwaiter next(std::optional<Clock::duration> timeout = std::nullopt, AbortSignal* signal = nullptr) noexcept {
    return NextAwaiter(*this, timeout, signal);
  }
  template <class Rep, class Period>
  NextAwaiter next(std::chrono::duration<Rep, Period> timeout, AbortSignal* signal = nullptr) noexcept {
    return NextAwaiter(*this, std::chrono::duration_cast<Clock::duration>(timeout), signal);
  }

  // Ended: the channel closed, or this subscriber overflowed with Overflow::close.
  bool ended() const noexcept { return ended_ && !ready(); }
  bool lagged() const noexcept { return lagged_; }
  std::uint64_t dropped() const noexcept { return dropped_; }
  // Events waiting to be taken.
  std::size_t queued() const noexcept { return size_ + (replay_.size() - replay_pos_); }

 private:
  friend class Broadcast<T>;
  friend struct detail::BroadcastHub<T>;

  Subscription(const std::shared_ptr<detail::BroadcastState<T>>& state, std::optional<std::uint64_t> after)
      : limit_(state->options.queue), overflow_(state->options.overflow) {
    Reactor* reactor = Reactor::current();
    if (!reactor) throw std::logic_error("Broadcast::subscribe needs a reactor thread");
    std::lock_guard lock(state->mutex);
    after_ = state->last_id;
    if (state->closed) {
      ended_ = true;
      return;
    }
    if (after)
      for (const auto& e : state->history)
        if (e->id > *after) replay_.push_back(e);
    for (auto& hub : state->hubs)
      if (hub->reactor == reactor) hub_ = hub;
    if (!hub_) {
      hub_ = std::make_shared<detail::BroadcastHub<T>>();
      hub_->reactor = reactor;
      hub_->state = state;
      state->hubs.push_back(hub_);
    }
    next_ = hub_->head;
    if (next_) next_->prev_ = this;
    hub_->head = this;
  }

  bool ready() const noexcept { return size_ > 0 || replay_pos_ < replay_.size(); }

  void unlink() noexcept {
    if (hub_->cursor == this) hub_->cursor = next_;
    (prev_ ? prev_->next_ : hub_->head) = next_;
    if (next_) next_->prev_ = prev_;
    prev_ = next_ = nullptr;
  }

  // From the hub: one more event for this subscriber.
  void push(Local* local) {
    if (ended_ || local->event->id <= after_) return;
    if (size_ == limit_) {
      if (overflow_ == Overflow::close) {
        lagged_ = true;
        ended_ = true;
        clear_queue();
        replay_.clear();
        replay_pos_ = 0;
        if (waiting_) waiting_->wake();
        return;
      }
      detail::release(ring_[head_]);
      head_ = (head_ + 1) % capacity_;
      --size_;
      ++dropped_;
    }
    if (size_ == capacity_) grow();
    ring_[(head_ + size_) % capacity_] = local;
    ++size_;
    ++local->refs;
    if (waiting_) waiting_->wake();
  }

  void end() {
    ended_ = true;
    if (waiting_ && !ready()) waiting_->wake();
  }

  void grow() {
    const std::size_t capacity = std::min(limit_, capacity_ == 0 ? std::size_t(4) : capacity_ * 2);
    auto ring = std::make_unique<Local*[]>(capacity);
    for (std::size_t i = 0; i < size_; ++i) ring[i] = ring_[(head_ + i) % capacity_];
    ring_ = std::move(ring);
    capacity_ = capacity;
    head_ = 0;
  }

  const Event* pop() noexcept {
    if (replay_pos_ < replay_.size()) {
      current_replay_ = std::move(replay_[replay_pos_++]);
      if (replay_pos_ == replay_.size()) {
        replay_.clear();
        replay_pos_ = 0;
      }
      return current_replay_.get();
    }
    if (size_ == 0) return nullptr;
    current_ = ring_[head_];
    head_ = (head_ + 1) % capacity_;
    --size_;
    return current_->event.get();
  }

  void release_current() noexcept {
    if (current_) detail::release(std::exchange(current_, nullptr));
    current_replay_.reset();
  }

  void clear_queue() noexcept {
    for (; size_ > 0; --size_) {
      detail::release(ring_[head_]);
      head_ = (head_ + 1) % capacity_;
    }
  }

  std::shared_ptr<detail::BroadcastHub<T>> hub_;
  Subscription* prev_ = nullptr;
  Subscription* next_ = nullptr;
  std::uint64_t after_ = 0;  // events up to this id came before the subscription
  std::size_t limit_;
  Overflow overflow_;

  std::unique_ptr<Local*[]> ring_;  // grows by doubling up to limit_
  std::size_t capacity_ = 0, head_ = 0, size_ = 0;
  std::vector<std::shared_ptr<const Event>> replay_;
  std::size_t replay_pos_ = 0;

  Local* current_ = nullptr;  // what the last next() returned, held until the next one
  std::shared_ptr<const Event> current_replay_;
  NextAwaiter* waiting_ = nullptr;
  bool ended_ = false;
  bool lagged_ = false;
  std::uint64_t dropped_ = 0;
};

namespace detail {

template <class T>
void BroadcastHub<T>::deliver(const std::shared_ptr<const BroadcastEvent<T>>& event) {
  if (!head) return;
  auto* local = new LocalEvent<T>{event, 1};  // the fan-out's own reference
  // Waking a subscriber runs it at once, and it may end any subscription: the cursor
  // moves past one that leaves.
  for (Subscription<T>* s = head; s; s = cursor) {
    cursor = s->next_;
    s->push(local);
  }
  cursor = nullptr;
  release(local);
}

template <class T>
void BroadcastHub<T>::close() {
  for (Subscription<T>* s = head; s; s = cursor) {
    cursor = s->next_;
    s->end();
  }
  cursor = nullptr;
}

}  // namespace detail
}  // namespace ignis
