// Streaming decompression with zlib and libzstd; the output never grows past the caller's limit.
#include "receivers/otlp/decompress.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <memory>

namespace otlpd::otlp_receiver {

namespace {

constexpr size_t kChunk = 64 * 1024;

std::string too_large(size_t max_size) {
  return "decompressed body exceeds max_request_body_size (" + std::to_string(max_size) + " bytes)";
}

// Makes room for up to one more chunk in `out` without going beyond max_size + 1 (one byte over the limit is
// how we notice that the limit was crossed). Returns the writable span.
std::pair<char*, size_t> grow(std::string& out, size_t& used, size_t max_size) {
  size_t want = std::min(kChunk, max_size + 1 - used);
  if (out.size() < used + want) out.resize(used + want);
  return {out.data() + used, want};
}

std::string inflate_body(std::string_view in, bool gzip, size_t max_size, std::string& out) {
  const char* name = gzip ? "gzip" : "deflate";
  z_stream zs{};
  // gzip: 16 + 15 (gzip wrapper); deflate in HTTP is the zlib format (RFC 9110), 15.
  if (inflateInit2(&zs, gzip ? 16 + MAX_WBITS : MAX_WBITS) != Z_OK) return "cannot initialise zlib";
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&zs, &inflateEnd);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  size_t used = 0;
  out.clear();
  while (true) {
    if (used > max_size) return too_large(max_size);
    auto [ptr, room] = grow(out, used, max_size);
    zs.next_out = reinterpret_cast<Bytef*>(ptr);
    zs.avail_out = static_cast<uInt>(room);
    int rc = inflate(&zs, Z_NO_FLUSH);
    used += room - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (used > max_size) return too_large(max_size);
      // Concatenated gzip members form one body (RFC 1952); anything else after the end is an error.
      if (gzip && zs.avail_in > 0) {
        if (inflateReset(&zs) != Z_OK) return "cannot reset zlib";
        continue;
      }
      if (zs.avail_in > 0) return std::string(name) + " body has trailing data after the compressed stream";
      break;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) return std::string(name) + " body is truncated";
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return std::string(name) + " body is invalid: " + (zs.msg ? zs.msg : "error " + std::to_string(rc));
  }
  out.resize(used);
  return {};
}

std::string zstd_body(std::string_view in, size_t max_size, std::string& out) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (!ctx) return "cannot initialise zstd";
  // The window is what zstd allocates up front; frames that ask for one larger than the body limit are refused.
  int window_log = std::clamp(static_cast<int>(std::bit_width(std::max<size_t>(max_size, 1)) - 1), 10, 27);
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, window_log);
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t used = 0;
  out.clear();
  while (true) {
    if (used > max_size) return too_large(max_size);
    auto [ptr, room] = grow(out, used, max_size);
    ZSTD_outBuffer ob{ptr, room, 0};
    size_t hint = ZSTD_decompressStream(ctx.get(), &ob, &ib);
    if (ZSTD_isError(hint)) return std::string("zstd body is invalid: ") + ZSTD_getErrorName(hint);
    used += ob.pos;
    if (hint == 0 && ib.pos == ib.size) break;  // the last frame is complete
    // All input consumed, output not full, frame not finished: the body ends too early.
    if (ib.pos == ib.size && ob.pos < room) return "zstd body is truncated";
  }
  if (used > max_size) return too_large(max_size);
  out.resize(used);
  return {};
}

}  // namespace

bool parse_content_encoding(std::string_view header, ContentEncoding& out) {
  while (!header.empty() && std::isspace(static_cast<unsigned char>(header.front()))) header.remove_prefix(1);
  while (!header.empty() && std::isspace(static_cast<unsigned char>(header.back()))) header.remove_suffix(1);
  std::string v(header);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v.empty() || v == "identity") out = ContentEncoding::identity;
  else if (v == "gzip" || v == "x-gzip") out = ContentEncoding::gzip;
  else if (v == "deflate") out = ContentEncoding::deflate;
  else if (v == "zstd") out = ContentEncoding::zstd;
  else return false;
  return true;
}

std::string decompress(ContentEncoding encoding, std::string_view in, size_t max_size, std::string& out) {
  switch (encoding) {
    case ContentEncoding::identity:
      if (in.size() > max_size) return too_large(max_size);
      out.assign(in);
      return {};
    case ContentEncoding::gzip: return inflate_body(in, true, max_size, out);
    case ContentEncoding::deflate: return inflate_body(in, false, max_size, out);
    case ContentEncoding::zstd: return zstd_body(in, max_size, out);
  }
  return "unknown content encoding";
}

}  // namespace otlpd::otlp_receiver
