// The loadbalancing exporter's config: the Collector's keys, protocol.otlp without endpoint, clear refusals.
#include <catch2/catch.hpp>

#include "config/config.h"
#include "exporters/loadbalancing/config.h"
#include "support/component_config.h"

using namespace otlpd;
using namespace otlpd::loadbalancing_exporter;
using otlpd::test::component_error;
using otlpd::test::parse_component;

namespace {

const LoadBalancingConfig& as_lb(const ComponentConfigPtr& c) { return config_as<LoadBalancingConfig>(*c); }

}  // namespace

TEST_CASE("loadbalancing config: static hostnames, otlp keys, default routing per signal", "[loadbalancing]") {
  auto c = parse_component(Kind::exporter, "loadbalancing", R"(
protocol:
  otlp:
    timeout: 2s
    tls: {insecure: true}
    compression: none
    headers: {x-tenant: t1}
    sending_queue: {queue_size: 50}
    retry_on_failure: {initial_interval: 100ms}
resolver:
  static:
    hostnames: [a:4317, b]
)");
  const auto& cfg = as_lb(c);
  REQUIRE(cfg.static_resolver);
  CHECK(cfg.static_resolver->hostnames == std::vector<std::string>{"a:4317", "b"});
  CHECK(cfg.otlp.settings.timeout == std::chrono::seconds(2));
  CHECK(cfg.otlp.settings.queue.queue_size == 50);
  CHECK(cfg.otlp.client.tls.insecure);
  CHECK(cfg.otlp.client.headers.at("x-tenant") == "t1");
  CHECK(cfg.trace_affinity.window == std::chrono::seconds(30));  // otlpd's addition, on by default
  CHECK(cfg.trace_affinity.max_traces == 100000);
  CHECK(cfg.key_for(Signal::traces) == RoutingKey::trace_id);
  CHECK(cfg.key_for(Signal::logs) == RoutingKey::service);
  CHECK(cfg.key_for(Signal::metrics) == RoutingKey::service);

  std::string error;
  auto b = backend_config(cfg, "b", error);
  REQUIRE(b);
  CHECK(b->client.target == "b:4317");  // the Collector's default port
  CHECK(b->client.headers.at("x-tenant") == "t1");
}

TEST_CASE("loadbalancing config: the dns resolver's keys and defaults", "[loadbalancing]") {
  auto c = parse_component(Kind::exporter, "loadbalancing", "resolver: {dns: {hostname: gw.svc}}\n");
  REQUIRE(as_lb(c).dns_resolver);
  const auto& d = *as_lb(c).dns_resolver;
  CHECK(d.hostname == "gw.svc");
  CHECK(d.port == 4317);
  CHECK(d.interval == std::chrono::seconds(5));
  CHECK(d.timeout == std::chrono::seconds(1));
  CHECK(d.nameserver.empty());
  c = parse_component(Kind::exporter, "loadbalancing",
                      "resolver: {dns: {hostname: gw.svc, port: 5317, interval: 2s, timeout: 300ms, nameserver: "
                      "'[::1]:5353'}}\n");
  CHECK(as_lb(c).dns_resolver->port == 5317);
  CHECK(as_lb(c).dns_resolver->nameserver == "[::1]:5353");
}

TEST_CASE("loadbalancing config: routing_key service and traceID", "[loadbalancing]") {
  auto c =
      parse_component(Kind::exporter, "loadbalancing", "routing_key: service\nresolver: {static: {hostnames: [a]}}\n");
  CHECK(as_lb(c).key_for(Signal::traces) == RoutingKey::service);
  c = parse_component(Kind::exporter, "loadbalancing", "routing_key: traceID\nresolver: {static: {hostnames: [a]}}\n");
  CHECK(as_lb(c).key_for(Signal::logs) == RoutingKey::trace_id);
}

