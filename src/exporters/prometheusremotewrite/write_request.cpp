// OTLP metrics to remote-write requests (see write_request.h).
#include "exporters/prometheusremotewrite/write_request.h"

#include <bit>
#include <limits>

#include "exporters/prometheus/translate.h"

namespace otlpd::prometheusremotewrite_exporter {

namespace {

namespace pm = opentelemetry::proto::metrics::v1;
using prometheus_exporter::format_value;
using prometheus_exporter::Labels;

class Builder {
 public:
  Builder(const TranslateOptions& o, int64_t now_ms, Translated& out) : o_(o), now_ms_(now_ms), out_(out) {}

  void resource(const pm::ResourceMetrics& rm) {
    Labels info;
    prometheus_exporter::resource_labels(rm.resource(), o_.resource_to_telemetry_conversion, {}, base_, info);
    uint64_t latest = 0;
    for (const auto& sm : rm.scope_metrics())
      for (const auto& m : sm.metrics()) latest = std::max(latest, metric(m));
    if (o_.target_info && !info.empty()) {
      info["__name__"] = "target_info";
      add(std::move(info), 1, latest);
    }
  }

 private:
  // Translates `m`; returns the latest time of its points.
  uint64_t metric(const pm::Metric& m) {
    auto name = [&](bool monotonic, bool gauge) {
      return prometheus_exporter::metric_name(m.name(), m.unit(), monotonic, gauge, o_.add_metric_suffixes,
                                              o_.namespace_);
    };
    auto number = [](const pm::NumberDataPoint& dp) {
      return dp.value_case() == pm::NumberDataPoint::kAsInt ? static_cast<double>(dp.as_int()) : dp.as_double();
    };
    uint64_t latest = 0;
    auto value = [](uint32_t flags, double v) {
      return (flags & pm::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK) ? stale_nan() : v;
    };
    switch (m.data_case()) {
      case pm::Metric::kGauge: {
        auto n = name(false, true);
        metadata(n, prometheus::MetricMetadata::GAUGE, m);
        for (const auto& dp : m.gauge().data_points()) {
          add(labels(n, dp.attributes()), value(dp.flags(), number(dp)), dp.time_unix_nano());
          latest = std::max<uint64_t>(latest, dp.time_unix_nano());
        }
        break;
      }
      case pm::Metric::kSum: {
        if (!cumulative(m, m.sum(), "a sum")) break;
        const bool monotonic = m.sum().is_monotonic();
        auto n = name(monotonic, !monotonic);
        metadata(n, monotonic ? prometheus::MetricMetadata::COUNTER : prometheus::MetricMetadata::GAUGE, m);
        for (const auto& dp : m.sum().data_points()) {
          add(labels(n, dp.attributes()), value(dp.flags(), number(dp)), dp.time_unix_nano());
          latest = std::max<uint64_t>(latest, dp.time_unix_nano());
        }
        break;
      }
      case pm::Metric::kHistogram: {
        if (!cumulative(m, m.histogram(), "a histogram")) break;
        auto n = name(false, false);
        metadata(n, prometheus::MetricMetadata::HISTOGRAM, m);
        for (const auto& dp : m.histogram().data_points()) {
          const uint64_t t = dp.time_unix_nano();
          latest = std::max(latest, t);
          const uint32_t f = dp.flags();
          uint64_t cumulative = 0;
          const int bounds = dp.explicit_bounds_size();
          for (int i = 0; i < bounds; ++i) {
            if (i < dp.bucket_counts_size()) cumulative += dp.bucket_counts(i);
            auto l = labels(n + "_bucket", dp.attributes());
            l["le"] = format_value(dp.explicit_bounds(i));
            add(std::move(l), value(f, static_cast<double>(cumulative)), t);
          }
          auto inf = labels(n + "_bucket", dp.attributes());
          inf["le"] = "+Inf";
          add(std::move(inf), value(f, static_cast<double>(dp.count())), t);
          if (dp.has_sum()) add(labels(n + "_sum", dp.attributes()), value(f, dp.sum()), t);
          add(labels(n + "_count", dp.attributes()), value(f, static_cast<double>(dp.count())), t);
        }
        break;
      }
      case pm::Metric::kSummary: {
        auto n = name(false, false);
        metadata(n, prometheus::MetricMetadata::SUMMARY, m);
        for (const auto& dp : m.summary().data_points()) {
          const uint64_t t = dp.time_unix_nano();
          latest = std::max(latest, t);
          const uint32_t f = dp.flags();
          for (const auto& q : dp.quantile_values()) {
            auto l = labels(n, dp.attributes());
            l["quantile"] = format_value(q.quantile());
            add(std::move(l), value(f, q.value()), t);
          }
          add(labels(n + "_sum", dp.attributes()), value(f, dp.sum()), t);
          add(labels(n + "_count", dp.attributes()), value(f, static_cast<double>(dp.count())), t);
        }
        break;
      }
      case pm::Metric::kExponentialHistogram: {
        if (!cumulative(m, m.exponential_histogram(), "an exponential histogram")) break;
        auto n = name(false, false);
        metadata(n, prometheus::MetricMetadata::HISTOGRAM, m);
        for (const auto& dp : m.exponential_histogram().data_points()) {
          prometheus::Histogram h;
          std::string error;
          if (!native_histogram(dp, now_ms_, h, error)) {
            out_.dropped.push_back({m.name(), error});
            continue;
          }
          latest = std::max<uint64_t>(latest, dp.time_unix_nano());
          *series(labels(n, dp.attributes())).add_histograms() = std::move(h);
        }
        break;
      }
      default:
        break;
    }
    return latest;
  }

