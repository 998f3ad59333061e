// The `loadbalancing` exporter's config schema: the Collector's keys, the otlp exporter's schema under
// protocol.otlp (without endpoint), and the static resolver.
#include "exporters/loadbalancing/config.h"

#include <arpa/inet.h>

#include "exporters/helper/client_settings.h"

namespace otlpd::loadbalancing_exporter {

namespace {

using otlp_exporter::OtlpGrpcConfig;

// protocol.otlp: the otlp exporter's keys but endpoint, which each backend gets from the resolver.
const Schema<OtlpGrpcConfig>& otlp_schema() {
  static const auto s =
      Schema<OtlpGrpcConfig>()
          .embed(&OtlpGrpcConfig::client,
                 exporter_helper::grpc_client_schema(OtlpGrpcConfig{}.client, kDefaultBackendPort, false))
          .embed(&OtlpGrpcConfig::settings, exporter_helper::exporter_settings_schema(OtlpGrpcConfig{}.settings))
          .validate([](OtlpGrpcConfig& c, const SchemaInput& in) {
            // Every backend would need its own place in the storage; not done yet.
            if (!c.settings.queue.storage.empty())
              in.fail("sending_queue",
                      "sending_queue.storage is not supported by otlpd yet under loadbalancing (a memory queue per "
                      "backend is)");
          })
          .note("protocol.otlp.endpoint is not a key: each backend's endpoint comes from the resolver");
  return s;
}

const Schema<LoadBalancingConfig>& protocol_schema() {
  static const auto s = Schema<LoadBalancingConfig>().block(
      "otlp", "map", "the otlp exporter's keys but endpoint, for the exporter of every backend", otlp_schema(),
      [](const ConfigNode& n, LoadBalancingConfig& c) { otlp_schema().parse_into(n, c.otlp); });
  return s;
}

const Schema<StaticResolverSettings>& static_schema() {
  static const auto s =
      Schema<StaticResolverSettings>()
          .key("hostnames", &StaticResolverSettings::hostnames,
               "the backends, host[:port] (port " + std::to_string(kDefaultBackendPort) + " when none is given)",
               required<std::vector<std::string>>())
          .validate([](StaticResolverSettings& r, const SchemaInput& in) {
            if (r.hostnames.empty()) in.fail("hostnames", "resolver.static.hostnames must list at least one backend");
            for (const auto& h : r.hostnames) {
              std::string error;
              exporter_helper::grpc_target(h, kDefaultBackendPort, error);
              if (h.empty()) error = "an empty hostname";
              if (!error.empty()) in.fail("hostnames", error);
            }
          });
  return s;
}

const Schema<DnsResolverSettings>& dns_schema() {
  static const auto s =
      Schema<DnsResolverSettings>()
          .key("hostname", &DnsResolverSettings::hostname,
               "the name whose A and AAAA records are the backends (a headless Service)", required<std::string>())
          .key("port", &DnsResolverSettings::port, "every backend's port", between(1, 65535))
          .key("interval", &DnsResolverSettings::interval, "time between resolutions",
               at_least(Duration(std::chrono::milliseconds(1))))
          .key("timeout", &DnsResolverSettings::timeout, "time a resolution may take",
               at_least(Duration(std::chrono::milliseconds(1))))
          .custom("nameserver", "ip:port", "",
                  "otlpd's addition: the DNS server asked (an IP address and port), names looked up in DNS only; "
                  "unset: the servers of /etc/resolv.conf, after /etc/hosts",
                  [](const ConfigNode& n, DnsResolverSettings& d) {
                    d.nameserver = read_host_port(n);
                    auto host = d.nameserver.substr(0, d.nameserver.rfind(':'));
                    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
                      host = host.substr(1, host.size() - 2);
                    in6_addr a6;
                    in_addr a4;
                    if (inet_pton(AF_INET, host.c_str(), &a4) != 1 && inet_pton(AF_INET6, host.c_str(), &a6) != 1)
                      n.fail("nameserver '" + d.nameserver + "' must be an IP address and port");
                  });
  return s;
}

const Schema<TraceAffinitySettings>& affinity_schema() {
  static const auto s =
      Schema<TraceAffinitySettings>()
          .key("window", &TraceAffinitySettings::window,
               "a trace id routed this recently keeps its backend (while it lives) after the backends change; 0s: "
               "off",
               at_least(Duration::zero()))
          .key("max_traces", &TraceAffinitySettings::max_traces,
               "trace ids remembered at most (24 bytes each); a colliding newer one replaces an older one",
               between<int64_t>(1, 100000000));
  return s;
}

const Schema<LoadBalancingConfig>& resolver_schema() {
  static const auto s =
      Schema<LoadBalancingConfig>()
          .block("static", "map", "a fixed list of backends", static_schema(),
                 [](const ConfigNode& n, LoadBalancingConfig& c) {
                   static_schema().parse_into(n, c.static_resolver.emplace());
                 })
          .block(
              "dns", "map", "the A and AAAA records of a name, re-resolved every interval", dns_schema(),
              [](const ConfigNode& n, LoadBalancingConfig& c) { dns_schema().parse_into(n, c.dns_resolver.emplace()); })
          .unsupported("k8s", "not implemented yet (use static or dns)")
          .unsupported("aws_cloud_map", "not implemented yet (use static or dns)")
          .validate([](LoadBalancingConfig& c, const SchemaInput& in) {
            if (!c.static_resolver && !c.dns_resolver) in.fail("static", "a resolver is required: static or dns");
            if (c.static_resolver && c.dns_resolver) in.fail("dns", "only one resolver may be given: static or dns");
          });
  return s;
}

}  // namespace

std::string_view to_string(RoutingKey key) {
  switch (key) {
    case RoutingKey::unset:
      return "";
    case RoutingKey::trace_id:
      return "traceID";
    case RoutingKey::service:
      return "service";
    case RoutingKey::resource:
      return "resource";
    case RoutingKey::metric:
      return "metric";
    case RoutingKey::stream_id:
      return "streamID";
    case RoutingKey::attributes:
      return "attributes";
  }
  return "";
}

std::string routing_key_error(RoutingKey key, Signal signal) {
  bool ok = true;
  switch (key) {
    case RoutingKey::trace_id:
      ok = signal != Signal::metrics;
      break;
    case RoutingKey::resource:
      ok = signal != Signal::traces;
      break;
    case RoutingKey::metric:
    case RoutingKey::stream_id:
      ok = signal == Signal::metrics;
      break;
    default:
      break;
  }
  if (ok) return {};
  return "routing_key " + std::string(to_string(key)) + " cannot route " + std::string(to_string(signal)) +
         " (traceID: traces and logs; resource: logs and metrics; metric and streamID: metrics; service and "
         "attributes: all)";
}

std::unique_ptr<OtlpGrpcConfig> backend_config(const LoadBalancingConfig& c, const std::string& endpoint,
                                               std::string& error) {
  auto out = std::make_unique<OtlpGrpcConfig>(c.otlp);
  out->client.endpoint = endpoint;
  out->client.target = exporter_helper::grpc_target(endpoint, kDefaultBackendPort, error);
  if (!error.empty()) return nullptr;
  return out;
}

const Schema<LoadBalancingConfig>& schema() {
  static const auto s =
      Schema<LoadBalancingConfig>()
          .choice("routing_key", &LoadBalancingConfig::routing_key,
                  {{"traceID", RoutingKey::trace_id},
                   {"service", RoutingKey::service},
                   {"resource", RoutingKey::resource},
                   {"metric", RoutingKey::metric},
                   {"streamID", RoutingKey::stream_id},
                   {"attributes", RoutingKey::attributes}},
                  "what keeps data together on one backend; unset: traceID for traces, service for logs and metrics")
          .key("routing_attributes", &LoadBalancingConfig::routing_attributes,
               "with routing_key attributes: the attributes (resource, scope, then the item's or data point's; and "
               "span.kind, span.name, log.severity, log.body) whose values make the key, in this order")
          .validate([](LoadBalancingConfig& c, const SchemaInput& in) {
            if (c.routing_key == RoutingKey::attributes && c.routing_attributes.empty())
              in.fail("routing_key", "routing_attributes must be given when routing_key is attributes");
            if (c.routing_key != RoutingKey::attributes && !c.routing_attributes.empty())
              in.fail("routing_attributes", "routing_attributes can only be used with routing_key attributes");
          })
          .block("trace_affinity", "map",
                 "otlpd's addition: traces in flight keep their backend through a change of the backends",
                 affinity_schema(),
                 [](const ConfigNode& n, LoadBalancingConfig& c) { affinity_schema().parse_into(n, c.trace_affinity); })
          .block("protocol", "map", "how backends are sent to (only otlp)", protocol_schema(),
                 [](const ConfigNode& n, LoadBalancingConfig& c) { protocol_schema().parse_into(n, c); })
          .block(
              "resolver", "map", "where the backends come from (exactly one resolver)", resolver_schema(),
              [](const ConfigNode& n, LoadBalancingConfig& c) { resolver_schema().parse_into(n, c); }, true);
  return s;
}

std::unique_ptr<LoadBalancingConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::loadbalancing_exporter

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::exporter, "loadbalancing", ::otlpd::loadbalancing_exporter::schema)
