#pragma once
// What the HTTP server's workers tell the rest of the http module (the client).

namespace ignis::detail {

// Closes this thread's idle fetch() connections. A worker calls it just before its reactor
// stops, so that their sockets are released while the loop can still complete the
// cancellations (client.cpp).
void close_idle_client_connections() noexcept;

}  // namespace ignis::detail
