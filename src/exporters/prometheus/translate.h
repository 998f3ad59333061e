// OTLP names to Prometheus names, per the OpenTelemetry specification's Prometheus compatibility rules.
#pragma once

#include <string>
#include <string_view>

namespace otlpd::prometheus_exporter {

// Metric name: invalid characters become '_' (runs of them one), the unit's suffix ("ms" → "_milliseconds",
// "By/s" → "_bytes_per_second"; units in braces dropped; "1" → "_ratio" for gauges) and "_total" for monotonic
// sums are appended when `suffixes`, and `ns` prefixes it ("ns_name").
std::string metric_name(std::string_view name, std::string_view unit, bool monotonic_sum, bool gauge, bool suffixes,
                        std::string_view ns);
// Label name: invalid characters become '_'; a leading digit gets "key_", a single leading '_' gets "key".
std::string label_name(std::string_view key);
// A label value escaped for the text format (backslash, double quote, newline).
std::string escape_label_value(std::string_view v);
// A sample value as Prometheus writes it: shortest round-trip form, +Inf, -Inf, NaN.
std::string format_value(double v);

}  // namespace otlpd::prometheus_exporter
