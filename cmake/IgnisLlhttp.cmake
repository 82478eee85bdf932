# Builds llhttp's C sources from Debian's node-llhttp package into a static library.
# The sources are read from the package at build time and never copied into this tree.

find_path(LLHTTP_INCLUDE_DIR llhttp.h PATHS /usr/share/include/llhttp NO_DEFAULT_PATH)
find_path(LLHTTP_SOURCE_DIR llhttp.c PATHS /usr/share/llhttp NO_DEFAULT_PATH)
if(NOT LLHTTP_INCLUDE_DIR OR NOT LLHTTP_SOURCE_DIR)
  message(FATAL_ERROR "llhttp not found: install Debian's node-llhttp (scripts/install-deps.sh)")
endif()

# An object library: its objects go into ignis_http, so nothing more is installed.
add_library(ignis_llhttp OBJECT
  ${LLHTTP_SOURCE_DIR}/api.c
  ${LLHTTP_SOURCE_DIR}/http.c
  ${LLHTTP_SOURCE_DIR}/llhttp.c)
target_include_directories(ignis_llhttp SYSTEM PUBLIC ${LLHTTP_INCLUDE_DIR})
# Generated code: optimise it, and keep our warning flags off it (-Wextra floods it).
target_compile_options(ignis_llhttp PRIVATE -O3 -w)
# Link-time optimisation across llhttp's three files only, so that the parser's state
# machine (llhttp.c) inlines the callback wrappers and flag checks it calls in api.c and
# http.c. Fat objects: a link without the LTO plugin still finds plain code in them.
# Turn it off for a library that programs built by another GCC version will link.
option(IGNIS_LLHTTP_LTO "Link-time optimisation within llhttp (GCC)" ON)
include(CheckCCompilerFlag)
check_c_compiler_flag("-flto -ffat-lto-objects" IGNIS_HAS_FAT_LTO)
if(IGNIS_LLHTTP_LTO AND IGNIS_HAS_FAT_LTO AND NOT IGNIS_SANITIZE AND NOT IGNIS_FUZZ)
  target_compile_options(ignis_llhttp PRIVATE -flto -ffat-lto-objects -fno-semantic-interposition)
endif()
# llhttp scans header values with SSE4.2 when it may (about 20% faster on browser-like
# heads). x86-64-v2 (SSE4.2, 2009 and later) is every x86 server in service; turn this off
# to build for older processors.
include(CheckCCompilerFlag)
check_c_compiler_flag(-march=x86-64-v2 IGNIS_HAS_X86_64_V2)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND IGNIS_HAS_X86_64_V2)
  option(IGNIS_LLHTTP_SSE42 "Build llhttp for x86-64-v2 (SSE4.2)" ON)
  if(IGNIS_LLHTTP_SSE42)
    target_compile_options(ignis_llhttp PRIVATE -march=x86-64-v2)
  endif()
endif()
set_target_properties(ignis_llhttp PROPERTIES C_STANDARD 99)
