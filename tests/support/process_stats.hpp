#pragma once
// What a process holds, for tests that bound it: resident memory, open descriptors, CPU time.

#include <sys/types.h>

#include <chrono>
#include <cstddef>

namespace ignis::testing {

// Resident set size in bytes (/proc/<pid>/statm), 0 if unreadable. pid 0: this process.
std::size_t resident_bytes(pid_t pid = 0);
// Open file descriptors (/proc/<pid>/fd).
std::size_t open_descriptors(pid_t pid = 0);
// User plus system CPU time used so far (/proc/<pid>/stat).
std::chrono::milliseconds cpu_time(pid_t pid = 0);

// Raises this process's soft RLIMIT_NOFILE to at least n (up to the hard limit); returns
// the limit now in force.
std::size_t raise_descriptor_limit(std::size_t n);

}  // namespace ignis::testing

namespace ignis::testing {

// Memory figures mean little under a sanitizer (shadow memory, quarantined frees): tests
// skip their memory bounds there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace ignis::testing
