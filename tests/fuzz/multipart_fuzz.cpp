// libFuzzer target: the multipart parser must end every input with done or an error, never
// hand out an empty or out-of-order event, and give the same parts whatever the pieces the
// body arrives in (the first input bytes choose the cuts).
//
//   cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DIGNIS_FUZZ=ON
//   ninja -C build-fuzz multipart_fuzz && build-fuzz/bin/multipart_fuzz -max_total_time=60

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "multipart_parser.hpp"

using ignis::detail::MultipartParser;

namespace {

struct Outcome {
  std::vector<std::string> heads;  // name, filename, type of each part
  std::vector<std::string> data;
  bool done = false;
  MultipartParser::Error error = MultipartParser::Error::none;
  bool operator==(const Outcome&) const = default;
};

Outcome run(std::string_view body, const std::vector<std::size_t>& cuts) {
  MultipartParser p("XyZ", 256);
  Outcome out;
  std::size_t at = 0, cut = 0;
  std::string piece;
  bool in_part = false;
  for (;;) {
    switch (p.next()) {
      case MultipartParser::Event::need_more: {
        if (at == body.size()) {
          p.finish();
          break;
        }
        std::size_t n = cut < cuts.size() ? cuts[cut++] : body.size() - at;
        if (n == 0 || n > body.size() - at) n = body.size() - at;
        piece.assign(body.substr(at, n));  // a copy: a view kept too long shows under ASan
        at += n;
        p.feed(piece);
        break;
      }
      case MultipartParser::Event::part_begin:
        if (in_part) std::abort();
        in_part = true;
        out.heads.push_back(std::string(p.name()) + '\0' + std::string(p.filename()) + '\0' +
                            std::string(p.content_type()) + (p.has_filename() ? "1" : "0"));
        out.data.emplace_back();
        break;
      case MultipartParser::Event::data:
        if (!in_part || p.data().empty()) std::abort();
        out.data.back().append(p.data());
        break;
      case MultipartParser::Event::part_end:
        if (!in_part) std::abort();
        in_part = false;
        break;
      case MultipartParser::Event::done:
        if (in_part) std::abort();
        out.done = true;
        return out;
      case MultipartParser::Event::error:
        out.error = p.error();
        return out;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t ncuts = data[0] % 8;
  if (size < 1 + ncuts) return 0;
  std::vector<std::size_t> cuts(data + 1, data + 1 + ncuts);
  const std::string_view body(reinterpret_cast<const char*>(data + 1 + ncuts), size - 1 - ncuts);
  const Outcome whole = run(body, {});
  const Outcome pieces = run(body, cuts);
  const Outcome bytes = run(body, std::vector<std::size_t>(body.size(), 1));
  if (!(whole == pieces) || !(whole == bytes)) std::abort();
  return 0;
}
