// The one walker behind every schema: reads JSON (simdjson On-Demand, in place) into a
// struct, validates values built in code, and writes them, all through the type-erased
// tables that json_schema() declarations compile to.

#include "ignis/json/schema.hpp"

#include <simdjson.h>

#include <bitset>
#include <charconv>
#include <cmath>
#include <memory>
#include <regex>
#include <unordered_map>

#include "ignis/json/writer.hpp"

namespace ignis::json {

ValidationError::ValidationError(std::vector<Issue> issues)
    : std::runtime_error("Validation failed"), issues_(std::move(issues)) {}

void to_json(Writer& w, const Issue& issue) {
  w.begin_object();
  w.plain_key("path");
  w.string(issue.path);
  w.plain_key("message");
  w.string(issue.message);
  w.end_object();
}

void to_json(Writer& w, const ValidationError& error) {
  w.begin_object();
  w.plain_key("error");
  w.string("Validation failed");
  w.plain_key("issues");
  w.begin_array();
  for (const Issue& issue : error.issues()) to_json(w, issue);
  w.end_array();
  w.end_object();
}

namespace detail {
namespace {

namespace od = simdjson::ondemand;

constexpr std::size_t kKeptCapacity = 1 << 20;  // bytes of JSON a thread's parser stays sized for

[[noreturn]] void fail(simdjson::error_code e) { throw ParseError(simdjson::error_message(e)); }

// The value of a simdjson result, or ParseError: every error that reaches here means the
// text is not JSON (wrong types are checked before reading).
template <class T, class R>
T take(R&& result) {
  T v{};
  if (auto e = std::forward<R>(result).get(v)) fail(e);
  return v;
}

std::string format_number(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string format_integer(std::uint64_t v, bool negative) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return (negative ? "-" : "") + std::string(buf, r.ptr);
}

std::size_t code_points(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Zod's names for JSON types.
std::string_view type_name(od::json_type t) noexcept {
  switch (t) {
    case od::json_type::array: return "array";
    case od::json_type::object: return "object";
    case od::json_type::number: return "number";
    case od::json_type::string: return "string";
    case od::json_type::boolean: return "boolean";
    case od::json_type::null: return "null";
  }
  return "unknown";
}

std::string_view expected_name(Kind k) noexcept {
  switch (k) {
    case Kind::boolean: return "boolean";
    case Kind::integer:
    case Kind::number: return "number";
    case Kind::string:
    case Kind::enumeration: return "string";
    case Kind::object: return "object";
    case Kind::array: return "array";
    case Kind::optional: return "value";
  }
  return "value";
}

// Patterns come from constexpr schemas (static storage), so the view is a stable key.
// Compiled once per thread on first use, so matching needs no lock.
const std::regex& compiled(std::string_view pattern) {
  thread_local std::unordered_map<std::string_view, std::unique_ptr<std::regex>> cache;
  auto it = cache.find(pattern);
  if (it == cache.end())
    it = cache.emplace(pattern, std::make_unique<std::regex>(pattern.begin(), pattern.end(), std::regex::ECMAScript))
             .first;
  return *it->second;
}

// Issues and the path they are found at; shared by reading and validating.
class Checker {
 public:
  explicit Checker(std::vector<Issue>& issues) noexcept : issues_(issues) {}

  void issue(std::string message) { issues_.push_back({path_, std::move(message)}); }
  void issue_with_default(std::string_view custom, std::string fallback) {
    issue(custom.empty() ? std::move(fallback) : std::string(custom));
  }

  std::size_t push(std::string_view name) {
    const std::size_t mark = path_.size();
    if (mark) path_.push_back('.');
    path_.append(name);
    return mark;
  }
  std::size_t push(std::size_t index) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, index);
    return push(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
  }
  void pop(std::size_t mark) noexcept { path_.resize(mark); }

  void check_string(std::string_view s, const Rules& r) {
    // A string of b bytes holds between b/4 and b code points: count only when that matters.
    const double bytes = static_cast<double>(s.size());
    if (r.lower > bytes / 4 || r.upper < bytes) {
      const double n = static_cast<double>(code_points(s));
      if (n < r.lower)
        issue_with_default(r.lower_message, "String must contain at least " + format_number(r.lower) + " character(s)");
      if (n > r.upper)
        issue_with_default(r.upper_message, "String must contain at most " + format_number(r.upper) + " character(s)");
    }
    if (!r.regex.empty() && !std::regex_search(s.begin(), s.end(), compiled(r.regex)))
      issue_with_default(r.regex_message, "Invalid");
  }
  void check_number(double v, const Rules& r) {
    if (v < r.lower)
      issue_with_default(r.lower_message, "Number must be greater than or equal to " + format_number(r.lower));
    if (v > r.upper) issue_with_default(r.upper_message, "Number must be less than or equal to " + format_number(r.upper));
  }
  void check_count(std::size_t count, const Rules& r) {
    const double n = static_cast<double>(count);
    if (n < r.lower)
      issue_with_default(r.lower_message, "Array must contain at least " + format_number(r.lower) + " element(s)");
    if (n > r.upper)
      issue_with_default(r.upper_message, "Array must contain at most " + format_number(r.upper) + " element(s)");
  }
  void check_integer(std::int64_t bits, const TypeInfo& t, const Rules& r) {
    check_number(t.is_signed ? static_cast<double>(bits) : static_cast<double>(static_cast<std::uint64_t>(bits)), r);
  }

  std::string enum_expectation(const TypeInfo& t) const {
    std::string s;
    for (std::size_t i = 0; i < t.count; ++i) {
      if (i) s += " | ";
      s.append("'").append(t.names[i]).append("'");
    }
    return s;
  }

 protected:
  std::string path_;
  std::vector<Issue>& issues_;
};

// ------------------------------------------------------------------ reading

// True for a JSON number too big for simdjson (valid JSON, but out of any C++ range):
// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, followed by white space at most.
bool is_number_text(std::string_view s) noexcept {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

bool accepts(Kind k, od::json_type t) noexcept {
  switch (k) {
    case Kind::boolean: return t == od::json_type::boolean;
    case Kind::integer:
    case Kind::number: return t == od::json_type::number;
    case Kind::string:
    case Kind::enumeration: return t == od::json_type::string;
    case Kind::object: return t == od::json_type::object;
    case Kind::array: return t == od::json_type::array;
    case Kind::optional: return false;
  }
  return false;
}

class Reader : public Checker {
 public:
  using Checker::Checker;

  // Source is od::document (the root) or od::value: both offer the same getters.
  template <class Source>
  void read(Source& src, const TypeInfo& type, const Rules& rules, const Rules& items, void* out) {
    const od::json_type jt = take<od::json_type>(src.type());
    const TypeInfo* t = &type;
    if (t->kind == Kind::optional) {
      if (jt == od::json_type::null) {
        skip(src, jt);
        t->clear(out);
        return;
      }
      out = t->emplace(out);
      t = t->item;
    }
    if (!accepts(t->kind, jt)) {
      if (t->kind == Kind::enumeration)
        issue("Expected " + enum_expectation(*t) + ", received " + std::string(type_name(jt)));
      else
        issue("Expected " + std::string(expected_name(t->kind)) + ", received " + std::string(type_name(jt)));
      return skip(src, jt);
    }
    switch (t->kind) {
      case Kind::boolean:
        *static_cast<bool*>(out) = take<bool>(src.get_bool());
        return;
      case Kind::string: {
        const auto s = take<std::string_view>(src.get_string());
        static_cast<std::string*>(out)->assign(s);
        check_string(s, rules);
        return;
      }
      case Kind::integer: return read_integer(src, *t, rules, out);
      case Kind::number: {
        double d;
        if (auto e = src.get_double().get(d)) {
          if (e != simdjson::NUMBER_ERROR || !is_number_text(src.raw_json_token())) fail(e);
          return issue("Number is out of range");
        }
        t->set_number(out, d);
        check_number(d, rules);
        return;
      }
      case Kind::enumeration: {
        const auto s = take<std::string_view>(src.get_string());
        for (std::size_t i = 0; i < t->count; ++i) {
          if (t->names[i] == s) {
            t->set_int(out, t->values[i]);
            return;
          }
        }
        constexpr std::size_t kShown = 100;  // what a client sent is echoed, but not at any length
        return issue("Invalid enum value. Expected " + enum_expectation(*t) + ", received '" +
                     std::string(s.substr(0, kShown)) + (s.size() > kShown ? "...'" : "'"));
      }
      case Kind::object: {
        auto obj = take<od::object>(src.get_object());
        return read_object(obj, *t, out);
      }
      case Kind::array: {
        auto arr = take<od::array>(src.get_array());
        t->clear(out);
        std::size_t n = 0;
        for (auto element : arr) {
          auto v = take<od::value>(std::move(element));
          const std::size_t mark = push(n);
          read(v, *t->item, items, Rules{}, t->emplace(out));
          pop(mark);
          ++n;
        }
        check_count(n, rules);
        return;
      }
      case Kind::optional:
        return skip(src, jt);  // optional<optional<T>>: nothing to tell apart
    }
  }

  // Reads past a value the schema does not take (an unknown key, a wrong type), checking
  // that it is valid JSON: On-Demand alone would skip it unchecked.
  template <class Source>
  void skip(Source& src, od::json_type jt) {
    switch (jt) {
      case od::json_type::object: {
        auto obj = take<od::object>(src.get_object());
        for (auto item : obj) {
          auto f = take<od::field>(std::move(item));
          (void)take<std::string_view>(f.unescaped_key());
          skip(f.value(), take<od::json_type>(f.value().type()));
        }
        return;
      }
      case od::json_type::array: {
        auto arr = take<od::array>(src.get_array());
        for (auto element : arr) {
          auto v = take<od::value>(std::move(element));
          skip(v, take<od::json_type>(v.type()));
        }
        return;
      }
      case od::json_type::number: {
        od::number n;
        if (auto e = src.get_number().get(n))
          if (e != simdjson::NUMBER_ERROR || !is_number_text(src.raw_json_token())) fail(e);
        return;
      }
      case od::json_type::string: (void)take<std::string_view>(src.get_string()); return;
      case od::json_type::boolean: (void)take<bool>(src.get_bool()); return;
      case od::json_type::null:
        if (!take<bool>(src.is_null())) fail(simdjson::N_ATOM_ERROR);
        return;
    }
  }

 private:
  std::string too_small(const TypeInfo& t) const {
    // -(int_min + 1) + 1 is |int_min| without overflowing at INT64_MIN.
    return "Number must be greater than or equal to " +
           format_integer(static_cast<std::uint64_t>(-(t.int_min + 1)) + 1, t.int_min < 0);
  }
  std::string too_large(const TypeInfo& t) const {
    return "Number must be less than or equal to " + format_integer(t.int_max, false);
  }

  template <class Source>
  void read_integer(Source& src, const TypeInfo& t, const Rules& rules, void* out) {
    od::number n;
    if (auto e = src.get_number().get(n)) {
      const std::string_view token = src.raw_json_token();
      if (e != simdjson::NUMBER_ERROR || !is_number_text(token)) fail(e);
      return issue(token.front() == '-' ? too_small(t) : too_large(t));
    }
    std::int64_t bits = 0;
    switch (n.get_number_type()) {
      case od::number_type::signed_integer: {
        const std::int64_t v = n.get_int64();
        if (v < t.int_min) return issue(too_small(t));
        if (v > 0 && static_cast<std::uint64_t>(v) > t.int_max) return issue(too_large(t));
        bits = v;
        break;
      }
      case od::number_type::unsigned_integer: {
        const std::uint64_t u = n.get_uint64();
        if (u > t.int_max) return issue(too_large(t));
        bits = static_cast<std::int64_t>(u);
        break;
      }
      case od::number_type::floating_point_number: {
        const double d = n.get_double();
        if (d != std::trunc(d)) return issue("Expected integer, received float");
        constexpr double k2to63 = 9223372036854775808.0, k2to64 = 18446744073709551616.0;
        if (d < 0) {
          if (d < static_cast<double>(t.int_min)) return issue(too_small(t));
          bits = static_cast<std::int64_t>(d);  // int_min >= -2^63: exact
        } else {
          if (d >= (t.is_signed ? k2to63 : k2to64) || d > static_cast<double>(t.int_max)) return issue(too_large(t));
          bits = static_cast<std::int64_t>(static_cast<std::uint64_t>(d));
        }
        break;
      }
      default:
        fail(simdjson::NUMBER_ERROR);
    }
    t.set_int(out, bits);
    check_integer(bits, t, rules);
  }

  void read_object(od::object& obj, const TypeInfo& t, void* out) {
    std::bitset<kMaxFields> seen;
    std::size_t cursor = 0;
    for (auto item : obj) {
      auto f = take<od::field>(std::move(item));
      const Field* match = find(f, t, cursor);
      if (!match) {  // unknown keys are dropped, as Zod strips them
        skip(f.value(), take<od::json_type>(f.value().type()));
        continue;
      }
      seen.set(static_cast<std::size_t>(match - t.fields));
      const std::size_t mark = push(match->name);
      read(f.value(), *match->type, match->rules, match->item_rules, match->member(out));
      pop(mark);
    }
    for (std::size_t i = 0; i < t.count; ++i) {
      if (seen[i] || !t.fields[i].required) continue;
      const std::size_t mark = push(t.fields[i].name);
      issue("Required");
      pop(mark);
    }
  }

  // The schema field for a key. Keys usually come in the declared order, so the search
  // starts after the last match; an escaped key ("t\u0069tle") is unescaped first.
  static const Field* find(od::field& f, const TypeInfo& t, std::size_t& cursor) {
    const od::raw_json_string key = f.key();
    for (std::size_t k = 0; k < t.count; ++k) {
      std::size_t i = cursor + k;
      if (i >= t.count) i -= t.count;
      if (key.unsafe_is_equal(t.fields[i].name)) {
        cursor = i + 1;
        return &t.fields[i];
      }
    }
    bool escaped = false;
    for (const char* p = key.raw(); *p != '"'; ++p) {
      if (*p == '\\') {
        escaped = true;
        break;
      }
    }
    if (!escaped) return nullptr;
    const auto name = take<std::string_view>(f.unescaped_key());
    for (std::size_t i = 0; i < t.count; ++i)
      if (t.fields[i].name == name) return &t.fields[i];
    return nullptr;
  }
};

// ------------------------------------------------------------------ validating values

class Validator : public Checker {
 public:
  using Checker::Checker;

  void check(const TypeInfo& type, const void* value, const Rules& rules, const Rules& items) {
    const TypeInfo* t = &type;
    while (t->kind == Kind::optional) {
      if (t->size(value) == 0) return;
      value = t->at(value, 0);
      t = t->item;
    }
    switch (t->kind) {
      case Kind::boolean: return;
      case Kind::integer: return check_integer(t->get_int(value), *t, rules);
      case Kind::number: return check_number(t->get_number(value), rules);
      case Kind::string: return check_string(*static_cast<const std::string*>(value), rules);
      case Kind::enumeration: {
        const std::int64_t v = t->get_int(value);
        for (std::size_t i = 0; i < t->count; ++i)
          if (t->values[i] == v) return;
        return issue("Invalid enum value. Expected " + enum_expectation(*t));
      }
      case Kind::object:
        for (std::size_t i = 0; i < t->count; ++i) {
          const Field& f = t->fields[i];
          const std::size_t mark = push(f.name);
          check(*f.type, f.member(const_cast<void*>(value)), f.rules, f.item_rules);
          pop(mark);
        }
        return;
      case Kind::array: {
        const std::size_t n = t->size(value);
        for (std::size_t i = 0; i < n; ++i) {
          const std::size_t mark = push(i);
          check(*t->item, t->at(value, i), items, Rules{});
          pop(mark);
        }
        return check_count(n, rules);
      }
      case Kind::optional: return;
    }
  }
};

}  // namespace

void read(std::string_view json, std::size_t capacity, const TypeInfo& type, void* out, std::vector<Issue>& issues) {
  if (json.empty()) throw ParseError("empty body");
  simdjson::padded_string copy;
  simdjson::padded_string_view input;
  if (capacity >= json.size() + simdjson::SIMDJSON_PADDING) {
    input = simdjson::padded_string_view(json.data(), json.size(), capacity);
  } else {
    copy = simdjson::padded_string(json);
    input = copy;
  }
  // One parser per thread: it keeps its buffers between documents, and nothing here
  // suspends while it is in use.
  thread_local od::parser parser;
  // A parser's buffers grow with the largest document it has seen: give big ones back.
  struct Shrink {
    ~Shrink() {
      if (parser.capacity() > kKeptCapacity) parser = od::parser();
    }
  } shrink;
  od::document doc;
  if (auto e = parser.iterate(input).get(doc)) fail(e);
  const od::json_type root = take<od::json_type>(doc.type());
  Reader reader(issues);
  reader.read(doc, type, Rules{}, Rules{}, out);
  // simdjson checks what follows a scalar root; after an object or array, look.
  const char* rest;
  if ((root == od::json_type::object || root == od::json_type::array) && doc.current_location().get(rest) == simdjson::SUCCESS)
    fail(simdjson::TRAILING_CONTENT);
}

void validate(const TypeInfo& type, const void* value, std::vector<Issue>& issues) {
  Validator v(issues);
  v.check(type, value, Rules{}, Rules{});
}

// ------------------------------------------------------------------ writing

void write(Writer& w, const TypeInfo& type, const void* value) {
  switch (type.kind) {
    case Kind::boolean: return w.boolean(*static_cast<const bool*>(value));
    case Kind::integer: {
      const std::int64_t bits = type.get_int(value);
      return type.is_signed ? w.integer(bits) : w.unsigned_integer(static_cast<std::uint64_t>(bits));
    }
    case Kind::number: return w.number(type.get_number(value));
    case Kind::string: return w.string(*static_cast<const std::string*>(value));
    case Kind::enumeration: {
      const std::int64_t v = type.get_int(value);
      for (std::size_t i = 0; i < type.count; ++i)
        if (type.values[i] == v) return w.string(type.names[i]);
      throw std::invalid_argument("json::write: an enum value without a name");
    }
    case Kind::object:
      w.begin_object();
      for (std::size_t i = 0; i < type.count; ++i) {
        const Field& f = type.fields[i];
        w.plain_key(f.name);
        write(w, *f.type, f.member(const_cast<void*>(value)));
      }
      return w.end_object();
    case Kind::array: {
      w.begin_array();
      const std::size_t n = type.size(value);
      for (std::size_t i = 0; i < n; ++i) write(w, *type.item, type.at(value, i));
      return w.end_array();
    }
    case Kind::optional:
      if (type.size(value) == 0) return w.null();
      return write(w, *type.item, type.at(value, 0));
  }
}

}  // namespace detail
}  // namespace ignis::json
