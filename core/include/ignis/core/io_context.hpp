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
//
// ignis compiles Asio as Asio configures itself (standalone, no other ASIO_* macros), and
// the host must too: Asio is header-only, so both sides' copies of its inline code meet
// in one program, and a different configuration breaks it silently (with ASIO_NO_TYPEID
// on one side, each side keys Asio's services apart and the io_context runs two
// schedulers). The macros that do so are refused here.

#include <asio/io_context.hpp>

#if defined(ASIO_NO_TYPEID) || defined(ASIO_DISABLE_EPOLL) || defined(ASIO_HAS_IO_URING) || \
    defined(ASIO_DISABLE_THREADS) || defined(ASIO_ENABLE_HANDLER_TRACKING)
#error "ignis/core/io_context.hpp: ignis is built with Asio's default configuration; build the host the same way"
#endif

#include <memory>

#include "ignis/core/reactor.hpp"

namespace ignis {

// The epoll backend on the host's loop. stop() leaves the loop alone; the host runs and
// stops it.
std::unique_ptr<Reactor> make_reactor(asio::io_context& io);

}  // namespace ignis
