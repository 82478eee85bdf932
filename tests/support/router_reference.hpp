#pragma once
// A slow statement of which route ignis::Router::match picks, to check the tree against
// (tests/unit/router_test.cpp, tests/fuzz/router_fuzz.cpp). It shares no code with the
// tree: each registered pattern is matched against the path on its own, and gets a rank
// for every segment it consumes:
//
//   0 a literal equal to the segment        3 [x:uuid]
//   1 a literal equal to its %-decoding     4 [x]
//   2 [x:int]                               5 [...x]   6 [[...x]]
//
// The pattern with the lexicographically smallest ranks wins: what a walk that tries the
// alternatives at each segment in that order, backtracking when a deeper one fails, finds.
// Registration rules out two patterns with equal ranks (or one a prefix of the other).

#include <ignis/router/pattern.hpp>
#include <ignis/router/url.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ignis::test {

struct ReferenceParam {
  std::string name;
  std::string raw;  // as in the path; the value is its %-decoding
};

struct ReferenceMatch {
  std::size_t index;  // into the patterns given
  std::vector<ReferenceParam> params;
  std::vector<int> ranks;
  bool tie = false;  // another pattern had the same ranks: registration should prevent it
};

// Matches one pattern on its own: the ranks and parameters, or nullopt.
inline std::optional<ReferenceMatch> reference_match_one(std::string_view pattern, std::string_view path) {
  const ParsedPattern segments = parse_pattern(pattern);
  if (path.empty() || path[0] != '/') return std::nullopt;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  std::string_view rest = path.substr(1);  // empty when no segment is left
  ReferenceMatch m{0, {}, {}};
  for (const PatternSegment& s : segments) {
    if (s.kind == SegmentKind::optional_catch_all) {
      m.ranks.push_back(6);
      if (!rest.empty()) m.params.push_back({std::string(s.text), std::string(rest)});
      return m;
    }
    if (rest.empty()) return std::nullopt;
    if (s.kind == SegmentKind::catch_all) {
      m.ranks.push_back(5);  // takes the rest as it is, empty segments too
      m.params.push_back({std::string(s.text), std::string(rest)});
      return m;
    }
    const std::size_t slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    const std::string_view next = last ? std::string_view{} : rest.substr(slash + 1);
    // An empty segment, here or next ("a//b", "/a//" less its last '/'), matches nothing.
    if (seg.empty() || (!last && next.empty())) return std::nullopt;
    if (s.kind == SegmentKind::literal) {
      if (seg == s.text)
        m.ranks.push_back(0);
      else if (seg.find('%') != std::string_view::npos && url::decode(seg) == s.text)
        m.ranks.push_back(1);
      else
        return std::nullopt;
    } else {
      if (!matches_type(s.type, seg)) return std::nullopt;
      m.ranks.push_back(2 + static_cast<int>(s.type));
      m.params.push_back({std::string(s.text), std::string(seg)});
    }
    rest = next;
  }
  if (!rest.empty()) return std::nullopt;
  return m;
}

// The winner among patterns (in the order of their ids), or nullopt.
inline std::optional<ReferenceMatch> reference_match(const std::vector<std::string>& patterns, std::string_view path) {
  std::optional<ReferenceMatch> best;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    std::optional<ReferenceMatch> m = reference_match_one(patterns[i], path);
    if (!m) continue;
    m->index = i;
    if (best && m->ranks == best->ranks) best->tie = true;
    if (!best || m->ranks < best->ranks) best = std::move(m);
  }
  return best;
}

}  // namespace ignis::test
