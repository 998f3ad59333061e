// The `forward` connector: the pipelines exporting to it call the pipelines receiving from it directly, so
// backpressure, errors and may_block() are theirs, at no cost per call.
#include "connectors/forward/config.h"
#include "core/registry.h"

namespace otlpd::forward_connector {

namespace {

class ForwardConnector final : public Connector {
 public:
  explicit ForwardConnector(Consumers next) : next_(next) {}
  Consumers consumers() override { return next_; }

 private:
  Consumers next_;
};

class ForwardConnectorFactory final : public ConnectorFactory {
 public:
  std::string_view type() const override { return "forward"; }
  bool supports(Signal from, Signal to) const override { return from == to; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return schema().parse(node); }
  ConnectorPtr create(const CreateSettings&, const ComponentConfig&, Consumers next) const override {
    return std::make_unique<ForwardConnector>(next);
  }
};

}  // namespace

}  // namespace otlpd::forward_connector

using otlpd::forward_connector::ForwardConnectorFactory;
OTLPD_REGISTER_FACTORY(ForwardConnectorFactory)
