// Configuration of the `loadbalancing` exporter, with the Collector's keys: routing_key, protocol.otlp (the otlp
// exporter's keys but endpoint) and one resolver of the backends.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"
#include "exporters/otlp/config.h"
#include "platform/signal.h"

namespace otlpd::loadbalancing_exporter {

// The port a backend without one is dialled on (the Collector's).
constexpr int kDefaultBackendPort = 4317;

// What keeps data together on one backend (the Collector's routing_key values).
enum class RoutingKey { unset, trace_id, service, resource, metric, stream_id, attributes };

// "traceID", "service"... as configured.
std::string_view to_string(RoutingKey key);

// Why `key` cannot route `signal` (the Collector's table: traceID spans and logs; resource logs and metrics;
// metric and streamID metrics; service and attributes all three), or empty when it can.
std::string routing_key_error(RoutingKey key, Signal signal);

// `resolver.static`: a fixed list of backends.
struct StaticResolverSettings {
  std::vector<std::string> hostnames;  // host[:port], port 4317 when none is given
};

// `resolver.dns`: the A and AAAA records of a name (a Kubernetes headless Service), re-resolved every interval.
struct DnsResolverSettings {
  std::string hostname;
  int port = kDefaultBackendPort;  // every backend's port
  Duration interval = std::chrono::seconds(5);
  Duration timeout = std::chrono::seconds(1);  // of one resolution
  // otlpd's addition: the DNS server asked, "ip:port"; empty: those of /etc/resolv.conf (and /etc/hosts first).
  std::string nameserver;
};

// otlpd's addition `trace_affinity`: a trace id routed within the last `window` keeps its backend while that
// backend lives, whatever the ring says after a topology change; only new traces follow the new ring.
struct TraceAffinitySettings {
  Duration window = std::chrono::seconds(30);  // 0: off
  int64_t max_traces = 100000;                 // slots of the table (24 bytes each); a collision forgets the older
};

struct LoadBalancingConfig : ComponentConfig {
  RoutingKey routing_key = RoutingKey::unset;  // unset: traceID for traces, service for logs and metrics
  // With routing_key attributes: the attributes whose values make the key, in this order.
  std::vector<std::string> routing_attributes;
  // protocol.otlp: every backend's exporter config; client.endpoint and client.target are set per backend.
  otlp_exporter::OtlpGrpcConfig otlp;
  std::optional<StaticResolverSettings> static_resolver;
  std::optional<DnsResolverSettings> dns_resolver;  // exactly one of the two
  TraceAffinitySettings trace_affinity;

  // The routing key used for `signal`.
  RoutingKey key_for(Signal signal) const {
    if (routing_key != RoutingKey::unset) return routing_key;
    return signal == Signal::traces ? RoutingKey::trace_id : RoutingKey::service;
  }
};

// The exporter config of one backend: protocol.otlp with `endpoint` (host[:port]) as its endpoint. Returns null
// and `error` when the endpoint cannot be dialled.
std::unique_ptr<otlp_exporter::OtlpGrpcConfig> backend_config(const LoadBalancingConfig& c, const std::string& endpoint,
                                                              std::string& error);

const Schema<LoadBalancingConfig>& schema();
std::unique_ptr<LoadBalancingConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::loadbalancing_exporter