  // Whether `data` is cumulative; else `m` is recorded as dropped, as the Collector refuses delta metrics.
  template <typename Data>
  bool cumulative(const pm::Metric& m, const Data& data, const char* what) {
    if (data.aggregation_temporality() == pm::AGGREGATION_TEMPORALITY_CUMULATIVE) return true;
    std::string why = what;
    why += " whose temporality is not cumulative";
    out_.dropped.push_back({m.name(), std::move(why)});
    return false;
  }

  Labels labels(const std::string& name, const prometheus_exporter::KeyValues& attrs) const {
    Labels l = base_;
    prometheus_exporter::add_labels(l, attrs);
    l["__name__"] = name;
    return l;
  }

  // A new series with `labels` and the external ones.
  prometheus::TimeSeries& series(Labels labels) {
    for (const auto& [k, v] : o_.external_labels) labels.emplace(prometheus_exporter::label_name(k), v);
    auto& ts = out_.series.emplace_back();
    for (auto& [k, v] : labels) {
      auto* l = ts.add_labels();
      l->set_name(k);
      l->set_value(std::move(v));
    }
    return ts;
  }

  void add(Labels labels, double value, uint64_t time_unix_nano) {
    auto* s = series(std::move(labels)).add_samples();
    s->set_value(value);
    s->set_timestamp(time_unix_nano ? static_cast<int64_t>(time_unix_nano / 1000000) : now_ms_);
  }

  void metadata(const std::string& family, prometheus::MetricMetadata::MetricType type, const pm::Metric& m) {
    if (!o_.send_metadata) return;
    auto& md = out_.metadata.emplace_back();
    md.set_type(type);
    md.set_metric_family_name(family);
    md.set_help(m.description());
    md.set_unit(m.unit());
  }

