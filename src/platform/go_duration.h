// Go's time.Duration units, shared by the config's durations and OTTL's Duration().
#pragma once

#include <optional>
#include <string_view>

namespace otlpd {

// Nanoseconds in one unit: ns, us (µs, μs), ms, s, m, h (as written, case-sensitive); nothing for any other.
inline std::optional<double> go_duration_unit_ns(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  if (unit == "m") return 60e9;
  if (unit == "h") return 3600e9;
  return std::nullopt;
}

}  // namespace otlpd
