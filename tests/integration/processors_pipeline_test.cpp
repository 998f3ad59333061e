// End to end: otlp → attributes (environment from ${ENVIRONMENT}) → redaction → batch → file, on the real daemon.
#include <catch2/catch.hpp>

#include <sstream>

#include "codec/otlp_json.h"
#include "processors/common/values.h"
#include "support/daemon.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

std::string pipeline_config(const std::string& out_path) {
  return R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
processors:
  attributes:
    actions:
      - key: environment
        action: insert
        value: ${ENVIRONMENT}
  redaction:
    allow_all_keys: true
  batch:
    timeout: 1s
    send_batch_size: 1024
exporters:
  file:
    path: )" +
         out_path + R"(
service:
  pipelines:
    traces: {receivers: [otlp], processors: [attributes, redaction, batch], exporters: [file]}
    metrics: {receivers: [otlp], processors: [attributes, redaction, batch], exporters: [file]}
    logs: {receivers: [otlp], processors: [attributes, redaction, batch], exporters: [file]}
)";
}

// What the file holds, decoded: each line is one request of one signal.
struct Output {
  std::vector<otlp_trace::ExportTraceServiceRequest> traces;
  std::vector<otlp_metrics::ExportMetricsServiceRequest> metrics;
  std::vector<otlp_logs::ExportLogsServiceRequest> logs;
  size_t spans = 0, points = 0, records = 0;
};

Output read_output(const std::string& path) {
  Output o;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    otlp_trace::ExportTraceServiceRequest t;
    otlp_metrics::ExportMetricsServiceRequest m;
    otlp_logs::ExportLogsServiceRequest l;
    // A line of another signal decodes to an empty request (unknown fields are ignored).
    if (otlp_json::decode(line, t).empty() && t.resource_spans_size() > 0) {
      o.spans += SignalTraits<otlp_trace::ExportTraceServiceRequest>::count_items(t);
      o.traces.push_back(std::move(t));
    } else if (otlp_json::decode(line, m).empty() && m.resource_metrics_size() > 0) {
      o.points += SignalTraits<otlp_metrics::ExportMetricsServiceRequest>::count_items(m);
      o.metrics.push_back(std::move(m));
    } else if (otlp_json::decode(line, l).empty() && l.resource_logs_size() > 0) {
      o.records += SignalTraits<otlp_logs::ExportLogsServiceRequest>::count_items(l);
      o.logs.push_back(std::move(l));
    }
  }
  return o;
}

std::string environment_of(const processors::Attributes& attrs) {
  const auto* v = processors::find_attribute(attrs, "environment");
  return v ? processors::as_string(*v) : "<absent>";
}

// Every span, data point and log record carries environment=staging.
void check_environment(const Output& o) {
  for (const auto& r : o.traces)
    for (const auto& rs : r.resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& s : ss.spans()) CHECK(environment_of(s.attributes()) == "staging");
  for (const auto& r : o.logs)
    for (const auto& rl : r.resource_logs())
      for (const auto& sl : rl.scope_logs())
        for (const auto& l : sl.log_records()) CHECK(environment_of(l.attributes()) == "staging");
  using opentelemetry::proto::metrics::v1::Metric;
  for (const auto& r : o.metrics)
    for (const auto& rm : r.resource_metrics())
      for (const auto& sm : rm.scope_metrics())
        for (const auto& m : sm.metrics()) {
          auto each = [](const auto& points) {
            for (const auto& p : points) CHECK(environment_of(p.attributes()) == "staging");
          };
          switch (m.data_case()) {
            case Metric::kGauge:
              each(m.gauge().data_points());
              break;
            case Metric::kSum:
              each(m.sum().data_points());
              break;
            case Metric::kHistogram:
              each(m.histogram().data_points());
              break;
            case Metric::kExponentialHistogram:
              each(m.exponential_histogram().data_points());
              break;
            case Metric::kSummary:
              each(m.summary().data_points());
              break;
            case Metric::DATA_NOT_SET:
              break;
          }
        }
}

}  // namespace

TEST_CASE("pipeline otlp → attributes → redaction → batch → file tags, redacts and delivers every signal",
          "[integration][processors]") {
  TempDir dir;
  const auto out = dir.file("out.jsonl");
  Daemon d(pipeline_config(out), {"ENVIRONMENT=staging"});
  const auto endpoint = d.endpoint("otlp", "grpc");

  auto traces1 = full_traces(3, 1);
  auto traces2 = full_traces(4, 2);
  auto metrics = full_metrics(3);
  auto logs = full_logs(5, 4);
  // Personal data the redaction step must mask, in span attributes, a data point and a log body.
  auto add_attr = [](auto* attrs, const std::string& k, const std::string& v) {
    auto* kv = attrs->Add();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  };
  auto* span = traces1.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  add_attr(span->mutable_attributes(), "user.note", "write to jane.doe@example.com today");
  add_attr(span->mutable_attributes(), "db.password", "hunter2");
  auto* gauge_point = metrics.mutable_resource_metrics(0)
                          ->mutable_scope_metrics(0)
                          ->mutable_metrics(0)
                          ->mutable_gauge()
                          ->mutable_data_points(0);
  add_attr(gauge_point->mutable_attributes(), "card", "4111 1111 1111 1111");
  logs.mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records(0)->mutable_body()->set_string_value(
      "paid with 4111-1111-1111-1111 by jane.doe@example.com");
  const size_t points = SignalTraits<otlp_metrics::ExportMetricsServiceRequest>::count_items(metrics);
  REQUIRE(export_traces(endpoint, traces1).ok());
  REQUIRE(export_traces(endpoint, traces2).ok());
  REQUIRE(export_metrics(endpoint, metrics).ok());
  REQUIRE(export_logs(endpoint, logs).ok());

  // The batch timeout (1 s) sends what is below send_batch_size.
  Output o;
  REQUIRE(wait_until(
      [&] {
        o = read_output(out);
        return o.spans == 7 && o.points == points && o.records == 5;
      },
      15s));
  check_environment(o);
  const std::string text = read_file(out);
  CHECK(text.find("jane.doe@example.com") == std::string::npos);
  CHECK(text.find("hunter2") == std::string::npos);
  CHECK(text.find("4111 1111 1111 1111") == std::string::npos);
  CHECK(text.find("4111-1111-1111-1111") == std::string::npos);
  CHECK(text.find("write to **** today") != std::string::npos);
  CHECK(text.find("paid with **** by ****") != std::string::npos);
  // Both trace requests went out in one batch: the file exporter writes one line per merged request.
  CHECK(o.traces.size() == 2);
  CHECK(d.stop() == 0);
}

TEST_CASE("pipeline with batch flushes buffered data when the daemon stops", "[integration][processors]") {
  TempDir dir;
  const auto out = dir.file("out.jsonl");
  auto cfg = pipeline_config(out);
  cfg.replace(cfg.find("timeout: 1s"), 11, "timeout: 1h");
  Daemon d(cfg, {"ENVIRONMENT=staging"});
  REQUIRE(export_traces(d.endpoint("otlp", "grpc"), full_traces(6, 9)).ok());
  REQUIRE(export_logs(d.endpoint("otlp", "grpc"), full_logs(2, 9)).ok());
  CHECK(read_output(out).spans == 0);  // held by the batch processor (1 h timeout)
  CHECK(d.stop() == 0);
  auto o = read_output(out);
  CHECK(o.spans == 6);
  CHECK(o.records == 2);
  check_environment(o);
}
