// The `spanmetrics` connector's config schema.
#include "connectors/spanmetrics/config.h"

#include <set>

namespace otlpd::spanmetrics {

namespace {

const char* const kDefaultDimensions[] = {"service.name", "span.name", "span.kind", "status.code"};

const Schema<Dimension>& dimension_schema() {
  static const auto s =
      Schema<Dimension>()
          .key("name", &Dimension::name, "span attribute (else resource attribute) to read", required<std::string>())
          .custom("default", "string", "", "value when neither has it; unset: the dimension is omitted",
                  [](const ConfigNode& n, Dimension& d) { d.default_value = n.as<std::string>(); });
  return s;
}

const Schema<HistogramConfig>& explicit_schema() {
  static const auto s = Schema<HistogramConfig>().custom(
      "buckets", "list of durations",
      "2ms, 4ms, 6ms, 8ms, 10ms, 50ms, 100ms, 200ms, 400ms, 800ms, 1s, 1400ms, 2s, 5s, 10s, 15s",
      "upper bounds of the duration histogram's buckets, ascending", [](const ConfigNode& n, HistogramConfig& h) {
        h.explicit_bounds.clear();
        for (const auto& item : n.items()) {
          auto d = item.as<Duration>();
          if (!h.explicit_bounds.empty() && d <= h.explicit_bounds.back()) item.fail("buckets must be ascending");
          h.explicit_bounds.push_back(d);
        }
      });
  return s;
}

const Schema<HistogramConfig>& exponential_schema() {
  static const auto s = Schema<HistogramConfig>().key("max_size", &HistogramConfig::exponential_max_size,
                                                      "most buckets of positive values", between(1, 16384));
  return s;
}

const Schema<HistogramConfig>& histogram_schema() {
  static const auto s = Schema<HistogramConfig>()
                            .key("disable", &HistogramConfig::disable, "no duration histogram, calls only")
                            .choice("unit", &HistogramConfig::unit, {{"ms", DurationUnit::ms}, {"s", DurationUnit::s}},
                                    "unit of the durations recorded")
                            .block("explicit", "map", "an explicit-bucket histogram (the default)", explicit_schema(),
                                   [](const ConfigNode& n, HistogramConfig& h) {
                                     h.exponential = false;
                                     explicit_schema().parse_into(n, h);
                                   })
                            .block("exponential", "map", "an exponential histogram instead", exponential_schema(),
                                   [](const ConfigNode& n, HistogramConfig& h) {
                                     h.exponential = true;
                                     exponential_schema().parse_into(n, h);
                                   })
                            .unsupported("dimensions", "the histogram has the calls' dimensions")
                            .validate([](HistogramConfig&, const SchemaInput& in) {
                              if (in.has("explicit") && in.has("exponential"))
                                in.fail("exponential", "use either `explicit` or `exponential` buckets histogram");
                            });
  return s;
}

const Schema<ExemplarsConfig>& exemplars_schema() {
  static const auto s =
      Schema<ExemplarsConfig>()
          .key("enabled", &ExemplarsConfig::enabled, "attach spans (trace and span id, duration) as exemplars")
          .key("max_per_data_point", &ExemplarsConfig::max_per_data_point, "exemplars kept per data point and flush",
               at_least(1));
  return s;
}

}  // namespace

const std::vector<double>& default_bounds_ms() {
  static const std::vector<double> b{2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000};
  return b;
}

const Schema<SpanMetricsConfig>& schema() {
  static const auto s =
      Schema<SpanMetricsConfig>()
          .block("dimensions", "list of maps",
                 "dimensions added to service.name, span.name, span.kind and status.code: {name, default}",
                 dimension_schema(),
                 [](const ConfigNode& n, SpanMetricsConfig& c) {
                   std::set<std::string> names(std::begin(kDefaultDimensions), std::end(kDefaultDimensions));
                   for (const auto& item : n.items()) {
                     auto d = dimension_schema().parse(item);
                     if (!names.insert(d->name).second)
                       item.fail("failed validating dimensions: duplicate dimension name " + d->name);
                     c.dimensions.push_back(*d);
                   }
                 })
          .key("exclude_dimensions", &SpanMetricsConfig::exclude_dimensions,
               "default dimensions left out (service.name, span.name, span.kind, status.code)")
          .key("resource_metrics_key_attributes", &SpanMetricsConfig::resource_metrics_key_attributes,
               "resource attributes that tell resources apart; empty: all of them")
          .choice("aggregation_temporality", &SpanMetricsConfig::aggregation_temporality,
                  {{"AGGREGATION_TEMPORALITY_CUMULATIVE", Temporality::cumulative},
                   {"AGGREGATION_TEMPORALITY_DELTA", Temporality::delta}},
                  "cumulative series, or each flush's counts alone")
          .block("histogram", "map", "the duration histogram", histogram_schema(),
                 [](const ConfigNode& n, SpanMetricsConfig& c) { histogram_schema().parse_into(n, c.histogram); })
          .block("exemplars", "map", "exemplars on the data points", exemplars_schema(),
                 [](const ConfigNode& n, SpanMetricsConfig& c) { exemplars_schema().parse_into(n, c.exemplars); })
          .key("metrics_flush_interval", &SpanMetricsConfig::metrics_flush_interval,
               "how often the metrics are sent downstream", at_least(Duration(std::chrono::milliseconds(1))))
          .key("metrics_expiration", &SpanMetricsConfig::metrics_expiration,
               "a resource's series go once no span has come for this long; 0: never", at_least(Duration::zero()))
          .key("namespace", &SpanMetricsConfig::namespace_, "prefix of the metric names (namespace.calls)")
          .key("aggregation_cardinality_limit", &SpanMetricsConfig::aggregation_cardinality_limit,
               "series per metric and resource; later ones go to one series {otel.metric.overflow: true}; 0: no limit",
               at_least<int64_t>(0))
          .ignored("dimensions_cache_size",
                   "deprecated in the Collector; series are bounded by "
                   "aggregation_cardinality_limit")
          .ignored("resource_metrics_cache_size", "resources are bounded by metrics_expiration")
          .ignored("metric_timestamp_cache_size", "delta start times are kept per series, without a cache")
          .unsupported("calls_dimensions", "calls and duration have the same dimensions")
          .unsupported("events", "no events metric")
          .unsupported("include_instrumentation_scope", "the scope is not a dimension")
          .validate([](SpanMetricsConfig& c, const SchemaInput& in) {
            for (const auto& d : c.exclude_dimensions)
              if (std::find(std::begin(kDefaultDimensions), std::end(kDefaultDimensions), d) ==
                  std::end(kDefaultDimensions))
                in.fail("exclude_dimensions", "'" + d +
                                                  "' is not a default dimension; valid values are: service.name, "
                                                  "span.name, span.kind, status.code");
          })
          .note(
              "Metrics: <namespace>.calls (a monotonic sum) and <namespace>.duration (a histogram in `unit`), per "
              "resource and dimension set; spans whose resource has no service.name are not counted.");
  return s;
}

}  // namespace otlpd::spanmetrics

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::connector, "spanmetrics", ::otlpd::spanmetrics::schema)
