#pragma once
// The "Date: ...\r\n" header line, formatted once a second (RFC 9110 IMF-fixdate).

#include <ctime>
#include <string_view>

namespace ignis::detail {

class DateLine {
 public:
  // Re-formats the line if the wall-clock second changed.
  void refresh() noexcept;
  std::string_view get() const noexcept { return {text_, length_}; }

 private:
  std::time_t second_ = -1;
  char text_[64] = {};
  std::size_t length_ = 0;
};

}  // namespace ignis::detail
