#pragma once
// HttpError: throw it from a handler to answer with a status and a public message:
//
//   throw ignis::HttpError(404, "Post not found");   // -> 404 {"error":"Post not found"}
//
// Any other exception becomes 500 {"error":"Internal server error"}; its text goes to the
// log only.

#include <stdexcept>
#include <string>

namespace ignis {

// Thrown to a handler that reads the body of a request whose client went away (or timed
// out). Nothing can be answered; the server ends the connection quietly.
class ConnectionLost : public std::exception {
 public:
  const char* what() const noexcept override { return "connection lost"; }
};

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& public_message) : std::runtime_error(public_message), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

}  // namespace ignis
