// Every registered component goes through its lifecycle: created from its default config (or the smallest
// valid one where the Collector also requires keys), started and shut down; and created and shut down without
// a start.
#include <catch2/catch.hpp>

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <map>
#include <string>

#include "config/node.h"
#include "core/component.h"
#include "core/registry.h"
#include "platform/telemetry.h"
#include "processors/common/processor_helper.h"
#include "processors/harness.h"
#include "support/daemon.h"

using namespace otlpd;
using namespace otlpd::test;

namespace {

// Components whose default config is not valid (a key the Collector also requires), and components that
// listen: their default ports (4317, 13133, ...) may be taken by a daemon running on this machine, so they
// get port 0.
const std::map<std::string, std::string>& smallest_configs() {
  static const TempDir storage;  // file_storage's folder, removed at exit
  static const std::map<std::string, std::string> configs{
      {"extension/file_storage", "directory: " + storage.path().string()},
      {"receiver/otlp", "protocols: {grpc: {endpoint: 127.0.0.1:0}, http: {endpoint: 127.0.0.1:0}}"},
      {"extension/health_check", "endpoint: 127.0.0.1:0"},
      {"extension/bearertokenauth", "token: lifecycle-token"},
      {"extension/basicauth", "htpasswd: {inline: 'user:pass'}"},
      {"extension/apikeyauth", "keys: {lifecycle: lifecycle-key}"},
      {"extension/oidc", "issuer_url: http://127.0.0.1:1\naudience: lifecycle"},
      {"extension/oauth2client", "client_id: c\nclient_secret: s\ntoken_url: http://127.0.0.1:1/token"},
      {"extension/ratelimiter", "rate: 100"},
      {"extension/headers_setter", "headers: [{key: x-tenant, value: lifecycle}]"},
      {"processor/ratelimit", "rate: 100"},
      {"processor/resource", "attributes: [{key: k, value: v, action: upsert}]"},
      {"processor/attributes", "actions: [{key: k, value: v, action: upsert}]"},
      {"processor/memory_limiter", "check_interval: 1s\nlimit_mib: 4000"},
      {"processor/tail_sampling", "policies: [{name: all, type: always_sample}]"},
      {"processor/deltatocumulative", "max_stale: 1m\nmax_streams: 100"},
      {"processor/transform", "trace_statements: ['set(span.name, \"x\")']"},
      {"exporter/otlp", "endpoint: 127.0.0.1:1\ntls: {insecure: true}"},
      {"exporter/otlphttp", "endpoint: http://127.0.0.1:1"},
      {"exporter/jaeger", "endpoint: 127.0.0.1:1\ntls: {insecure: true}"},
      {"exporter/tempo", "endpoint: 127.0.0.1:1\ntls: {insecure: true}"},
      {"exporter/loadbalancing",
       "protocol: {otlp: {tls: {insecure: true}}}\nresolver: {static: {hostnames: [127.0.0.1:1]}}"},
      {"exporter/file", "path: /dev/null"},
      {"exporter/prometheus", "endpoint: 127.0.0.1:0"},
      {"exporter/prometheusremotewrite", "endpoint: http://127.0.0.1:1/api/v1/write"},
      {"connector/count", "spans: {span.count: {conditions: ['name != \"\"'], attributes: [{key: k}]}}"},
  };
  return configs;
}

struct Sinks {
  Capture<TraceBatch> traces;
  Capture<MetricBatch> metrics;
  Capture<LogBatch> logs;

  Consumers for_factory(const Factory& f) {
    Consumers c;
    if (f.supports(Signal::traces)) c.traces = &traces;
    if (f.supports(Signal::metrics)) c.metrics = &metrics;
    if (f.supports(Signal::logs)) c.logs = &logs;
    return c;
  }
  Consumers only(Signal s) {
    Consumers c;
    if (s == Signal::traces) c.traces = &traces;
    if (s == Signal::metrics) c.metrics = &metrics;
    if (s == Signal::logs) c.logs = &logs;
    return c;
  }
};

// One instance per supported signal for processors (they belong to one pipeline), one otherwise.
std::vector<std::unique_ptr<Component>> create_all(const Factory& f, const ComponentConfig& cfg, Sinks& sinks) {
  CreateSettings settings{ComponentId{std::string(f.type()), "lifecycle"}, "traces/lifecycle"};
  std::vector<std::unique_ptr<Component>> out;
  switch (f.kind()) {
    case Kind::receiver:
      out.push_back(static_cast<const ReceiverFactory&>(f).create(settings, cfg, sinks.for_factory(f)));
      break;
    case Kind::processor:
      for (Signal s : {Signal::traces, Signal::metrics, Signal::logs})
        if (f.supports(s))
          out.push_back(static_cast<const ProcessorFactory&>(f).create(settings, cfg, s, sinks.only(s)));
      break;
    case Kind::exporter:
      out.push_back(static_cast<const ExporterFactory&>(f).create(settings, cfg));
      break;
    case Kind::extension:
      out.push_back(static_cast<const ExtensionFactory&>(f).create(settings, cfg));
      break;
    case Kind::connector:
      out.push_back(static_cast<const ConnectorFactory&>(f).create(settings, cfg, sinks.for_factory(f)));
      break;
  }
  return out;
}

}  // namespace

