// Connectors in the config and the service: the Collector's validation rules (both sides, signal pairs, no
// cycles), the forward connector end to end through two pipelines, backpressure through it, and hot reload.
#include <catch2/catch.hpp>

#include "config/config.h"
#include "service/service.h"
#include "support/service_helpers.h"
#include "support/test_components.h"

using namespace otlpd;
using namespace otlpd::test;
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

// traces/in → forward → traces/out, each pipeline with its own tag processor.
const char* kForward = R"(
receivers:
  test_receiver:
processors:
  tag/in:
  tag/out:
exporters:
  capture/out:
    status: ok
connectors:
  forward:
service:
  pipelines:
    traces/in:
      receivers: [test_receiver]
      processors: [tag/in]
      exporters: [forward]
    traces/out:
      receivers: [forward]
      processors: [tag/out]
      exporters: [capture/out]
)";

std::string with_exporter_status(std::string yaml, const std::string& status) {
  auto at = yaml.find("status: ok");
  yaml.replace(at, 10, "status: " + status);
  return yaml;
}

}  // namespace

TEST_CASE("a connector is listed as an exporter of one pipeline and a receiver of another", "[config][connectors]") {
  auto cfg = parse(kForward);
  REQUIRE(cfg.connectors.size() == 1);
  CHECK(cfg.connectors.count(ComponentId{"forward", ""}) == 1);
  REQUIRE(cfg.pipelines.size() == 2);
  CHECK(cfg.pipelines[0].exporters == std::vector<ComponentId>{{"forward", ""}});
  CHECK(cfg.pipelines[1].receivers == std::vector<ComponentId>{{"forward", ""}});
}

TEST_CASE("a connector used only as an exporter is refused with the Collector's message, path and line",
          "[config][connectors]") {
  auto err = error_of(R"(
receivers: {test_receiver: }
exporters: {capture: }
connectors: {forward: }
service:
  pipelines:
    traces:
      receivers: [test_receiver]
      exporters: [capture, forward]
)");
  CHECK_THAT(err, Contains("service::pipelines::traces::exporters"));
  CHECK_THAT(err, Contains("(line 9)"));
  CHECK_THAT(err, Contains("connector \"forward\" used as exporter in [traces] pipeline but not used in any "
                           "supported receiver pipeline"));
}

TEST_CASE("a connector used only as a receiver is refused", "[config][connectors]") {
  auto err = error_of(R"(
receivers: {test_receiver: }
exporters: {capture: }
connectors: {forward/x: }
service:
  pipelines:
    logs/a:
      receivers: [test_receiver]
      exporters: [capture]
    logs/b:
      receivers: [forward/x]
      exporters: [capture]
)");
  CHECK_THAT(err, Contains("(line 11)"));
  CHECK_THAT(err, Contains("connector \"forward/x\" used as receiver in [logs/b] pipeline but not used in any "
                           "supported exporter pipeline"));
}

TEST_CASE("a connector between signals it cannot convert is refused", "[config][connectors]") {
  // forward keeps the signal: traces cannot become metrics.
  auto err = error_of(R"(
receivers: {test_receiver: }
exporters: {capture: }
connectors: {forward: }
service:
  pipelines:
    traces:
      receivers: [test_receiver]
      exporters: [forward]
    metrics:
      receivers: [forward]
      exporters: [capture]
)");
  CHECK_THAT(err, Contains("service::pipelines::traces::exporters"));
  CHECK_THAT(err, Contains("connector \"forward\" used as exporter in [traces] pipeline but not used in any "
                           "supported receiver pipeline"));
}

TEST_CASE("pipelines linked by connectors in a loop are refused naming the cycle", "[config][connectors]") {
  auto err = error_of(R"(
receivers: {test_receiver: }
processors: {tag: }
exporters: {capture: }
connectors: {forward/a: , forward/b: }
service:
  pipelines:
    traces/one:
      receivers: [test_receiver, forward/b]
      processors: [tag]
      exporters: [forward/a]
    traces/two:
      receivers: [forward/a]
      exporters: [capture, forward/b]
)");
  CHECK_THAT(err, Contains("service::pipelines::traces/one::exporters"));
  CHECK_THAT(err, Contains("(line 11)"));
  CHECK_THAT(err, Contains("cycle detected: connector \"forward/a\" (traces to traces) -> connector \"forward/b\" "
                           "(traces to traces) -> processor \"tag\" in pipeline \"traces/one\" -> connector "
                           "\"forward/a\" (traces to traces)"));
  // One pipeline that feeds itself is a loop too.
  auto self = error_of(R"(
receivers: {test_receiver: }
exporters: {capture: }
connectors: {forward: }
service:
  pipelines:
    logs:
      receivers: [test_receiver, forward]
      exporters: [capture, forward]
)");
  CHECK_THAT(self, Contains("cycle detected: connector \"forward\" (logs to logs) -> connector \"forward\""));
}

