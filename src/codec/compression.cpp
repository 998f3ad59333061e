// Compression with zlib and libzstd; streaming decompression whose output never grows past the caller's limit.
#include "codec/compression.h"

#include <zlib.h>
// For ZSTD_d_stableOutBuffer, in zstd's experimental API (libzstd >= 1.4.5; bookworm has 1.5.4).
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <stdexcept>

namespace otlpd {

namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr unsigned char kZstdMagic[] = {0x28, 0xb5, 0x2f, 0xfd};

// The input pieces, walked in order; empty pieces are skipped.
class Input {
 public:
  explicit Input(std::span<const std::string_view> pieces) : pieces_(pieces) { advance(); }
  // The unread part of the current piece; empty only at the end.
  std::string_view current() const { return current_; }
  // `n` bytes of the current piece were read.
  void consumed(size_t n) {
    current_.remove_prefix(n);
    if (current_.empty()) advance();
  }
  bool at_end() const { return current_.empty(); }
  // Up to `n` unread bytes, across pieces.
  std::string peek(size_t n) const {
    std::string out(current_.substr(0, n));
    for (size_t i = next_; i < pieces_.size() && out.size() < n; ++i) out.append(pieces_[i].substr(0, n - out.size()));
    return out;
  }

 private:
  void advance() {
    current_ = {};
    while (next_ < pieces_.size() && current_.empty()) current_ = pieces_[next_++];
  }
  std::span<const std::string_view> pieces_;
  size_t next_ = 0;
  std::string_view current_;
};

// The output: written chunk by chunk inside one reservation, never reallocated (a reallocation would hold the
// old and the new copy at once).
class Output {
 public:
  Output(std::string& out, size_t capacity) : out_(out), capacity_(capacity) {
    std::string().swap(out_);  // release a previous, smaller reservation before taking this one
    out_.reserve(capacity);
  }
  // Room for the next write (up to one chunk); empty once the reservation is full.
  std::pair<char*, size_t> room() {
    size_t want = std::min(kChunk, capacity_ - used_);
    if (out_.size() < used_ + want) out_.resize(used_ + want);
    return {out_.data() + used_, want};
  }
  void wrote(size_t n) { used_ += n; }
  // The whole reservation at once, for a decompressor that writes into one stable buffer; report with
  // set_used.
  std::pair<char*, size_t> whole() {
    out_.resize(capacity_);
    return {out_.data(), capacity_};
  }
  void set_used(size_t n) { used_ = n; }
  size_t used() const { return used_; }
  bool full() const { return used_ == capacity_; }
  // A reservation mostly unused (a stream that declared no size) is given back, so that a batch holding the
  // bytes does not hold the limit; the copy costs less than the memory it frees.
  void finish() {
    out_.resize(used_);
    if (out_.capacity() / 2 > used_) out_.shrink_to_fit();
  }

 private:
  std::string& out_;
  size_t capacity_;
  size_t used_ = 0;
};

// How one pass over the input ended. `full`: the stream has more output than the reservation holds.
enum class Pass { done, full, invalid };

Pass inflate_pass(Input in, bool gzip, Output& out, std::string& error) {
  const char* name = gzip ? "gzip" : "deflate";
  z_stream zs{};
  // gzip: 16 + 15 (gzip wrapper); deflate in HTTP and gRPC is the zlib format (RFC 9110), 15.
  if (inflateInit2(&zs, gzip ? 16 + MAX_WBITS : MAX_WBITS) != Z_OK) {
    error = "cannot initialise zlib";
    return Pass::invalid;
  }
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&zs, &inflateEnd);
  while (true) {
    if (out.full()) return Pass::full;
    auto [ptr, room] = out.room();
    std::string_view piece = in.current();
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
    zs.avail_in = static_cast<uInt>(std::min<size_t>(piece.size(), UINT32_MAX));
    zs.next_out = reinterpret_cast<Bytef*>(ptr);
    zs.avail_out = static_cast<uInt>(room);
    int rc = inflate(&zs, Z_NO_FLUSH);
    in.consumed(piece.size() > 0 ? zs.next_in - reinterpret_cast<const Bytef*>(piece.data()) : 0);
    out.wrote(room - zs.avail_out);
    // Output to the end of the reservation is over the limit (or the declared size) whatever follows; so
    // decided before looking at errors further on, which a call sees or not depending on how the input is
    // cut.
    if (out.full() && rc != Z_STREAM_END) return Pass::full;
    if (rc == Z_STREAM_END) {
      if (in.at_end()) return Pass::done;
      // Concatenated gzip members form one body (RFC 1952); anything else after the end is an error.
      if (!gzip) {
        error = std::string(name) + " data has trailing bytes after the compressed stream";
        return Pass::invalid;
      }
      if (inflateReset(&zs) != Z_OK) {
        error = "cannot reset zlib";
        return Pass::invalid;
      }
      continue;
    }
    if (rc == Z_BUF_ERROR && in.at_end()) {
      error = std::string(name) + " data is truncated";
      return Pass::invalid;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      error = std::string(name) + " data is invalid: " + (zs.msg ? zs.msg : "error " + std::to_string(rc));
      return Pass::invalid;
    }
  }
}

