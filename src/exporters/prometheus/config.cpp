// The `prometheus` exporter's config schema.
#include "exporters/prometheus/config.h"

namespace otlpd::prometheus_exporter {

namespace {

struct Conversion {
  bool enabled = false;
};

const Schema<Conversion>& conversion_schema() {
  static const auto s = Schema<Conversion>().key("enabled", &Conversion::enabled,
                                                 "every resource attribute becomes a label of every series");
  return s;
}

}  // namespace

const Schema<PrometheusConfig>& schema() {
  static const auto s =
      Schema<PrometheusConfig>()
          .endpoint("endpoint", &PrometheusConfig::endpoint, "address the scrape endpoint (GET /metrics) listens on")
          .key("namespace", &PrometheusConfig::namespace_, "prefix of every metric name (namespace_name)")
          .key("const_labels", &PrometheusConfig::const_labels, "labels added to every series")
          .key("send_timestamps", &PrometheusConfig::send_timestamps,
               "each sample carries its data point's time; else the scrape's")
          .key("metric_expiration", &PrometheusConfig::metric_expiration,
               "a series not updated for this long is no longer exposed", at_least(Duration(std::chrono::seconds(1))))
          .block("resource_to_telemetry_conversion", "map", "resource attributes as labels", conversion_schema(),
                 [](const ConfigNode& n, PrometheusConfig& c) {
                   c.resource_to_telemetry_conversion = conversion_schema().parse(n)->enabled;
                 })
          .key("add_metric_suffixes", &PrometheusConfig::add_metric_suffixes,
               "unit and _total suffixes on metric names (the specification's translation)")
          .key("enable_open_metrics", &PrometheusConfig::enable_open_metrics,
               "OpenMetrics text (with _created samples and exemplars) to scrapers that accept it")
          .block("tls", "map (docs/tls.md)", "serve the scrape endpoint over TLS", tls_schema(TlsSide::server),
                 [](const ConfigNode& n, PrometheusConfig& c) {
                   c.tls = parse_tls_settings(n, TlsSide::server, TlsLibrary::openssl);
                 })
          .ignored("translation_strategy", "names are translated with suffixes as add_metric_suffixes says")
          .note(
              "Exponential histograms are exposed as classic histograms whose le bounds are their bucket boundaries "
              "(the text formats have no native histograms).");
  return s;
}

}  // namespace otlpd::prometheus_exporter

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::exporter, "prometheus", ::otlpd::prometheus_exporter::schema)
