#include "ignis/http/log.hpp"

#include <unistd.h>

#include <string>

namespace ignis {

void log_to_stderr(LogLevel level, std::string_view message) {
  static constexpr std::string_view names[] = {"debug", "info", "warn", "error"};
  std::string line = "ignis ";
  line += names[static_cast<int>(level)];
  line += ": ";
  line += message;
  line += '\n';
  // One write per line, so lines from several threads do not interleave.
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace ignis
