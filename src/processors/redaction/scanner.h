// Matching engine of the `redaction` processor: every value pattern in one linear pass (RE2::Set), then RE2
// to locate the matches of just the patterns that hit, then the detectors' validators; and the masker.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "processors/redaction/config.h"
#include "processors/redaction/detectors.h"

namespace otlpd::redaction {

// Turns a masked value or match into "****" or a hex digest (thread-safe, no state per call).
class Masker {
 public:
  explicit Masker(HashFunction hash = HashFunction::none, std::string key = {});
  std::string mask(std::string_view original) const;
  HashFunction hash() const { return hash_; }

 private:
  struct Engine;  // OpenSSL objects fetched once, shared read-only by all threads
  HashFunction hash_;
  std::shared_ptr<const Engine> engine_;
};

// A set of key regexes (searched, not anchored, like the Collector's) tested in one pass.
class KeyPatterns {
 public:
  // Throws std::invalid_argument naming the pattern that does not compile.
  explicit KeyPatterns(const std::vector<std::string>& patterns);
  ~KeyPatterns();
  KeyPatterns(KeyPatterns&&) noexcept;
  bool empty() const { return count_ == 0; }
  bool matches(std::string_view key) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  size_t count_ = 0;
};

class ValueScanner {
 public:
  enum class Verdict { clean, allowed, masked };

  // Throws std::invalid_argument naming the pattern that does not compile.
  ValueScanner(const std::vector<std::string>& blocked_values, const std::vector<std::string>& allowed_values,
               const std::vector<const Detector*>& detectors, size_t window_size);
  ~ValueScanner();
  ValueScanner(ValueScanner&&) noexcept;

  // Nothing to look for.
  bool empty() const;
  // `allowed` when some allowed_values pattern matches; `masked` (with the masked text in `out`) when some
  // blocked value or detector matched; otherwise `clean`. Linear in text.size().
  Verdict scan(std::string_view text, const Masker& masker, std::string& out) const;
  // Like scan(), but gives the merged, sorted ranges that would be masked instead of the masked text.
  Verdict find(std::string_view text, std::vector<Span>& spans) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace otlpd::redaction
