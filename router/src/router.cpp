#include "ignis/router/router.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>

#include "ignis/router/url.hpp"

namespace ignis {
namespace {

[[noreturn]] void conflict(std::string_view pattern, std::string_view other, std::string_view why) {
  throw RouteConflict("route '" + std::string(pattern) + "' conflicts with '" + std::string(other) + "': " +
                      std::string(why));
}

// Below this many static children a node is scanned; from it on, hashed.
constexpr std::size_t kHashedStatics = 4;

// What a node offers a segment (Node::alternatives), one bit each in the order they are
// tried: the lowest bit left is the next alternative.
constexpr std::uint8_t kTryStatic = 1;         // a literal equal to the segment
constexpr std::uint8_t kTryDecodedStatic = 2;  // a literal equal to its %-decoding
constexpr std::uint8_t kTryParam = 4;          // kTryParam << t: the parameter of ParamType t
constexpr std::uint8_t kTryCatchAll = 32;      // [...x] or [[...x]]: the rest of the path
constexpr std::uint8_t kTryStatics = kTryStatic | kTryDecodedStatic;
static_assert(kTryParam << (kParamTypes - 1) < kTryCatchAll);

// A segment's first 8 bytes, or all of a shorter one zero-padded, as a number: most
// segments are whole in it, so that comparing keys (and sizes) is comparing segments.
// Overlapping loads instead of a loop over the bytes. Little-endian byte order is not
// assumed (both sides of every comparison are built the same way), but on such a machine
// this is the word that holds the bytes: what scan_segment() has loaded anyway.
inline std::uint64_t prefix_of(std::string_view s) noexcept {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  if (n >= 8) {
    std::uint64_t p;
    std::memcpy(&p, b, 8);
    return p;
  }
  if (n >= 4) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, b, 4);
    std::memcpy(&hi, b + n - 4, 4);
    return lo | (std::uint64_t(hi) << (8 * (n - 4)));
  }
  if (n == 0) return 0;
  return b[0] | (std::uint64_t(b[n / 2]) << (8 * (n / 2))) | (std::uint64_t(b[n - 1]) << (8 * (n - 1)));
}

// Whether n bytes at a and b are equal: short names and segments with two overlapping
// loads each, instead of a call to memcmp.
inline bool bytes_equal(const char* a, const char* b, std::size_t n) noexcept {
  if (n > 16) return std::memcmp(a, b, n) == 0;
  if (n >= 8) {
    std::uint64_t x1, y1, x2, y2;
    std::memcpy(&x1, a, 8);
    std::memcpy(&y1, b, 8);
    std::memcpy(&x2, a + n - 8, 8);
    std::memcpy(&y2, b + n - 8, 8);
    return x1 == y1 && x2 == y2;
  }
  if (n >= 4) {
    std::uint32_t x1, y1, x2, y2;
    std::memcpy(&x1, a, 4);
    std::memcpy(&y1, b, 4);
    std::memcpy(&x2, a + n - 4, 4);
    std::memcpy(&y2, b + n - 4, 4);
    return x1 == y1 && x2 == y2;
  }
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// Whether a and b, of the same size n > 8 and equal in their first 8 bytes, are equal:
// up to 16 bytes by their last 8 (overlapping loads), else by memcmp.
inline bool same_tail(const char* a, const char* b, std::size_t n) noexcept {
  if (n > 16) return std::memcmp(a + 8, b + 8, n - 8) == 0;
  std::uint64_t x, y;
  std::memcpy(&x, a + n - 8, 8);
  std::memcpy(&y, b + n - 8, 8);
  return x == y;
}

inline std::size_t slot_of(std::uint64_t prefix, std::size_t size, std::size_t mask) noexcept {
  return static_cast<std::size_t>(((prefix ^ size) * 0x9E3779B97F4A7C15ull) >> 40) & mask;
}

bool route_is_static(const ParsedPattern& segments) noexcept {
  for (const PatternSegment& s : segments)
    if (s.kind != SegmentKind::literal) return false;
  return true;
}

bool has_escape(std::string_view s) noexcept {
  for (char c : s)
    if (c == '%') return true;
  return false;
}

// A segment of a path being matched: where it ends (its '/', or the end of the path),
// and its prefix_of().
struct Segment {
  const char* end;
  std::uint64_t prefix;
};

// Scans the segment at p. Segments are short: eight bytes at a time, in line, cost less
// than a call to memchr or a loop over the bytes, and the first word loaded gives the
// prefix. Bytes of the path before p (from `begin`) may be read.
inline Segment scan_segment(const char* begin, const char* p, const char* end) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    if (end - begin >= 8) {
      // The eight bytes at q as a word, byte i being q[i]; near the end of the path, its
      // last eight shifted to put q in byte 0, the bytes past the end reading as zeros.
      auto word_at = [&](const char* q) {
        std::uint64_t x;
        if (end - q >= 8) {
          std::memcpy(&x, q, 8);
          return x;
        }
        std::memcpy(&x, end - 8, 8);
        return x >> (8 * (8 - (end - q)));
      };
      // The high bit of every byte that is a '/': exact for the lowest one (above it, a
      // byte may be flagged by the borrow). A zero past the end is no '/'.
      auto slashes = [](std::uint64_t x) {
        constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
        const std::uint64_t y = x ^ (ones * '/');
        return (y - ones) & ~y & highs;
      };
      const std::uint64_t first = word_at(p);
      if (const std::uint64_t slash = slashes(first); slash != 0) {
        // The common case, a segment in the first word: its bytes are those below the
        // lowest flag.
        const std::uint64_t below = ((slash & (~slash + 1)) >> 7) - 1;
        return {p + std::countr_zero(slash) / 8, first & below};
      }
      // A longer one (its prefix is the first word), or the last of the path (the bytes
      // past the end read as zeros).
      for (std::size_t i = 8; i < static_cast<std::size_t>(end - p); i += 8)
        if (const std::uint64_t slash = slashes(word_at(p + i)); slash != 0)
          return {p + i + std::countr_zero(slash) / 8, first};
      return {end, first};
    }
  }
  const char* q = p;
  while (q != end && *q != '/') ++q;
  return {q, prefix_of({p, static_cast<std::size_t>(q - p)})};
}

}  // namespace

