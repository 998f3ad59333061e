// The `otlp` exporter's senders: OTLP/gRPC Export calls over the shared gRPC client.
#pragma once

#include "exporters/helper/queued_exporter.h"
#include "exporters/otlp/config.h"

namespace otlpd::otlp_exporter {

// One sender per signal over one shared channel. Throws std::runtime_error when a TLS file cannot be read.
exporter_helper::Senders make_otlp_grpc_senders(const OtlpGrpcConfig& cfg);

}  // namespace otlpd::otlp_exporter
