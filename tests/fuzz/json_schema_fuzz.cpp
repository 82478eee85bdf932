// libFuzzer target: mapping any bytes onto a struct either throws json::ParseError or
// returns a value with issues; a value without issues validates clean and survives a
// write-and-read round trip unchanged.
//
//   ninja -C build-fuzz json_schema_fuzz && build-fuzz/bin/json_schema_fuzz -max_total_time=60

#include <ignis/json/schema.hpp>
#include <ignis/json/writer.hpp>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace fuzz {

enum class Kind { a, b };
constexpr auto json_schema(ignis::json::For<Kind>) { return ignis::json::enumeration<Kind>({{Kind::a, "a"}, {Kind::b, "b"}}); }

struct Inner {
  std::string name;
  std::optional<double> weight;
};
constexpr auto json_schema(ignis::json::For<Inner>) {
  using ignis::json::field;
  return ignis::json::object(field<&Inner::name>("name").max(8), field<&Inner::weight>("weight"));
}

struct Doc {
  std::string title;
  std::int8_t small = 0;
  std::uint64_t big = 0;
  bool flag = false;
  Kind kind = Kind::a;
  std::vector<std::string> tags;
  std::vector<Inner> items;
  std::optional<Inner> extra;
};
constexpr auto json_schema(ignis::json::For<Doc>) {
  using ignis::json::field;
  return ignis::json::object(field<&Doc::title>("title").min(1).max(20).pattern("^[a-z ]*$"),
                             field<&Doc::small>("small").optional().min(-5), field<&Doc::big>("big").optional(),
                             field<&Doc::flag>("flag").optional(), field<&Doc::kind>("kind").optional(),
                             field<&Doc::tags>("tags").optional().max(4).each(ignis::json::Rules{}.min(1)),
                             field<&Doc::items>("items").optional(), field<&Doc::extra>("extra"));
}

}  // namespace fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ignis::json::Result<fuzz::Doc> r;
  try {
    r = ignis::json::parse<fuzz::Doc>(text);
  } catch (const ignis::json::ParseError&) {
    return 0;
  }
  for (const auto& issue : r.issues)
    if (issue.message.empty()) std::abort();
  if (!r.ok()) return 0;
  if (!ignis::json::validate(r.value).empty()) std::abort();
  const std::string written = ignis::json::stringify(r.value);
  auto again = ignis::json::parse<fuzz::Doc>(written);
  if (!again.ok() || ignis::json::stringify(again.value) != written) std::abort();
  return 0;
}
