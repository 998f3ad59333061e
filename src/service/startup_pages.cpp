// The executable's mappings from /proc/self/smaps, and madvise on the clean read-only ones.
#include "service/startup_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace otlpd {

namespace {

struct Mapping {
  uintptr_t begin = 0, end = 0;
  std::string perms, path;
  size_t anonymous_kib = 0;
};

// Every mapping with the fields used here; an smaps header line is "begin-end perms offset dev inode [path]".
std::vector<Mapping> read_smaps() {
  std::vector<Mapping> out;
  std::ifstream in("/proc/self/smaps");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Anonymous:", 0) == 0) {
      if (!out.empty()) out.back().anonymous_kib = std::strtoull(line.c_str() + 10, nullptr, 10);
      continue;
    }
    auto dash = line.find('-');
    auto space = line.find(' ');
    if (dash == std::string::npos || space == std::string::npos || dash > space) continue;
    char* end = nullptr;
    uintptr_t b = std::strtoull(line.c_str(), &end, 16);
    if (end != line.c_str() + dash) continue;  // a field line ("Rss:   4 kB"), not a header
    Mapping m;
    m.begin = b;
    m.end = std::strtoull(line.c_str() + dash + 1, nullptr, 16);
    std::istringstream fields(line.substr(space + 1));
    std::string offset, dev, inode;
    fields >> m.perms >> offset >> dev >> inode;
    std::getline(fields >> std::ws, m.path);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

ReleasedPages release_startup_pages() {
  ReleasedPages r;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    r.error = std::string("readlink /proc/self/exe: ") + std::strerror(errno);
    return r;
  }
  exe[n] = '\0';
  for (const auto& m : read_smaps()) {
    if (m.path != exe || m.perms.size() < 4 || m.perms[1] == 'w' || m.anonymous_kib != 0) continue;
#ifdef MADV_PAGEOUT
    if (madvise(reinterpret_cast<void*>(m.begin), m.end - m.begin, MADV_PAGEOUT) != 0) {
      r.error = std::string("madvise(MADV_PAGEOUT): ") + std::strerror(errno);  // EINVAL before Linux 5.4
      return r;
    }
    r.bytes += m.end - m.begin;
    ++r.mappings;
#else
    r.error = "MADV_PAGEOUT is not defined by this C library";
    return r;
#endif
  }
  if (r.mappings == 0 && r.error.empty()) r.error = "no read-only mapping of the executable found";
  return r;
}

}  // namespace otlpd
