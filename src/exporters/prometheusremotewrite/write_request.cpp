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
        if (m.sum().aggregation_temporality() != pm::AGGREGATION_TEMPORALITY_CUMULATIVE) {
          out_.dropped.push_back({m.name(), "a sum whose temporality is not cumulative"});
          break;
        }
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
        if (m.histogram().aggregation_temporality() != pm::AGGREGATION_TEMPORALITY_CUMULATIVE) {
          out_.dropped.push_back({m.name(), "a histogram whose temporality is not cumulative"});
          break;
        }
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
      case pm::Metric::kExponentialHistogram:
        out_.dropped.push_back({m.name(), "an exponential histogram (remote write 1.0 has no native histograms)"});
        break;
      default:
        break;
    }
    return latest;
  }

  Labels labels(const std::string& name, const prometheus_exporter::KeyValues& attrs) const {
    Labels l = base_;
    prometheus_exporter::add_labels(l, attrs);
    l["__name__"] = name;
    return l;
  }

  void add(Labels labels, double value, uint64_t time_unix_nano) {
    for (const auto& [k, v] : o_.external_labels) labels.emplace(prometheus_exporter::label_name(k), v);
    auto& ts = out_.series.emplace_back();
    for (auto& [k, v] : labels) {
      auto* l = ts.add_labels();
      l->set_name(k);
      l->set_value(std::move(v));
    }
    auto* s = ts.add_samples();
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

size_t varint_size(size_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

}  // namespace

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
  for (const auto& ts : t.series) {
    const size_t n = ts.ByteSizeLong();
    const size_t cost = 1 + varint_size(n) + n;
    if (size + cost > max_bytes) flush();
    *req.add_timeseries() = ts;
    size += cost;
  }
  for (const auto& md : t.metadata) {
    const size_t n = md.ByteSizeLong();
    const size_t cost = 1 + varint_size(n) + n;
    if (size + cost > max_bytes) flush();
    *req.add_metadata() = md;
    size += cost;
  }
  flush();
  return out;
}

}  // namespace otlpd::prometheusremotewrite_exporter
