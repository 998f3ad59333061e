// OTLP/gRPC server. Requests are taken as bytes, checked and counted on the wire, and handed on undecoded.
#include "receivers/otlp/grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "codec/otlp_wire.h"
#include "core/auth.h"
#include "core/endpoints.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace otlpd::otlp_receiver {

namespace {

std::string peer_address(const std::string& peer) {
  // "ipv4:127.0.0.1:1234" / "ipv6:[::1]:1234"
  auto colon = peer.find(':');
  if (colon != std::string::npos && (peer.starts_with("ipv4:") || peer.starts_with("ipv6:")))
    return peer.substr(colon + 1);
  return peer;
}

grpc::Status to_grpc(const Status& s) {
  if (s.is_ok()) return grpc::Status::OK;
  if (s.is_permanent()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, s.message());
  auto code = s.exhausted() ? grpc::StatusCode::RESOURCE_EXHAUSTED : grpc::StatusCode::UNAVAILABLE;
  if (s.retry_after().count() <= 0) return grpc::Status(code, s.message());
  // Attach google.rpc.RetryInfo so that clients back off as long as we asked.
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(s.message());
  google::rpc::RetryInfo info;
  auto ms = s.retry_after().count();
  info.mutable_retry_delay()->set_seconds(ms / 1000);
  info.mutable_retry_delay()->set_nanos(static_cast<int>((ms % 1000) * 1000000));
  details.add_details()->PackFrom(info);
  return grpc::Status(code, s.message(), details.SerializeAsString());
}

// One Export method, registered raw: the request arrives as gRPC's byte buffer and is checked and counted on the
// wire (otlp_wire), not decoded; the batch keeps the bytes, so a pipeline that does not read fields never decodes
// them and exporters forward them as they came.
template <typename RawService, typename B>
class Handler final : public RawService {
 public:
  using Req = typename B::RequestType;

  Handler(Consumer<B>* next, ReceiverCounters* counters, bool include_metadata,
          const ServerAuthenticator* authenticator, Counter* unauthenticated)
      : next_(next),
        counters_(counters),
        include_metadata_(include_metadata),
        authenticator_(authenticator),
        unauthenticated_(unauthenticated) {}

  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override {
    auto* reactor = ctx->DefaultReactor();
    RequestContext rc;
    rc.client_address = peer_address(ctx->peer());
    if (authenticator_) {
      std::vector<std::pair<std::string, std::string>> headers;
      for (const auto& [k, v] : ctx->client_metadata())  // keys arrive lower-cased
        headers.emplace_back(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
      if (Status st = authenticator_->authenticate(headers, rc.principal); !st.is_ok()) {
        // The message is neither checked nor counted: nothing of an unauthenticated caller is parsed.
        unauthenticated_->add();
        spdlog::debug("otlp grpc: unauthenticated call from {}: {}", rc.client_address, st.message());
        reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, st.message()));
        return reactor;
      }
    }
    std::string bytes = flatten(*request);
    auto checked = otlp_wire::check<Req>(bytes);
    if (!checked.ok) {
      spdlog::debug("otlp grpc: malformed {} request from {}: {}", to_string(B::signal), rc.client_address,
                    checked.error);
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   "cannot decode the request as " + Req::descriptor()->full_name() + ": " +
                                       checked.error));
      return reactor;
    }
    if (include_metadata_) {
      for (const auto& [k, v] : ctx->client_metadata()) {
        std::string key(k.data(), k.size());
        if (key.ends_with("-bin")) continue;
        rc.metadata.emplace_back(std::move(key), std::string(v.data(), v.size()));
      }
    }
    const size_t items = checked.items;
    Status st = items == 0 ? Status::ok() : next_->consume(B::adopt_wire(std::move(bytes), items, std::move(rc)));
    counters_->record(B::signal, items, st);
    if (!st.is_ok())
      spdlog::debug("otlp grpc: refused {} {}: {}", items, item_name(B::signal), st.message());
    if (st.is_ok()) {
      grpc::Slice empty;  // Export*ServiceResponse with no partial_success: zero bytes
      *response = grpc::ByteBuffer(&empty, 1);
    }
    reactor->Finish(to_grpc(st));
    return reactor;
  }

 private:
  // The message in one contiguous string (gRPC hands it over in slices).
  static std::string flatten(const grpc::ByteBuffer& buffer) {
    std::vector<grpc::Slice> slices;
    std::string out;
    if (!buffer.Dump(&slices).ok()) return out;
    out.reserve(buffer.Length());
    for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
    return out;
  }

  Consumer<B>* next_;
  ReceiverCounters* counters_;
  bool include_metadata_;
  const ServerAuthenticator* authenticator_;
  Counter* unauthenticated_;
};

