# Compiler flags shared by every ignis target.

# ignis_target_defaults(<target>): warnings on, sanitizers when asked.
function(ignis_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ 12 warns falsely on coroutine frames at -O1 and under ASan.
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
  endif()
endfunction()

# libFuzzer builds (clang): every target gets coverage instrumentation, so the fuzz
# targets under tests/fuzz see the code they drive; ASan and UBSan come with it.
option(IGNIS_FUZZ "Build the libFuzzer targets under tests/fuzz (clang; implies IGNIS_SANITIZE)" OFF)
if(IGNIS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "IGNIS_FUZZ needs clang (libFuzzer)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
  set(IGNIS_SANITIZE ON)
endif()

# ThreadSanitizer builds, for the multi-threaded tests (scripts/test-sanitizers.sh).
option(IGNIS_TSAN "Build with ThreadSanitizer" OFF)
if(IGNIS_TSAN)
  if(IGNIS_SANITIZE)
    message(FATAL_ERROR "IGNIS_TSAN and IGNIS_SANITIZE cannot be combined")
  endif()
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ warns that TSan does not instrument atomic_thread_fence.
    add_compile_options(-Wno-tsan)
  endif()
  add_link_options(-fsanitize=thread)
endif()

if(IGNIS_SANITIZE)
  set(_ignis_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # clang 14's function sanitizer trips on coroutine resume through a void pointer.
    list(APPEND _ignis_san -fno-sanitize=function)
  endif()
  add_compile_options(${_ignis_san})
  # Recycled frames and buffers would hide use-after-free from ASan.
  add_compile_definitions(IGNIS_NO_FRAME_POOL=1)
  add_link_options(${_ignis_san})
endif()
