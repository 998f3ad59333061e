// Bounded, streaming decompression of request bodies and gRPC messages (gzip, deflate, zstd).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace otlpd::otlp_receiver {

enum class ContentEncoding { identity, gzip, deflate, zstd };

// Parses a Content-Encoding (or grpc-encoding) value ("" and "identity" are identity). Returns false when
// unsupported.
bool parse_content_encoding(std::string_view header, ContentEncoding& out);

// Whether `data` begins with a zstd frame's magic number.
bool starts_like_zstd(std::string_view data);

enum class DecompressStatus { ok, too_large, invalid };

// Decompresses the concatenation of `pieces` (gRPC hands a message over in slices: none is copied) into
// `out`, replacing its contents. The output never grows past `max_size`: it is reserved once, from the size
// the stream declares (gzip's ISIZE, zstd's content size) when that is within the limit, else at the limit,
// and a stream that lies about its size is decompressed again into the full reservation rather than copied;
// so a decompression bomb never makes more than about `max_size` resident. On failure `out` is empty and
// `error` says what was wrong ("gzip data is truncated", "decompressed size exceeds <limit_name> (N bytes)").
DecompressStatus decompress(ContentEncoding encoding, std::span<const std::string_view> pieces, size_t max_size,
                            std::string_view limit_name, std::string& out, std::string& error);

// The same for one contiguous body, against max_request_body_size. Returns an empty string on success,
// otherwise what was wrong.
std::string decompress(ContentEncoding encoding, std::string_view in, size_t max_size, std::string& out);

}  // namespace otlpd::otlp_receiver