namespace tsvc = opentelemetry::proto::collector::trace::v1;
namespace msvc = opentelemetry::proto::collector::metrics::v1;
namespace lsvc = opentelemetry::proto::collector::logs::v1;

using TraceHandler = Handler<tsvc::TraceService::WithRawCallbackMethod_Export<tsvc::TraceService::Service>, TraceBatch>;
using MetricHandler =
    Handler<msvc::MetricsService::WithRawCallbackMethod_Export<msvc::MetricsService::Service>, MetricBatch>;
using LogHandler = Handler<lsvc::LogsService::WithRawCallbackMethod_Export<lsvc::LogsService::Service>, LogBatch>;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

struct GrpcServer::Impl {
  std::string id;
  GrpcServerConfig config;
  Consumers next;
  ReceiverCounters counters;
  std::unique_ptr<TraceHandler> traces;
  std::unique_ptr<MetricHandler> metrics;
  std::unique_ptr<LogHandler> logs;
  std::unique_ptr<grpc::Server> server;
};

GrpcServer::GrpcServer(std::string receiver_id, GrpcServerConfig config, Consumers next)
    : impl_(std::make_unique<Impl>(Impl{receiver_id, std::move(config), next, ReceiverCounters(receiver_id, "grpc"),
                                        nullptr, nullptr, nullptr, nullptr})) {}

GrpcServer::~GrpcServer() {
  if (impl_->server) shutdown(std::chrono::steady_clock::now());
}

void GrpcServer::start(const ServerAuthenticator* authenticator) {
  auto& im = *impl_;
  Counter* unauthenticated = &Telemetry::global().counter("otlpd_receiver_unauthenticated_requests",
                                                          {{"receiver", im.id}, {"transport", "grpc"}});
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  if (im.config.tls) {
    grpc::SslServerCredentialsOptions opts(im.config.tls->client_ca_file.empty()
                                               ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                               : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    opts.pem_key_cert_pairs.push_back({read_file(im.config.tls->key_file), read_file(im.config.tls->cert_file)});
    if (!im.config.tls->client_ca_file.empty()) opts.pem_root_certs = read_file(im.config.tls->client_ca_file);
    creds = grpc::SslServerCredentials(opts);
  }
  std::string endpoint = im.config.endpoint;
  if (endpoint.starts_with(":")) endpoint = "0.0.0.0" + endpoint;
  builder.AddListeningPort(endpoint, creds, &port_);
  // gRPC enables SO_REUSEPORT by default, which lets a second daemon silently share the port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (getenv("X_BDP")) builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  if (getenv("X_FRAME")) builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_FRAME_SIZE, atoi(getenv("X_FRAME")));
  builder.SetMaxReceiveMessageSize(static_cast<int>(im.config.max_recv_msg_size_mib * 1024 * 1024));
  if (im.config.max_concurrent_streams > 0)
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, static_cast<int>(im.config.max_concurrent_streams));
  if (im.next.traces) {
    im.traces = std::make_unique<TraceHandler>(im.next.traces, &im.counters, im.config.include_metadata, authenticator,
                                                 unauthenticated);
    builder.RegisterService(im.traces.get());
  }
  if (im.next.metrics) {
    im.metrics = std::make_unique<MetricHandler>(im.next.metrics, &im.counters, im.config.include_metadata, authenticator,
                                                 unauthenticated);
    builder.RegisterService(im.metrics.get());
  }
  if (im.next.logs) {
    im.logs = std::make_unique<LogHandler>(im.next.logs, &im.counters, im.config.include_metadata, authenticator,
                                                 unauthenticated);
    builder.RegisterService(im.logs.get());
  }
  im.server = builder.BuildAndStart();
  if (!im.server || port_ == 0) {
    im.server.reset();
    throw std::runtime_error("otlp receiver '" + im.id + "': cannot listen for gRPC on " + im.config.endpoint);
  }
  record_listening(im.id, "grpc", endpoint.substr(0, endpoint.rfind(':')), port_);
}

void GrpcServer::shutdown(Deadline deadline) {
  if (!impl_->server) return;
  auto system_deadline = std::chrono::system_clock::now() + (deadline - std::chrono::steady_clock::now());
  impl_->server->Shutdown(system_deadline);
  impl_->server->Wait();
  impl_->server.reset();
}

}  // namespace otlpd::otlp_receiver
