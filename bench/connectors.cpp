// Connector throughput on one thread: spans per second into spanmetrics (aggregation only; one flush at the end)
// and into count (each request counted and sent at once).
//
// Span shape as bench/processors.cpp (bench/PROCESSORS.md): 10 attributes, 2 events, ids, times, kind server,
// status ok; 100 spans per request under one resource (3 attributes) and one scope; two span names, so two series
// per resource. Requests are prepared before the clock starts, as received bytes unless the row says "decoded".
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "config/node.h"
#include "core/component.h"
#include "core/registry.h"
#include "model/batch.h"
#include "traffic.h"

namespace {

using namespace otlpd;
using Clock = std::chrono::steady_clock;

constexpr int kSpansPerRequest = 100;

class MetricSink final : public MetricConsumer {
 public:
  Status consume(MetricBatch b) override {
    points += b.item_count();
    return Status::ok();
  }
  size_t points = 0;
};

// Durations spread over the histogram's buckets; no scope version and one attribute per event (spanmetrics reads
// neither).
const bench::TrafficShape kSpanmetricsShape{false, 997, false};

TraceBatch make_request(int spans, int seed) { return bench::make_request(spans, seed, kSpanmetricsShape); }

void run(const std::string& name, const std::string& yaml, int requests, bool wire = true,
         const std::string& type = "spanmetrics") {
  auto* f = static_cast<const ConnectorFactory*>(Registry::instance().find(Kind::connector, type));
  auto cfg = f->parse(ConfigNode(YAML::Load(yaml), "connectors::" + type));
  MetricSink sink;
  Consumers next;
  next.metrics = &sink;
  auto c = f->create({ComponentId{type, ""}, {}}, *cfg, next);
  bench::NoHost host;
  c->start(host);
  auto& in = *c->consumers().traces;

  auto prototype = make_request(kSpansPerRequest, 1);
  const std::string bytes = prototype.first().SerializeAsString();
  std::vector<TraceBatch> inputs;
  inputs.reserve(static_cast<size_t>(requests));
  for (int i = 0; i < requests; ++i)
    inputs.push_back(wire ? TraceBatch::adopt_wire(bytes, kSpansPerRequest) : prototype.clone());

  const auto start = Clock::now();
  for (auto& b : inputs) in.consume(std::move(b));
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  c->shutdown(Clock::now() + std::chrono::seconds(10));
  const double spans = static_cast<double>(requests) * kSpansPerRequest;
  std::printf("%-58s %12.0f spans/s  (%zu data points out)\n", name.c_str(), spans / secs, sink.points);
}

}  // namespace

int main(int argc, char** argv) {
  const int requests = argc > 1 ? std::atoi(argv[1]) : 5000;
  std::printf("connector throughput, one thread, %d requests x %d spans\n", requests, kSpansPerRequest);
  run("spanmetrics (defaults)", "", requests);
  run("spanmetrics (+ http.method, http.route dimensions)", "dimensions: [{name: http.method}, {name: http.route}]",
      requests);
  run("spanmetrics (exponential histogram, exemplars)",
      "histogram: {exponential: {max_size: 160}}\nexemplars: {enabled: true}", requests);
  run("spanmetrics (defaults, decoded parts)", "", requests / 5, false);
  run("count (defaults: spans and span events)", "", requests, true, "count");
  run("count (spans by http.route, server spans by a condition)",
      "spans: {by_route: {attributes: [{key: http.route}]}, server: {conditions: ['kind == SPAN_KIND_SERVER']}}\n"
      "spanevents: {}",
      requests, true, "count");
  return 0;
}
