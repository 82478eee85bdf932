#include "ignis/http/middleware.hpp"

#include <cctype>

#include "ignis/router/router.hpp"

namespace ignis {

PathMatcher::PathMatcher(std::string_view pattern) { alternatives_.push_back(compile(pattern)); }

PathMatcher::PathMatcher(std::initializer_list<std::string_view> patterns) {
  if (patterns.size() == 0) throw InvalidRoutePattern("a matcher list needs at least one pattern");
  for (std::string_view p : patterns) alternatives_.push_back(compile(p));
}

PathMatcher::Pattern PathMatcher::compile(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/')
    throw InvalidRoutePattern("matcher must start with '/': " + std::string(pattern));
  Pattern out;
  std::string_view rest = pattern.substr(1);
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (seg.empty()) {
      if (rest.empty()) break;  // trailing '/'
      throw InvalidRoutePattern("empty segment in matcher: " + std::string(pattern));
    }
    if (seg.find_first_of("()[]{}\\") != std::string_view::npos)
      throw InvalidRoutePattern("regular expressions are not supported in matchers: " + std::string(pattern));
    if (seg.front() != ':') {
      if (seg.find_first_of(":*+?") != std::string_view::npos)
        throw InvalidRoutePattern("a parameter takes a whole segment: " + std::string(pattern));
      out.push_back({Segment::Kind::literal, std::string(seg)});
      continue;
    }
    Segment::Kind kind = Segment::Kind::one;
    switch (seg.back()) {
      case '?': kind = Segment::Kind::optional; seg.remove_suffix(1); break;
      case '*': kind = Segment::Kind::any; seg.remove_suffix(1); break;
      case '+': kind = Segment::Kind::many; seg.remove_suffix(1); break;
      default: break;
    }
    if (seg.size() < 2) throw InvalidRoutePattern("a parameter needs a name: " + std::string(pattern));
    for (char c : seg.substr(1))
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
        throw InvalidRoutePattern("invalid parameter name in matcher: " + std::string(pattern));
    out.push_back({kind, {}});
  }
  return out;
}

// `rest` is the path after a '/', with no leading '/'.
bool PathMatcher::match(const Segment* seg, const Segment* end, std::string_view rest) noexcept {
  if (seg == end) return rest.empty();
  const std::size_t slash = rest.find('/');
  const std::string_view head = rest.substr(0, slash);
  const std::string_view tail = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  switch (seg->kind) {
    case Segment::Kind::literal:
      return !rest.empty() && head == seg->literal && match(seg + 1, end, tail);
    case Segment::Kind::one:
      return !head.empty() && match(seg + 1, end, tail);
    case Segment::Kind::optional:
      return match(seg + 1, end, rest) || (!head.empty() && match(seg + 1, end, tail));
    case Segment::Kind::any:
      if (match(seg + 1, end, rest)) return true;
      [[fallthrough]];
    case Segment::Kind::many: {
      // At least one segment, then one more at a time while the rest of the pattern fails.
      if (head.empty()) return false;
      std::string_view after = tail;
      bool more = slash != std::string_view::npos;
      for (;;) {
        if (match(seg + 1, end, after)) return true;
        if (!more) return false;
        const std::size_t next = after.find('/');
        if (after.substr(0, next).empty()) return false;
        more = next != std::string_view::npos;
        after = more ? after.substr(next + 1) : std::string_view{};
      }
    }
  }
  return false;
}

bool PathMatcher::matches(std::string_view path) const noexcept {
  if (alternatives_.empty()) return true;
  if (path.empty() || path.front() != '/') return false;
  std::string_view rest = path.substr(1);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  for (const Pattern& p : alternatives_)
    if (match(p.data(), p.data() + p.size(), rest)) return true;
  return false;
}

}  // namespace ignis
