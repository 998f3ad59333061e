// OTLP/gRPC senders: a generic unary Export call over the shared gRPC client, whose request ByteBuffer is built
// from the batch's parts, serialised straight into gRPC slices (no intermediate string, no merged copy).
#include <grpc/slice.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "exporters/helper/grpc_client.h"
#include "exporters/helper/partial_success.h"
#include "exporters/otlp/grpc_sender.h"

namespace otlpd::otlp_exporter {

namespace {

using exporter_helper::SendOutcome;

// Every part in its own gRPC slice; together they form one valid request. A part still holding the bytes it
// was received as is sent as those bytes, without a copy (the slice keeps them alive); a decoded part is
// serialised.
template <typename B>
grpc::ByteBuffer to_byte_buffer(const B& batch) {
  using Bytes = std::shared_ptr<const std::string>;
  std::vector<grpc::Slice> slices;
  slices.reserve(batch.raw_parts().size());
  for (const auto& p : batch.raw_parts()) {
    if (p.wire) {
      if (p.wire->empty()) continue;
      auto keep = std::make_unique<Bytes>(p.wire);      // the slice owns it from here; its destroy callback frees it
      char* data = const_cast<char*>((*keep)->data());  // gRPC only reads it
      const size_t size = (*keep)->size();
      grpc_slice s = grpc_slice_new_with_user_data(
          data, size, [](void* k) { delete static_cast<Bytes*>(k); }, keep.release());
      slices.emplace_back(s, grpc::Slice::STEAL_REF);
      continue;
    }
    size_t n = p.request->ByteSizeLong();
    if (n == 0) continue;
    grpc_slice s = grpc_slice_malloc(n);
    p.request->SerializeWithCachedSizesToArray(GRPC_SLICE_START_PTR(s));
    slices.emplace_back(s, grpc::Slice::STEAL_REF);
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

template <typename B, typename Resp>
class GrpcSender final : public exporter_helper::BatchSender<B> {
 public:
  GrpcSender(std::shared_ptr<exporter_helper::GrpcClient> client, std::string method)
      : client_(std::move(client)), stub_(client_->channel()), method_(std::move(method)) {}

  void start(const Host& host) override { client_->bind(host); }
  void check(const Host& host) const override { client_->check(host); }

  SendOutcome send(const B& batch, Deadline deadline) override {
    grpc::ClientContext ctx;
    std::string why;
    if (!client_->begin(ctx, deadline, &why, &batch.context()))
      return SendOutcome::retryable(why.empty() ? "exporter is shutting down" : why);
    grpc::ByteBuffer request = to_byte_buffer(batch);
    grpc::ByteBuffer response;
    grpc::Status status;
    {
      // The calling queue worker waits for the answer anyway, so it polls the call's own completion queue: no
      // callback threads, which would otherwise poll every gRPC socket of the process (the receiver's too)
      // and hand its calls between threads.
      grpc::CompletionQueue cq;
      auto call = stub_.PrepareUnaryCall(&ctx, method_, request, &cq);
      call->StartCall();
      call->Finish(&response, &status, &cq);
      void* tag = nullptr;
      bool ok = false;
      if (!cq.Next(&tag, &ok) || !ok) status = grpc::Status(grpc::StatusCode::INTERNAL, "the call did not complete");
      cq.Shutdown();
      while (cq.Next(&tag, &ok)) {
      }
    }
    client_->end(ctx, status);
    if (!status.ok()) return exporter_helper::classify_grpc_status(status);

    SendOutcome out = SendOutcome::ok();
    std::vector<grpc::Slice> slices;
    if (response.Valid() && response.Dump(&slices).ok()) {
      std::string bytes;
      for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      Resp resp;
      if (resp.ParseFromString(bytes) && resp.has_partial_success()) {
        out.rejected_items = exporter_helper::rejected(resp);
        out.partial_message = resp.partial_success().error_message();
      }
    }
    return out;
  }

  void cancel() override { client_->cancel(); }

 private:
  std::shared_ptr<exporter_helper::GrpcClient> client_;
  grpc::GenericStub stub_;
  std::string method_;
};

}  // namespace

exporter_helper::Senders make_otlp_grpc_senders(const OtlpGrpcConfig& cfg) {
  auto client = std::make_shared<exporter_helper::GrpcClient>(cfg.client);
  client->connect();
  exporter_helper::Senders s;
  s.traces = std::make_unique<GrpcSender<TraceBatch, otlp_trace::ExportTraceServiceResponse>>(
      client, "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
  s.metrics = std::make_unique<GrpcSender<MetricBatch, otlp_metrics::ExportMetricsServiceResponse>>(
      client, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export");
  s.logs = std::make_unique<GrpcSender<LogBatch, otlp_logs::ExportLogsServiceResponse>>(
      client, "/opentelemetry.proto.collector.logs.v1.LogsService/Export");
  return s;
}

}  // namespace otlpd::otlp_exporter
