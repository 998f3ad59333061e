// The OTLP/gRPC receiver in process: decoding, status mapping, limits, metadata.
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include "config/config.h"
#include "google/rpc/status.pb.h"
#include "platform/endpoints.h"
#include "service/service.h"
#include "support/otlp_client.h"
#include "support/test_components.h"

using namespace otlpd;
using namespace otlpd::test;
using google::protobuf::util::MessageDifferencer;

namespace {

struct Running {
  std::unique_ptr<Service> svc;
  std::string endpoint;
  Running() = default;
  Running(Running&&) = default;
  ~Running() {
    if (svc) svc->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }
};

Running run(const std::string& exporter_status, const std::string& extra_grpc = "", const std::string& pipelines = "") {
  clear_captured();
  std::string yaml = R"(
receivers:
  otlp/t:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
)" + extra_grpc + R"(
exporters:
  capture:
    status: )" + exporter_status +
                     R"(
service:
  pipelines:
)" +
                     (pipelines.empty() ? "    traces: {receivers: [otlp/t], exporters: [capture]}\n"
                                          "    metrics: {receivers: [otlp/t], exporters: [capture]}\n"
                                          "    logs: {receivers: [otlp/t], exporters: [capture]}\n"
                                        : pipelines);
  Running r;
  r.svc = Service::build(parse_config(YAML::Load(yaml)));
  r.svc->start();
  r.endpoint = "127.0.0.1:" + std::to_string(listening_port("otlp/t", "grpc").value());
  return r;
}

}  // namespace

TEST_CASE("traces, metrics and logs sent over gRPC arrive unchanged, with the client's address", "[grpc]") {
  auto r = run("ok");
  auto traces = full_traces(10, 7);
  auto metrics = full_metrics(7);
  auto logs = full_logs(8, 7);
  REQUIRE(export_traces(r.endpoint, traces).ok());
  REQUIRE(export_metrics(r.endpoint, metrics).ok());
  REQUIRE(export_logs(r.endpoint, logs).ok());
  with_captured("capture", [&](Captured& c) {
    REQUIRE(c.traces.size() == 1);
    CHECK(MessageDifferencer::Equals(*c.traces[0].read_parts()[0].request, traces));
    CHECK(c.traces[0].item_count() == 10);
    CHECK(c.traces[0].context().client_address.starts_with("127.0.0.1:"));
    REQUIRE(c.metrics.size() == 1);
    CHECK(MessageDifferencer::Equals(*c.metrics[0].read_parts()[0].request, metrics));
    REQUIRE(c.logs.size() == 1);
    CHECK(MessageDifferencer::Equals(*c.logs[0].read_parts()[0].request, logs));
  });
}

TEST_CASE("requests are handed on as received: unknown fields kept, bytes unchanged", "[grpc]") {
  auto r = run("ok");
  auto traces = full_traces(4, 8);
  auto* span = traces.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  span->GetReflection()->MutableUnknownFields(span)->AddLengthDelimited(100, "a field from a newer SDK");
  REQUIRE(export_traces(r.endpoint, traces).ok());
  with_captured("capture", [&](Captured& c) {
    REQUIRE(c.traces.size() == 1);
    CHECK(c.traces[0].item_count() == 4);
    CHECK(c.traces[0].serialize() == traces.SerializeAsString());
  });
}

TEST_CASE("malformed requests answer INVALID_ARGUMENT naming the field, and reach no pipeline", "[grpc]") {
  auto r = run("ok");
  auto traces = full_traces(3, 8);
  traces.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(2)->set_span_id("1234");
  auto st = export_traces(r.endpoint, traces);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() ==
        "cannot decode the request as opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest: "
        "resourceSpans[0].scopeSpans[0].spans[2].spanId: 4 bytes, expected 8");

  auto logs = full_logs(2, 8);
  logs.mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records(1)->mutable_body()->set_string_value(
      "\xff\xfe");  // the C++ client sends invalid UTF-8 (it only logs about it)
  {
    google::protobuf::LogSilencer quiet;
    st = export_logs(r.endpoint, logs);
  }
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message().ends_with("resourceLogs[0].scopeLogs[0].logRecords[1].body.stringValue: invalid UTF-8"));
  with_captured("capture", [](Captured& c) {
    CHECK(c.traces.empty());
    CHECK(c.logs.empty());
  });
  // The receiver keeps serving.
  CHECK(export_traces(r.endpoint, full_traces(1, 1)).ok());
}

TEST_CASE("an empty request is accepted without reaching the pipeline", "[grpc]") {
  auto r = run("ok");
  REQUIRE(export_traces(r.endpoint, {}).ok());
  with_captured("capture", [](Captured& c) { CHECK(c.traces.empty()); });
}

