#include "ignis/http/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <system_error>
#include <thread>

#include "ignis/core/timer.hpp"
#include "ignis/http/error.hpp"

namespace ignis {

// Owns the writer thread; lines go through a locked buffer swapped out whole by the writer.
class AccessLog::Writer {
 public:
  explicit Writer(AccessLogOptions o) : options_(std::move(o)) {
    if (!options_.sink) {
      if (options_.path == "-") {
        fd_ = STDOUT_FILENO;
      } else {
        fd_ = ::open(options_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "access log " + options_.path);
        owns_fd_ = true;
      }
    }
    thread_ = std::thread([this] { run(); });
  }
  ~Writer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_one();
    thread_.join();
    if (owns_fd_) ::close(fd_);
  }

  void push(std::string_view line) {
    {
      std::lock_guard lock(mutex_);
      if (pending_.size() + line.size() > options_.max_pending_bytes) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      pending_.append(line);
    }
    ready_.notify_one();
  }

  void flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = pushed_batches_ + (pending_.empty() ? 0 : 1);
    ready_.notify_one();
    written_cv_.wait(lock, [&] { return written_batches_ >= target && pending_.empty(); });
  }

  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  void run() {
    std::string batch;
    std::unique_lock lock(mutex_);
    for (;;) {
      ready_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty() && stopping_) return;
      batch.swap(pending_);
      ++pushed_batches_;
      lock.unlock();
      write(batch);
      batch.clear();
      lock.lock();
      ++written_batches_;
      written_cv_.notify_all();
    }
  }

  void write(std::string_view data) {
    if (options_.sink) return options_.sink(data);
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // nowhere to report a log that cannot be written
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  AccessLogOptions options_;
  int fd_ = -1;
  bool owns_fd_ = false;
  std::mutex mutex_;
  std::condition_variable ready_, written_cv_;
  std::string pending_;
  std::uint64_t pushed_batches_ = 0, written_batches_ = 0;
  bool stopping_ = false;
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

namespace {

// "[21/Nov/2026:12:00:00 +0000]", formatted once a second per thread.
std::string_view log_time() {
  thread_local std::time_t cached_second = -1;
  thread_local char text[32];
  thread_local std::size_t size = 0;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    cached_second = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    size = std::strftime(text, sizeof text, "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
  }
  return {text, size};
}

// The request target with anything unprintable escaped (a log line is one line).
void append_escaped(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
}

}  // namespace

AccessLog::AccessLog(AccessLogOptions options) : writer_(std::make_shared<Writer>(std::move(options))) {}

std::uint64_t AccessLog::dropped() const noexcept { return writer_->dropped(); }
void AccessLog::flush() const { writer_->flush(); }

Task<Response> AccessLog::operator()(Request& req, RouteContext&, Next next) const {
  const auto start = Clock::now();
  int status = 500;
  std::size_t bytes = 0;
  std::string request_id = "-";
  std::exception_ptr error;
  std::optional<Response> res;
  try {
    res.emplace(co_await next());
    status = res->status();
    bytes = res->body().size();
    if (auto id = res->headers().get("X-Request-Id")) request_id = *id;
  } catch (const ConnectionLost&) {
    status = 499;  // the client left first (nginx's code for it)
    error = std::current_exception();
  } catch (...) {
    error = std::current_exception();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::string line;
  line.reserve(128 + req.url().size());
  line.append(req.client_address().empty() ? std::string_view("-") : req.client_address());
  line += " - - ";
  line += log_time();
  line += " \"";
  append_escaped(line, req.method_name());
  line += ' ';
  append_escaped(line, req.url());
  line += " HTTP/";
  line += req.http_version();
  line += "\" ";
  line += std::to_string(status);
  line += ' ';
  line += std::to_string(bytes);
  char secs[32];
  std::snprintf(secs, sizeof secs, " %.6f \"", seconds);
  line += secs;
  append_escaped(line, request_id);
  line += "\"\n";
  writer_->push(line);
  if (error) std::rethrow_exception(error);
  co_return std::move(*res);
}

}  // namespace ignis