// ---------------------------------------------------------------------------- Params

const Params::Entry* Params::find(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < size_; ++i) {
    const std::string_view n = entries_[i].name;
    if (n.size() == name.size() && bytes_equal(n.data(), name.data(), n.size())) return &entries_[i];
  }
  return nullptr;
}

std::string_view Params::get(std::string_view name) const noexcept {
  const Entry* e = find(name);
  return e ? e->value : std::string_view{};
}

bool Params::has(std::string_view name) const noexcept { return find(name) != nullptr; }

std::vector<std::string> Params::segments(std::string_view name) const {
  std::vector<std::string> out;
  const Entry* e = find(name);
  if (!e) return out;
  if (!e->catch_all) {
    out.emplace_back(e->value);
    return out;
  }
  std::string_view rest = e->raw;
  for (;;) {
    std::size_t slash = rest.find('/');
    out.push_back(url::decode(rest.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return out;
}

// ---------------------------------------------------------------------------- Router

struct Router::MatchState {
  // Left uninitialized: only the first `count` are ever read.
  struct Raw {
    const char* data;
    std::size_t size;
    bool escaped;  // holds a %-escape: bind() decodes it
  };
  Raw raw[Params::kMax];
  std::size_t count = 0;
  RouteId found = kNone;
};

// A segment being matched at a node, and what is left to try there if the walk below it
// fails: what a recursive matcher keeps on the call stack.
struct Router::Frame {
  const char* seg;
  const char* seg_end;  // its '/', or the end of the path
  std::uint32_t node;
  std::uint8_t count;   // parameters bound before this segment
  std::uint8_t left;    // alternatives (kTry*) not tried yet
  bool escaped;         // whether the segment holds a '%'
};

void Router::index_statics(Node& n) {
  n.statics_hashed = n.statics.size() >= kHashedStatics;
  std::size_t size = n.statics.size();
  if (n.statics_hashed) {
    size = 8;
    while (size < n.statics.size() * 2) size *= 2;
  }
  n.static_keys.assign(size, StaticKey{});
  n.static_mask = static_cast<std::uint32_t>(size - 1);
  for (std::uint32_t i = 0; i < n.statics.size(); ++i) {
    const auto& [literal, child] = n.statics[i];
    const StaticKey key{prefix_of(literal), static_cast<std::uint32_t>(literal.size()), i, child};
    if (!n.statics_hashed) {
      n.static_keys[i] = key;
      continue;
    }
    std::size_t slot = slot_of(key.prefix, key.size, size - 1);
    while (n.static_keys[slot].size != kNone) slot = (slot + 1) & (size - 1);
    n.static_keys[slot] = key;
  }
}

void Router::note_alternatives(Node& n) noexcept {
  n.alternatives = n.statics.empty() ? 0 : kTryStatics;
  for (std::size_t t = 0; t < kParamTypes; ++t)
    if (n.dynamic[t].node != kNone) n.alternatives |= kTryParam << t;
  if (n.catch_all != kNone || n.optional_catch_all != kNone) n.alternatives |= kTryCatchAll;
}

Router::Router() { nodes_.emplace_back(); }

Router::RouteId Router::add(std::string_view pattern) {
  const ParsedPattern segments = parse_pattern(pattern);
  const SegmentKind last = segments.size == 0 ? SegmentKind::literal : segments.segments[segments.size - 1].kind;
  auto owner = [&](std::uint32_t route) -> std::string_view { return routes_[route].pattern; };

  // First follow the existing tree and reject conflicts, so a failed registration leaves
  // the router as it was. Past the first new node nothing can conflict.
  std::uint32_t node = 0;
  bool fresh = false;
  for (const PatternSegment& s : segments) {
    if (fresh || s.kind >= SegmentKind::catch_all) break;
    const Node& n = nodes_[node];
    if (s.kind == SegmentKind::literal) {
      auto it = std::find_if(n.statics.begin(), n.statics.end(), [&](const auto& e) { return e.first == s.text; });
      fresh = it == n.statics.end();
      if (!fresh) node = it->second;
      continue;
    }
    const Dynamic& d = n.dynamic[static_cast<std::size_t>(s.type)];
    if (d.node == kNone) {
      fresh = true;
    } else if (d.name != s.text) {
      conflict(pattern, owner(d.owner),
               "different parameter names at the same position ('" + std::string(s.text) + "' and '" + d.name +
                   "')");
    } else {
      node = d.node;
    }
  }
  if (!fresh) {
    const Node& end = nodes_[node];
    if (last == SegmentKind::catch_all) {
      if (end.catch_all != kNone) conflict(pattern, owner(end.catch_all), "two catch-alls at the same position");
      if (end.optional_catch_all != kNone)
        conflict(pattern, owner(end.optional_catch_all), "a catch-all and an optional catch-all match the same paths");
    } else if (last == SegmentKind::optional_catch_all) {
      if (end.optional_catch_all != kNone)
        conflict(pattern, owner(end.optional_catch_all), "two optional catch-alls at the same position");
      if (end.catch_all != kNone)
        conflict(pattern, owner(end.catch_all), "a catch-all and an optional catch-all match the same paths");
      if (end.route != kNone) conflict(pattern, owner(end.route), "the optional catch-all also matches that path");
    } else {
      if (end.route != kNone) conflict(pattern, owner(end.route), "the same route is registered twice");
      if (end.optional_catch_all != kNone)
        conflict(pattern, owner(end.optional_catch_all), "the optional catch-all already matches this path");
    }
  }

  // Then insert.
  const auto id = static_cast<RouteId>(routes_.size());
  Route route{std::string(pattern), {}, last >= SegmentKind::catch_all};
  for (const PatternSegment& s : segments)
    if (s.kind != SegmentKind::literal) route.names.emplace_back(s.text);
  routes_.reserve(routes_.size() + 1);
  node = 0;
  for (const PatternSegment& s : segments) {
    if (s.kind >= SegmentKind::catch_all) break;
    const std::size_t type = static_cast<std::size_t>(s.type);
    std::uint32_t next = kNone;
    if (s.kind == SegmentKind::literal) {
      for (const auto& [literal, child] : nodes_[node].statics)
        if (literal == s.text) next = child;
    } else {
      next = nodes_[node].dynamic[type].node;
    }
    if (next == kNone) {
      next = static_cast<std::uint32_t>(nodes_.size());
      nodes_.emplace_back();
      Node& parent = nodes_[node];
      if (s.kind == SegmentKind::literal) {
        parent.statics.emplace_back(std::string(s.text), next);
        index_statics(parent);
      } else
        parent.dynamic[type] = {next, std::string(s.text), id};
      note_alternatives(parent);
    }
    node = next;
  }
  Node& end = nodes_[node];
  (last == SegmentKind::catch_all            ? end.catch_all
   : last == SegmentKind::optional_catch_all ? end.optional_catch_all
                                             : end.route) = id;
  note_alternatives(end);
  routes_.push_back(std::move(route));
  if (route_is_static(segments)) {
    std::string path;
    for (const PatternSegment& seg : segments) path.append("/").append(seg.text);
    index_exact(path.empty() ? std::string("/") : std::move(path), id);
  }
  return id;
}

void Router::index_exact(std::string path, RouteId route) {
  longest_exact_ = std::max(longest_exact_, path.size());
  exact_.push_back({std::move(path), route});
  std::size_t size = 8;
  while (size < exact_.size() * 2) size *= 2;
  exact_keys_.assign(size, StaticKey{});
  exact_mask_ = size - 1;
  for (std::uint32_t i = 0; i < exact_.size(); ++i) {
    const std::string& p = exact_[i].path;
    std::size_t slot = slot_of(prefix_of(p), p.size(), size - 1);
    while (exact_keys_[slot].size != kNone) slot = (slot + 1) & (size - 1);
    exact_keys_[slot] = {prefix_of(p), static_cast<std::uint32_t>(p.size()), i, exact_[i].route};
  }
}

std::optional<Router::RouteId> Router::find_exact(std::string_view path) const noexcept {
  if (path.size() > longest_exact_) return std::nullopt;
  const std::uint64_t prefix = prefix_of(path);
  const std::size_t mask = exact_mask_;
  for (std::size_t slot = slot_of(prefix, path.size(), mask); exact_keys_[slot].size != kNone; slot = (slot + 1) & mask) {
    const StaticKey& k = exact_keys_[slot];
    if (k.size == path.size() && k.prefix == prefix &&
        (path.size() <= 8 || same_tail(exact_[k.index].path.data(), path.data(), path.size())))
      return k.target;
  }
  return std::nullopt;
}

std::optional<Router::RouteId> Router::find(std::string_view pattern) const {
  for (std::size_t i = 0; i < routes_.size(); ++i)
    if (routes_[i].pattern == pattern) return static_cast<RouteId>(i);
  return std::nullopt;
}

std::optional<Router::RouteId> Router::match(std::string_view path, Params& params) const {
  params.size_ = 0;
  if (path.empty() || path[0] != '/') return std::nullopt;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (auto id = find_exact(path)) return id;
  MatchState st;
  if (!walk(path, st)) return std::nullopt;
  bind(st.found, st, params);
  return st.found;
}

// The child for a literal equal to the segment (whose prefix_of() is given), or kNone.
std::uint32_t Router::find_static(const Node& n, std::string_view seg, std::uint64_t prefix) noexcept {
  auto equal = [&](const StaticKey& k) {
    return k.size == seg.size() && k.prefix == prefix &&
           (seg.size() <= 8 || same_tail(n.statics[k.index].first.data(), seg.data(), seg.size()));
  };
  if (!n.statics_hashed) {
    for (const StaticKey& k : n.static_keys)
      if (equal(k)) return k.target;
    return kNone;
  }
  const std::size_t mask = n.static_mask;
  for (std::size_t slot = slot_of(prefix, seg.size(), mask); n.static_keys[slot].size != kNone;
       slot = (slot + 1) & mask)
    if (equal(n.static_keys[slot])) return n.static_keys[slot].target;
  return kNone;
}

// Walks the tree down the path one segment at a time, taking at each node the first
// alternative the segment matches (static, typed, untyped, catch-all); when the walk below
// fails, it resumes at the deepest segment that has an alternative left. A loop with the
// backtracking points on a small stack, instead of recursion: only the segments that have
// something left to try are kept, and a walk that never backtracks keeps none. `path`
// starts with '/' and ends without one (unless it is "/").
bool Router::walk(std::string_view path, MatchState& st) const {
  const char* const begin = path.data();
  const char* const end = begin + path.size();
  // Most paths hold no '%': then no segment needs looking at for one.
  const bool escapes = std::memchr(begin, '%', path.size()) != nullptr;
  const Node* const nodes = nodes_.data();
  // Frames of the segments above the one being matched, at most one per level of the
  // tree: a pattern has at most 64 segments.
  Frame stack[ParsedPattern::kMaxSegments];
  std::size_t depth = 0;
  Frame f;                       // the segment being matched
  f.seg_end = end;               // (none yet: see "/a//" below)
  std::uint32_t node = 0;        // the node walked into
  const char* next = begin + 1;  // and the rest of the path there
  std::size_t count = 0;         // parameters bound
  for (;;) {
    const Node* at = &nodes[node];
    std::uint32_t child = kNone;
    if (next == end) {
      // No segment left: the route ending here, else an optional catch-all matching nothing.
      // But not if the segment walked through ended with a '/' ("/a//" less its trailing
      // '/'): an empty segment is left, which leads nowhere (a catch-all above may take it).
      const std::uint32_t route = at->route != kNone ? at->route : at->optional_catch_all;
      if (route != kNone && f.seg_end == end) {
        st.count = count;
        st.found = route;
        return true;
      }
      f.left = 0;
    } else {
      const Segment seg = scan_segment(begin, next, end);
      const bool escaped = escapes && has_escape({next, static_cast<std::size_t>(seg.end - next)});
      f = {next, seg.end, node, static_cast<std::uint8_t>(count), at->alternatives, escaped};
      if (!escaped) f.left &= ~kTryDecodedStatic;
      // A literal equal to the segment is tried first, with the prefix at hand (an empty
      // segment, as in "a//b", equals none).
      if (f.left & kTryStatic) {
        f.left &= ~kTryStatic;
        child = find_static(*at, {next, static_cast<std::size_t>(seg.end - next)}, seg.prefix);
      }
    }
    while (child == kNone) {
      if (f.left == 0) {
        // Nothing (more) to try here: back to the latest segment that has.
        if (depth == 0) return false;
        f = stack[--depth];
        count = f.count;
        at = &nodes[f.node];
        continue;
      }
      // The segment's next alternative.
      const std::string_view seg(f.seg, static_cast<std::size_t>(f.seg_end - f.seg));
      const int alternative = std::countr_zero(f.left);
      f.left &= f.left - 1;
      if (alternative == std::countr_zero(kTryDecodedStatic)) {
        // Distinct literals: at most one equals the decoding (and it is not the segment
        // itself, which is longer).
        for (const auto& [literal, literal_node] : at->statics)
          if (seg.size() > literal.size() && url::decoded_equals(seg, literal, false)) {
            child = literal_node;
            break;
          }
      } else if (count == Params::kMax) {
        // No room for another parameter: no parameter or catch-all matches.
      } else if (alternative == std::countr_zero(kTryCatchAll)) {
        const std::string_view all(f.seg, static_cast<std::size_t>(end - f.seg));
        st.raw[count] = {all.data(), all.size(), escapes && has_escape(all)};
        st.count = count + 1;
        st.found = at->catch_all != kNone ? at->catch_all : at->optional_catch_all;
        return true;
      } else {
        const std::size_t type = static_cast<std::size_t>(alternative - std::countr_zero(kTryParam));
        if (!seg.empty() &&
            (type == static_cast<std::size_t>(ParamType::any) || matches_type(static_cast<ParamType>(type), seg))) {
          st.raw[count++] = {seg.data(), seg.size(), f.escaped};
          child = at->dynamic[type].node;
        }
      }
    }
    if (f.left != 0) stack[depth++] = f;
    node = child;
    next = f.seg_end == end ? end : f.seg_end + 1;
  }
}

void Router::bind(RouteId id, MatchState& st, Params& params) const {
  const Route& route = routes_[id];
  std::size_t decoded_bytes = 0;
  for (std::size_t i = 0; i < st.count; ++i) {
    const MatchState::Raw& r = st.raw[i];
    Params::Entry& e = params.entries_[i];
    e.name = route.names[i];
    e.raw = {r.data, r.size};
    // The value stays raw unless decoded below (then value.data() != raw.data()).
    e.value = r.escaped ? std::string_view{} : e.raw;
    e.catch_all = false;
    if (r.escaped) decoded_bytes += r.size;
  }
  if (st.count != 0 && route.ends_in_catch_all) params.entries_[st.count - 1].catch_all = true;
  if (decoded_bytes == 0) {
    params.size_ = static_cast<std::uint8_t>(st.count);
    return;
  }
  if (params.scratch_.size() < decoded_bytes) params.scratch_.resize(decoded_bytes);
  char* out = params.scratch_.data();
  for (std::size_t i = 0; i < st.count; ++i) {
    Params::Entry& e = params.entries_[i];
    if (e.value.data() == e.raw.data()) continue;
    const std::size_t n = url::decode(e.raw, out, false);
    e.value = {out, n};
    out += n;
  }
  params.size_ = static_cast<std::uint8_t>(st.count);
}

}  // namespace ignis
