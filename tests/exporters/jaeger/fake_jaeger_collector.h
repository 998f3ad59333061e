// A fake Jaeger collector for tests: serves api_v2 CollectorService/PostSpans on 127.0.0.1:<port 0>,
// keeps every batch it accepts and can be told to fail the next calls with a given gRPC status.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "jaeger/api_v2/collector.grpc.pb.h"

namespace otlpd::test {

class FakeJaegerCollector final : public jaeger::api_v2::CollectorService::CallbackService {
 public:
  explicit FakeJaegerCollector(
      std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials()) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~FakeJaegerCollector() override { stop(); }
  FakeJaegerCollector(const FakeJaegerCollector&) = delete;
  FakeJaegerCollector& operator=(const FakeJaegerCollector&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

  // The next `n` calls are answered with `status` (and their batches are not kept).
  void fail_next(int n, grpc::Status status) {
    std::lock_guard lock(mu_);
    failures_left_ = n;
    failure_ = std::move(status);
  }

  std::vector<jaeger::api_v2::Batch> batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }
  size_t span_count() const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& b : batches_) n += static_cast<size_t>(b.spans_size());
    return n;
  }
  int calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  // Metadata of the last call (names lower-case; the first value of each).
  std::map<std::string, std::string> last_metadata() const {
    std::lock_guard lock(mu_);
    return last_metadata_;
  }

  void stop() {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    server_.reset();
  }

  grpc::ServerUnaryReactor* PostSpans(grpc::CallbackServerContext* context,
                                      const jaeger::api_v2::PostSpansRequest* request,
                                      jaeger::api_v2::PostSpansResponse*) override {
    grpc::Status status;
    {
      std::lock_guard lock(mu_);
      ++calls_;
      last_metadata_.clear();
      for (const auto& [k, v] : context->client_metadata())
        last_metadata_.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
      if (failures_left_ > 0) {
        --failures_left_;
        status = failure_;
      } else {
        batches_.push_back(request->batch());
      }
    }
    auto* reactor = context->DefaultReactor();
    reactor->Finish(status);
    return reactor;
  }

 private:
  mutable std::mutex mu_;
  std::vector<jaeger::api_v2::Batch> batches_;
  std::map<std::string, std::string> last_metadata_;
  int calls_ = 0;
  int failures_left_ = 0;
  grpc::Status failure_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace otlpd::test
