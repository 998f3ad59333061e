// The `otlp` receiver: its factory and the instance that runs the gRPC and HTTP servers.
#include <memory>
#include <optional>
#include <stdexcept>

#include "core/auth.h"
#include "core/limiter.h"
#include "core/registry.h"
#include "core/tls.h"
#include "receivers/otlp/config.h"
#include "receivers/otlp/grpc_server.h"
#include "receivers/otlp/http_server.h"

namespace otlpd::otlp_receiver {

namespace {

class OtlpReceiver final : public Receiver {
 public:
  OtlpReceiver(const CreateSettings& s, const OtlpReceiverConfig& cfg, Consumers next)
      : id_(s.id.str()),
        grpc_auth_(cfg.grpc ? cfg.grpc->authenticator : ""),
        http_auth_(cfg.http ? cfg.http->authenticator : ""),
        grpc_limiters_(cfg.grpc ? cfg.grpc->limiters : std::vector<std::string>{}),
        http_limiters_(cfg.http ? cfg.http->limiters : std::vector<std::string>{}) {
    if (cfg.grpc && cfg.grpc->tls) grpc_tls_ = *cfg.grpc->tls;
    if (cfg.http && cfg.http->tls) http_tls_ = *cfg.http->tls;
    if (cfg.grpc) grpc_ = std::make_unique<GrpcServer>(s.id.str(), *cfg.grpc, next);
    if (cfg.http) http_ = std::make_unique<HttpServer>(s.id.str(), *cfg.http, next);
  }

  void check(const Host& host) const override {
    if (!grpc_auth_.empty()) find_authenticator(host, grpc_auth_);
    if (!http_auth_.empty()) find_authenticator(host, http_auth_);
    for (const auto& id : grpc_limiters_) find_limiter(host, id);
    for (const auto& id : http_limiters_) find_limiter(host, id);
  }

  void start(Host& host) override {
    // Both authenticators are looked up before anything binds, so a bad id starts nothing.
    const ServerAuthenticator* grpc_auth = grpc_auth_.empty() ? nullptr : &find_authenticator(host, grpc_auth_);
    const ServerAuthenticator* http_auth = http_auth_.empty() ? nullptr : &find_authenticator(host, http_auth_);
    std::vector<RateLimiter*> grpc_limiters, http_limiters;
    for (const auto& id : grpc_limiters_) grpc_limiters.push_back(&find_limiter(host, id));
    for (const auto& id : http_limiters_) http_limiters.push_back(&find_limiter(host, id));
    // The TLS files are read once, before anything binds; both servers share them when their tls blocks agree.
    std::shared_ptr<const ServerTls> grpc_tls, http_tls;
    try {
      if (grpc_tls_) grpc_tls = ServerTls::load(*grpc_tls_);
      if (http_tls_) http_tls = grpc_tls && grpc_tls->settings == *http_tls_ ? grpc_tls : ServerTls::load(*http_tls_);
    } catch (const std::exception& e) {
      throw std::runtime_error("otlp receiver '" + id_ + "': TLS setup failed: " + e.what());
    }
    if (grpc_) grpc_->start(grpc_auth, grpc_tls, IngestLimiters(std::move(grpc_limiters)));
    try {
      if (http_) http_->start(http_auth, http_tls, IngestLimiters(std::move(http_limiters)));
    } catch (...) {
      if (grpc_) grpc_->shutdown(std::chrono::steady_clock::now());
      throw;
    }
  }
  void shutdown(Deadline deadline) override {
    // Both servers stop accepting first, then drain until the deadline.
    if (http_) http_->shutdown(deadline);
    if (grpc_) grpc_->shutdown(deadline);
  }

 private:
  std::string id_;
  std::optional<TlsSettings> grpc_tls_;  // the protocols' tls blocks, loaded at start
  std::optional<TlsSettings> http_tls_;
  std::string grpc_auth_;  // authenticator ids, empty when none
  std::string http_auth_;
  std::vector<std::string> grpc_limiters_;  // limiter ids (`middlewares`)
  std::vector<std::string> http_limiters_;
  std::unique_ptr<GrpcServer> grpc_;
  std::unique_ptr<HttpServer> http_;
};

class OtlpReceiverFactory final : public ReceiverFactory {
 public:
  std::string_view type() const override { return "otlp"; }
  bool supports(Signal) const override { return true; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_otlp_receiver_config(node); }
  ReceiverPtr create(const CreateSettings& s, const ComponentConfig& c, Consumers next) const override {
    return std::make_unique<OtlpReceiver>(s, config_as<OtlpReceiverConfig>(c), next);
  }
};

}  // namespace

}  // namespace otlpd::otlp_receiver

using otlpd::otlp_receiver::OtlpReceiverFactory;
OTLPD_REGISTER_FACTORY(OtlpReceiverFactory)