// The zstd frame that begins at `in` (its header may be cut across pieces): `error` when it is not one of
// zstd's frames (libzstd also decodes its formats of before 1.0, which no OTLP client sends, with older code
// that streams differently), else the size it declares, if any.
struct ZstdFrame {
  size_t error = 0;
  unsigned long long declared = ZSTD_CONTENTSIZE_UNKNOWN;
};

ZstdFrame zstd_frame_at(const Input& in) {
  const std::string header = in.peek(ZSTD_FRAMEHEADERSIZE_MAX);
  ZSTD_frameHeader h{};
  const size_t rc = ZSTD_getFrameHeader(&h, header.data(), header.size());
  if (ZSTD_isError(rc)) return {rc};
  return {0, rc == 0 && h.frameType == ZSTD_frame ? h.frameContentSize : ZSTD_CONTENTSIZE_UNKNOWN};
}

Pass zstd_pass(Input in, Output& out, std::string& error) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (!ctx) {
    error = "cannot initialise zstd";
    return Pass::invalid;
  }
  // zstd decodes straight into the reservation, which also serves as its window: it allocates no window
  // buffer of its own, so a frame may declare any window (compressors size it from the data, not from our
  // limit).
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_stableOutBuffer, 1);
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, ZSTD_dParam_getBounds(ZSTD_d_windowLogMax).upperBound);
  auto [base, capacity] = out.whole();
  ZSTD_outBuffer ob{base, capacity, 0};
  size_t hint = 0;  // what ZSTD_decompressStream last said it still needs; 0 once a frame is complete
  bool started = false;
  // The frame being decoded: where its output began and the size its header declares, if any.
  size_t frame_start = 0;
  unsigned long long frame_declared = ZSTD_CONTENTSIZE_UNKNOWN;
  while (true) {
    out.set_used(ob.pos);
    if (in.at_end() && started && hint == 0) return Pass::done;
    if (ob.pos == ob.size) return Pass::full;
    if (hint == 0) {  // a frame begins
      const ZstdFrame frame = zstd_frame_at(in);
      if (frame.error) {
        error = std::string("zstd data is invalid: ") + ZSTD_getErrorName(frame.error);
        return Pass::invalid;
      }
      frame_start = ob.pos;
      frame_declared = frame.declared;
      started = true;
    }
    std::string_view piece = in.current();
    ZSTD_inBuffer ib{piece.data(), piece.size(), 0};
    size_t before = ob.pos;
    hint = ZSTD_decompressStream(ctx.get(), &ob, &ib);
    if (ZSTD_isError(hint)) {
      if (ob.pos == ob.size) return Pass::full;  // as for zlib: the output is over, whatever else is wrong
      // More output than the reservation has room for; unless the frame declared a size that fits: then it
      // holds more than it declares.
      if (ZSTD_getErrorCode(hint) == ZSTD_error_dstSize_tooSmall) {
        if (frame_declared == ZSTD_CONTENTSIZE_UNKNOWN || frame_declared >= ob.size - frame_start) return Pass::full;
        error = "zstd data is invalid: a frame holds more than the size it declares";
        return Pass::invalid;
      }
      error = std::string("zstd data is invalid: ") + ZSTD_getErrorName(hint);
      return Pass::invalid;
    }
    in.consumed(ib.pos);
    // libzstd checks a frame's declared size only when it decodes the frame in one call (1.5.4).
    if (hint == 0 && frame_declared != ZSTD_CONTENTSIZE_UNKNOWN && ob.pos - frame_start != frame_declared) {
      error = "zstd data is invalid: a frame holds less than the size it declares";
      return Pass::invalid;
    }
    // All input read, frame not finished, and no more output from what was read: the data ends too early.
    if (in.at_end() && hint != 0 && ob.pos == before && ob.pos < ob.size) {
      error = "zstd data is truncated";
      return Pass::invalid;
    }
  }
}

// The size the stream declares for itself, if any: gzip's ISIZE (the last member's size modulo 2^32), zstd's
// frame content size (the first frame's). Only a hint for the reservation: the data is never trusted.
std::optional<size_t> declared_size(ContentEncoding encoding, std::span<const std::string_view> pieces) {
  if (encoding == ContentEncoding::gzip) {
    unsigned char tail[4];
    size_t have = 0;
    for (auto it = pieces.rbegin(); it != pieces.rend() && have < 4; ++it)
      for (size_t i = it->size(); i > 0 && have < 4; --i) tail[3 - have++] = static_cast<unsigned char>((*it)[i - 1]);
    if (have < 4) return std::nullopt;
    return size_t{tail[0]} | size_t{tail[1]} << 8 | size_t{tail[2]} << 16 | size_t{tail[3]} << 24;
  }
  if (encoding == ContentEncoding::zstd) {
    const unsigned long long n = zstd_frame_at(Input(pieces)).declared;
    if (n != ZSTD_CONTENTSIZE_UNKNOWN) return static_cast<size_t>(n);
  }
  return std::nullopt;
}

