// OTLP names to Prometheus names, per the OpenTelemetry specification's Prometheus compatibility rules.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/metrics/v1/metrics.pb.h"
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

// base^index of an exponential histogram of `scale` (base = 2^(2^-scale)): exact at powers of two, ±inf beyond
// the range of a double.
double exponential_bound(int32_t scale, int64_t index);

// A histogram in classic form: `le` bounds in increasing order and the count of each bucket (not cumulative),
// one more than the bounds (the last is the +Inf bucket's).
struct ClassicBuckets {
  std::vector<double> bounds;
  std::vector<uint64_t> counts;
};

// An exponential histogram point as a classic histogram, the text format having no native histograms. From the
// lowest: the negative buckets (absolute values in (base^i, base^(i+1)]) with le -base^i below an empty bucket at
// -base^(i+1) of the largest index, the zero bucket with le zero_threshold, then the positive buckets with le
// base^(i+1) above an empty bucket at base^offset. +Inf holds what count has beyond the buckets. A bound that is
// not above the previous one (an overlapping zero bucket) adds its count to the previous bucket; bounds beyond a
// double's range join the next bucket (-inf) or +Inf.
ClassicBuckets classic_buckets(const opentelemetry::proto::metrics::v1::ExponentialHistogramDataPoint& dp);

}  // namespace otlpd::prometheus_exporter