TEST_CASE("downstream backpressure answers UNAVAILABLE with a RetryInfo hint", "[grpc]") {
  auto r = run("retryable");
  auto st = export_traces(r.endpoint, full_traces(2, 1));
  CHECK(st.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(st.error_message() == "test backend unavailable");
  google::rpc::Status details;
  REQUIRE(details.ParseFromString(st.error_details()));
  REQUIRE(details.details_size() == 1);
  google::rpc::RetryInfo info;
  REQUIRE(details.details(0).UnpackTo(&info));
  CHECK(info.retry_delay().seconds() == 1);
  CHECK(info.retry_delay().nanos() == 500000000);
}

TEST_CASE("a resource limit answers RESOURCE_EXHAUSTED", "[grpc]") {
  auto r = run("exhausted");
  CHECK(export_logs(r.endpoint, full_logs(1, 1)).error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_CASE("permanently refused data answers INVALID_ARGUMENT with the reason", "[grpc]") {
  auto r = run("permanent");
  auto st = export_metrics(r.endpoint, full_metrics(1));
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() == "test rejects this data");
}

TEST_CASE("a signal that no pipeline takes answers UNIMPLEMENTED", "[grpc]") {
  auto r = run("ok", "", "    traces: {receivers: [otlp/t], exporters: [capture]}\n");
  CHECK(export_traces(r.endpoint, full_traces(1, 1)).ok());
  CHECK(export_metrics(r.endpoint, full_metrics(1)).error_code() == grpc::StatusCode::UNIMPLEMENTED);
  CHECK(export_logs(r.endpoint, full_logs(1, 1)).error_code() == grpc::StatusCode::UNIMPLEMENTED);
}

TEST_CASE("requests over max_recv_msg_size_mib are refused and the receiver keeps serving", "[grpc]") {
  auto r = run("ok", "        max_recv_msg_size_mib: 1\n");
  auto big = full_traces(1, 1);
  big.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(std::string(2 << 20, 'x'));
  CHECK(export_traces(r.endpoint, big).error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(export_traces(r.endpoint, full_traces(1, 2)).ok());
}

TEST_CASE("include_metadata copies request metadata into the batch context", "[grpc]") {
  auto r = run("ok", "        include_metadata: true\n");
  auto channel = grpc::CreateChannel(r.endpoint, grpc::InsecureChannelCredentials());
  auto stub = otlp_trace::TraceService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-tenant", "acme");
  otlp_trace::ExportTraceServiceResponse resp;
  REQUIRE(stub->Export(&ctx, full_traces(1, 1), &resp).ok());
  with_captured("capture", [](Captured& c) {
    REQUIRE(c.traces.size() == 1);
    CHECK(c.traces[0].context().metadata_value("x-tenant") == "acme");
  });
}

namespace {

grpc::Status export_compressed(const std::string& endpoint, const otlp_trace::ExportTraceServiceRequest& request,
                               grpc_compression_algorithm algorithm) {
  auto stub = otlp_trace::TraceService::NewStub(grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  ctx.set_compression_algorithm(algorithm);
  otlp_trace::ExportTraceServiceResponse resp;
  return stub->Export(&ctx, request, &resp);
}

}  // namespace

TEST_CASE("gzip and deflate requests are decompressed by the receiver and arrive unchanged", "[grpc]") {
  auto r = run("ok");
  auto traces = full_traces(20, 9);
  REQUIRE(export_compressed(r.endpoint, traces, GRPC_COMPRESS_GZIP).ok());
  REQUIRE(export_compressed(r.endpoint, traces, GRPC_COMPRESS_DEFLATE).ok());
  with_captured("capture", [&](Captured& c) {
    REQUIRE(c.traces.size() == 2);
    for (auto& batch : c.traces) {
      CHECK(batch.item_count() == 20);
      CHECK(batch.serialize() == traces.SerializeAsString());
    }
  });
}

TEST_CASE("a compressed request over max_recv_msg_size_mib once decompressed answers RESOURCE_EXHAUSTED", "[grpc]") {
  auto r = run("ok", "        max_recv_msg_size_mib: 1\n");
  // 3 MiB of span names that gzip to a few kilobytes: under the limit as sent, over it decompressed.
  auto big = full_traces(1, 1);
  big.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(std::string(3 << 20, 'x'));
  auto st = export_compressed(r.endpoint, big, GRPC_COMPRESS_GZIP);
  CHECK(st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(st.error_message() == "decompressed size exceeds max_recv_msg_size_mib (1048576 bytes)");
  with_captured("capture", [](Captured& c) { CHECK(c.traces.empty()); });
  // Just under the limit is delivered; the receiver keeps serving.
  big.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(std::string(1000000, 'x'));
  CHECK(export_compressed(r.endpoint, big, GRPC_COMPRESS_DEFLATE).ok());
  CHECK(export_traces(r.endpoint, full_traces(1, 2)).ok());
}
