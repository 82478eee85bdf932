#pragma once
// Logging goes through a sink the embedding program can replace; by default it is one
// line per message on stderr.

#include <functional>
#include <string_view>

namespace ignis {

enum class LogLevel { debug, info, warn, error };

using LogSink = std::function<void(LogLevel, std::string_view message)>;

// Writes "ignis <level>: <message>" to stderr.
void log_to_stderr(LogLevel level, std::string_view message);

}  // namespace ignis
