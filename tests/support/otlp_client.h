// Test helpers: an OTLP/gRPC client and requests that fill every OTLP field.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "model/batch.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace otlpd::test {

// One-shot exports over an insecure channel to `endpoint` ("127.0.0.1:port"), 10 s deadline.
grpc::Status export_traces(const std::string& endpoint, const otlp_trace::ExportTraceServiceRequest& r);
grpc::Status export_metrics(const std::string& endpoint, const otlp_metrics::ExportMetricsServiceRequest& r);
grpc::Status export_logs(const std::string& endpoint, const otlp_logs::ExportLogsServiceRequest& r);

// A reusable client (one channel) for many requests.
class OtlpGrpcClient {
 public:
  explicit OtlpGrpcClient(const std::string& endpoint);
  grpc::Status send(const otlp_trace::ExportTraceServiceRequest& r);
  grpc::Status send(const otlp_metrics::ExportMetricsServiceRequest& r);
  grpc::Status send(const otlp_logs::ExportLogsServiceRequest& r);

 private:
  std::shared_ptr<grpc::Channel> channel_;
};

// Requests in which every field of every message is set to a non-default value (ids derived from `seed`):
// resource and scope with attributes and schema URLs, every AnyValue type (nested kvlist and array, bytes),
// events, links, status, flags, dropped counts.
otlp_trace::ExportTraceServiceRequest full_traces(int spans, uint64_t seed);
// Gauge, sum, histogram, exponential histogram and summary, each with exemplars and every field set.
otlp_metrics::ExportMetricsServiceRequest full_metrics(uint64_t seed);
// Log records with every field set, bodies of every AnyValue type.
otlp_logs::ExportLogsServiceRequest full_logs(int records, uint64_t seed);

}  // namespace otlpd::test