  const TranslateOptions& o_;
  int64_t now_ms_;
  Translated& out_;
  Labels base_;
};

// OTLP buckets (index i covers (base^i, base^(i+1)]) as Prometheus spans and deltas (index i covers
// (base^(i-1), base^i]) after merging 2^scale_down neighbours.
void native_buckets(const pm::ExponentialHistogramDataPoint::Buckets& b, int scale_down,
                    google::protobuf::RepeatedPtrField<prometheus::BucketSpan>& spans,
                    google::protobuf::RepeatedField<int64_t>& deltas) {
  // Populated buckets, (Prometheus index, count), in increasing index order.
  std::vector<std::pair<int64_t, uint64_t>> merged;
  for (int i = 0; i < b.bucket_counts_size(); ++i) {
    const uint64_t count = b.bucket_counts(i);
    if (count == 0) continue;
    const int64_t index = ((int64_t{b.offset()} + i) >> scale_down) + 1;  // >> floors negatives too
    if (!merged.empty() && merged.back().first == index)
      merged.back().second += count;
    else
      merged.emplace_back(index, count);
  }
  int64_t previous_index = 0;
  uint64_t previous_count = 0;
  auto append = [&](uint64_t count) {
    spans.rbegin()->set_length(spans.rbegin()->length() + 1);
    deltas.Add(static_cast<int64_t>(count) - static_cast<int64_t>(previous_count));
    previous_count = count;
  };
  for (const auto& [index, count] : merged) {
    const int64_t gap = spans.empty() ? 0 : index - previous_index - 1;
    if (spans.empty() || gap > 2) {
      auto* span = spans.Add();
      span->set_offset(static_cast<int32_t>(spans.size() == 1 ? index : gap));
    } else {
      for (int64_t j = 0; j < gap; ++j) append(0);
    }
    append(count);
    previous_index = index;
  }
}

size_t varint_size(size_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

}  // namespace

bool native_histogram(const pm::ExponentialHistogramDataPoint& dp, int64_t now_ms, prometheus::Histogram& out,
                      std::string& error) {
  constexpr int32_t kMinScale = -4, kMaxScale = 8;  // Prometheus's schemas
  if (dp.scale() < kMinScale) {
    error = "an exponential histogram point of scale ";
    error += std::to_string(dp.scale());
    error += " (native histograms go down to -4)";
    return false;
  }
  const int scale_down = std::max(dp.scale() - kMaxScale, 0);
  out.set_schema(std::min(dp.scale(), kMaxScale));
  out.set_zero_threshold(dp.zero_threshold() > 0 ? dp.zero_threshold() : 1e-128);
  out.set_zero_count_int(dp.zero_count());
  native_buckets(dp.positive(), scale_down, *out.mutable_positive_spans(), *out.mutable_positive_deltas());
  native_buckets(dp.negative(), scale_down, *out.mutable_negative_spans(), *out.mutable_negative_deltas());
  out.set_reset_hint(prometheus::Histogram::UNKNOWN);
  out.set_timestamp(dp.time_unix_nano() ? static_cast<int64_t>(dp.time_unix_nano() / 1000000) : now_ms);
  if (dp.flags() & pm::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK) {
    out.set_sum(stale_nan());
    out.set_count_int(std::bit_cast<uint64_t>(stale_nan()));
  } else {
    if (dp.has_sum()) out.set_sum(dp.sum());
    out.set_count_int(dp.count());
  }
  return true;
}

double stale_nan() { return std::bit_cast<double>(uint64_t{0x7ff0000000000002ULL}); }

Translated translate(const MetricBatch& batch, const TranslateOptions& options, int64_t now_ms) {
  Translated out;
  Builder b(options, now_ms, out);
  for (const auto& part : batch.read_parts())
    for (const auto& rm : part.request->resource_metrics()) b.resource(rm);
  return out;
}

std::vector<std::string> split_requests(const Translated& t, size_t max_bytes) {
  std::vector<std::string> out;
  prometheus::WriteRequest req;
  size_t size = 0;
  auto flush = [&] {
    if (req.timeseries_size() == 0 && req.metadata_size() == 0) return;
    out.push_back(req.SerializeAsString());
    req.Clear();
    size = 0;
  };
  // Each entry costs its tag (one byte), its length and its bytes.
  auto add = [&](const auto& entry, auto adder) {
    const size_t n = entry.ByteSizeLong();
    const size_t cost = 1 + varint_size(n) + n;
    if (size + cost > max_bytes) flush();
    *(req.*adder)() = entry;
    size += cost;
  };
  for (const auto& ts : t.series)
    if (ts.histograms_size() == 0) add(ts, &prometheus::WriteRequest::add_timeseries);
  for (const auto& md : t.metadata) add(md, &prometheus::WriteRequest::add_metadata);
  // Native histograms in requests of their own, last: a receiver without them refuses a whole request that has
  // one, and has then stored the rest.
  flush();
  for (const auto& ts : t.series)
    if (ts.histograms_size() > 0) add(ts, &prometheus::WriteRequest::add_timeseries);
  flush();
  return out;
}

}  // namespace otlpd::prometheusremotewrite_exporter
