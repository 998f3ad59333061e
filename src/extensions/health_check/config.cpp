// The `health_check` extension's config schema.
#include "extensions/health_check/config.h"

namespace otlpd::health_check {

namespace {

// The Collector's deprecated pipeline check: accepted while disabled.
struct PipelineCheck {
  bool enabled = false;
};

const Schema<PipelineCheck>& pipeline_check_schema() {
  static const auto s =
      Schema<PipelineCheck>()
          .key("enabled", &PipelineCheck::enabled, "must stay false")
          .ignored("interval", "the pipeline check is not supported")
          .ignored("exporter_failure_threshold", "the pipeline check is not supported")
          .validate([](PipelineCheck& c, const SchemaInput& in) {
            if (c.enabled)
              in.fail("enabled", "check_collector_pipeline is not supported by otlpd (the Collector deprecated it)");
          });
  return s;
}

}  // namespace

const Schema<HealthCheckConfig>& schema() {
  static const auto s =
      Schema<HealthCheckConfig>()
          .endpoint("endpoint", &HealthCheckConfig::endpoint, "address the HTTP server listens on")
          .key("path", &HealthCheckConfig::path, "URL path answered; 200 while every pipeline runs, 503 otherwise")
          .block("check_collector_pipeline", "map", "the Collector's deprecated pipeline check; only disabled",
                 pipeline_check_schema(),
                 [](const ConfigNode& n, HealthCheckConfig&) { pipeline_check_schema().parse(n); })
          .validate([](HealthCheckConfig& c, const SchemaInput&) {
            if (c.path.empty() || c.path.front() != '/') c.path = "/" + c.path;
          });
  return s;
}

std::unique_ptr<HealthCheckConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::health_check

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::extension, "health_check", ::otlpd::health_check::schema)
