// Fuzz target: bounded decompression of request bodies (gzip, deflate, zstd; codec/compression.h).
//
// Input: option bytes — the encoding (byte 0, modulo 4: identity, gzip, deflate, zstd), the output limit
// (bytes 1-2, little-endian, up to 64 KiB) and where the body is also cut into three pieces (byte 3); then
// the compressed body.
//
// Checks: the output never exceeds the limit, nor does the string holding it; the verdict and the output do
// not depend on how the body is cut into pieces; against a generous limit, a body that decompresses to n
// bytes is accepted with the same bytes under any limit of at least n and refused as too large under any
// smaller one; zstd agrees with libzstd's own streaming decompression.
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getFrameHeader
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "codec/compression.h"
#include "fuzz/support/fuzz.h"

namespace {

using otlpd::ContentEncoding;
using otlpd::DecompressStatus;

constexpr size_t kGenerousLimit = 256 * 1024;  // more than any limit an input can set

struct Result {
  DecompressStatus status;
  std::string out;
  std::string error;
};

Result run(ContentEncoding encoding, const std::vector<std::string_view>& pieces, size_t limit) {
  Result r;
  r.out = "stale";
  r.status = otlpd::decompress(encoding, pieces, limit, "the limit", r.out, r.error);
  FUZZ_CHECK(r.out.size() <= limit, "the output exceeds the limit");
  // reserve() gives small strings at least twice the in-place capacity.
  FUZZ_CHECK(r.out.capacity() <= std::max<size_t>(limit + 1, 30), "the output string holds more than the limit");
  FUZZ_CHECK((r.status == DecompressStatus::ok) == r.error.empty(), "an error text without an error, or none");
  return r;
}

const char* name(DecompressStatus s) {
  switch (s) {
    case DecompressStatus::ok:
      return "ok";
    case DecompressStatus::too_large:
      return "too large";
    case DecompressStatus::invalid:
      return "invalid";
  }
  return "?";
}

// libzstd's own streaming decompression of the whole body, in its usual mode (its own window buffer) rather
// than into one stable output buffer: what decompress() gives under the generous limit.
void check_against_libzstd(std::string_view body, const Result& got) {
  // A first frame that declares more than the limit is refused as too large unread.
  ZSTD_frameHeader h{};
  if (ZSTD_getFrameHeader(&h, body.data(), body.size()) == 0 && h.frameType == ZSTD_frame &&
      h.frameContentSize != ZSTD_CONTENTSIZE_UNKNOWN && h.frameContentSize > kGenerousLimit) {
    FUZZ_CHECK(got.status == DecompressStatus::too_large, std::string("declared over the limit, ") + name(got.status));
    return;
  }
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, 23);  // libzstd allocates the window: up to 8 MiB
  std::string want;
  ZSTD_inBuffer in{body.data(), body.size(), 0};
  size_t hint = 0;  // 0 where a frame begins
  bool started = false;
  std::string refused;
  ZSTD_ErrorCode code = ZSTD_error_no_error;  // when refused
  while (refused.empty() && want.size() <= kGenerousLimit && (!started || in.pos < in.size || hint != 0)) {
    started = true;
    // decompress() takes zstd's own frames only, not the formats before 1.0 that libzstd also reads.
    if (hint == 0 && ZSTD_isError(ZSTD_getFrameHeader(&h, body.data() + in.pos, in.size - in.pos))) {
      refused = "not a zstd frame";
      break;
    }
    char buf[16 * 1024];
    ZSTD_outBuffer out{buf, sizeof buf, 0};
    const size_t before = in.pos;
    hint = ZSTD_decompressStream(ctx.get(), &out, &in);
    if (ZSTD_isError(hint)) {
      code = ZSTD_getErrorCode(hint);
      refused = ZSTD_getErrorName(hint);
    } else if (in.pos == before && out.pos == 0) {
      refused = "truncated";
    }
    want.append(buf, out.pos);
  }
  if (code == ZSTD_error_frameParameter_windowTooLarge) return;  // decompress() has no such bound
  if (want.size() > kGenerousLimit) {
    FUZZ_CHECK(got.status == DecompressStatus::too_large,
               std::string("over the limit for libzstd, ") + name(got.status));
  } else if (!refused.empty()) {
    // Refused, but not always as invalid: a block that claims more than its frame allows and more than the
    // room left in the reservation does not fit, which is all that zstd tells decompress() ("destination
    // buffer is too small"); libzstd's own buffering sees the corruption.
    FUZZ_CHECK(got.status != DecompressStatus::ok, "libzstd refuses (" + refused + "), decompress accepts");
  } else {
    FUZZ_CHECK(got.status == DecompressStatus::ok && got.out == want,
               std::string("libzstd decompresses, decompress: ") + name(got.status) + " " + got.error);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  otlpd::fuzz::Input in(data, size);
  const auto encoding = static_cast<ContentEncoding>(in.byte() % 4);
  const size_t limit = in.u16();
  const uint8_t cut = in.byte();
  const std::string_view body = in.rest();

  const Result whole = run(encoding, {body}, limit);
  // Cut into three pieces around `cut` (one of them possibly empty).
  const size_t a = body.empty() ? 0 : cut % (body.size() + 1);
  const size_t b = std::min(body.size(), a + cut / 16);
  const Result pieces = run(encoding, {body.substr(0, a), body.substr(a, b - a), body.substr(b)}, limit);
  FUZZ_CHECK(pieces.status == whole.status && pieces.out == whole.out,
             std::string("one piece: ") + name(whole.status) + ", three pieces: " + name(pieces.status));

  const Result generous = run(encoding, {body}, kGenerousLimit);
  if (generous.status == DecompressStatus::ok) {
    if (generous.out.size() <= limit)
      FUZZ_CHECK(whole.status == DecompressStatus::ok && whole.out == generous.out,
                 std::string("within the limit but ") + name(whole.status) + ": " + whole.error);
    else
      FUZZ_CHECK(whole.status == DecompressStatus::too_large, std::string("over the limit but ") + name(whole.status));
  } else if (generous.status == DecompressStatus::too_large) {
    FUZZ_CHECK(whole.status == DecompressStatus::too_large, "too large for a generous limit, not for a small one");
  } else {
    FUZZ_CHECK(whole.status != DecompressStatus::ok, "invalid under a generous limit, accepted under a small one");
  }

  if (encoding == ContentEncoding::zstd) check_against_libzstd(body, generous);
  return 0;
}
