// Compression in one place: the encodings otlpd reads and writes, their names in headers and in configs,
// bounded streaming decompression (receivers) and compression (exporters).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otlpd {

// One enum for every encoding; `deflate` is the zlib format, as HTTP's and gRPC's "deflate" mean it.
enum class ContentEncoding { identity, gzip, deflate, zstd };

// Parses a Content-Encoding (or grpc-encoding) value ("" and "identity" are identity, "x-gzip" is gzip).
// Returns false when unsupported.
bool parse_content_encoding(std::string_view header, ContentEncoding& out);

// The token sent in Content-Encoding / grpc-encoding: "identity", "gzip", "deflate", "zstd".
std::string_view content_encoding_token(ContentEncoding encoding);

// The `compression:` names of the Collector's configcompression that otlpd implements, with what each means:
// gzip, zlib and deflate (both the zlib format, sent as "deflate"), zstd, none. Config readers take their
// choices from here (a client may allow fewer, e.g. gRPC).
const std::vector<std::pair<std::string, ContentEncoding>>& compression_names();
// The config name of an encoding ("none" for identity).
std::string_view compression_name(ContentEncoding encoding);

// `data` compressed with `encoding` (identity: a copy). Throws std::runtime_error when the library fails.
std::string compress(ContentEncoding encoding, std::string_view data);

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

}  // namespace otlpd
