#pragma once
// Router: a radix tree over path segments, with Next.js App Router segment syntax
// (pattern.hpp): static beats typed parameters ([id:int], [id:uuid]) beat untyped ones
// ([slug]) beat catch-alls, segment by segment, with backtracking. Parameters
// come back percent-decoded. A registration that conflicts with an earlier one (a
// duplicate, different parameter names at one position, two catch-alls that would match
// the same paths) throws RouteConflict naming both patterns. Matching allocates nothing
// unless a parameter holds %-escapes, and then only until its scratch buffer is warm.

#include <array>
#include <charconv>
#include <type_traits>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ignis/router/pattern.hpp"

namespace ignis {

class RouteConflict : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class Params {
 public:
  static constexpr std::size_t kMax = 16;

  // The decoded value, or an empty view when the route has no such parameter (or an
  // optional catch-all matched nothing). A catch-all's value is its segments joined by '/'.
  std::string_view get(std::string_view name) const noexcept;
  bool has(std::string_view name) const noexcept;
  // A catch-all's segments, each decoded on its own (so an encoded '/' stays inside one).
  std::vector<std::string> segments(std::string_view name) const;
  // The value as a number: always set for a parameter typed [name:int] in its pattern;
  // nullopt if absent or not a number of type T.
  template <class T>
    requires std::is_arithmetic_v<T>
  std::optional<T> as(std::string_view name) const noexcept {
    const std::string_view v = get(name);
    T out{};
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) return std::nullopt;
    return out;
  }

  std::size_t size() const noexcept { return size_; }
  std::string_view name(std::size_t i) const noexcept { return entries_[i].name; }
  std::string_view value(std::size_t i) const noexcept { return entries_[i].value; }
  void clear() noexcept { size_ = 0; }

 private:
  friend class Router;
  struct Entry {
    std::string_view name;
    std::string_view value;  // decoded
    std::string_view raw;    // as it appeared in the path
    bool catch_all;
  };
  const Entry* find(std::string_view name) const noexcept;

  std::array<Entry, kMax> entries_{};
  std::uint8_t size_ = 0;
  std::string scratch_;  // decoded values of parameters that held %-escapes
};

class Router {
 public:
  using RouteId = std::uint32_t;

  Router();

  // Registers a pattern and returns its id. Throws InvalidRoutePattern or RouteConflict.
  RouteId add(std::string_view pattern);
  // The id of an already registered pattern.
  std::optional<RouteId> find(std::string_view pattern) const;
  // Matches a path (without its query) and fills params. A trailing '/' is ignored.
  std::optional<RouteId> match(std::string_view path, Params& params) const;

  std::string_view pattern(RouteId id) const noexcept { return routes_[id].pattern; }
  std::size_t size() const noexcept { return routes_.size(); }

 private:
  static constexpr std::uint32_t kNone = ~0u;

  struct Route {
    std::string pattern;
    std::vector<std::string> names;  // parameter names in order
    bool ends_in_catch_all;
  };
  struct Dynamic {
    std::uint32_t node = kNone;
    std::string name;
    std::uint32_t owner = kNone;  // the route that introduced it, for messages
  };
  struct StaticKey {
    std::uint64_t prefix;  // the first (up to) 8 bytes, zero-padded
    std::uint32_t size = kNone;
    std::uint32_t index;   // into statics (exact_)
    std::uint32_t target;  // its node (route), at hand
  };
  struct Node {
    std::vector<std::pair<std::string, std::uint32_t>> statics;  // segment -> node
    // The statics again, keyed for matching: scanned while few, else an open-addressing
    // table (a power of two in size, empty slots with size kNone).
    std::vector<StaticKey> static_keys;
    bool statics_hashed = false;
    std::uint32_t static_mask = 0;  // static_keys.size() - 1, when hashed
    std::array<Dynamic, kParamTypes> dynamic;      // [name:int], [name:uuid], [name]
    std::uint32_t route = kNone;                   // route ending here
    std::uint32_t catch_all = kNone;               // route for [...name] here
    std::uint32_t optional_catch_all = kNone;      // route for [[...name]] here
    std::uint8_t alternatives = 0;                 // what a segment may match here (kTry*)
  };
  struct MatchState;
  struct Frame;

  // The parts of match(), defined in router.cpp, its only user: inline, so that they are
  // one function (in a position-independent build, calls would stay calls otherwise).
  inline bool walk(std::string_view path, MatchState& st) const;
  static inline std::uint32_t find_static(const Node& n, std::string_view seg, std::uint64_t prefix) noexcept;
  inline void bind(RouteId id, MatchState& st, Params& params) const;
  static void index_statics(Node& n);
  static void note_alternatives(Node& n) noexcept;

  // Routes made of literal segments only, by their whole path ("/api/users"): such a
  // path is matched by one lookup (what the tree would find: statics win at every level).
  struct Exact {
    std::string path;
    RouteId route;
  };
  void index_exact(std::string path, RouteId route);
  inline std::optional<RouteId> find_exact(std::string_view path) const noexcept;

  std::vector<Node> nodes_;
  std::vector<Route> routes_;
  std::vector<Exact> exact_;
  std::vector<StaticKey> exact_keys_;  // open addressing over exact_, as a node's statics
  std::size_t exact_mask_ = 0;         // exact_keys_.size() - 1
  std::size_t longest_exact_ = 0;      // longer paths skip the lookup
};

}  // namespace ignis
