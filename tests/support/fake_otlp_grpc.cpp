// The fake OTLP/gRPC backend on gRPC's callback API.
#include "support/fake_otlp_grpc.h"

#include <thread>

#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace otlpd::test {

struct FakeOtlpGrpcServer::State {
  mutable std::mutex mu;
  std::chrono::steady_clock::time_point fail_until{};
  int fail_count = 0;
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string details;
  size_t attempts = 0;
  size_t spans = 0;
  std::vector<otlp_trace::ExportTraceServiceRequest> traces;
  std::vector<otlp_metrics::ExportMetricsServiceRequest> metrics;
  std::vector<otlp_logs::ExportLogsServiceRequest> logs;
  std::vector<std::multimap<std::string, std::string>> metadata;
  bool holding = false;
  std::vector<std::pair<grpc::ServerUnaryReactor*, grpc::Status>> held;

  // Answers now, or keeps the answer for release() while holding.
  void answer(grpc::ServerUnaryReactor* r, grpc::Status st) {
    {
      std::lock_guard lock(mu);
      if (holding) {
        held.emplace_back(r, std::move(st));
        return;
      }
    }
    r->Finish(st);
  }

  // Decides one attempt's answer; keeps the request when it succeeds.
  template <typename Req>
  grpc::Status take(grpc::CallbackServerContext* ctx, const Req& req, std::vector<Req>& into) {
    std::lock_guard lock(mu);
    ++attempts;
    bool failing = fail_count > 0 || std::chrono::steady_clock::now() < fail_until;
    if (failing) {
      if (fail_count > 0) --fail_count;
      return details.empty() ? grpc::Status(code, "injected failure") : grpc::Status(code, "injected failure", details);
    }
    into.push_back(req);
    if constexpr (std::is_same_v<Req, otlp_trace::ExportTraceServiceRequest>)
      spans += SignalTraits<Req>::count_items(req);
    std::multimap<std::string, std::string> md;
    for (const auto& [k, v] : ctx->client_metadata())
      md.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
    metadata.push_back(std::move(md));
    return grpc::Status::OK;
  }
};

namespace {

namespace tsvc = opentelemetry::proto::collector::trace::v1;
namespace msvc = opentelemetry::proto::collector::metrics::v1;
namespace lsvc = opentelemetry::proto::collector::logs::v1;

class TraceService final : public tsvc::TraceService::CallbackService {
 public:
  explicit TraceService(std::shared_ptr<FakeOtlpGrpcServer::State> s) : s_(std::move(s)) {}
  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* ctx, const tsvc::ExportTraceServiceRequest* req,
                                   tsvc::ExportTraceServiceResponse*) override {
    auto* r = ctx->DefaultReactor();
    s_->answer(r, s_->take(ctx, *req, s_->traces));
    return r;
  }
  std::shared_ptr<FakeOtlpGrpcServer::State> s_;
};

class MetricsService final : public msvc::MetricsService::CallbackService {
 public:
  explicit MetricsService(std::shared_ptr<FakeOtlpGrpcServer::State> s) : s_(std::move(s)) {}
  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* ctx, const msvc::ExportMetricsServiceRequest* req,
                                   msvc::ExportMetricsServiceResponse*) override {
    auto* r = ctx->DefaultReactor();
    s_->answer(r, s_->take(ctx, *req, s_->metrics));
    return r;
  }
  std::shared_ptr<FakeOtlpGrpcServer::State> s_;
};

class LogsService final : public lsvc::LogsService::CallbackService {
 public:
  explicit LogsService(std::shared_ptr<FakeOtlpGrpcServer::State> s) : s_(std::move(s)) {}
  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* ctx, const lsvc::ExportLogsServiceRequest* req,
                                   lsvc::ExportLogsServiceResponse*) override {
    auto* r = ctx->DefaultReactor();
    s_->answer(r, s_->take(ctx, *req, s_->logs));
    return r;
  }
  std::shared_ptr<FakeOtlpGrpcServer::State> s_;
};

}  // namespace

