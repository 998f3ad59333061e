// Test helpers: compress bodies with gzip, zlib (HTTP "deflate") and zstd, and build a gzip bomb.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace otlpd::test {

std::string gzip_compress(std::string_view data);
std::string zlib_compress(std::string_view data);
std::string zstd_compress(std::string_view data);
// `zeros` bytes of zeros, gzip-compressed by streaming (never holds the uncompressed data): 1 GiB → ~1 MB.
std::string gzip_zeros(size_t zeros);

}  // namespace otlpd::test
