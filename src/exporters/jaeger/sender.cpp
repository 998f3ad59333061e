// PostSpans over gRPC: channel and credentials from the config, parallel calls, error classification.
#include "exporters/jaeger/sender.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "core/grpc_code.h"
#include "core/tls_grpc.h"
#include "exporters/jaeger/translate.h"
#include "jaeger/api_v2/collector.grpc.pb.h"

namespace otlpd::jaeger_exporter {

namespace {

using exporter_helper::SendOutcome;

// Calls in flight per attempt: bounds the streams and memory one hostile batch of many resources can take.
constexpr size_t kMaxParallelCalls = 32;

bool is_retryable(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::CANCELLED:
      return true;
    default:
      return false;
  }
}

class JaegerTraceSender final : public exporter_helper::BatchSender<TraceBatch> {
 public:
  JaegerTraceSender(std::string id, const JaegerConfig& cfg)
      : id_(std::move(id)),
        target_(grpc_target(cfg.endpoint)),
        tls_(cfg.tls),
        headers_(cfg.headers),
        gzip_(cfg.compression == "gzip"),
        keepalive_(cfg.keepalive) {}

  void start() override {
    grpc::ChannelArguments args;
    args.SetUserAgentPrefix("otlpd/" OTLPD_VERSION);
    if (keepalive_) {
      using std::chrono::duration_cast;
      using std::chrono::milliseconds;
      if (keepalive_->time > Duration::zero())
        args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
                    static_cast<int>(duration_cast<milliseconds>(keepalive_->time).count()));
      if (keepalive_->timeout > Duration::zero())
        args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                    static_cast<int>(duration_cast<milliseconds>(keepalive_->timeout).count()));
      args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, keepalive_->permit_without_stream ? 1 : 0);
    }
    channel_ = make_grpc_channel(target_, tls_, args);
    stub_ = jaeger_pb::CollectorService::NewStub(channel_);
    spdlog::info("exporter {} sending spans to Jaeger (api_v2 gRPC) at {}{}", id_, target_,
                 tls_.insecure ? " without TLS" : "");
  }

  SendOutcome send(const TraceBatch& batch, Deadline deadline) override {
    if (!stub_) return SendOutcome::retryable("exporter " + id_ + " is not started");
    google::protobuf::Arena arena;
    TranslateStats stats;
    std::vector<jaeger_pb::PostSpansRequest*> requests;
    for (const auto& part : batch.parts()) {
      for (const auto& rs : part.request->resource_spans()) {
        auto* req = google::protobuf::Arena::CreateMessage<jaeger_pb::PostSpansRequest>(&arena);
        translate_resource_spans(rs, *req->mutable_batch(), stats);
        if (req->batch().spans_size() > 0) requests.push_back(req);
      }
    }
    SendOutcome outcome = post_all(requests, deadline);
    if (stats.invalid_spans > 0 || stats.invalid_links > 0) {
      const std::string what = std::to_string(stats.invalid_spans) + " span(s) and " +
                               std::to_string(stats.invalid_links) +
                               " link(s) with malformed trace or span ids were left out";
      if (requests.empty() && outcome.kind == SendOutcome::Kind::ok) return SendOutcome::permanent(what);
      outcome.rejected_items += static_cast<int64_t>(stats.invalid_spans);
      outcome.partial_message = what;
    }
    return outcome;
  }

 private:
  struct Call {
    grpc::ClientContext context;
    jaeger_pb::PostSpansResponse response;
    grpc::Status status;
  };

  // Posts every request, up to kMaxParallelCalls at a time; stops starting new calls after a retryable failure
  // (the whole attempt is retried anyway).
  SendOutcome post_all(const std::vector<jaeger_pb::PostSpansRequest*>& requests, Deadline deadline) {
    const auto system_deadline =
        std::chrono::system_clock::now() +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(deadline - std::chrono::steady_clock::now());
    grpc::Status first_retryable;
    grpc::Status first_permanent;
    size_t failed = 0;
    for (size_t begin = 0; begin < requests.size() && first_retryable.ok(); begin += kMaxParallelCalls) {
      const size_t end = std::min(requests.size(), begin + kMaxParallelCalls);
      std::vector<std::unique_ptr<Call>> calls;
      std::mutex mu;
      std::condition_variable done;
      size_t pending = end - begin;
      for (size_t i = begin; i < end; ++i) {
        auto& call = *calls.emplace_back(std::make_unique<Call>());
        call.context.set_deadline(system_deadline);
        for (const auto& [name, value] : headers_) call.context.AddMetadata(name, value);
        if (gzip_) call.context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
        stub_->async()->PostSpans(&call.context, requests[i], &call.response, [&, c = &call](grpc::Status s) {
          std::lock_guard lock(mu);
          c->status = std::move(s);
          if (--pending == 0) done.notify_all();
        });
      }
      std::unique_lock lock(mu);
      done.wait(lock, [&] { return pending == 0; });
      for (const auto& call : calls) {
        if (call->status.ok()) continue;
        ++failed;
        auto& first = is_retryable(call->status.error_code()) ? first_retryable : first_permanent;
        if (first.ok()) first = call->status;
      }
    }
    if (failed == 0) return SendOutcome::ok();
    const grpc::Status& s = first_retryable.ok() ? first_permanent : first_retryable;
    std::string message = "PostSpans to " + target_ + " failed: " + std::string(grpc_code_name(s.error_code())) + ": " +
                          s.error_message() + " (" + std::to_string(failed) + " of " + std::to_string(requests.size()) +
                          " Jaeger batches)";
    // Retry when any part may succeed later; a batch the server refuses for good is not retried alone.
    if (!first_retryable.ok()) return SendOutcome::retryable(std::move(message));
    return SendOutcome::permanent(std::move(message));
  }

  std::string id_;
  std::string target_;
  exporter_helper::ClientTlsSettings tls_;
  std::map<std::string, std::string> headers_;
  bool gzip_;
  std::optional<KeepaliveConfig> keepalive_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<jaeger_pb::CollectorService::Stub> stub_;
};

}  // namespace

std::unique_ptr<exporter_helper::BatchSender<TraceBatch>> make_trace_sender(std::string id,
                                                                            const JaegerConfig& config) {
  return std::make_unique<JaegerTraceSender>(std::move(id), config);
}

}  // namespace otlpd::jaeger_exporter
