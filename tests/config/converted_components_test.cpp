// The schemas of the debug and file exporters and the health_check extension: the keys they take and refuse.
#include <catch2/catch.hpp>

#include "config/node.h"
#include "core/registry.h"
#include "extensions/health_check/config.h"

using namespace otlpd;
using Catch::Contains;

namespace {

// The error of parsing `yaml` as the config of `kind` `type`, or "" when it loaded.
std::string error_of(Kind kind, const std::string& type, const std::string& yaml) {
  const auto* f = Registry::instance().find(kind, type);
  REQUIRE(f);
  try {
    f->parse(ConfigNode(YAML::Load(yaml), std::string(to_string(kind)) + "s::" + type));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("debug exporter: verbosity is one of three, the Collector's sampling keys load", "[config][schema]") {
  CHECK(
      error_of(Kind::exporter, "debug", "verbosity: detailed\nsampling_initial: 5\nuse_internal_logger: true").empty());
  CHECK_THAT(error_of(Kind::exporter, "debug", "\nverbosity: loud"),
             Contains("exporters::debug::verbosity (line 2)") &&
                 Contains("unknown value 'loud'; valid values are: basic, normal, detailed"));
}

TEST_CASE("file exporter: path is required, format json only", "[config][schema]") {
  CHECK(error_of(Kind::exporter, "file", "path: /tmp/x.json\nappend: true\nformat: json").empty());
  CHECK_THAT(error_of(Kind::exporter, "file", "append: true"), Contains("missing required key 'path'"));
  CHECK_THAT(error_of(Kind::exporter, "file", "path: /tmp/x\nformat: proto"),
             Contains("format (line 2)") && Contains("not supported by otlpd"));
  CHECK_THAT(error_of(Kind::exporter, "file", "path: /tmp/x\nrotation: {max_megabytes: 1}"),
             Contains("unknown key 'rotation'; valid keys are: append, format, path"));
}

TEST_CASE("health_check: endpoint is host:port, the path gets its slash, the pipeline check stays off",
          "[config][schema]") {
  auto cfg = Registry::instance()
                 .find(Kind::extension, "health_check")
                 ->parse(ConfigNode(YAML::Load("endpoint: 127.0.0.1:0\npath: health"), "extensions::health_check"));
  const auto& hc = config_as<health_check::HealthCheckConfig>(*cfg);
  CHECK(hc.endpoint.host == "127.0.0.1");
  CHECK(hc.endpoint.port == 0);
  CHECK(hc.path == "/health");
  CHECK_THAT(error_of(Kind::extension, "health_check", "endpoint: localhost"),
             Contains("endpoint (line 1)") && Contains("expected an endpoint host:port"));
  CHECK(error_of(Kind::extension, "health_check", "check_collector_pipeline: {enabled: false, interval: 5m}").empty());
  CHECK_THAT(error_of(Kind::extension, "health_check", "check_collector_pipeline:\n  enabled: true"),
             Contains("check_collector_pipeline::enabled (line 2)") && Contains("not supported by otlpd"));
}
