#pragma once
// Structs <-> JSON, validated in the spirit of Zod, from one declaration per type.
//
//   struct NewPost {
//     std::string title;
//     std::string content;
//     std::vector<std::string> tags;
//   };
//   constexpr auto json_schema(ignis::json::For<NewPost>) {
//     using ignis::json::field;
//     return ignis::json::object(field<&NewPost::title>("title").min(1).max(200),
//                                field<&NewPost::content>("content").min(1),
//                                field<&NewPost::tags>("tags").optional());
//   }
//
//   NewPost post = co_await req.json<NewPost>();  // bad shape: 400 {"error":"Validation failed","issues":[...]}
//   co_return Response::json(post, {.status = 201});  // written from the same fields
//   json::Result<NewPost> r = json::parse<NewPost>(text);  // r.value and r.issues, for code that decides itself
//   std::vector<json::Issue> issues = json::validate(post);  // a value built in code
//
// `json_schema(json::For<T>)` is found by argument-dependent lookup: declare it next to T.
// The declaration is a constexpr table (names, member accessors, rules); one non-template
// walker in json/src reads (simdjson On-Demand, in place), validates and writes with it,
// so a described type costs the compiler a table, not a parser.
//
// Member types and their JSON:
//
// | C++ member              | JSON                         | rules                                   |
// |-------------------------|------------------------------|-----------------------------------------|
// | bool                    | true / false                 |                                         |
// | any integer type        | an integer in the type's range (1.0 counts) | .min(v) .max(v) (values) |
// | float, double           | a number                     | .min(v) .max(v)                         |
// | std::string             | a string                     | .min(n) .max(n) (code points), .pattern(re) |
// | an enum with a schema   | one of its names             |                                         |
// | a struct with a schema  | an object                    |                                         |
// | std::vector<T>          | an array                     | .min(n) .max(n) (elements), .each(rules)|
// | std::optional<T>        | T, or null, or absent        | the rules of T                          |
//
// A field is required unless it is a std::optional or is declared .optional() (then a
// missing field keeps the member's default). Unknown keys are ignored, as Zod strips them.
// Every rule takes an optional message that replaces Zod's default one. Patterns are
// ECMAScript regular expressions searched in the string (anchor them with ^...$).
// Enumerations: json_schema(For<Status>) returns
//   json::enumeration<Status>({{Status::draft, "draft"}, {Status::published, "published"}}).
//
// Limits: 256 fields per object; integers beyond 64 bits are out of range; a schema may
// not refer to its own type (no recursive types).

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ignis/json/error.hpp"

namespace ignis::json {

// The tag that names a type in json_schema(For<T>).
template <class T>
struct For {};

// A value mapped from JSON, with every issue found on the way (empty when it is valid).
template <class T>
struct Result {
  T value{};
  std::vector<Issue> issues;
  bool ok() const noexcept { return issues.empty(); }
  explicit operator bool() const noexcept { return ok(); }
};

// Constraints on one value; what min and max measure depends on its type (see the table).
struct Rules {
  static constexpr double kNone = std::numeric_limits<double>::infinity();
  double lower = -kNone;
  double upper = kNone;
  std::string_view regex;
  std::string_view lower_message, upper_message, regex_message;  // empty: Zod's wording

