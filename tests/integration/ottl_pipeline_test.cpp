// End to end: otlp → filter (OTTL conditions) → transform (OTTL statements) → file, on the real daemon.
#include <catch2/catch.hpp>

#include <sstream>

#include "codec/otlp_json.h"
#include "processors/common/values.h"
#include "support/daemon.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

TEST_CASE("pipeline otlp → filter (OTTL) → transform (OTTL) → file drops and edits as configured",
          "[integration][processors][ottl]") {
  TempDir dir;
  const auto out = dir.file("out.jsonl");
  Daemon d(R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
processors:
  filter:
    error_mode: ignore
    traces:
      span:
        - 'name == "GET /health"'
    logs:
      log_record:
        - 'severity_number < SEVERITY_NUMBER_INFO and severity_number != SEVERITY_NUMBER_UNSPECIFIED'
  transform:
    error_mode: ignore
    trace_statements:
      - set(span.attributes["env"], "prod")
      - set(span.name, Concat(["svc", span.name], ":")) where span.kind == SPAN_KIND_SERVER
    log_statements:
      - context: log
        statements:
          - set(attributes["checked"], true)
exporters:
  file:
    path: )" +
           out + R"(
service:
  pipelines:
    traces: {receivers: [otlp], processors: [filter, transform], exporters: [file]}
    logs: {receivers: [otlp], processors: [filter, transform], exporters: [file]}
)");
  const auto endpoint = d.endpoint("otlp", "grpc");
  auto traces = full_traces(5, 1);
  auto* spans = traces.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans();
  spans->Mutable(0)->set_name("GET /health");
  spans->Mutable(1)->set_name("GET /users");
  spans->Mutable(1)->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  auto logs = full_logs(3, 2);
  auto* recs = logs.mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records();
  recs->Mutable(0)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_DEBUG);
  recs->Mutable(1)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_WARN);
  recs->Mutable(2)->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_ERROR);
  REQUIRE(export_traces(endpoint, traces).ok());
  REQUIRE(export_logs(endpoint, logs).ok());

  std::vector<otlp_trace::ExportTraceServiceRequest> got_traces;
  std::vector<otlp_logs::ExportLogsServiceRequest> got_logs;
  REQUIRE(wait_until(
      [&] {
        got_traces.clear();
        got_logs.clear();
        std::istringstream in(read_file(out));
        std::string line;
        while (std::getline(in, line)) {
          otlp_trace::ExportTraceServiceRequest t;
          otlp_logs::ExportLogsServiceRequest l;
          if (otlp_json::decode(line, t).empty() && t.resource_spans_size() > 0)
            got_traces.push_back(std::move(t));
          else if (otlp_json::decode(line, l).empty() && l.resource_logs_size() > 0)
            got_logs.push_back(std::move(l));
        }
        return got_traces.size() == 1 && got_logs.size() == 1;
      },
      15s));
  std::vector<std::string> names;
  for (const auto& rs : got_traces[0].resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& s : ss.spans()) {
        names.push_back(s.name());
        const auto* env = processors::find_attribute(s.attributes(), "env");
        REQUIRE(env != nullptr);
        CHECK(env->string_value() == "prod");
      }
  REQUIRE(names.size() == 4);  // GET /health dropped
  CHECK(names[0] == "svc:GET /users");
  size_t records = 0;
  for (const auto& rl : got_logs[0].resource_logs())
    for (const auto& sl : rl.scope_logs())
      for (const auto& l : sl.log_records()) {
        ++records;
        CHECK(l.severity_number() >= opentelemetry::proto::logs::v1::SEVERITY_NUMBER_WARN);
        CHECK(processors::find_attribute(l.attributes(), "checked") != nullptr);
      }
  CHECK(records == 2);
  CHECK(d.stop() == 0);
}