TEST_CASE("loadbalancing config: bad configs are refused with clear errors", "[loadbalancing]") {
  using Catch::Matchers::Contains;
  const auto err = [](const std::string& yaml) { return component_error(Kind::exporter, "loadbalancing", yaml); };
  CHECK_THAT(err("protocol: {otlp: {}}\n"), Contains("missing required key 'resolver'"));
  CHECK_THAT(err("resolver: {}\n"), Contains("a resolver is required: static or dns"));
  CHECK_THAT(err("resolver: {static: {hostnames: [a]}, dns: {hostname: b}}\n"), Contains("only one resolver"));
  CHECK_THAT(err("resolver: {dns: {port: 4317}}\n"), Contains("missing required key 'hostname'"));
  CHECK_THAT(err("resolver: {dns: {hostname: b, nameserver: 'dns.example:53'}}\n"),
             Contains("must be an IP address and port"));
  CHECK_THAT(err("resolver: {dns: {hostname: b, port: 0}}\n"), Contains("between 1 and 65535"));
  CHECK_THAT(err("trace_affinity: {max_traces: 0}\nresolver: {dns: {hostname: b}}\n"), Contains("max_traces"));
  CHECK_THAT(err("resolver: {static: {hostnames: []}}\n"), Contains("at least one backend"));
  CHECK_THAT(err("resolver: {nope: {}}\n"), Contains("nope"));
  CHECK_THAT(err("resolver: {k8s: {service: x}}\n"), Contains("not supported by otlpd: not implemented yet"));
  CHECK_THAT(err("resolver: {static: {hostnames: ['a:99999']}}\n"), Contains("port 1-65535"));
  CHECK_THAT(err("routing_key: attributes\nresolver: {static: {hostnames: [a]}}\n"),
             Contains("routing_attributes must be given when routing_key is attributes"));
  CHECK_THAT(err("routing_key: service\nrouting_attributes: [a]\nresolver: {static: {hostnames: [a]}}\n"),
             Contains("routing_attributes can only be used with routing_key attributes"));
  CHECK_THAT(err("routing_key: spanID\nresolver: {static: {hostnames: [a]}}\n"), Contains("valid values are"));
  CHECK_THAT(err("protocol: {otlp: {endpoint: x:4317}}\nresolver: {static: {hostnames: [a]}}\n"), Contains("endpoint"));
  CHECK_THAT(err("protocol: {otlp: {sending_queue: {storage: file_storage}}}\nresolver: {static: {hostnames: [a]}}\n"),
             Contains("not supported by otlpd yet"));
}

TEST_CASE("loadbalancing: a routing key that cannot route a pipeline's signal is a config error naming both",
          "[loadbalancing][config]") {
  using Catch::Matchers::Contains;
  const auto config = [](const std::string& key, const std::string& signal) {
    return "receivers:\n  otlp:\n    protocols: {grpc: {endpoint: 127.0.0.1:0}}\nexporters:\n  loadbalancing:\n"
           "    routing_key: " +
           key + "\n    resolver: {static: {hostnames: [a]}}\nservice:\n  pipelines:\n    " + signal +
           ":\n      receivers: [otlp]\n      exporters: [loadbalancing]\n";
  };
  const auto error_of = [&](const std::string& key, const std::string& signal) {
    try {
      parse_config(parse_yaml(config(key, signal), "config.yaml"));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_THAT(error_of("traceID", "metrics"),
             Contains("exporter 'loadbalancing' cannot serve metrics: routing_key traceID cannot route metrics"));
  CHECK_THAT(error_of("metric", "traces"), Contains("routing_key metric cannot route traces"));
  CHECK_THAT(error_of("streamID", "logs"), Contains("routing_key streamID cannot route logs"));
  CHECK_THAT(error_of("resource", "traces"), Contains("line 12"));
  for (const auto& [key, signal] : std::vector<std::pair<std::string, std::string>>{{"traceID", "traces"},
                                                                                    {"traceID", "logs"},
                                                                                    {"resource", "logs"},
                                                                                    {"resource", "metrics"},
                                                                                    {"metric", "metrics"},
                                                                                    {"streamID", "metrics"},
                                                                                    {"service", "traces"},
                                                                                    {"service", "metrics"}})
    CHECK(error_of(key, signal) == "");
}
