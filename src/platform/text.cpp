// Small text and file helpers.
#include "platform/text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace otlpd {

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string byte_size_text(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= (size_t{1} << 10) && bytes % (size_t{1} << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

bool read_small_file(const std::string& path, size_t max_bytes, std::string_view what, std::string& out,
                     std::string& error) {
  const std::string named = std::string(what) + " '" + path + "'";
  auto fail = [&](int err) {
    error = "cannot read " + named + ": " + std::strerror(err);
    return false;
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(errno);
  if (S_ISDIR(st.st_mode)) return fail(EISDIR);
  // In chunks, so that a small file costs little whatever the limit; stops one byte past the limit (a FIFO or
  // /dev/zero never ends).
  std::string s;
  char chunk[65536];
  while (s.size() <= max_bytes) {
    const size_t want = std::min(sizeof chunk, max_bytes + 1 - s.size());
    const ssize_t n = ::read(fd, chunk, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno);
    }
    if (n == 0) break;  // end of file
    s.append(chunk, static_cast<size_t>(n));
  }
  if (s.size() > max_bytes) {
    error = named + " is larger than " + byte_size_text(max_bytes);
    return false;
  }
  out = std::move(s);
  return true;
}

}  // namespace otlpd
