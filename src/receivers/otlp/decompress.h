// Bounded, streaming decompression of HTTP request bodies (Content-Encoding gzip, deflate, zstd).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace otlpd::otlp_receiver {

enum class ContentEncoding { identity, gzip, deflate, zstd };

// Parses a Content-Encoding header value ("" and "identity" are identity). Returns false when unsupported.
bool parse_content_encoding(std::string_view header, ContentEncoding& out);

// Decompresses `in` into `out` (replacing its contents). Output grows in chunks and stops as soon as it would
// exceed `max_size`, so a decompression bomb never allocates more than about `max_size`. Returns an empty
// string on success, otherwise what was wrong ("gzip body is truncated", "decompressed body exceeds ...").
std::string decompress(ContentEncoding encoding, std::string_view in, size_t max_size, std::string& out);

}  // namespace otlpd::otlp_receiver
