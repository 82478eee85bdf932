#pragma once
// Route patterns: Next.js segment syntax, with optional parameter types.
//
//   /api/posts              a literal segment
//   /api/posts/[id]         a parameter: any one segment
//   /api/posts/[id:int]     a typed parameter: only a segment that parses as the type
//   /docs/[...slug]         catch-all: one or more segments
//   /shop/[[...slug]]       optional catch-all: zero or more segments
//
// Types: `int` (a decimal integer that fits in 64 bits, optionally negative) and `uuid`
// (8-4-4-4-12 hexadecimal digits). A path whose segment does not parse does not match the
// route, so a handler never sees a bad value (the request falls through to another route,
// or gets 404).
//
// parse_pattern() is constexpr: the router parses with it at run time, and RoutePattern
// (what App::route() takes) runs it at compile time for string literals, so a malformed
// pattern is a compile error. A pattern built at run time goes through
// RoutePattern::runtime(), and its errors are exceptions.

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ignis {

class InvalidRoutePattern : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class SegmentKind : std::uint8_t { literal, dynamic, catch_all, optional_catch_all };
enum class ParamType : std::uint8_t { integer, uuid, any };  // the order a segment is tried in
inline constexpr std::size_t kParamTypes = 3;

struct PatternSegment {
  SegmentKind kind = SegmentKind::literal;
  std::string_view text;  // the literal, or the parameter's name
  ParamType type = ParamType::any;
};

struct ParsedPattern {
  static constexpr std::size_t kMaxSegments = 64;
  static constexpr std::size_t kMaxParams = 16;
  std::array<PatternSegment, kMaxSegments> segments{};
  std::size_t size = 0;

  constexpr const PatternSegment* begin() const noexcept { return segments.data(); }
  constexpr const PatternSegment* end() const noexcept { return segments.data() + size; }
};

namespace detail {

// Reached only at run time (a throw ends a constant evaluation: a compile error there).
[[noreturn]] inline void invalid_route_pattern(std::string_view pattern, std::string_view why,
                                               std::string_view subject = {}) {
  std::string message = "invalid route pattern '" + std::string(pattern) + "': " + std::string(why);
  if (!subject.empty()) message += " ('" + std::string(subject) + "')";
  throw InvalidRoutePattern(message);
}

constexpr bool is_name(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace detail

// Parses a pattern; throws InvalidRoutePattern (or, in a constant evaluation, fails it).
constexpr ParsedPattern parse_pattern(std::string_view pattern) {
  using detail::invalid_route_pattern;
  ParsedPattern out;
  if (pattern.empty() || pattern[0] != '/') invalid_route_pattern(pattern, "it must start with '/'");
  std::string_view rest = pattern.substr(1);
  // One trailing slash after a segment is allowed ("/a/" is "/a"); "//" is an empty segment.
  if (rest.size() > 1 && rest.back() == '/') rest.remove_suffix(1);
  std::size_t params = 0;
  for (bool more = !rest.empty(); more;) {
    const std::size_t slash = rest.find('/');
    const std::string_view s = rest.substr(0, slash);
    more = slash != std::string_view::npos;
    rest = more ? rest.substr(slash + 1) : std::string_view{};
    if (s.empty()) invalid_route_pattern(pattern, "empty segment");
    if (out.size > 0 && out.segments[out.size - 1].kind >= SegmentKind::catch_all)
      invalid_route_pattern(pattern, "a catch-all segment must be the last one");
    if (out.size == ParsedPattern::kMaxSegments) invalid_route_pattern(pattern, "more than 64 segments");
    PatternSegment seg{SegmentKind::literal, s, ParamType::any};
    if (s.starts_with("[[...") && s.ends_with("]]")) {
      seg = {SegmentKind::optional_catch_all, s.substr(5, s.size() - 7), ParamType::any};
    } else if (s.starts_with("[...") && s.ends_with("]")) {
      seg = {SegmentKind::catch_all, s.substr(4, s.size() - 5), ParamType::any};
    } else if (s.starts_with("[") && s.ends_with("]")) {
      seg = {SegmentKind::dynamic, s.substr(1, s.size() - 2), ParamType::any};
      if (const std::size_t colon = seg.text.find(':'); colon != std::string_view::npos) {
        const std::string_view type = seg.text.substr(colon + 1);
        seg.text = seg.text.substr(0, colon);
        if (type == "int")
          seg.type = ParamType::integer;
        else if (type == "uuid")
          seg.type = ParamType::uuid;
        else
          invalid_route_pattern(pattern, "unknown parameter type, not int or uuid", type);
      }
    } else if (s.find_first_of("[]") != std::string_view::npos) {
      invalid_route_pattern(pattern, "unbalanced '[' or ']' in a segment", s);
    }
    if (seg.kind != SegmentKind::literal) {
      if (!detail::is_name(seg.text))
        invalid_route_pattern(pattern, "a parameter name is not [A-Za-z_][A-Za-z0-9_]*", seg.text);
      for (const PatternSegment& earlier : out)
        if (earlier.kind != SegmentKind::literal && earlier.text == seg.text)
          invalid_route_pattern(pattern, "a parameter name appears twice", seg.text);
      if (++params > ParsedPattern::kMaxParams) invalid_route_pattern(pattern, "more than 16 parameters");
    }
    out.segments[out.size++] = seg;
  }
  return out;
}

// A route pattern, checked when the program is compiled if it is a string literal.
class RoutePattern {
 public:
  template <class S>
    requires std::convertible_to<const S&, std::string_view>
  consteval RoutePattern(const S& text) : text_(text) {  // NOLINT: implicit by design
    (void)parse_pattern(text_);
  }
  // A pattern known only at run time: checked when registered (InvalidRoutePattern).
  static RoutePattern runtime(std::string_view text) noexcept { return RoutePattern(text, 0); }

  std::string_view text() const noexcept { return text_; }

 private:
  RoutePattern(std::string_view text, int) noexcept : text_(text) {}
  std::string_view text_;
};

// True if a path segment (as sent) is a value of the type.
constexpr bool matches_type(ParamType type, std::string_view s) noexcept {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
  switch (type) {
    case ParamType::any:
      return true;
    case ParamType::integer: {
      std::string_view digits = s.starts_with('-') ? s.substr(1) : s;
      if (digits.empty() || digits.size() > 19) return false;
      for (char c : digits)
        if (c < '0' || c > '9') return false;
      // 19 digits may still exceed the 64-bit range: compare with its limit.
      return digits.size() < 19 || digits <= (s.starts_with('-') ? "9223372036854775808" : "9223372036854775807");
    }
    case ParamType::uuid:
      if (s.size() != 36) return false;
      for (std::size_t i = 0; i < 36; ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !hex(s[i])) return false;
      }
      return true;
  }
  return false;
}

}  // namespace ignis
