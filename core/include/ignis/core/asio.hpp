#pragma once
// Embedding: a reactor on an asio::io_context that the host program owns and runs.
//
//   asio::io_context io;
//   auto reactor = ignis::make_reactor(io);
//   ignis::Server server(app, {.port = 8080}, {reactor.get()});   // http/server.hpp
//   server.start();
//   io.run();                       // the host's loop serves ignis's connections too
//
// The loop must be run by one thread at a time (a reactor is single-threaded: give each
// thread its own io_context). This header includes Asio; the rest of ignis's public
// headers do not.

#include <asio/io_context.hpp>

#include <memory>

#include "ignis/core/reactor.hpp"

namespace ignis {

// The epoll backend on the host's loop. stop() leaves the loop alone; the host runs and
// stops it.
std::unique_ptr<Reactor> make_reactor(asio::io_context& io);

}  // namespace ignis
