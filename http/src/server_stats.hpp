#pragma once
// Process-wide counters the server keeps for metrics.hpp.

#include <atomic>
#include <cstdint>

namespace ignis::detail {

// Connections accepted and not yet closed, over every worker.
inline std::atomic<std::int64_t> open_connection_count{0};

}  // namespace ignis::detail
