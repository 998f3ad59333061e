// PostSpans over the shared gRPC client (exporters/helper/grpc_client.h): translation and parallel calls.
#include "exporters/jaeger/sender.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "exporters/helper/grpc_client.h"
#include "exporters/jaeger/translate.h"
#include "jaeger/api_v2/collector.grpc.pb.h"
#include "platform/grpc_code.h"

namespace otlpd::jaeger_exporter {

namespace {

using exporter_helper::SendOutcome;

// Calls in flight per attempt: bounds the streams and memory one hostile batch of many resources can take.
constexpr size_t kMaxParallelCalls = 32;

class JaegerTraceSender final : public exporter_helper::BatchSender<TraceBatch> {
 public:
  JaegerTraceSender(std::string id, const JaegerConfig& cfg)
      : id_(std::move(id)), client_(std::make_unique<exporter_helper::GrpcClient>(cfg.client)) {}

  void start(const Host& host) override {
    client_->bind(host);
    client_->connect();
    stub_ = jaeger_pb::CollectorService::NewStub(client_->channel());
    spdlog::info("exporter {} sending spans to Jaeger (api_v2 gRPC) at {}{}", id_, client_->settings().target,
                 client_->settings().tls.insecure ? " without TLS" : "");
  }

  void cancel() override { client_->cancel(); }
  void check(const Host& host) const override { client_->check(host); }

  SendOutcome send(const TraceBatch& batch, Deadline deadline) override {
    if (!stub_) return SendOutcome::retryable("exporter " + id_ + " is not started");
    google::protobuf::Arena arena;
    TranslateStats stats;
    std::vector<jaeger_pb::PostSpansRequest*> requests;
    for (const auto& part : batch.read_parts()) {
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
    std::optional<SendOutcome> first_retryable;
    std::optional<SendOutcome> first_permanent;
    size_t failed = 0;
    for (size_t begin = 0; begin < requests.size() && !first_retryable; begin += kMaxParallelCalls) {
      const size_t end = std::min(requests.size(), begin + kMaxParallelCalls);
      std::vector<std::unique_ptr<Call>> calls;
      std::mutex mu;
      std::condition_variable done;
      size_t pending = end - begin;
      for (size_t i = begin; i < end; ++i) {
        auto& call = *calls.emplace_back(std::make_unique<Call>());
        std::string why;
        if (!client_->begin(call.context, deadline, &why)) {
          call.status = grpc::Status(why.empty() ? grpc::StatusCode::CANCELLED : grpc::StatusCode::UNAVAILABLE,
                                     why.empty() ? "exporter is shutting down" : why);
          std::lock_guard lock(mu);
          --pending;
          continue;
        }
        stub_->async()->PostSpans(&call.context, requests[i], &call.response, [&, c = &call](grpc::Status s) {
          client_->end(c->context, s);
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
        SendOutcome outcome = exporter_helper::classify_grpc_status(call->status);
        auto& first = outcome.kind == SendOutcome::Kind::retryable ? first_retryable : first_permanent;
        if (!first) first = std::move(outcome);
      }
    }
    if (failed == 0) return SendOutcome::ok();
    // Retry when any part may succeed later; a batch the server refuses for good is not retried alone.
    SendOutcome outcome = std::move(first_retryable ? *first_retryable : *first_permanent);
    outcome.message = "PostSpans to " + client_->settings().target + " failed: " + outcome.message + " (" +
                      std::to_string(failed) + " of " + std::to_string(requests.size()) + " Jaeger batches)";
    return outcome;
  }

  std::string id_;
  std::unique_ptr<exporter_helper::GrpcClient> client_;
  std::unique_ptr<jaeger_pb::CollectorService::Stub> stub_;
};

}  // namespace

std::unique_ptr<exporter_helper::BatchSender<TraceBatch>> make_trace_sender(std::string id,
                                                                            const JaegerConfig& config) {
  return std::make_unique<JaegerTraceSender>(std::move(id), config);
}

}  // namespace otlpd::jaeger_exporter