  constexpr Rules min(double v, std::string_view message = {}) const {
    Rules r = *this;
    r.lower = v;
    r.lower_message = message;
    return r;
  }
  constexpr Rules max(double v, std::string_view message = {}) const {
    Rules r = *this;
    r.upper = v;
    r.upper_message = message;
    return r;
  }
  constexpr Rules pattern(std::string_view re, std::string_view message = {}) const {
    Rules r = *this;
    r.regex = re;
    r.regex_message = message;
    return r;
  }
  constexpr bool empty() const noexcept { return lower == -kNone && upper == kNone && regex.empty(); }
};

// ------------------------------------------------------------------ the type-erased table

enum class Kind : std::uint8_t { boolean, integer, number, string, enumeration, object, array, optional };

struct Field;

// How the walker reads and writes one C++ type. Which members are set depends on kind;
// for boolean and string the C++ type is fixed (bool, std::string).
struct TypeInfo {
  Kind kind = Kind::boolean;
  // integer: the C++ type's range; set_int/get_int carry the value's bits (unsigned as
  // two's complement). enumeration: the underlying value.
  bool is_signed = true;
  std::int64_t int_min = 0;
  std::uint64_t int_max = 0;
  void (*set_int)(void*, std::int64_t) = nullptr;
  std::int64_t (*get_int)(const void*) = nullptr;
  // number
  void (*set_number)(void*, double) = nullptr;
  double (*get_number)(const void*) = nullptr;
  // enumeration: count names with their values
  const std::string_view* names = nullptr;
  const std::int64_t* values = nullptr;
  // object: count fields
  const Field* fields = nullptr;
  std::size_t count = 0;
  // array (elements) and optional (0 or 1 values)
  const TypeInfo* item = nullptr;
  std::size_t (*size)(const void*) = nullptr;
  const void* (*at)(const void*, std::size_t) = nullptr;
  void* (*emplace)(void*) = nullptr;  // array: appends a default element; optional: emplaces
  void (*clear)(void*) = nullptr;
};

struct Field {
  std::string_view name;
  const TypeInfo* type = nullptr;
  void* (*member)(void*) = nullptr;  // the member inside an object of the owner type
  Rules rules;                       // for the value (inside a std::optional)
  Rules item_rules;                  // for each element of an array
  bool required = true;
};

inline constexpr std::size_t kMaxFields = 256;

namespace detail {

template <class T>
struct Traits;  // specialized below for every type with a JSON form

template <class T>
concept Described = requires { json_schema(For<T>{}); };

template <class T>
concept HasTraits = requires { Traits<T>::info; };

template <class M>
struct MemberTraits;
template <class C, class M>
struct MemberTraits<M C::*> {
  using owner = C;
  using type = M;
};

template <auto Member>
void* access(void* object) noexcept {
  using Owner = typename MemberTraits<decltype(Member)>::owner;
  return &(static_cast<Owner*>(object)->*Member);
}

constexpr const TypeInfo* unwrap_optional(const TypeInfo* t) {
  while (t->kind == Kind::optional) t = t->item;
  return t;
}

// Keys are written as they are, so they must need no escaping.
constexpr void check_name(std::string_view name) {
  for (char c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\')
      throw std::invalid_argument("json::field: a name may not hold quotes, backslashes or control characters");
}

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

}  // namespace detail

// Concept: types json::parse, json::validate and req.json<T>() accept.
template <class T>
concept Mappable = detail::HasTraits<T>;

// ------------------------------------------------------------------ declaring schemas

// One field of Owner being declared: field<&Owner::member>("name") and its rules.
template <class Owner>
struct FieldOf {
  Field f;

  constexpr FieldOf min(double v, std::string_view message = {}) const {
    require_measurable();
    FieldOf r = *this;
    r.f.rules = f.rules.min(v, message);
    return r;
  }
  constexpr FieldOf max(double v, std::string_view message = {}) const {
    require_measurable();
    FieldOf r = *this;
    r.f.rules = f.rules.max(v, message);
    return r;
  }
  constexpr FieldOf pattern(std::string_view re, std::string_view message = {}) const {
    if (detail::unwrap_optional(f.type)->kind != Kind::string)
      throw std::invalid_argument("json::field: pattern() is for strings");
    FieldOf r = *this;
    r.f.rules = f.rules.pattern(re, message);
    return r;
  }
  // Rules for every element of an array.
  constexpr FieldOf each(Rules rules) const {
    const TypeInfo* t = detail::unwrap_optional(f.type);
    if (t->kind != Kind::array) throw std::invalid_argument("json::field: each() is for arrays");
    const Kind item = detail::unwrap_optional(t->item)->kind;
    if ((rules.lower != -Rules::kNone || rules.upper != Rules::kNone) && item != Kind::string &&
        item != Kind::integer && item != Kind::number && item != Kind::array)
      throw std::invalid_argument("json::field: min() and max() are for strings, numbers and arrays");
    if (!rules.regex.empty() && item != Kind::string) throw std::invalid_argument("json::field: pattern() is for strings");
    FieldOf r = *this;
    r.f.item_rules = rules;
    return r;
  }
  // The field may be missing from the JSON; the member then keeps its default value.
  constexpr FieldOf optional() const {
    FieldOf r = *this;
    r.f.required = false;
    return r;
  }

