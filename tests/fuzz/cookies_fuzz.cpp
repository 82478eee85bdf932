// libFuzzer target: cookies (http/src/cookies.cpp) and the signed values and session
// tokens built on them (http/src/session.cpp).
//
// Input: "<Cookie header>\n<name>\n<value>". Invariants: a looked-up value is a view
// into the header; format_set_cookie() either refuses the name or value or produces one
// header value (no CR, LF or NUL) whose "name=value" a Cookie header gives back; a signed
// value and a session token come back intact, and one changed byte makes them refused.
//
//   scripts/fuzz.sh cookies 600

#include <ignis/http/cookies.hpp>
#include <ignis/http/session.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "cookies_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

std::optional<std::string_view> lookup(std::string_view header, std::string_view name) {
  const ignis::HeaderField field{"Cookie", header};
  const ignis::RequestHeaders headers(std::span<const ignis::HeaderField>(&field, 1));
  auto v = ignis::RequestCookies(headers).get(name);
  if (v && !v->empty() && (v->data() < header.data() || v->data() + v->size() > header.data() + header.size()))
    fail("a cookie value outside its header", header);
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t a = text.find('\n');
  const std::string_view header = text.substr(0, a);
  const std::string_view rest = a == std::string_view::npos ? std::string_view{} : text.substr(a + 1);
  const std::size_t b = rest.find('\n');
  const std::string_view name = rest.substr(0, b);
  const std::string_view value = b == std::string_view::npos ? std::string_view{} : rest.substr(b + 1);

  (void)lookup(header, name);

  static const ignis::Signer signer("fuzz secret");
  static const ignis::Sessions sessions("fuzz secret");

  std::string set;
  try {
    set = ignis::format_set_cookie(name, value, {.max_age = 60, .http_only = true, .same_site = ignis::SameSite::lax});
  } catch (const std::invalid_argument&) {
    set.clear();
  }
  if (!set.empty()) {
    for (char c : set)
      if (c == '\r' || c == '\n' || c == '\0') fail("a control character in Set-Cookie", set);
    const std::string pair = set.substr(0, set.find(';'));
    if (pair != std::string(name) + "=" + std::string(value)) fail("Set-Cookie does not start with name=value", set);
    const auto back = lookup(pair, name);
    // A quoted value comes back without its quotes, as RFC 6265 reads it.
    std::string_view expect = value;
    if (expect.size() >= 2 && expect.front() == '"' && expect.back() == '"') expect = expect.substr(1, expect.size() - 2);
    if (!back || *back != expect) fail("a cookie set does not read back", set);

    // Signed with the cookie's name as its purpose, as set_signed() does.
    const std::string sealed = signer.sign(value, name);
    const auto opened = signer.unsign(sealed, name);
    if (!opened || *opened != value) fail("a signed value does not unsign", sealed);
    std::string tampered = sealed;
    tampered[size % tampered.size()] ^= 0x01;
    if (auto t = signer.unsign(tampered, name); t && *t == value && tampered != sealed)
      fail("a tampered signed value was accepted", tampered);
    if (!name.empty() && signer.unsign(sealed, std::string(name) + "x")) fail("a value signed for another purpose was accepted", sealed);
  }

  // Arbitrary bytes in a session token, and tokens made of arbitrary input.
  (void)sessions.verify(header);
  const std::string token = sessions.issue(value);
  const auto data_back = sessions.verify(token);
  if (!data_back || *data_back != value) fail("a session token does not verify", token);
  std::string bad = token;
  bad[size % bad.size()] ^= 0x01;
  if (auto t = sessions.verify(bad); t && *t == value && bad != token) fail("a tampered session token was accepted", bad);
  return 0;
}
