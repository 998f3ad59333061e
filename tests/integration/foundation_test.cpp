// The real daemon: every field of every signal survives OTLP/gRPC → pipeline → file exporter; the CLI.
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "codec/otlp_json.h"
#include "support/daemon.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::test;
using Catch::Matchers::Contains;
using google::protobuf::util::MessageDifferencer;

namespace {

std::string file_pipeline_config(const std::string& path) {
  return R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
exporters:
  file:
    path: )" +
         path + R"(
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [file]}
    metrics: {receivers: [otlp], exporters: [file]}
    logs: {receivers: [otlp], exporters: [file]}
)";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

template <typename Msg>
std::vector<std::string> canonical(const std::vector<Msg>& msgs) {
  std::vector<std::string> out;
  for (const auto& m : msgs) {
    std::string s;
    google::protobuf::io::StringOutputStream stream(&s);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
    coded.Trim();
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("10,000 spans in 100 requests, every metric type and logs arrive with every field intact",
          "[integration][foundation]") {
  TempDir dir;
  auto out = dir.file("out.jsonl");
  Daemon d(file_pipeline_config(out));
  OtlpGrpcClient client(d.endpoint("otlp", "grpc"));

  std::vector<otlp_trace::ExportTraceServiceRequest> traces;
  for (int i = 0; i < 100; ++i) {
    traces.push_back(full_traces(100, static_cast<uint64_t>(i)));
    REQUIRE(client.send(traces.back()).ok());
  }
  std::vector<otlp_metrics::ExportMetricsServiceRequest> metrics{full_metrics(1), full_metrics(2)};
  for (const auto& m : metrics) REQUIRE(client.send(m).ok());
  std::vector<otlp_logs::ExportLogsServiceRequest> logs{full_logs(20, 1), full_logs(5, 2)};
  for (const auto& l : logs) REQUIRE(client.send(l).ok());
  REQUIRE(d.stop() == 0);

  std::vector<otlp_trace::ExportTraceServiceRequest> got_traces;
  std::vector<otlp_metrics::ExportMetricsServiceRequest> got_metrics;
  std::vector<otlp_logs::ExportLogsServiceRequest> got_logs;
  size_t spans = 0;
  for (const auto& line : lines_of(read_file(out))) {
    auto decode = [&](auto& vec) {
      vec.emplace_back();
      auto err = otlp_json::decode(line, vec.back());
      INFO(line.substr(0, 200));
      REQUIRE(err.empty());
    };
    if (line.find("\"resourceSpans\"") != std::string::npos)
      decode(got_traces);
    else if (line.find("\"resourceMetrics\"") != std::string::npos)
      decode(got_metrics);
    else if (line.find("\"resourceLogs\"") != std::string::npos)
      decode(got_logs);
    else
      FAIL("unexpected line: " << line.substr(0, 200));
  }
  for (const auto& t : got_traces) spans += SignalTraits<otlp_trace::ExportTraceServiceRequest>::count_items(t);
  CHECK(spans == 10000);
  CHECK(canonical(got_traces) == canonical(traces));
  CHECK(canonical(got_metrics) == canonical(metrics));
  CHECK(canonical(got_logs) == canonical(logs));
  if (!got_metrics.empty()) CHECK(MessageDifferencer::Equals(got_metrics[0], metrics[0]));
}

TEST_CASE("the debug exporter prints spans as a tree under their parents, with durations",
          "[integration][foundation]") {
  Daemon d(R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
exporters:
  debug:
    verbosity: normal
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)");
  otlp_trace::ExportTraceServiceRequest req;
  auto* ss = req.add_resource_spans()->add_scope_spans();
  auto span = [&](const char* name, char id, char parent, uint64_t start, uint64_t end) {
    auto* s = ss->add_spans();
    s->set_trace_id(std::string(16, 'T'));
    s->set_span_id(std::string(8, id));
    if (parent) s->set_parent_span_id(std::string(8, parent));
    s->set_name(name);
    s->set_start_time_unix_nano(start);
    s->set_end_time_unix_nano(end);
  };
  span("child", 'b', 'a', 1000, 2000000);  // arrives before its parent
  span("root", 'a', 0, 0, 5000000);
  span("grandchild", 'c', 'b', 2000, 3000);
  REQUIRE(export_traces(d.endpoint("otlp", "grpc"), req).ok());
  REQUIRE(wait_until([&] { return d.output().find("grandchild") != std::string::npos; }));
  auto out = d.output();
  CHECK_THAT(out, Contains("\n  root ["));
  CHECK_THAT(out, Contains("\n    child ["));
  CHECK_THAT(out, Contains("\n      grandchild ["));
  CHECK_THAT(out, Contains("5.00ms"));
  CHECK(out.find("root [") < out.find("child ["));
  CHECK(d.stop() == 0);
  CHECK_THAT(d.log(), Contains("otlpd stopped"));
}

TEST_CASE("validate reports a misspelt key with its path and line and exits 1", "[integration][cli]") {
  TempDir dir;
  auto cfg = dir.write("c.yaml", R"(receivers:
  otlp:
    protocols:
      grpc:
        endpiont: localhost:4317
exporters:
  debug:
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)");
  auto r = run_otlpd({"validate", "--config", cfg});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("receivers::otlp::protocols::grpc::endpiont (line 5)"));
  CHECK_THAT(r.out, Contains("valid keys are: auth, dialer, endpoint"));
}

TEST_CASE("validate lists the known exporters for an unknown type", "[integration][cli]") {
  TempDir dir;
  auto cfg = dir.write("c.yaml",
                       "receivers:\n  otlp:\n    protocols:\n      grpc:\nexporters:\n  zipkinn:\n"
                       "service:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [zipkinn]}\n");
  auto r = run_otlpd({"validate", "--config", cfg});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("unknown exporter type 'zipkinn'; known types are: "));
  CHECK_THAT(r.out, Contains("debug, file"));
}

