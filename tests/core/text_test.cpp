// The small text and file helpers (core/text.h).
#include "platform/text.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

using namespace otlpd;

namespace {

// A file with `content` under the test's temporary directory; removed when the value goes.
struct TempFile {
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/otlpd-text-test-XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    close(fd);
    path = name;
    std::ofstream(path, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path.c_str()); }
  std::string path;
};

}  // namespace

TEST_CASE("ascii_lower lowers ASCII letters only, trim drops ASCII whitespace at both ends", "[core][text]") {
  CHECK(ascii_lower("Content-Type: GZIP") == "content-type: gzip");
  CHECK(ascii_lower("\xC3\x84\xC3\x96 MiB") == "\xC3\x84\xC3\x96 mib");  // UTF-8 bytes untouched
  CHECK(trim(" \t\r\n token \v\f") == "token");
  CHECK(trim("   ").empty());
  CHECK(trim("a b") == "a b");
}

TEST_CASE("read_small_file reads a file up to its limit and refuses a larger one without reading it all",
          "[core][text]") {
  std::string out, error;
  SECTION("within the limit, exactly at it, and empty") {
    TempFile f(std::string(100, 'x'));
    REQUIRE(read_small_file(f.path, 100, "the file", out, error));
    CHECK(out == std::string(100, 'x'));
    TempFile empty("");
    REQUIRE(read_small_file(empty.path, 100, "the file", out, error));
    CHECK(out.empty());
  }
  SECTION("over the limit: refused, naming the file and the limit") {
    TempFile f(std::string(200000, 'y'));
    out = "unchanged";
    CHECK_FALSE(read_small_file(f.path, 65536, "the token file", out, error));
    CHECK(error == "the token file '" + f.path + "' is larger than 64 KiB");
    CHECK(out == "unchanged");
  }
  SECTION("missing, and a directory") {
    CHECK_FALSE(read_small_file("/nonexistent/otlpd-file", 100, "the file", out, error));
    CHECK(error == "cannot read the file '/nonexistent/otlpd-file': No such file or directory");
    CHECK_FALSE(read_small_file("/tmp", 100, "the file", out, error));
    CHECK(error == "cannot read the file '/tmp': Is a directory");
  }
  SECTION("an endless file stops one byte past the limit") {
    CHECK_FALSE(read_small_file("/dev/zero", 4 << 20, "the file", out, error));
    CHECK(error == "the file '/dev/zero' is larger than 4 MiB");
  }
}
