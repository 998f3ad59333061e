// Config loading: schema, errors with path and line, env expansion, merging of several files.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "config/config.h"
#include "support/daemon.h"

using namespace otlpd;
using Catch::Matchers::Contains;

namespace {

Config parse(const std::string& yaml) { return parse_config(YAML::Load(yaml)); }

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

const char* kGood = R"(
receivers:
  test_receiver:
  test_receiver/two: {}
processors:
  tag/a:
exporters:
  capture:
  capture/other:
    status: ok
extensions:
  test_extension:
service:
  extensions: [test_extension]
  telemetry:
    logs:
      level: debug
  pipelines:
    traces:
      receivers: [test_receiver, test_receiver/two]
      processors: [tag/a]
      exporters: [capture, capture/other]
    metrics/custom:
      receivers: [test_receiver]
      exporters: [capture]
)";

}  // namespace

TEST_CASE("a config in the Collector's schema parses into typed components and pipelines", "[config]") {
  auto cfg = parse(kGood);
  CHECK(cfg.receivers.size() == 2);
  CHECK(cfg.receivers.count(ComponentId{"test_receiver", "two"}) == 1);
  CHECK(cfg.processors.size() == 1);
  CHECK(cfg.exporters.size() == 2);
  REQUIRE(cfg.pipelines.size() == 2);
  CHECK(cfg.pipelines[0].id == "traces");
  CHECK(cfg.pipelines[0].signal == Signal::traces);
  CHECK(cfg.pipelines[0].receivers.size() == 2);
  CHECK(cfg.pipelines[0].exporters[1].str() == "capture/other");
  CHECK(cfg.pipelines[1].id == "metrics/custom");
  CHECK(cfg.pipelines[1].signal == Signal::metrics);
  CHECK(cfg.service_extensions.size() == 1);
  CHECK(cfg.telemetry.log_level == "debug");
}

TEST_CASE("a misspelt key is reported with its path, line and the valid keys", "[config]") {
  auto err = error_of(R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpont: localhost:4317
exporters:
  capture:
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [capture]
)");
  CHECK_THAT(err, Contains("receivers::otlp::protocols::grpc::endpont"));
  CHECK_THAT(err, Contains("line 6"));
  CHECK_THAT(err, Contains("unknown key 'endpont'"));
  CHECK_THAT(err, Contains("endpoint"));
}

TEST_CASE("an unknown component type lists the known types", "[config]") {
  auto err = error_of("exporters:\n  jaegerr:\nservice:\n  pipelines: {}\n");
  CHECK_THAT(err, Contains("exporters::jaegerr (line 2)"));
  CHECK_THAT(err, Contains("unknown exporter type 'jaegerr'"));
  CHECK_THAT(err, Contains("capture"));
  CHECK_THAT(err, Contains("debug"));
  CHECK_THAT(err, Contains("file"));
}

TEST_CASE("pipelines must reference defined components that support their signal", "[config]") {
  const std::string base =
      "receivers:\n  test_receiver:\nexporters:\n  capture:\n  traces_only:\nservice:\n  pipelines:\n";
  CHECK_THAT(error_of(base + "    traces:\n      receivers: [nope]\n      exporters: [capture]\n"),
             Contains("receiver 'nope' is not defined under 'receivers'; defined are: test_receiver"));
  CHECK_THAT(error_of(base + "    logs:\n      receivers: [test_receiver]\n      exporters: [traces_only]\n"),
             Contains("exporter 'traces_only' does not support logs"));
  CHECK_THAT(error_of(base + "    spans:\n      receivers: [test_receiver]\n      exporters: [capture]\n"),
             Contains("unknown pipeline type 'spans'; valid values are: traces, metrics, logs"));
  CHECK_THAT(error_of(base + "    traces:\n      receivers: [test_receiver]\n"),
             Contains("must have at least one exporter"));
  CHECK_THAT(error_of(base + "    traces:\n      exporters: [capture]\n"), Contains("at least one receiver"));
  CHECK_THAT(error_of("receivers: {}\n"), Contains("missing the 'service' section"));
  CHECK_THAT(error_of(base + "    traces:\n      receivers: [test_receiver]\n      exporters: [capture, capture]\n"),
             Contains("listed twice"));
}

TEST_CASE("typed values report bad input with path and line", "[config]") {
  auto err = error_of(R"(
receivers:
  otlp:
    protocols:
      grpc:
        max_recv_msg_size_mib: lots
exporters:
  capture:
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [capture]}
)");
  CHECK_THAT(err, Contains("receivers::otlp::protocols::grpc::max_recv_msg_size_mib (line 6)"));
  CHECK_THAT(err, Contains("expected a non-negative integer, found 'lots'"));
}

TEST_CASE("environment references expand in config values, unset ones to empty", "[config]") {
  setenv("OTLPD_TEST_ENDPOINT", "127.0.0.1:0", 1);
  unsetenv("OTLPD_TEST_NOT_SET");
  auto cfg = parse(R"(
receivers:
  test_receiver:
exporters:
  file:
    path: "/tmp/${env:OTLPD_TEST_NOT_SET}x${env:OTLPD_TEST_MISSING:-default}.json"
service:
  telemetry:
    metrics:
      address: ${OTLPD_TEST_ENDPOINT}
  pipelines:
    traces: {receivers: [test_receiver], exporters: [file]}
)");
  REQUIRE(cfg.telemetry.metrics_address);
  CHECK(cfg.telemetry.metrics_address->str() == "127.0.0.1:0");
}

TEST_CASE("several config files merge: maps deep-merge, lists replace", "[config]") {
  test::TempDir dir;
  auto a = dir.write("a.yaml", R"(
receivers:
  test_receiver:
exporters:
  capture:
    status: retryable
  capture/two:
service:
  pipelines:
    traces:
      receivers: [test_receiver]
      exporters: [capture, capture/two]
)");
  auto b = dir.write("b.yaml", R"(
exporters:
  capture:
    status: ok
service:
  pipelines:
    traces:
      exporters: [capture]
)");
  auto merged = load_and_merge({a, b});
  CHECK(merged["exporters"]["capture"]["status"].as<std::string>() == "ok");
  CHECK(merged["exporters"]["capture/two"].IsDefined());
  CHECK(merged["service"]["pipelines"]["traces"]["exporters"].size() == 1);
  CHECK(merged["service"]["pipelines"]["traces"]["receivers"].size() == 1);
  auto cfg = load_config({a, b});
  CHECK(cfg.pipelines.at(0).exporters.size() == 1);
}

TEST_CASE("unreadable files and invalid YAML are errors that name the file", "[config]") {
  test::TempDir dir;
  CHECK_THROWS_WITH(load_config({dir.file("missing.yaml")}),
                    Contains("cannot read the config file '" + dir.file("missing.yaml") + "': No such file"));
  CHECK_THROWS_WITH(load_config({"/dev/zero"}), Contains("the config file '/dev/zero' is larger than 16 MiB"));
  auto bad = dir.write("bad.yaml", "receivers: [unclosed\n");
  CHECK_THROWS_WITH(load_config({bad}), Contains("invalid YAML"));
  CHECK_THROWS_WITH(load_config({}), Contains("no configuration"));
}

TEST_CASE("a connector type otlpd does not have is refused naming the known ones", "[config]") {
  CHECK_THAT(error_of("connectors:\n  roundrobin:\nservice:\n  pipelines: {}\n"),
             Contains("connectors::roundrobin (line 2): unknown connector type 'roundrobin'; known types are: count, "
                      "forward, spanmetrics"));
}
