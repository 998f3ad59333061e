// Processor throughput on one thread: spans per second through attributes, filter (condition maps and OTTL),
// transform (OTTL) and batch; log records and data points per second through the filter and transform.
//
// Span shape (documented in bench/PROCESSORS.md): 10 string/int attributes, 2 events with 2 attributes each,
// trace/span/parent ids, start/end times, kind server, status ok; 100 spans per request under one resource
// (3 attributes) and one scope. Requests are prepared (deep copies) before the clock starts, so only
// consume() is timed; the sink counts items and keeps the batches until the clock has stopped.
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

template <typename B>
class Sink final : public Consumer<B> {
 public:
  explicit Sink(bool serialize) : serialize_(serialize) {}
  Status consume(B b) override {
    if (serialize_) bytes += b.serialize().size();  // what an exporter does next: timed
    items += b.item_count();
    kept.push_back(std::move(b));  // freed after the clock stops: arena teardown is not the processor's cost
    return Status::ok();
  }
  size_t items = 0;
  size_t bytes = 0;
  std::vector<B> kept;

 private:
  bool serialize_;
};

using bench::make_log_request;
using bench::make_request;

struct Result {
  std::string name;
  double items_per_second;
};

const char* g_filter = nullptr;  // argv[2]: run only the cases whose name holds it

// `wire`: the requests arrive as received bytes (what the receivers hand on), not as decoded messages;
// `serialize`: the sink serializes what it gets, as an exporter would (timed). B is TraceBatch (spans), LogBatch
// (log records) or MetricBatch (data points).
template <typename B = TraceBatch>
Result run(const std::string& name, const std::string& type, const std::string& yaml, int requests, int spans,
           bool wire = false, bool serialize = false) {
  if (g_filter && name.find(g_filter) == std::string::npos) return {name, 0};
  constexpr bool logs = B::signal == Signal::logs;
  constexpr bool metrics = B::signal == Signal::metrics;
  auto* f = static_cast<const ProcessorFactory*>(Registry::instance().find(Kind::processor, type));
  auto cfg = f->parse(ConfigNode(YAML::Load(yaml), "processors::" + type));
  Sink<B> sink(serialize);
  Consumers next;
  if constexpr (logs)
    next.logs = &sink;
  else if constexpr (metrics)
    next.metrics = &sink;
  else
    next.traces = &sink;
  auto p = f->create({ComponentId{type, ""}, logs ? "logs" : metrics ? "metrics" : "traces"}, *cfg, B::signal, next);
  bench::NoHost host;
  p->start(host);
  Consumer<B>* in = p->consumers().template get<B>();

  auto prototype = [&] {
    if constexpr (logs)
      return make_log_request(spans, 1);
    else if constexpr (metrics)
      return bench::make_metric_request(spans, 1);
    else
      return make_request(spans, 1);
  }();
  std::vector<B> inputs;
  inputs.reserve(static_cast<size_t>(requests));
  const std::string bytes = prototype.first().SerializeAsString();
  for (int i = 0; i < requests; ++i)
    inputs.push_back(wire ? B::adopt_wire(bytes, static_cast<size_t>(spans)) : prototype.clone());

  const auto start = Clock::now();
  for (auto& b : inputs) in->consume(std::move(b));
  p->shutdown(Clock::now() + std::chrono::seconds(10));  // flushes what is buffered: part of the work
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  const double items = static_cast<double>(requests) * spans;
  const char* unit = logs ? "records" : metrics ? "points" : "spans";
  std::printf("%-44s %12.0f %s/s  (%zu %s out)\n", name.c_str(), items / secs, unit, sink.items, unit);
  return {name, items / secs};
}

}  // namespace

