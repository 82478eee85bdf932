# Compiler flags shared by every ignis target.

# ignis_target_defaults(<target>): warnings on, sanitizers when asked.
function(ignis_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ 12 warns falsely on coroutine frames at -O1 and under ASan.
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
  endif()
endfunction()

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
