#pragma once
// A Redis client for reactor threads, on hiredis (RESP is hiredis's, not hand-written).
// Each reactor thread keeps one connection per Client, driven by its reactor
// (Reactor::poll), opened on first use and reopened after a failure; commands issued
// meanwhile are pipelined on it.
//
//   auto redis = ignis::redis::Client::from_url("redis://127.0.0.1:6379");
//   redis::Reply n = co_await redis.command("INCR", "visits");     // n.integer
//   redis::Reply v = co_await redis.command("GET", key);           // v.text, or v.is_nil()
//
// A command that cannot be answered (no connection, the server went away, no reply within
// `timeout`) throws redis::Error; the connection is then dropped and the next command
// opens a new one. A Redis error reply is not thrown: it is a Reply of type error.
//
// | option  | default    | meaning                                                   |
// |---------|------------|-----------------------------------------------------------|
// | host    | 127.0.0.1  | name or address; a name is resolved once, when the Client |
// |         |            | is made (off the reactor threads)                         |
// | port    | 6379       |                                                           |
// | timeout | 2 s        | the longest a command waits for its reply (or to connect) |

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ignis/core/task.hpp"

namespace ignis::redis {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::chrono::milliseconds timeout = std::chrono::seconds(2);
};

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Reply {
  enum class Type { nil, string, integer, status, error, array };
  Type type = Type::nil;
  std::int64_t integer = 0;
  std::string text;  // a string, a status ("OK") or an error's message
  std::vector<Reply> elements;

  bool is_nil() const noexcept { return type == Type::nil; }
  bool is_error() const noexcept { return type == Type::error; }
};

class Client {
 public:
  // Throws Error if the host name cannot be resolved.
  explicit Client(Options options = {});
  // "redis://host:port" (port defaults to 6379). Throws std::invalid_argument.
  static Client from_url(std::string_view url);

  // Sends one command from the calling reactor thread; arguments are strings or integers.
  template <class... Args>
  Task<Reply> command(Args&&... args) const {
    std::vector<std::string> argv;
    argv.reserve(sizeof...(Args));
    (argv.push_back(to_arg(std::forward<Args>(args))), ...);
    return send(std::move(argv));
  }
  Task<Reply> send(std::vector<std::string> argv) const;

  const Options& options() const noexcept;

  struct Shared;

 private:
  template <class T>
  static std::string to_arg(T&& v) {
    if constexpr (std::is_integral_v<std::decay_t<T>>)
      return std::to_string(v);
    else
      return std::string(std::string_view(v));
  }
  std::shared_ptr<const Shared> shared_;
};

}  // namespace ignis::redis
