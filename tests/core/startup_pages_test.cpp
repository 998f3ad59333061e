// Start-up pages: the executable's clean read-only mappings are paged out (advised in-process; what stays out
// is measured on a running daemon started from a private copy of the binary); writable and relocated mappings
// stay.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "service/startup_pages.h"
#include "support/daemon.h"

using namespace otlpd;
using namespace otlpd::test;

namespace {

struct ExeResidency {
  size_t code_kib = 0, code_size_kib = 0;  // r-xp mappings of the executable: resident and mapped
  size_t writable_kib = 0;                 // rw-p mappings of the executable, resident
};

// "begin-end" in hex, as an smaps mapping header starts.
bool range_of(const std::string& token, uintptr_t& begin, uintptr_t& end) {
  auto dash = token.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == token.size()) return false;
  if (token.find_first_not_of("0123456789abcdef-") != std::string::npos) return false;
  begin = std::stoull(token.substr(0, dash), nullptr, 16);
  end = std::stoull(token.substr(dash + 1), nullptr, 16);
  return true;
}

ExeResidency residency(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::string exe = std::filesystem::read_symlink(proc + "/exe").string();
  ExeResidency r;
  std::ifstream in(proc + "/smaps");
  std::string line, perms;
  bool ours = false;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string first;
    fields >> first;
    uintptr_t begin = 0, end = 0;
    if (range_of(first, begin, end)) {
      std::string offset, dev, inode, path;
      fields >> perms >> offset >> dev >> inode;
      std::getline(fields >> std::ws, path);
      ours = path == exe;
      if (ours && perms == "r-xp") r.code_size_kib += (end - begin) / 1024;
      continue;
    }
    if (!ours || first != "Rss:") continue;
    size_t kib = 0;
    fields >> kib;
    if (perms == "r-xp") r.code_kib += kib;
    if (perms == "rw-p") r.writable_kib += kib;
  }
  return r;
}

// A copy of the otlpd binary that no other process maps, written back to disk so its pages are clean. The
// kernel does not page out a page that another process maps, and the README's own daemon (or another
// checkout's test) may be running the build's binary. The copy sits beside the build's binary, not in the
// temp dir, which may be a tmpfs whose pages cannot be paged out without swap.
class PrivateBinary {
 public:
  PrivateBinary()
      : path_(std::filesystem::path(OTLPD_BINARY).parent_path() / ("otlpd-private-" + std::to_string(getpid()))) {
    std::filesystem::copy_file(OTLPD_BINARY, path_, std::filesystem::copy_options::overwrite_existing);
    int fd = open(path_.c_str(), O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) throw std::runtime_error("cannot write back " + path_.string());
    close(fd);
  }
  ~PrivateBinary() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  PrivateBinary(const PrivateBinary&) = delete;
  PrivateBinary& operator=(const PrivateBinary&) = delete;
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST_CASE("release_startup_pages advises the executable's code and leaves its writable pages", "[core]") {
  auto before = residency(getpid());
  REQUIRE(before.code_size_kib > 0);
  auto r = release_startup_pages();
  auto after = residency(getpid());
  INFO(r.error);
  REQUIRE(r.error.empty());
  CHECK(r.mappings >= 2);  // code, and read-only data
  CHECK(r.bytes >= before.code_size_kib * 1024);
  // How much code stays out is checked on an idle daemon below: this process runs code (under ASan, much of
  // it) to measure, which brings pages back at once.
  CHECK(after.writable_kib >= before.writable_kib);  // nothing writable was paged out
}

TEST_CASE("a running daemon keeps only a fraction of its code resident", "[core][integration]") {
  const char* config = R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: 127.0.0.1:0}
      http: {endpoint: 127.0.0.1:0}
exporters:
  debug:
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)";
  PrivateBinary binary;
  Daemon d(config, {}, {}, binary.path());
  ExeResidency r;
  // Start-up touched most of the code; once it is released only what the idle threads run comes back.
  bool released = wait_until(
      [&] {
        r = residency(d.pid());
        return r.code_kib * 4 < r.code_size_kib;
      },
      std::chrono::seconds(10));
  INFO("resident code " << r.code_kib << " KiB of " << r.code_size_kib << " KiB");
  CHECK(released);

  Daemon kept(config, {"OTLPD_KEEP_STARTUP_PAGES=1"}, {}, binary.path());
  auto k = residency(kept.pid());
  INFO("kept: resident code " << k.code_kib << " KiB of " << k.code_size_kib << " KiB");
  CHECK(k.code_kib > r.code_kib);
}