std::string too_large(std::string_view limit_name, size_t max_size) {
  return "decompressed size exceeds " + std::string(limit_name) + " (" + std::to_string(max_size) + " bytes)";
}

}  // namespace

bool parse_content_encoding(std::string_view header, ContentEncoding& out) {
  while (!header.empty() && std::isspace(static_cast<unsigned char>(header.front()))) header.remove_prefix(1);
  while (!header.empty() && std::isspace(static_cast<unsigned char>(header.back()))) header.remove_suffix(1);
  std::string v(header);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v.empty() || v == "identity")
    out = ContentEncoding::identity;
  else if (v == "gzip" || v == "x-gzip")
    out = ContentEncoding::gzip;
  else if (v == "deflate")
    out = ContentEncoding::deflate;
  else if (v == "zstd")
    out = ContentEncoding::zstd;
  else
    return false;
  return true;
}

std::string_view content_encoding_token(ContentEncoding encoding) {
  switch (encoding) {
    case ContentEncoding::gzip:
      return "gzip";
    case ContentEncoding::deflate:
      return "deflate";
    case ContentEncoding::zstd:
      return "zstd";
    case ContentEncoding::identity:
      break;
  }
  return "identity";
}

const std::vector<std::pair<std::string, ContentEncoding>>& compression_names() {
  static const std::vector<std::pair<std::string, ContentEncoding>> names{{"gzip", ContentEncoding::gzip},
                                                                          {"zlib", ContentEncoding::deflate},
                                                                          {"deflate", ContentEncoding::deflate},
                                                                          {"zstd", ContentEncoding::zstd},
                                                                          {"none", ContentEncoding::identity}};
  return names;
}

std::string_view compression_name(ContentEncoding encoding) {
  return encoding == ContentEncoding::identity ? "none" : content_encoding_token(encoding);
}

std::string compress(ContentEncoding encoding, std::string_view data) {
  if (encoding == ContentEncoding::identity) return std::string(data);
  if (encoding == ContentEncoding::zstd) {
    std::string out(ZSTD_compressBound(data.size()), '\0');
    const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
    if (ZSTD_isError(n)) throw std::runtime_error(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
    out.resize(n);
    return out;
  }
  z_stream z{};
  // gzip: 16 + 15 (gzip wrapper); deflate: 15 (the zlib format).
  const int bits = encoding == ContentEncoding::gzip ? 16 + MAX_WBITS : MAX_WBITS;
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("cannot initialise zlib");
  std::unique_ptr<z_stream, decltype(&deflateEnd)> guard(&z, &deflateEnd);
  // zlib counts in 32 bits per call; export requests are far below 4 GiB.
  if (data.size() > UINT32_MAX / 2) throw std::runtime_error("body too large to compress");
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib compression failed");
  out.resize(z.total_out);
  return out;
}

bool starts_like_zstd(std::string_view data) {
  return data.size() >= sizeof(kZstdMagic) &&
         std::equal(std::begin(kZstdMagic), std::end(kZstdMagic), reinterpret_cast<const unsigned char*>(data.data()));
}

DecompressStatus decompress(ContentEncoding encoding, std::span<const std::string_view> pieces, size_t max_size,
                            std::string_view limit_name, std::string& out, std::string& error) {
  error.clear();
  if (encoding == ContentEncoding::identity) {
    size_t total = 0;
    for (std::string_view p : pieces) total += p.size();
    if (total > max_size) {
      std::string().swap(out);
      error = too_large(limit_name, max_size);
      return DecompressStatus::too_large;
    }
    out.clear();
    out.reserve(total);
    for (std::string_view p : pieces) out.append(p);
    return DecompressStatus::ok;
  }
  // One byte over the limit is how a pass notices that the limit was crossed.
  const size_t limit_capacity = max_size + 1;
  auto declared = declared_size(encoding, pieces);
  // zstd checks a frame against its declared size, so a frame that declares more than the limit is over it.
  if (encoding == ContentEncoding::zstd && declared && *declared > max_size) {
    std::string().swap(out);
    error = too_large(limit_name, max_size);
    return DecompressStatus::too_large;
  }
  size_t capacity = declared && *declared < max_size ? *declared + 1 : limit_capacity;
  while (true) {
    Output output(out, capacity);
    Pass pass = encoding == ContentEncoding::zstd
                    ? zstd_pass(Input(pieces), output, error)
                    : inflate_pass(Input(pieces), encoding == ContentEncoding::gzip, output, error);
    if (pass == Pass::invalid) {
      out.clear();
      return DecompressStatus::invalid;
    }
    if (pass == Pass::done && output.used() <= max_size) {
      output.finish();
      return DecompressStatus::ok;
    }
    if (capacity == limit_capacity) {
      std::string().swap(out);
      error = too_large(limit_name, max_size);
      return DecompressStatus::too_large;
    }
    // The declared size was wrong: start again in the full reservation.
    capacity = limit_capacity;
  }
}

std::string decompress(ContentEncoding encoding, std::string_view in, size_t max_size, std::string& out) {
  std::string error;
  decompress(encoding, std::span(&in, 1), max_size, "max_request_body_size", out, error);
  return error;
}

}  // namespace otlpd
