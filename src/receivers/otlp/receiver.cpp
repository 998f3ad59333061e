// The `otlp` receiver: its factory and the instance that runs the gRPC and HTTP servers.
#include <memory>

#include "core/registry.h"
#include "receivers/otlp/config.h"
#include "receivers/otlp/grpc_server.h"

namespace otlpd::otlp_receiver {

namespace {

class OtlpReceiver final : public Receiver {
 public:
  OtlpReceiver(const CreateSettings& s, const OtlpReceiverConfig& cfg, Consumers next) {
    if (cfg.grpc) grpc_ = std::make_unique<GrpcServer>(s.id.str(), *cfg.grpc, next);
    if (cfg.http) throw ConfigError("receivers::" + s.id.str() + "::protocols::http: not supported yet");
  }

  void start(Host&) override {
    if (grpc_) grpc_->start();
  }
  void shutdown(Deadline deadline) override {
    if (grpc_) grpc_->shutdown(deadline);
  }

 private:
  std::unique_ptr<GrpcServer> grpc_;
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
