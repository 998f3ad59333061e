// OTLP names to Prometheus names, per the OpenTelemetry specification's Prometheus compatibility rules.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "opentelemetry/proto/resource/v1/resource.pb.h"

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

// Labels by name (sorted: their text is a series' key).
using Labels = std::map<std::string, std::string>;
using KeyValues = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

// Adds `attrs` as labels; names that sanitise to the same label join their values with ';' (the specification).
void add_labels(Labels& labels, const KeyValues& attrs);

// The labels a resource gives its series: `job` from service.namespace/service.name, `instance` from
// service.instance.id, every attribute when `all_attributes` (resource_to_telemetry_conversion), then `extra`
// (const_labels, external_labels). `target_info` gets the labels of the resource's target_info series: the
// attributes other than those three with job, instance and `extra`; empty when there is no other attribute or
// neither job nor instance.
void resource_labels(const opentelemetry::proto::resource::v1::Resource& resource, bool all_attributes,
                     const std::map<std::string, std::string>& extra, Labels& base, Labels& target_info);

}  // namespace otlpd::prometheus_exporter