TEST_CASE("an unset ${env:VAR} expands to empty with a warning that names it", "[integration][cli]") {
  TempDir dir;
  auto cfg = dir.write("c.yaml",
                       "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: "
                       "\"127.0.0.1${env:OTLPD_SURELY_UNSET}:0\"\nexporters:\n  debug:\n"
                       "service:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [debug]}\n");
  REQUIRE(std::getenv("OTLPD_SURELY_UNSET") == nullptr);
  auto r = run_otlpd({"validate", "--config", cfg});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("environment variable 'OTLPD_SURELY_UNSET' is not set"));
  CHECK_THAT(r.out, Contains("configuration is valid"));
}

TEST_CASE("several --config files merge, the later winning", "[integration][cli]") {
  TempDir dir;
  auto a = dir.write("a.yaml",
                     "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
                     "exporters:\n  debug:\n    verbosity: bogus\n"
                     "service:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [debug]}\n");
  auto b = dir.write("b.yaml", "exporters:\n  debug:\n    verbosity: detailed\n");
  CHECK(run_otlpd({"validate", "--config", a}).exit_code == 1);
  CHECK(run_otlpd({"validate", "--config", a, "--config", b}).exit_code == 0);
}

TEST_CASE("components, --version and --help answer and exit 0", "[integration][cli]") {
  auto c = run_otlpd({"components"});
  CHECK(c.exit_code == 0);
  CHECK_THAT(c.out, Contains("receivers:\n  otlp (traces, metrics, logs)"));
  CHECK_THAT(c.out, Contains("  file (traces, metrics, logs)"));
  auto v = run_otlpd({"--version"});
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Contains("otlpd " OTLPD_VERSION));
  auto h = run_otlpd({"--help"});
  CHECK(h.exit_code == 0);
  CHECK_THAT(h.out, Contains("otlpd validate --config FILE"));
  CHECK(run_otlpd({"--bogus"}).exit_code == 2);
}

TEST_CASE("a port already in use is a clear start-up error with exit code 1", "[integration][cli]") {
  std::string cfg = R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
exporters:
  debug:
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
)";
  Daemon first(cfg);
  std::string taken = cfg;
  taken.replace(taken.find("127.0.0.1:0"), 11, first.endpoint("otlp", "grpc"));
  TempDir dir;
  auto r = run_otlpd({"--config", dir.write("c.yaml", taken)});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("cannot listen for gRPC on " + first.endpoint("otlp", "grpc")));
}

TEST_CASE("the shipped default config is valid", "[integration][cli]") {
  auto r = run_otlpd({"validate", "--config", OTLPD_SOURCE_DIR "/config/otlpd.yaml"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("configuration is valid"));
}