FakeOtlpGrpcServer::FakeOtlpGrpcServer() : state_(std::make_shared<State>()) { listen("127.0.0.1:0"); }

FakeOtlpGrpcServer::FakeOtlpGrpcServer(std::string host, int port)
    : state_(std::make_shared<State>()), host_(std::move(host)) {
  listen(host_ + ":" + std::to_string(port));
}

FakeOtlpGrpcServer::~FakeOtlpGrpcServer() { stop(); }

void FakeOtlpGrpcServer::listen(const std::string& address) {
  grpc::ServerBuilder b;
  int port = 0;
  b.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  // gRPC sets SO_REUSEPORT by default: a server restarted on its old port would then share it with another test's
  // server that the kernel had given that port meanwhile, and the kernel would split the connections between them
  // (a TLS test once counted 2,541 spans at a backend that was sent 3).
  b.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  b.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  // A service belongs to one server: a restarted server gets new ones.
  services_.clear();
  services_.push_back(std::make_unique<TraceService>(state_));
  services_.push_back(std::make_unique<MetricsService>(state_));
  services_.push_back(std::make_unique<LogsService>(state_));
  for (auto& s : services_) b.RegisterService(s.get());
  server_ = b.BuildAndStart();
  if (!server_ || port == 0) throw std::runtime_error("fake OTLP gRPC server cannot listen on " + address);
  port_ = port;
}

void FakeOtlpGrpcServer::stop() {
  if (!server_) return;
  release();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_->Wait();
  server_.reset();
}

void FakeOtlpGrpcServer::restart() {
  if (server_) return;
  // While it was stopped, its port was free: the kernel may have lent it to a connection's local end (parallel
  // tests connect all the time) for a moment. Try again for a while before giving up.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (true) {
    try {
      listen(endpoint());
      return;
    } catch (const std::runtime_error&) {
      if (std::chrono::steady_clock::now() >= give_up) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void FakeOtlpGrpcServer::fail_for(std::chrono::milliseconds d, grpc::StatusCode code, std::string details) {
  std::lock_guard lock(state_->mu);
  state_->fail_until = std::chrono::steady_clock::now() + d;
  state_->code = code;
  state_->details = std::move(details);
}

void FakeOtlpGrpcServer::fail_requests(int n, grpc::StatusCode code, std::string details) {
  std::lock_guard lock(state_->mu);
  state_->fail_count = n;
  state_->code = code;
  state_->details = std::move(details);
}

void FakeOtlpGrpcServer::hold() {
  std::lock_guard lock(state_->mu);
  state_->holding = true;
}

void FakeOtlpGrpcServer::release() {
  std::vector<std::pair<grpc::ServerUnaryReactor*, grpc::Status>> held;
  {
    std::lock_guard lock(state_->mu);
    state_->holding = false;
    held.swap(state_->held);
  }
  for (auto& [r, st] : held) r->Finish(st);
}

void FakeOtlpGrpcServer::recover() {
  std::lock_guard lock(state_->mu);
  state_->fail_count = 0;
  state_->fail_until = {};
}

std::vector<otlp_trace::ExportTraceServiceRequest> FakeOtlpGrpcServer::traces() const {
  std::lock_guard lock(state_->mu);
  return state_->traces;
}
std::vector<otlp_metrics::ExportMetricsServiceRequest> FakeOtlpGrpcServer::metrics() const {
  std::lock_guard lock(state_->mu);
  return state_->metrics;
}
std::vector<otlp_logs::ExportLogsServiceRequest> FakeOtlpGrpcServer::logs() const {
  std::lock_guard lock(state_->mu);
  return state_->logs;
}
std::vector<std::multimap<std::string, std::string>> FakeOtlpGrpcServer::metadata() const {
  std::lock_guard lock(state_->mu);
  return state_->metadata;
}
size_t FakeOtlpGrpcServer::spans() const {
  std::lock_guard lock(state_->mu);
  return state_->spans;
}
size_t FakeOtlpGrpcServer::attempts() const {
  std::lock_guard lock(state_->mu);
  return state_->attempts;
}

}  // namespace otlpd::test
