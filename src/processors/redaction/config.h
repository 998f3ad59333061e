// Configuration of the `redaction` processor: the Collector's keys plus built-in detectors and default
// sensitive keys.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"

namespace otlpd::redaction {

// Which diagnostic attributes are added where something was redacted (the Collector's `summary`).
enum class Summary { silent, info, debug };

// What replaces a masked value or match: "****", or the hex digest of the original text.
enum class HashFunction { none, md5, sha1, sha3, sha256, hmac_sha256, hmac_sha512 };

std::string_view to_string(HashFunction h);

// Detectors enabled when `detectors` is not given.
extern const std::vector<std::string> kDefaultDetectors;

struct RedactionConfig : ComponentConfig {
  // Keep every attribute key (allowed_keys is then ignored); otherwise keys not in allowed_keys are deleted.
  bool allow_all_keys = false;
  std::vector<std::string> allowed_keys;
  // Keys (exact) and key regexes whose attributes pass untouched, never deleted nor masked.
  std::vector<std::string> ignored_keys;
  std::vector<std::string> ignored_key_patterns;
  // Key regexes whose whole value is masked.
  std::vector<std::string> blocked_key_patterns;
  // Adds kDefaultSensitiveKeyPattern (password, token, authorization, cookie, ...) to blocked_key_patterns.
  bool default_sensitive_keys = true;
  // Value regexes: each match is masked.
  std::vector<std::string> blocked_values;
  // Value regexes: a value matching any of them is left as it is (and counted as allowed).
  std::vector<std::string> allowed_values;
  // Also scan int, double, bool and bytes values through their string form (a masked one becomes a string).
  bool redact_all_types = false;
  HashFunction hash_function = HashFunction::none;
  std::string hmac_key;  // `hmac_key` (the Collector's name) or `hash_key`
  Summary summary = Summary::silent;
  // Built-in detectors, by name (see detectors.h).
  std::vector<std::string> detectors = kDefaultDetectors;
  // Values longer than this are scanned in windows of this size that overlap by kWindowOverlap bytes.
  ByteSize max_value_size{64 * 1024};
};

// Case-insensitive, as a whole key or as its last segment after '.', '_' or '-' ("db.password").
extern const char* const kDefaultSensitiveKeyPattern;
// Overlap between scan windows of large values: matches up to this long are found across window edges.
inline constexpr size_t kWindowOverlap = 1024;
// Nesting depth of log bodies and attribute arrays/maps that is walked; anything deeper is masked whole.
inline constexpr int kMaxDepth = 32;

// The key table (for `otlpd components --describe redaction`) and the strict parse it drives: every regex
// compiles, detector names exist, HMAC keys are long enough.
const Schema<RedactionConfig>& schema();
std::unique_ptr<RedactionConfig> parse_redaction_config(const ConfigNode& node);

}  // namespace otlpd::redaction
