// Small text and file helpers, in one place (ASCII case, whitespace, bounded file reads).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace otlpd {

// ASCII lower case (header names, units, enum values); other bytes unchanged.
std::string ascii_lower(std::string_view s);

// Without leading and trailing ASCII whitespace (space, tab, CR, LF, VT, FF).
std::string_view trim(std::string_view s);

// Reads the whole file at `path` into `out` when it holds at most `max_bytes`; otherwise returns false with
// `error` saying why, naming the file as `what` ("cannot read the token file '<path>': <reason>", "the token
// file '<path>' is larger than 64 KiB"). Never reads more than max_bytes + 1 bytes, whatever the file's size.
bool read_small_file(const std::string& path, size_t max_bytes, std::string_view what, std::string& out,
                     std::string& error);

// "4 MiB", "64 KiB", "100 bytes": a limit as read_small_file's errors print it.
std::string byte_size_text(size_t bytes);

}  // namespace otlpd
