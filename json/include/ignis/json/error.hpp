#pragma once
// What can go wrong with a JSON body: it is not JSON (ParseError, answered 400
// {"error":"Invalid JSON"}), or it is JSON of the wrong shape (ValidationError, answered 400
// {"error":"Validation failed","issues":[{"path":"title","message":"Required"}]}).

#include <stdexcept>
#include <string>
#include <vector>

namespace ignis::json {

class Writer;

class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One thing wrong with a value, where it is: a dotted path ("title", "tags.0",
// "author.name"; "" for the value itself) and a message in Zod's words.
struct Issue {
  std::string path;
  std::string message;
  bool operator==(const Issue&) const = default;
};

// Every issue of a value that did not match its schema.
class ValidationError : public std::runtime_error {
 public:
  explicit ValidationError(std::vector<Issue> issues);
  const std::vector<Issue>& issues() const noexcept { return issues_; }

 private:
  std::vector<Issue> issues_;
};

// {"path":"title","message":"Required"}
void to_json(Writer& w, const Issue& issue);
// {"error":"Validation failed","issues":[...]}
void to_json(Writer& w, const ValidationError& error);

}  // namespace ignis::json
