// OTLP/gRPC senders: a generic unary call whose request ByteBuffer is built from the batch's parts,
// serialised straight into gRPC slices (no intermediate string, no merged copy of the message).
#include <grpc/slice.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>

#include "core/tls_grpc.h"
#include "exporters/helper/partial_success.h"
#include "exporters/otlp/config.h"
#include "google/rpc/status.pb.h"

namespace otlpd::otlp_exporter {

namespace {

using exporter_helper::SendOutcome;

std::shared_ptr<grpc::Channel> make_channel(const OtlpGrpcConfig& cfg) {
  grpc::ChannelArguments args;
  args.SetUserAgentPrefix("otlpd/" OTLPD_VERSION);
  // Our own retry loop decides; gRPC's transparent retries would hide attempts from it.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  args.SetMaxSendMessageSize(-1);
  // Our retry loop probes a failing backend about once a second. gRPC's own reconnect back-off (1 s growing
  // to 120 s by default) would keep the channel in TRANSIENT_FAILURE, failing those probes at once, long
  // after the backend is back; capped, a connection attempt follows each probe closely.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  if (!cfg.authority.empty()) args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, cfg.authority);
  if (!cfg.balancer_name.empty()) args.SetLoadBalancingPolicyName(cfg.balancer_name);
  if (cfg.keepalive) {
    auto ms = [](Duration d) {
      return static_cast<int>(
          std::min<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count(), INT32_MAX));
    };
    if (cfg.keepalive->time > Duration::zero()) args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, ms(cfg.keepalive->time));
    if (cfg.keepalive->timeout > Duration::zero())
      args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ms(cfg.keepalive->timeout));
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, cfg.keepalive->permit_without_stream ? 1 : 0);
  }
  return make_grpc_channel(cfg.target, cfg.tls, args);
}

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

// google.rpc.RetryInfo's delay from a status's details, if there is one.
std::optional<std::chrono::milliseconds> retry_info(const grpc::Status& st) {
  if (st.error_details().empty()) return std::nullopt;
  google::rpc::Status details;
  if (!details.ParseFromString(st.error_details())) return std::nullopt;
  for (const auto& any : details.details()) {
    google::rpc::RetryInfo info;
    if (any.Is<google::rpc::RetryInfo>() && any.UnpackTo(&info)) {
      int64_t ms = info.retry_delay().seconds() * 1000 + info.retry_delay().nanos() / 1000000;
      return std::chrono::milliseconds(std::max<int64_t>(ms, 0));
    }
  }
  return std::nullopt;
}

// The OTLP specification's classification of gRPC status codes.
SendOutcome classify(const grpc::Status& st) {
  std::string msg = "rpc error: code " + std::to_string(st.error_code()) + ": " + st.error_message();
  auto info = retry_info(st);
  switch (st.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::CANCELLED:
      return SendOutcome::retryable(msg, info.value_or(std::chrono::milliseconds(0)));
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      // Only a server that says when to come back has a recoverable resource problem.
      if (info) return SendOutcome::retryable(msg, *info);
      return SendOutcome::permanent(msg);
    default:
      return SendOutcome::permanent(msg);
  }
}

template <typename B, typename Resp>
class GrpcSender final : public exporter_helper::BatchSender<B> {
 public:
  GrpcSender(std::shared_ptr<grpc::Channel> channel, std::string method, const OtlpGrpcConfig& cfg)
      : channel_(channel),
        stub_(std::move(channel)),
        method_(std::move(method)),
        wait_for_ready_(cfg.wait_for_ready),
        gzip_(cfg.compression == "gzip") {
    for (const auto& [k, v] : cfg.headers) {
      std::string key = k;
      std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
      metadata_.emplace_back(std::move(key), v);
    }
  }

  SendOutcome send(const B& batch, Deadline deadline) override {
    // After UNAVAILABLE (the backend down, the channel likely in TRANSIENT_FAILURE), this attempt is a retry:
    // connect now rather than when the channel's reconnect back-off ends.
    if (unavailable_.load(std::memory_order_relaxed)) grpc::experimental::ChannelResetConnectionBackoff(channel_.get());
    grpc::ClientContext ctx;
    auto left = deadline - std::chrono::steady_clock::now();
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::duration_cast<std::chrono::system_clock::duration>(left));
    ctx.set_wait_for_ready(wait_for_ready_);
    if (gzip_) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    for (const auto& [k, v] : metadata_) ctx.AddMetadata(k, v);

    {
      std::lock_guard lock(active_mu_);
      if (cancelled_) return SendOutcome::retryable("exporter is shutting down");
      active_.insert(&ctx);
    }
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
    {
      std::lock_guard lock(active_mu_);
      active_.erase(&ctx);
    }
    unavailable_.store(status.error_code() == grpc::StatusCode::UNAVAILABLE, std::memory_order_relaxed);
    if (!status.ok()) return classify(status);

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

  void cancel() override {
    std::lock_guard lock(active_mu_);
    cancelled_ = true;
    for (auto* ctx : active_) ctx->TryCancel();
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  std::atomic<bool> unavailable_{false};  // the last call failed with UNAVAILABLE
  std::mutex active_mu_;
  std::set<grpc::ClientContext*> active_;  // calls in flight, for cancel()
  bool cancelled_ = false;
  std::string method_;
  bool wait_for_ready_;
  bool gzip_;
  std::vector<std::pair<std::string, std::string>> metadata_;
};

}  // namespace

exporter_helper::Senders make_otlp_grpc_senders(const OtlpGrpcConfig& cfg) {
  auto channel = make_channel(cfg);
  exporter_helper::Senders s;
  s.traces = std::make_unique<GrpcSender<TraceBatch, otlp_trace::ExportTraceServiceResponse>>(
      channel, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", cfg);
  s.metrics = std::make_unique<GrpcSender<MetricBatch, otlp_metrics::ExportMetricsServiceResponse>>(
      channel, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", cfg);
  s.logs = std::make_unique<GrpcSender<LogBatch, otlp_logs::ExportLogsServiceResponse>>(
      channel, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", cfg);
  return s;
}

}  // namespace otlpd::otlp_exporter
