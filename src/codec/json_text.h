// Internal text helpers of the OTLP/JSON codec: escaping, numbers, hex, base64, syntax-error location.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace otlpd::otlp_json::detail {

// Appends `s` as a JSON string literal (quotes included).
void append_quoted(std::string& out, std::string_view s);
void append_int(std::string& out, int64_t v);
void append_uint(std::string& out, uint64_t v);
// Shortest round-trip form; NaN and infinities as the strings "NaN", "Infinity", "-Infinity".
void append_double(std::string& out, double v);
void append_float(std::string& out, float v);
// Lower-case hex, quoted.
void append_hex_quoted(std::string& out, std::string_view bytes);
// Standard base64 with padding, quoted.
void append_base64_quoted(std::string& out, std::string_view bytes);

// Decoders return an empty string on success, otherwise what was wrong (without the field path).
// Hex: upper or lower case; exactly `expected_bytes` bytes, or empty.
std::string decode_hex(std::string_view text, size_t expected_bytes, std::string& out);
// Base64: standard or URL-safe alphabet, padding optional.
std::string decode_base64(std::string_view text, std::string& out);
// The same, appending to `out` (left as it was on error).
std::string append_hex_decoded(std::string_view text, size_t expected_bytes, std::string& out);
std::string append_base64_decoded(std::string_view text, std::string& out);
// Whole-string integer / double parsing (the proto3 JSON mapping allows quoted numbers).
bool parse_int64(std::string_view s, int64_t& v);
bool parse_uint64(std::string_view s, uint64_t& v);
bool parse_double(std::string_view s, double& v);

// Finds where `json` stops being valid JSON (or nests deeper than `max_depth`): sets `offset` and `what`.
// Returns false when no error is found (the caller then only knows the parser's verdict).
bool locate_syntax_error(std::string_view json, size_t max_depth, size_t& offset, std::string& what);

}  // namespace otlpd::otlp_json::detail
