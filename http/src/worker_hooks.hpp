#pragma once
// What the HTTP server's workers tell the rest of the http module (metrics, the client).

#include <atomic>
#include <cstdint>

namespace ignis::detail {

// Connections accepted and not yet closed, over every worker (metrics.hpp).
inline std::atomic<std::int64_t> open_connection_count{0};

// Closes this thread's idle fetch() connections. A worker calls it just before its reactor
// stops, so that their sockets are released while the loop can still complete the
// cancellations (client.cpp).
void close_idle_client_connections() noexcept;

}  // namespace ignis::detail
