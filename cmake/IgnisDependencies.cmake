# Every dependency comes from a Debian 12 package (scripts/install-deps.sh installs them).

find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# Standalone Asio (libasio-dev): header-only, no CMake package of its own. Configured as
# Asio configures itself, so that a host program running ignis on its own io_context
# (core/io_context.hpp) compiles the same Asio: with ASIO_NO_TYPEID on one side only, say, each
# side would key Asio's services differently and the io_context would get two schedulers.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(ignis_asio INTERFACE)
target_include_directories(ignis_asio SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
target_compile_definitions(ignis_asio INTERFACE ASIO_STANDALONE)
target_link_libraries(ignis_asio INTERFACE Threads::Threads)

# liburing (liburing-dev): pkg-config only.
pkg_check_modules(URING REQUIRED IMPORTED_TARGET liburing)

# OpenSSL (libssl-dev): HMAC, SHA-256 and randomness for signatures and sessions.
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)

# hiredis (libhiredis-dev): the Redis client's protocol; pkg-config only.
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)

# simdjson (libsimdjson-dev): a shared library with a CMake package.
find_package(simdjson 3 CONFIG REQUIRED)

# llhttp: Debian's node-llhttp ships the generated C sources, not a library; build them here.
include(IgnisLlhttp)
