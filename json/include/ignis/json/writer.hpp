#pragma once
// JSON out: a streaming writer into a std::string, and json::write() for the values
// handlers return: numbers, strings, optionals, ranges, string-keyed maps, literals.
//
//   std::string out;
//   json::Writer w(out);
//   json::write(w, json::Value{{"error", "Not found"}, {"ids", std::vector{1, 2}}});
//
// User types plug in through a schema (json/schema.hpp: the same fields that read and
// validate them) or an ADL-found `void to_json(json::Writer&, const T&)`.
// Strings are escaped per RFC 8259, invalid UTF-8 becomes U+FFFD, NaN and infinities
// become null, and numbers are printed with std::to_chars (shortest round-trip form).

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <variant>

#include "ignis/json/schema.hpp"

namespace ignis::json {

class Writer {
 public:
  static constexpr int kMaxDepth = 64;

  explicit Writer(std::string& out) noexcept : out_(out) {}

  void null() { value_prefix(), out_.append("null"); }
  void boolean(bool v) { value_prefix(), out_.append(v ? "true" : "false"); }
  void integer(std::int64_t v);
  void unsigned_integer(std::uint64_t v);
  void number(double v);
  void string(std::string_view s);
  // Already-serialized JSON, inserted as one value.
  void raw(std::string_view json) { value_prefix(), out_.append(json); }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view k);
  // A key known to need no escaping (a schema's field names, checked when it is compiled).
  void plain_key(std::string_view k) {
    value_prefix();
    out_.push_back('"');
    out_.append(k);
    out_.append("\":", 2);
    after_key_ = true;
  }

  std::string& out() noexcept { return out_; }

 private:
  void value_prefix() {
    if (after_key_) {
      after_key_ = false;
    } else if (depth_ > 0) {
      const std::uint64_t bit = 1ull << (depth_ - 1);
      if (has_items_ & bit) out_.push_back(',');
      has_items_ |= bit;
    }
  }
  void open(char c);
  void close(char c);

  std::string& out_;
  std::uint64_t has_items_ = 0;  // bit d-1: the container at depth d already has an element
  int depth_ = 0;
  bool after_key_ = false;
};

// Appends s to out as a quoted, escaped JSON string.
void append_quoted(std::string& out, std::string_view s);

struct Member;

// Marks what a literal keeps a reference to: clang then warns (-Wdangling) when a literal
// is kept past its full expression, as in `json::Array a{"x"}; Response::json(a);`.
#if defined(__clang__)
#define IGNIS_JSON_VIEWS [[clang::lifetimebound]]
#else
#define IGNIS_JSON_VIEWS
#endif

// A JSON value written inline, as in Response::json({{"error", "Not found"}}, {.status = 404}).
// It refers to its parts without copying them, so it lives for one full expression: build
// it where it is used, never as a named variable (clang warns; with g++ it dangles).
// Objects are brace lists of {key, value}; arrays are json::Array{...}; any other
// value json::write() accepts (a vector, a struct with to_json) can be a member too.
class Value {
 public:
  Value(std::nullptr_t) noexcept : kind_(Kind::null) {}
  Value(bool v) noexcept : kind_(Kind::boolean), b_(v) {}
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Value(T v) noexcept {
    if constexpr (std::is_signed_v<T>) {
      kind_ = Kind::integer;
      i_ = v;
    } else {
      kind_ = Kind::unsigned_integer;
      u_ = v;
    }
  }
  Value(double v) noexcept : kind_(Kind::number), d_(v) {}
  Value(float v) noexcept : kind_(Kind::number), d_(v) {}
  Value(const char* s) noexcept : kind_(Kind::string), s_(s) {}
  Value(std::string_view s) noexcept : kind_(Kind::string), s_(s) {}
  Value(const std::string& s IGNIS_JSON_VIEWS) noexcept : kind_(Kind::string), s_(s) {}
  Value(std::initializer_list<Member> members IGNIS_JSON_VIEWS) noexcept : kind_(Kind::object), members_(members) {}
  template <class T>
    requires(!std::is_arithmetic_v<T> && !std::convertible_to<const T&, std::string_view> &&
             !std::same_as<T, Value> && !std::same_as<T, std::nullptr_t>)
  Value(const T& v IGNIS_JSON_VIEWS) noexcept : kind_(Kind::other), other_(&v), write_other_(&write_erased<T>) {}

  void write(Writer& w) const;

 private:
  template <class T>
  static void write_erased(Writer& w, const void* p);

  enum class Kind { null, boolean, integer, unsigned_integer, number, string, object, other } kind_;
  union {
    bool b_;
    std::int64_t i_;
    std::uint64_t u_;
    double d_;
    std::string_view s_;
    std::initializer_list<Member> members_;
    const void* other_;
  };
  void (*write_other_)(Writer&, const void*) = nullptr;
};

struct Member {
  std::string_view key;
  Value value;
};

// An array literal: json::Array{1, "two", json::Value{{"three", 3}}}.
class Array {
 public:
  Array(std::initializer_list<Value> items IGNIS_JSON_VIEWS) noexcept : items_(items) {}
  std::initializer_list<Value> items() const noexcept { return items_; }

 private:
  std::initializer_list<Value> items_;
};

namespace detail {
// Writes a value through its schema (json/src/schema.cpp).
void write(Writer& w, const TypeInfo& type, const void* value);

template <class T>
concept StringKeyedMap = requires(const T& m) {
  typename T::key_type;
  typename T::mapped_type;
  requires std::convertible_to<const typename T::key_type&, std::string_view>;
};
template <class T>
concept HasToJson = requires(Writer& w, const T& v) { to_json(w, v); };
}  // namespace detail

// Writes any supported value.
template <class T>
void write(Writer& w, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    w.boolean(v);
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    w.integer(v);
  } else if constexpr (std::is_integral_v<T>) {
    w.unsigned_integer(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    w.number(static_cast<double>(v));
  } else if constexpr (std::is_same_v<T, std::nullptr_t> || std::is_same_v<T, std::nullopt_t> ||
                       std::is_same_v<T, std::monostate>) {
    w.null();
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    w.string(std::string_view(v));
  } else if constexpr (std::is_same_v<T, Value>) {
    v.write(w);
  } else if constexpr (std::is_same_v<T, Array>) {
    w.begin_array();
    for (const Value& item : v.items()) item.write(w);
    w.end_array();
  } else if constexpr (detail::is_optional<T>::value) {
    if (v)
      write(w, *v);
    else
      w.null();
  } else if constexpr (detail::HasToJson<T>) {
    to_json(w, v);
  } else if constexpr (detail::Described<T>) {
    detail::write(w, detail::Traits<T>::info, &v);
  } else if constexpr (detail::StringKeyedMap<T>) {
    w.begin_object();
    for (const auto& [k, item] : v) {
      w.key(std::string_view(k));
      write(w, item);
    }
    w.end_object();
  } else if constexpr (std::ranges::input_range<const T>) {
    w.begin_array();
    for (const auto& item : v) write(w, item);
    w.end_array();
  } else {
    static_assert(sizeof(T) == 0, "json::write: no JSON form for this type (add a to_json overload)");
  }
}

template <class T>
void Value::write_erased(Writer& w, const void* p) {
  json::write(w, *static_cast<const T*>(p));
}

// Serializes v into a new string.
template <class T>
std::string stringify(const T& v) {
  std::string out;
  Writer w(out);
  write(w, v);
  return out;
}
inline std::string stringify(std::initializer_list<Member> object) { return stringify(Value(object)); }

}  // namespace ignis::json