TEST_CASE("every registered component is created, started and shut down, and shut down without a start",
          "[core][lifecycle]") {
  NullHost host;
  int checked = 0;
  for (Kind kind : {Kind::extension, Kind::exporter, Kind::connector, Kind::processor, Kind::receiver}) {
    for (const auto& type : Registry::instance().types(kind)) {
      const Factory* f = Registry::instance().find(kind, type);
      REQUIRE(f != nullptr);
      std::string key = std::string(to_string(kind)) + "/" + type;
      auto smallest = smallest_configs().find(key);
      std::string yaml = smallest == smallest_configs().end() ? "" : smallest->second;
      INFO(key << " with config: " << (yaml.empty() ? "(default)" : yaml));

      ComponentConfigPtr cfg;
      try {
        cfg = f->parse(ConfigNode(YAML::Load(yaml), std::string(to_string(kind)) + "s::" + type));
      } catch (const ConfigError& e) {
        FAIL("its default config is refused; give it the smallest valid one in this test: " << e.what());
      }
      Sinks sinks;
      {
        auto started = create_all(*f, *cfg, sinks);
        REQUIRE(!started.empty());
        for (auto& c : started) c->start(host);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        for (auto& c : started) c->shutdown(deadline);
        CHECK(std::chrono::steady_clock::now() < deadline);
      }
      {
        auto never_started = create_all(*f, *cfg, sinks);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        for (auto& c : never_started) c->shutdown(deadline);
        CHECK(std::chrono::steady_clock::now() < deadline);
      }
      ++checked;
    }
  }
  CHECK(checked >= 20);  // the daemon's components and the test binary's own
}

namespace {

// Three items of `s`, spans with trace and span ids (samplers look at them).
Status feed_three(Processor& p, Signal s) {
  switch (s) {
    case Signal::traces: {
      auto b = spans(3);
      char n = 1;
      for (auto& span : *b.first().mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans()) {
        span.set_trace_id(std::string(15, '\x7f') + n);
        span.set_span_id(std::string(7, '\x01') + n++);
      }
      return input<TraceBatch>(p).consume(std::move(b));
    }
    case Signal::metrics:
      return input<MetricBatch>(p).consume(gauge("g", 3));
    case Signal::logs:
      return input<LogBatch>(p).consume(logs(3));
  }
  return Status::ok();
}

size_t captured(Sinks& sinks, Signal s) {
  switch (s) {
    case Signal::traces:
      return sinks.traces.items();
    case Signal::metrics:
      return sinks.metrics.items();
    case Signal::logs:
      return sinks.logs.items();
  }
  return 0;
}

// A next consumer that says it may block.
template <typename B>
struct BlockingSink final : Consumer<B> {
  Status consume(B) override { return Status::ok(); }
  bool may_block() const override { return true; }
};

// The test binary's own processor, not built on the processor helper.
bool daemon_processor(const std::string& type) { return type != "tag"; }

}  // namespace

TEST_CASE("every processor counts the items it takes and hands on, into the telemetry it is given",
          "[core][lifecycle][processor]") {
  NullHost host;
  int checked = 0;
  for (const auto& type : Registry::instance().types(Kind::processor)) {
    if (!daemon_processor(type)) continue;
    const auto& f = processor_factory(type);
    auto smallest = smallest_configs().find("processor/" + type);
    const std::string yaml = smallest == smallest_configs().end() ? "" : smallest->second;
    auto cfg = f.parse(ConfigNode(YAML::Load(yaml), "processors::" + type));
    for (Signal s : kAllSignals) {
      if (!f.supports(s)) continue;
      INFO(type << " on " << to_string(s));
      Telemetry telemetry;  // the processor's own: nothing global is read
      Sinks sinks;
      CreateSettings settings{ComponentId{type, "count"}, std::string(to_string(s)), &telemetry};
      auto p = f.create(settings, *cfg, s, sinks.only(s));
      p->start(host);
      feed_three(*p, s);
      p->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
      const auto labels = processors::ItemCounters::labels(settings, s);
      CHECK(telemetry.counter_value("otelcol_processor_incoming_items", labels) == 3);
      CHECK(telemetry.counter_value("otelcol_processor_outgoing_items", labels) == captured(sinks, s));
      CHECK(Telemetry::global().counter_value("otelcol_processor_incoming_items", labels) == 0);
      ++checked;
    }
  }
  CHECK(checked >= 18);  // 8 processors, most of them for three signals
}

TEST_CASE("a processor may block when its next consumer may, and tail_sampling always may",
          "[core][lifecycle][processor]") {
  for (const auto& type : Registry::instance().types(Kind::processor)) {
    if (!daemon_processor(type) || !processor_factory(type).supports(Signal::traces)) continue;
    INFO(type);
    const auto& f = processor_factory(type);
    auto smallest = smallest_configs().find("processor/" + type);
    auto cfg = f.parse(
        ConfigNode(YAML::Load(smallest == smallest_configs().end() ? "" : smallest->second), "processors::" + type));
    CreateSettings settings{ComponentId{type, "block"}, "traces"};
    Capture<TraceBatch> quick;
    BlockingSink<TraceBatch> slow;
    auto over_quick = f.create(settings, *cfg, Signal::traces, Consumers{&quick, nullptr, nullptr});
    auto over_slow = f.create(settings, *cfg, Signal::traces, Consumers{&slow, nullptr, nullptr});
    CHECK(input<TraceBatch>(*over_quick).may_block() == (type == "tail_sampling"));
    CHECK(input<TraceBatch>(*over_slow).may_block());
  }
}
