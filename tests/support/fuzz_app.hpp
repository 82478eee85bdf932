#pragma once
// The App that whole-connection fuzzing (tests/fuzz/connection_fuzz.cpp) and its
// regression tests serve: a route for each way a body comes in and goes out, every
// handler synchronous (MemoryServer runs connections inline).
//
//   GET  /echo, /pieces, /json, /form     "get"                 POST/PUT: see below
//   POST /echo                            the body, read whole (req.text())
//   POST /pieces                          the body, read piece by piece
//   POST /json                            the body mapped onto a struct, written back
//   POST /form                            the form's fields and files, one line each
//   GET  /items/[id]?q=..                 id, search params and the cookie "s" as JSON
//   GET  /stream?n=..                     n chunks (streamed, chunked framing)
//   GET  /fixed                           a streamed body with a Content-Length
//   GET  /file                            a 64-byte file (Range, conditional requests)
//   GET  /sse?data=..&event=..            one server-sent event
//   GET  /throw                           500 (an exception);  POST /throw: 418 HttpError
//   *    /[[...rest]]                     the rest of the path
//
// Every answer to HEAD that goes through a handler carries "X-Head: 1", so that
// parse_wire() knows the head has no body after it.

#include <ignis/http/app.hpp>
#include <ignis/http/options.hpp>

#include <string>

namespace ignis::testing {

class FuzzApp {
 public:
  FuzzApp();
  ~FuzzApp();
  FuzzApp(const FuzzApp&) = delete;
  FuzzApp& operator=(const FuzzApp&) = delete;

  const App& app() const noexcept { return app_; }
  // Small limits, so that fuzz inputs of a few KiB reach every one of them.
  static ServerOptions options();

 private:
  std::string file_path_;
  App app_;
};

}  // namespace ignis::testing
