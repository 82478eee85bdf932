#include "support/process_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace ignis::testing {
namespace {

std::string proc_path(pid_t pid, const char* what) {
  return pid == 0 ? std::string("/proc/self/") + what : "/proc/" + std::to_string(pid) + "/" + what;
}

}  // namespace

std::size_t resident_bytes(pid_t pid) {
  std::ifstream in(proc_path(pid, "statm"));
  std::size_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::size_t open_descriptors(pid_t pid) {
  DIR* d = ::opendir(proc_path(pid, "fd").c_str());
  if (!d) return 0;
  std::size_t n = 0;
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return pid == 0 ? n - 1 : n;  // not the directory stream itself
}

std::chrono::milliseconds cpu_time(pid_t pid) {
  std::ifstream in(proc_path(pid, "stat"));
  std::string line;
  std::getline(in, line);
  // Fields after the command name (which may hold spaces, so it ends at the last ')').
  const std::size_t close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  const long ticks = ::sysconf(_SC_CLK_TCK);
  return std::chrono::milliseconds((utime + stime) * 1000 / static_cast<unsigned long>(ticks));
}

std::size_t raise_descriptor_limit(std::size_t n) {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur < n) {
    r.rlim_cur = r.rlim_max == RLIM_INFINITY || r.rlim_max >= n ? n : r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
    ::getrlimit(RLIMIT_NOFILE, &r);
  }
  return r.rlim_cur;
}

}  // namespace ignis::testing
