// Compression helpers for tests, on zlib and libzstd.
#include "support/compress.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace otlpd::test {

namespace {

// Feeds `chunks` calls of `next(buf)` through deflate with the given window bits.
template <typename Next>
std::string deflate_stream(int window_bits, Next next) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  std::string out;
  std::vector<unsigned char> buf(1 << 16);
  bool more = true;
  while (more) {
    std::string_view in;
    more = next(in);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    int flush = more ? Z_NO_FLUSH : Z_FINISH;
    int rc;
    do {
      zs.next_out = buf.data();
      zs.avail_out = static_cast<uInt>(buf.size());
      rc = deflate(&zs, flush);
      out.append(reinterpret_cast<char*>(buf.data()), buf.size() - zs.avail_out);
    } while (zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  }
  deflateEnd(&zs);
  return out;
}

std::string deflate_all(std::string_view data, int window_bits) {
  bool given = false;
  return deflate_stream(window_bits, [&](std::string_view& in) {
    in = given ? std::string_view() : data;
    given = true;
    return false;
  });
}

}  // namespace

std::string gzip_compress(std::string_view data) { return deflate_all(data, 16 + MAX_WBITS); }
std::string zlib_compress(std::string_view data) { return deflate_all(data, MAX_WBITS); }

std::string zstd_compress(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  if (ZSTD_isError(n)) throw std::runtime_error("ZSTD_compress");
  out.resize(n);
  return out;
}

std::string gzip_zeros(size_t zeros) {
  static const std::string chunk(1 << 20, '\0');
  size_t left = zeros;
  return deflate_stream(16 + MAX_WBITS, [&](std::string_view& in) {
    size_t n = std::min(left, chunk.size());
    in = std::string_view(chunk.data(), n);
    left -= n;
    return left > 0;
  });
}

}  // namespace otlpd::test
