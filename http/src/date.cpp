#include "date.hpp"

#include <cstdio>

namespace ignis::detail {

void DateLine::refresh() noexcept {
  const std::time_t now = std::time(nullptr);
  if (now == second_) return;
  second_ = now;
  std::tm tm{};
  gmtime_r(&now, &tm);
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int n = std::snprintf(text_, sizeof text_, "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n", days[tm.tm_wday],
                        tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  length_ = n > 0 ? static_cast<std::size_t>(n) : 0;
}

}  // namespace ignis::detail
