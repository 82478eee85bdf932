// libFuzzer target: the header parsers of file responses (http/src/file.cpp): Range,
// HTTP dates, Content-Disposition, and FileRoot's lexical check of names.
//
// Input: 8 bytes of file size, then the text. Invariants: a satisfiable range lies inside
// the file (first <= last < size); a parsed date formats back to a date that parses to the
// same time; a Content-Disposition value holds no control character or unescaped quote;
// a name FileRoot accepts has no "..", ".", empty or absolute segment, no backslash, NUL
// or control character.
//
//   scripts/fuzz.sh range 600

#include <ignis/http/file.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "range_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void check_name(std::string_view name) {
  if (!ignis::FileRoot::acceptable(name)) return;
  if (name.empty() || name.front() == '/') fail("an absolute or empty name was accepted", name);
  for (char c : name)
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) fail("a control character or backslash accepted", name);
  std::string_view rest = name;
  for (;;) {
    const std::size_t slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    if (seg.empty() || seg == "." || seg == "..") fail("a '.', '..' or empty segment accepted", name);
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
}

void check_disposition(std::string_view name) {
  const std::string d = ignis::content_disposition(name);
  for (char c : d)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || static_cast<unsigned char>(c) >= 0x80)
      fail("a control or non-ASCII byte in Content-Disposition", d);
  // filename="...": every quote inside is escaped.
  const std::size_t open = d.find("filename=\"");
  if (open == std::string::npos) fail("no filename in Content-Disposition", d);
  std::size_t i = open + 10;
  for (; i < d.size() && d[i] != '"'; ++i)
    if (d[i] == '\\') ++i;
  if (i >= d.size()) fail("an unterminated quoted filename", d);
  const std::string_view after = std::string_view(d).substr(i + 1);
  if (!after.empty() && !after.starts_with("; filename*=UTF-8''")) fail("something after the quoted filename", d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  std::uint64_t file_size;
  std::memcpy(&file_size, data, 8);
  if (data[0] & 1) file_size %= 4096;  // small files half the time
  const std::string_view text(reinterpret_cast<const char*>(data + 8), size - 8);

  ignis::ByteRange range{12345, 67890};
  switch (ignis::parse_range(text, file_size, range)) {
    case ignis::RangeStatus::satisfiable:
      if (range.first > range.last || range.last >= file_size) fail("a range outside the file", text);
      break;
    case ignis::RangeStatus::unsatisfiable:
    case ignis::RangeStatus::ignored:
      break;
  }

  if (auto t = ignis::parse_http_date(text)) {
    const std::string formatted = ignis::format_http_date(*t);
    auto again = ignis::parse_http_date(formatted);
    if (!again || *again != *t) fail("a date does not survive formatting", text);
  }

  check_name(text);
  check_disposition(text);
  (void)ignis::content_type_for(text);
  return 0;
}