TEST_CASE("an unknown connector type names the known ones", "[config][connectors]") {
  auto err = error_of(R"(
connectors: {nosuch: }
service: {pipelines: {traces: {receivers: [x], exporters: [y]}}}
)");
  CHECK_THAT(err, Contains("unknown connector type 'nosuch'"));
  CHECK_THAT(err, Contains("forward"));
}

TEST_CASE("forward hands traces from one pipeline to another, through both pipelines' processors",
          "[service][connectors]") {
  clear_captured();
  auto svc = build_service(kForward);
  CHECK(svc->connector_count() == 1);
  CHECK(svc->processor_count() == 2);
  svc->start();
  auto in = test_receiver_consumers("test_receiver");
  REQUIRE(in.traces);
  CHECK(in.metrics == nullptr);
  REQUIRE(in.traces->consume(one_trace()).is_ok());
  with_captured("capture/out", [](Captured& c) {
    REQUIRE(c.traces.size() == 1);
    CHECK(c.traces[0].item_count() == 3);
    CHECK(resource_attr(c.traces[0], "tag.tag/in") == "traces/in");
    CHECK(resource_attr(c.traces[0], "tag.tag/out") == "traces/out");
  });
  svc->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

TEST_CASE("backpressure and refusals downstream of a connector reach the receiver", "[service][connectors]") {
  for (const char* status : {"retryable", "permanent"}) {
    INFO(status);
    auto svc = build_service(with_exporter_status(kForward, status));
    svc->start();
    Status s = test_receiver_consumers("test_receiver").traces->consume(one_trace());
    if (std::string(status) == "retryable")
      CHECK(s.is_retryable());
    else
      CHECK(s.is_permanent());
    svc->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }
}

TEST_CASE("pipelines start downstream of a connector first and stop upstream first", "[service][connectors]") {
  auto svc = build_service(kForward);
  EventLog::instance().clear();
  svc->start();
  svc->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  CHECK(EventLog::instance().events() == std::vector<std::string>{
                                             "start exporter capture/out",
                                             "start processor tag/out@traces/out",
                                             "start processor tag/in@traces/in",
                                             "start receiver test_receiver",
                                             "shutdown receiver test_receiver",
                                             "shutdown processor tag/in@traces/in",
                                             "shutdown processor tag/out@traces/out",
                                             "shutdown exporter capture/out",
                                         });
}

TEST_CASE("a reload that changes a pipeline behind a connector rebuilds the pipelines it links",
          "[service][reload][connectors]") {
  clear_captured();
  auto svc = build_service(kForward);
  svc->start();
  auto same = svc->reload(parse(kForward), std::chrono::seconds(5));
  CHECK(same.nothing_changed());
  CHECK(same.connectors.kept == std::vector<std::string>{"forward"});

  // tag/out changes: traces/out is rebuilt, so is the connector that feeds it and traces/in that feeds that.
  std::string changed = kForward;
  changed.replace(changed.find("  tag/out:\n"), 11, "  tag/out: {label: new}\n");
  auto summary = svc->reload(parse(changed), std::chrono::seconds(5));
  CHECK(summary.errors.empty());
  CHECK(summary.connectors.rebuilt == std::vector<std::string>{"forward"});
  CHECK(summary.processors.rebuilt.size() == 2);
  CHECK(summary.receivers.kept == std::vector<std::string>{"test_receiver"});
  REQUIRE(test_receiver_consumers("test_receiver").traces->consume(one_trace()).is_ok());
  with_captured("capture/out", [](Captured& c) {
    REQUIRE(c.traces.size() == 1);
    CHECK(resource_attr(c.traces[0], "tag.tag/out") == "new");
  });

  // Without the connector: traces/in exports directly.
  auto direct = svc->reload(parse(R"(
receivers: {test_receiver: }
exporters: {capture/out: }
service:
  pipelines:
    traces/in:
      receivers: [test_receiver]
      exporters: [capture/out]
)"),
                            std::chrono::seconds(5));
  CHECK(direct.connectors.removed == std::vector<std::string>{"forward"});
  CHECK(svc->connector_count() == 0);
  REQUIRE(test_receiver_consumers("test_receiver").traces->consume(one_trace()).is_ok());
  with_captured("capture/out", [](Captured& c) { CHECK(c.traces.size() == 2); });
  svc->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}
