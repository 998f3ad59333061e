// The three OTLP signals and their names in pipeline ids.
#pragma once

#include <optional>
#include <string_view>

namespace otlpd {

enum class Signal { traces, metrics, logs };

inline constexpr Signal kAllSignals[] = {Signal::traces, Signal::metrics, Signal::logs};

constexpr std::string_view to_string(Signal s) {
  switch (s) {
    case Signal::traces:
      return "traces";
    case Signal::metrics:
      return "metrics";
    case Signal::logs:
      return "logs";
  }
  return "?";
}

constexpr std::optional<Signal> signal_from_string(std::string_view s) {
  if (s == "traces") return Signal::traces;
  if (s == "metrics") return Signal::metrics;
  if (s == "logs") return Signal::logs;
  return std::nullopt;
}

// What one item of a signal is called in counters and logs ("spans", "metric points", "log records").
constexpr std::string_view item_name(Signal s) {
  switch (s) {
    case Signal::traces:
      return "spans";
    case Signal::metrics:
      return "metric_points";
    case Signal::logs:
      return "log_records";
  }
  return "items";
}

}  // namespace otlpd
