// Configuration of the `otlp` (OTLP/gRPC) exporter, with the Collector's keys and defaults.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "config/node.h"
#include "core/component_config.h"
#include "exporters/helper/client_settings.h"
#include "exporters/helper/queued_exporter.h"

namespace otlpd::otlp_exporter {

struct KeepaliveSettings {
  Duration time = Duration::zero();     // ping after this long without activity (0: gRPC's default)
  Duration timeout = Duration::zero();  // wait this long for the ping's answer
  bool permit_without_stream = false;
};

struct OtlpGrpcConfig : ComponentConfig {
  exporter_helper::ExporterSettings settings;  // timeout defaults to 5s
  std::string endpoint;                        // as written
  std::string target;                          // host:port handed to gRPC (URL scheme removed)
  exporter_helper::ClientTlsSettings tls;      // tls.insecure is set from an http:// / https:// endpoint
  std::map<std::string, std::string> headers;  // sent as metadata on every call
  std::string compression = "gzip";            // gzip | none
  std::optional<KeepaliveSettings> keepalive;
  std::string balancer_name;  // pick_first | round_robin; empty: gRPC's default
  std::string authority;      // overrides the :authority header
  bool wait_for_ready = false;
};

// Reads the exporter's keys from `r` (without finish(), so that wrappers such as `tempo` can read keys of
// their own), then call finish_otlp_grpc_config() after r.finish().
void read_otlp_grpc_config(MapReader& r, OtlpGrpcConfig& cfg);
// Derives target and tls.insecure from the endpoint and validates; fails naming `node`.
void finish_otlp_grpc_config(const ConfigNode& node, OtlpGrpcConfig& cfg);

// One sender per signal over one shared channel. Throws std::runtime_error when a TLS file cannot be read.
exporter_helper::Senders make_otlp_grpc_senders(const OtlpGrpcConfig& cfg);

}  // namespace otlpd::otlp_exporter
