// Built-in detectors of the `redaction` processor: a candidate regex each, and a validator that keeps real
// matches.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace otlpd::redaction {

// A byte range [begin, end) of a value.
struct Span {
  size_t begin = 0;
  size_t end = 0;
  bool operator==(const Span&) const = default;
};

// Given a candidate match [begin, end) of `text`, appends the ranges to mask (none, the candidate, or parts
// of it). `text` is the whole value so that validators can look at the characters around the candidate.
using Validator = void (*)(std::string_view text, Span candidate, std::vector<Span>& out);

struct Detector {
  std::string_view name;
  std::string_view pattern;      // RE2 syntax; finds candidates cheaply, in linear time
  Validator validate = nullptr;  // null: every candidate is masked
};

// Every built-in detector, in a fixed order.
const std::vector<Detector>& all_detectors();
// The detector called `name`, or null.
const Detector* find_detector(std::string_view name);

// Checks, exposed for tests.
bool luhn_valid(std::string_view digits);      // digits only
bool iban_checksum_valid(std::string_view s);  // upper-case letters and digits, no spaces
bool ipv4_valid(std::string_view s);           // dotted quad, octets 0..255
bool ipv6_valid(std::string_view s);

}  // namespace otlpd::redaction