int main(int argc, char** argv) {
  const int requests = argc > 1 ? std::atoi(argv[1]) : 500;
  if (argc > 2) g_filter = argv[2];
  std::printf("processor throughput, one thread, %d requests x %d spans\n", requests, kSpansPerRequest);
  run("attributes (insert, upsert, hash, delete)", "attributes",
      "actions:\n"
      "  - {key: environment, action: insert, value: prod}\n"
      "  - {key: team, action: upsert, value: payments}\n"
      "  - {key: user.id, action: hash}\n"
      "  - {key: http.user_agent, action: delete}\n",
      requests, kSpansPerRequest);
  run("attributes on the wire (insert, upsert, delete)", "attributes",
      "actions:\n"
      "  - {key: environment, action: insert, value: prod}\n"
      "  - {key: team, action: upsert, value: payments}\n"
      "  - {key: http.user_agent, action: delete}\n",
      requests, kSpansPerRequest, true);
  run("attributes on the wire (insert, upsert, hash, delete)", "attributes",
      "actions:\n"
      "  - {key: environment, action: insert, value: prod}\n"
      "  - {key: team, action: upsert, value: payments}\n"
      "  - {key: user.id, action: hash}\n"
      "  - {key: http.user_agent, action: delete}\n",
      requests, kSpansPerRequest, true);
  run("attributes on the wire (convert, from_attribute)", "attributes",
      "actions:\n"
      "  - {key: http.status_code, action: convert, converted_type: string}\n"
      "  - {key: route.copy, action: insert, from_attribute: http.route}\n",
      requests, kSpansPerRequest, true);
  run("attributes (extract, include regexp)", "attributes",
      "actions: [{key: http.target, action: extract, pattern: '^/api/(?P<resource>\\w+)/(?P<id>\\d+)'}]\n"
      "include: {match_type: regexp, span_names: ['^GET ']}\n",
      requests, kSpansPerRequest);
  run("filter (drop http.route=/health, 10%)", "filter", "traces: {span: [{attributes: {http.route: /health}}]}",
      requests, kSpansPerRequest);
  run("filter (regexp name + span event name)", "filter",
      "traces: {span: [{name: {regexp: 'health$'}}], spanevent: [{name: exception}]}", requests, kSpansPerRequest);
  // OTTL (issue 21): the filter's three conditions drop the 10% health checks; transform runs five statements.
  const std::string ottl_filter =
      "traces:\n"
      "  span:\n"
      "    - 'attributes[\"http.route\"] == \"/health\"'\n"
      "    - 'kind == SPAN_KIND_CLIENT and IsMatch(name, \"^db \")'\n"
      "    - 'resource.attributes[\"deployment.environment\"] == \"staging\"'\n";
  run("filter OTTL (3 conditions, 10% dropped)", "filter", ottl_filter, requests, kSpansPerRequest);
  run("filter OTTL on received bytes (span by span)", "filter", ottl_filter, requests, kSpansPerRequest, true);
  const std::string ottl_transform =
      "trace_statements:\n"
      "  - set(span.attributes[\"environment\"], \"prod\")\n"
      "  - set(span.attributes[\"route.copy\"], span.attributes[\"http.route\"])\n"
      "  - delete_key(span.attributes, \"http.user_agent\")\n"
      "  - replace_pattern(span.attributes[\"http.target\"], \"/\\\\d+$\", \"/{id}\")\n"
      "  - set(span.name, \"health\") where span.attributes[\"http.route\"] == \"/health\"\n";
  run("transform OTTL (5 statements)", "transform", ottl_transform, requests, kSpansPerRequest);
  run("transform OTTL on received bytes (decode included)", "transform", ottl_transform, requests, kSpansPerRequest,
      true);
  run("transform OTTL on received bytes, serialized", "transform", ottl_transform, requests, kSpansPerRequest, true,
      true);
  // One statement whose where clause holds for the 10% health checks: the received bytes of the other spans are
  // copied, not re-encoded.
  const std::string ottl_transform_where =
      "trace_statements:\n"
      "  - set(span.name, \"health\") where span.attributes[\"http.route\"] == \"/health\"\n";
  run("transform OTTL 10% (decoded)", "transform", ottl_transform_where, requests, kSpansPerRequest);
  run("transform OTTL 10% on received bytes", "transform", ottl_transform_where, requests, kSpansPerRequest, true);
  run("transform OTTL 10% on received bytes, serialized", "transform", ottl_transform_where, requests, kSpansPerRequest,
      true, true);
  // Log records (the S4-like log shape of traffic.h): three conditions drop the 10% health checks and the DEBUG
  // records; a condition map beside them is the same filter spelled otlpd's way.
  const std::string log_filter =
      "logs:\n"
      "  log_record:\n"
      "    - 'attributes[\"http.route\"] == \"/health\"'\n"
      "    - 'severity_number < SEVERITY_NUMBER_INFO'\n"
      "    - 'IsMatch(body, \"password\")'\n";
  run<LogBatch>("filter OTTL logs (3 conditions, 20% dropped)", "filter", log_filter, requests, kSpansPerRequest);
  run<LogBatch>("filter OTTL logs on received bytes", "filter", log_filter, requests, kSpansPerRequest, true);
  run<LogBatch>("filter logs condition map on received bytes", "filter",
                "logs: {log_record: [{attributes: {http.route: /health}}, {severity_number: {max: DEBUG4}}]}", requests,
                kSpansPerRequest, true);
  // Log records: one statement on the 10% /health records of bench::make_log_request.
  const std::string log_transform =
      "log_statements:\n"
      "  - set(log.attributes[\"health\"], true) where log.attributes[\"http.route\"] == \"/health\"\n";
  run<LogBatch>("transform OTTL logs 10% (decoded)", "transform", log_transform, requests, kSpansPerRequest);
  run<LogBatch>("transform OTTL logs 10% on received bytes", "transform", log_transform, requests, kSpansPerRequest,
                true);
  // Data points (bench::make_metric_request, five metric types): the filter drops the 10% /health points and a
  // metric by name; transform marks the /health points and renames one metric in twenty.
  const std::string metric_filter =
      "metrics:\n"
      "  metric: ['name == \"http.server.metric.7\"']\n"
      "  datapoint: ['attributes[\"http.route\"] == \"/health\"']\n";
  run<MetricBatch>("filter OTTL metrics (decoded)", "filter", metric_filter, requests, kSpansPerRequest);
  run<MetricBatch>("filter OTTL metrics on received bytes", "filter", metric_filter, requests, kSpansPerRequest, true);
  run<MetricBatch>("filter OTTL metrics on received bytes, serialized", "filter", metric_filter, requests,
                   kSpansPerRequest, true, true);
  const std::string metric_transform =
      "metric_statements:\n"
      "  - context: metric\n"
      "    statements: ['set(name, \"renamed\") where name == \"http.server.metric.7\"']\n"
      "  - context: datapoint\n"
      "    statements: ['set(attributes[\"health\"], true) where attributes[\"http.route\"] == \"/health\"']\n";
  run<MetricBatch>("transform OTTL metrics 10% (decoded)", "transform", metric_transform, requests, kSpansPerRequest);
  run<MetricBatch>("transform OTTL metrics 10% on received bytes", "transform", metric_transform, requests,
                   kSpansPerRequest, true);
  run<MetricBatch>("transform OTTL metrics 10% on received bytes, serialized", "transform", metric_transform, requests,
                   kSpansPerRequest, true, true);
  run("batch (send_batch_size 8192, no split)", "batch", "send_batch_size: 8192\ntimeout: 200ms", requests,
      kSpansPerRequest);
  run("batch (send_batch_size 1000, max 1000, split)", "batch",
      "send_batch_size: 1000\nsend_batch_max_size: 1000\ntimeout: 200ms", requests / 5, 5 * kSpansPerRequest - 30);
  return 0;
}
