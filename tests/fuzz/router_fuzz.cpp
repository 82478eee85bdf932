// libFuzzer target: route registration and matching (router/src/router.cpp), and the App
// routing built on it.
//
// Input: lines. A line starting with '+' registers the rest as a pattern; any other line
// is a path to match. Invariants: registration either throws InvalidRoutePattern or
// RouteConflict and leaves the router as it was, or returns an id that find() gives back;
// every registered pattern matches a path made from it (its parameters filled in), and
// when the match is that route, each parameter has the value filled in; any match binds
// only the matched route's parameter names, at most Params::kMax of them; and every
// answer (route and parameters) is the one of tests/support/router_reference.hpp, which
// matches each pattern on its own.
//
//   scripts/fuzz.sh router 600

#include <ignis/router/router.hpp>
#include <ignis/router/url.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/router_reference.hpp"

using ignis::Params;
using ignis::Router;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "router_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

struct Registered {
  std::string pattern;
  Router::RouteId id;
};

// A concrete path for a pattern: [x] -> "v<k>", [x:int] -> "<k>", [x:uuid] -> a UUID ending
// in k, [...x] -> "c<k>/d", [[...x]] -> "o<k>".
// Returns the path and the value each parameter must then have.
std::string instantiate(std::string_view pattern, std::vector<std::pair<std::string, std::string>>& values) {
  std::string path;
  std::string_view rest = pattern.substr(1);
  if (rest.size() > 1 && rest.back() == '/') rest.remove_suffix(1);
  int k = 0;
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    std::string value;
    if (seg.starts_with("[[...")) {
      value = "o" + std::to_string(k++);
      values.emplace_back(std::string(seg.substr(5, seg.size() - 7)), value);
    } else if (seg.starts_with("[...")) {
      value = "c" + std::to_string(k++) + "/d";
      values.emplace_back(std::string(seg.substr(4, seg.size() - 5)), value);
    } else if (seg.starts_with("[")) {
      const std::string_view inner = seg.substr(1, seg.size() - 2);
      const std::string_view type = inner.substr(std::min(inner.find(':'), inner.size()));
      const std::string n = std::to_string(k++);
      if (type == ":int")
        value = n;
      else if (type == ":uuid")
        value = "00000000-0000-4000-8000-" + std::string(12 - n.size(), '0') + n;
      else
        value = "v" + n;
      values.emplace_back(std::string(inner.substr(0, inner.find(':'))), value);
    } else {
      path += "/" + std::string(seg);
      continue;
    }
    path += "/" + value;
  }
  return path.empty() ? "/" : path;
}

// patterns: the registered ones, by id.
void check_match(const Router& router, const std::vector<std::string>& patterns, std::string_view path,
                 Params& params) {
  const auto id = router.match(path, params);
  const auto want = ignis::test::reference_match(patterns, path);
  if (want && want->tie) fail("the reference found two winners", path);
  if (id.has_value() != want.has_value()) fail(id ? "a match the reference does not make" : "a match missed", path);
  if (!id) {
    if (params.size() != 0) fail("a failed match left parameters", path);
    return;
  }
  if (*id != want->index) fail("not the reference's route", path);
  if (params.size() != want->params.size()) fail("not the reference's number of parameters", path);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params.name(i) != want->params[i].name) fail("not the reference's parameter name", path);
    if (params.value(i) != ignis::url::decode(want->params[i].raw)) fail("not the reference's value", path);
  }
  if (*id >= router.size()) fail("match returned an unknown id", path);
  if (params.size() > Params::kMax) fail("too many parameters", path);
  const std::string_view pattern = router.pattern(*id);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string name(params.name(i));
    if (pattern.find("[" + name + "]") == std::string_view::npos && pattern.find("[" + name + ":") == std::string_view::npos &&
        pattern.find("..." + name + "]") == std::string_view::npos)
      fail("a parameter the route does not have", pattern);
    (void)params.segments(params.name(i));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Router router;
  Params params;
  std::vector<Registered> registered;
  std::vector<std::string> patterns;  // by id
  std::vector<std::string> paths;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line[0] == '+') {
      const std::string_view pattern = line.substr(1);
      const std::size_t before = router.size();
      try {
        const auto id = router.add(pattern);
        if (router.find(pattern) != id) fail("find() does not give the id back", pattern);
        if (id != patterns.size()) fail("ids are not sequential", pattern);
        registered.push_back({std::string(pattern), id});
        patterns.emplace_back(pattern);
      } catch (const ignis::InvalidRoutePattern&) {
        if (router.size() != before) fail("a refused pattern was registered", pattern);
      } catch (const ignis::RouteConflict&) {
        if (router.size() != before) fail("a conflicting pattern was registered", pattern);
      }
    } else {
      paths.emplace_back(line);
    }
  }

  for (const std::string& path : paths) check_match(router, patterns, path, params);

  for (const Registered& r : registered) {
    std::vector<std::pair<std::string, std::string>> values;
    const std::string path = instantiate(r.pattern, values);
    const auto id = router.match(path, params);
    if (!id) fail("a registered pattern does not match a path made from it", r.pattern + " -> " + path);
    check_match(router, patterns, path, params);
    if (*id != r.id) continue;  // a more specific route won: fine
    for (const auto& [name, value] : values) {
      // An optional catch-all may also be matched with nothing, but not here.
      if (params.get(name) != ignis::url::decode(value)) fail("a parameter lost its value", r.pattern + " -> " + path);
    }
  }
  return 0;
}
