// libFuzzer target: percent-decoding (router/src/url.cpp) and search params
// (Request::search_params(), http/src/request.cpp).
//
// Input: a request target's query string (and, after the first '\n', names to look up).
// Invariants: decoding never lengthens, changes nothing when needs_decoding() says so,
// and agrees with decoded_equals(); encode_component() output is unreserved characters
// and %XX only, and decodes back to its input; get(), get_all() and has() agree, and
// get() is the first of get_all(), for every name in the query and the names given.
//
//   scripts/fuzz.sh url 600

#include <ignis/http/request.hpp>
#include <ignis/router/url.hpp>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace url = ignis::url;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "url_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void check_decoding(std::string_view s) {
  for (bool plus : {false, true}) {
    const std::string d = url::decode(s, plus);
    if (d.size() > s.size()) fail("decoding lengthened", s);
    if (!url::needs_decoding(s, plus) && d != s) fail("decoding changed a string that needed none", s);
    if (!url::decoded_equals(s, d, plus)) fail("decoded_equals disagrees with decode", s);
    if (url::decoded_equals(s, d + "x", plus)) fail("decoded_equals accepts a longer string", s);
    if (!d.empty() && url::decoded_equals(s, std::string_view(d).substr(0, d.size() - 1), plus))
      fail("decoded_equals accepts a shorter string", s);
  }
  const std::string e = url::encode_component(s);
  for (std::size_t i = 0; i < e.size(); ++i) {
    const char c = e[i];
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) continue;
    if (c != '%' || i + 2 >= e.size() || !std::isxdigit(static_cast<unsigned char>(e[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(e[i + 2])))
      fail("encode_component left a reserved character", s);
    i += 2;
  }
  if (url::decode(e) != s) fail("encode_component does not decode back", s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = text.find('\n');
  const std::string_view query = text.substr(0, nl);
  check_decoding(query);

  std::vector<std::string> names;
  if (nl != std::string_view::npos) {
    std::string_view rest = text.substr(nl + 1);
    while (!rest.empty()) {
      const std::size_t next = rest.find('\n');
      names.emplace_back(rest.substr(0, next));
      rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    }
  }
  // Every name in the query, decoded as a form decodes it.
  for (std::string_view rest = query; !rest.empty();) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    names.push_back(url::decode(pair.substr(0, pair.find('=')), true));
  }

  const std::string target = "/p?" + std::string(query);
  ignis::Request req;
  ignis::Request::Head head;
  head.method_name = "GET";
  head.target = target;
  req.reset(head, nullptr);
  if (req.path() != "/p" || req.query() != query.substr(0, query.find('#'))) fail("the target was split wrongly", target);
  const ignis::SearchParams& params = req.search_params();
  for (const std::string& name : names) {
    const auto one = params.get(name);
    const auto all = params.get_all(name);
    if (params.has(name) != one.has_value() || one.has_value() != !all.empty())
      fail("get, get_all and has disagree", name);
    if (one && *one != all.front()) fail("get is not the first of get_all", name);
  }
  return 0;
}
