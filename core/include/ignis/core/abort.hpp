#pragma once
// AbortSignal: the fetch-style cancellation a handler sees as `req.signal()`.
//
// The connection aborts it when the peer goes away or the server stops waiting. Work that
// can be cut short (sleep_for, streamed writes, the HTTP client) listens to it; anything
// else can poll aborted(). Single-threaded: a signal belongs to one reactor thread.

namespace ignis {

class AbortSignal {
 public:
  // An intrusive listener, kept in the awaiting frame; unlinks itself if still linked.
  class Listener {
   public:
    using Callback = void (*)(void* arg);
    Listener(Callback fn, void* arg) noexcept : fn_(fn), arg_(arg) {}
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    ~Listener() { detach(); }
    void detach() noexcept {
      if (!owner_) return;
      (prev_ ? prev_->next_ : owner_->head_) = next_;
      if (next_) next_->prev_ = prev_;
      owner_ = nullptr;
      prev_ = next_ = nullptr;
    }

   private:
    friend class AbortSignal;
    Callback fn_;
    void* arg_;
    AbortSignal* owner_ = nullptr;
    Listener* prev_ = nullptr;
    Listener* next_ = nullptr;
  };

  AbortSignal() = default;
  AbortSignal(const AbortSignal&) = delete;
  AbortSignal& operator=(const AbortSignal&) = delete;
  ~AbortSignal() {
    while (head_) head_->detach();
  }

  bool aborted() const noexcept { return aborted_; }

  // Calls l once when the signal aborts (at once if it already has).
  void subscribe(Listener& l) noexcept {
    if (aborted_) {
      l.fn_(l.arg_);
      return;
    }
    l.detach();
    l.owner_ = this;
    l.next_ = head_;
    if (head_) head_->prev_ = &l;
    head_ = &l;
  }

  void abort() noexcept {
    if (aborted_) return;
    aborted_ = true;
    while (Listener* l = head_) {
      l->detach();
      l->fn_(l->arg_);
    }
  }
  // Makes the signal reusable for the next request on a connection.
  void reset() noexcept {
    while (head_) head_->detach();
    aborted_ = false;
  }

 private:
  Listener* head_ = nullptr;
  bool aborted_ = false;
};

}  // namespace ignis
