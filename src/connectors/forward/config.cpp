// The `forward` connector's config schema (empty).
#include "connectors/forward/config.h"

namespace otlpd::forward_connector {

const Schema<ForwardConfig>& schema() {
  static const auto s = Schema<ForwardConfig>().note(
      "Hands what one pipeline exports to the pipelines that list it as a receiver, signal for signal.");
  return s;
}

}  // namespace otlpd::forward_connector

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::connector, "forward", ::otlpd::forward_connector::schema)