 private:
  constexpr void require_measurable() const {
    const Kind k = detail::unwrap_optional(f.type)->kind;
    if (k != Kind::string && k != Kind::integer && k != Kind::number && k != Kind::array)
      throw std::invalid_argument("json::field: min() and max() are for strings, numbers and arrays");
  }
};

template <auto Member>
constexpr auto field(std::string_view name) {
  using M = detail::MemberTraits<decltype(Member)>;
  using T = typename M::type;
  static_assert(detail::HasTraits<T>, "json::field: this member type has no JSON form (see json/schema.hpp)");
  detail::check_name(name);
  return FieldOf<typename M::owner>{
      Field{name, &detail::Traits<T>::info, &detail::access<Member>, {}, {}, !detail::is_optional<T>::value}};
}

template <class Owner, std::size_t N>
struct Object {
  std::array<Field, N> fields;
};

// The fields of a struct, in the order they are written.
template <class Owner, class... More>
constexpr Object<Owner, 1 + sizeof...(More)> object(FieldOf<Owner> first, More... more) {
  static_assert((std::is_same_v<More, FieldOf<Owner>> && ...), "json::object: every field belongs to the same struct");
  static_assert(1 + sizeof...(More) <= kMaxFields, "json::object: at most 256 fields");
  Object<Owner, 1 + sizeof...(More)> o{{first.f, more.f...}};
  for (std::size_t i = 0; i < o.fields.size(); ++i)
    for (std::size_t j = i + 1; j < o.fields.size(); ++j)
      if (o.fields[i].name == o.fields[j].name) throw std::invalid_argument("json::object: two fields with one name");
  return o;
}

template <class E, std::size_t N>
struct Enumeration {
  std::array<std::string_view, N> names;
  std::array<std::int64_t, N> values;
};

// The JSON names of an enum's values.
template <class E, std::size_t N>
constexpr Enumeration<E, N> enumeration(const std::pair<E, std::string_view> (&entries)[N]) {
  static_assert(std::is_enum_v<E>, "json::enumeration is for enums");
  Enumeration<E, N> e{};
  for (std::size_t i = 0; i < N; ++i) {
    detail::check_name(entries[i].second);
    e.names[i] = entries[i].second;
    e.values[i] = static_cast<std::int64_t>(entries[i].first);
    for (std::size_t j = 0; j < i; ++j)
      if (e.names[j] == e.names[i] || e.values[j] == e.values[i])
        throw std::invalid_argument("json::enumeration: names and values must be unique");
  }
  return e;
}

// ------------------------------------------------------------------ traits per C++ type

namespace detail {

template <class T>
inline constexpr auto schema_of = json_schema(For<T>{});

template <>
struct Traits<bool> {
  static constexpr TypeInfo info{.kind = Kind::boolean};
};

template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
struct Traits<T> {
  static void set(void* p, std::int64_t v) noexcept { *static_cast<T*>(p) = static_cast<T>(v); }
  static std::int64_t get(const void* p) noexcept { return static_cast<std::int64_t>(*static_cast<const T*>(p)); }
  static constexpr TypeInfo info{.kind = Kind::integer,
                                 .is_signed = std::is_signed_v<T>,
                                 .int_min = static_cast<std::int64_t>(std::numeric_limits<T>::min()),
                                 .int_max = static_cast<std::uint64_t>(std::numeric_limits<T>::max()),
                                 .set_int = &set,
                                 .get_int = &get};
};

template <class T>
  requires std::is_floating_point_v<T>
struct Traits<T> {
  static void set(void* p, double v) noexcept { *static_cast<T*>(p) = static_cast<T>(v); }
  static double get(const void* p) noexcept { return static_cast<double>(*static_cast<const T*>(p)); }
  static constexpr TypeInfo info{.kind = Kind::number, .set_number = &set, .get_number = &get};
};

template <>
struct Traits<std::string> {
  static constexpr TypeInfo info{.kind = Kind::string};
};

template <class T>
  requires(std::is_enum_v<T> && Described<T>)
struct Traits<T> {
  static void set(void* p, std::int64_t v) noexcept { *static_cast<T*>(p) = static_cast<T>(v); }
  static std::int64_t get(const void* p) noexcept { return static_cast<std::int64_t>(*static_cast<const T*>(p)); }
  static constexpr TypeInfo info{.kind = Kind::enumeration,
                                 .set_int = &set,
                                 .get_int = &get,
                                 .names = schema_of<T>.names.data(),
                                 .values = schema_of<T>.values.data(),
                                 .count = schema_of<T>.names.size()};
};

template <class T>
  requires(std::is_class_v<T> && Described<T>)
struct Traits<T> {
  static constexpr TypeInfo info{
      .kind = Kind::object, .fields = schema_of<T>.fields.data(), .count = schema_of<T>.fields.size()};
};

template <class T>
  requires HasTraits<T>
struct Traits<std::vector<T>> {
  static std::size_t size(const void* p) noexcept { return static_cast<const std::vector<T>*>(p)->size(); }
  static const void* at(const void* p, std::size_t i) noexcept { return &(*static_cast<const std::vector<T>*>(p))[i]; }
  static void* emplace(void* p) { return &static_cast<std::vector<T>*>(p)->emplace_back(); }
  static void clear(void* p) noexcept { static_cast<std::vector<T>*>(p)->clear(); }
  static constexpr TypeInfo info{.kind = Kind::array,
                                 .item = &Traits<T>::info,
                                 .size = &size,
                                 .at = &at,
                                 .emplace = &emplace,
                                 .clear = &clear};
};

template <class T>
  requires HasTraits<T>
struct Traits<std::optional<T>> {
  static std::size_t size(const void* p) noexcept { return static_cast<const std::optional<T>*>(p)->has_value(); }
  static const void* at(const void* p, std::size_t) noexcept { return &**static_cast<const std::optional<T>*>(p); }
  static void* emplace(void* p) { return &static_cast<std::optional<T>*>(p)->emplace(); }
  static void clear(void* p) noexcept { static_cast<std::optional<T>*>(p)->reset(); }
  static constexpr TypeInfo info{.kind = Kind::optional,
                                 .item = &Traits<T>::info,
                                 .size = &size,
                                 .at = &at,
                                 .emplace = &emplace,
                                 .clear = &clear};
};

// The walker (json/src/schema.cpp).
// Maps `json` onto *out, adding what does not match to `issues`. `capacity` counts the
// bytes readable from json.data(); below json.size() + 64 the input is copied to a padded
// buffer first. Throws ParseError when json is not valid JSON.
void read(std::string_view json, std::size_t capacity, const TypeInfo& type, void* out, std::vector<Issue>& issues);
void validate(const TypeInfo& type, const void* value, std::vector<Issue>& issues);

}  // namespace detail

// ------------------------------------------------------------------ using schemas

// Maps a JSON text onto a T. Throws ParseError for text that is not JSON; a wrong shape
// is reported in the result's issues. `capacity`: see detail::read (0: copy when needed).
template <Mappable T>
Result<T> parse(std::string_view json, std::size_t capacity = 0) {
  Result<T> r;
  detail::read(json, capacity, detail::Traits<T>::info, &r.value, r.issues);
  return r;
}

// Checks a value built in code against its rules.
template <Mappable T>
std::vector<Issue> validate(const T& value) {
  std::vector<Issue> issues;
  detail::validate(detail::Traits<T>::info, &value, issues);
  return issues;
}

}  // namespace ignis::json
