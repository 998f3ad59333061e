// Connector throughput on one thread: spans per second into spanmetrics (aggregation only; one flush at the end).
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

class NoHost final : public Host {
 public:
  Extension* extension(const ComponentId&) const override { return nullptr; }
};

void attr(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>& a, const std::string& k,
          const std::string& v) {
  auto* kv = a.Add();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}

TraceBatch make_request(int spans, int seed) {
  auto b = TraceBatch::make();
  auto* rs = b.first().add_resource_spans();
  attr(*rs->mutable_resource()->mutable_attributes(), "service.name", "checkout");
  attr(*rs->mutable_resource()->mutable_attributes(), "host.name", "node-7");
  attr(*rs->mutable_resource()->mutable_attributes(), "deployment.environment", "prod");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("io.opentelemetry.http");
  for (int i = 0; i < spans; ++i) {
    auto* s = ss->add_spans();
    s->set_trace_id(std::string(16, static_cast<char>(seed + i)));
    s->set_span_id(std::string(8, static_cast<char>(i)));
    s->set_parent_span_id(std::string(8, static_cast<char>(i + 1)));
    s->set_name(i % 10 == 0 ? "GET /health" : "GET /api/orders/{id}");
    s->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
    s->set_start_time_unix_nano(1700000000000000000ull + i);
    s->set_end_time_unix_nano(1700000000000500000ull + static_cast<uint64_t>(i) * 997);
    auto& a = *s->mutable_attributes();
    attr(a, "http.method", "GET");
    attr(a, "http.route", i % 10 == 0 ? "/health" : "/api/orders/{id}");
    attr(a, "http.target", "/api/orders/" + std::to_string(i));
    attr(a, "http.scheme", "https");
    attr(a, "net.peer.ip", "10.0.0." + std::to_string(i % 250));
    attr(a, "user.id", "user-" + std::to_string(i));
    attr(a, "http.user_agent", "Mozilla/5.0 (X11; Linux x86_64)");
    attr(a, "thread.name", "worker-3");
    auto* code = a.Add();
    code->set_key("http.status_code");
    code->mutable_value()->set_int_value(200);
    auto* size = a.Add();
    size->set_key("http.response_content_length");
    size->mutable_value()->set_int_value(1234 + i);
    for (int e = 0; e < 2; ++e) {
      auto* ev = s->add_events();
      ev->set_name(e == 0 ? "message" : "exception");
      ev->set_time_unix_nano(1700000000000100000ull + e);
      attr(*ev->mutable_attributes(), "message.type", "SENT");
    }
    s->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
  }
  return b;
}

void run(const std::string& name, const std::string& yaml, int requests, bool wire = true) {
  auto* f = static_cast<const ConnectorFactory*>(Registry::instance().find(Kind::connector, "spanmetrics"));
  auto cfg = f->parse(ConfigNode(YAML::Load(yaml), "connectors::spanmetrics"));
  MetricSink sink;
  Consumers next;
  next.metrics = &sink;
  auto c = f->create({ComponentId{"spanmetrics", ""}, {}}, *cfg, next);
  NoHost host;
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
  std::printf("%-52s %12.0f spans/s  (%zu data points out)\n", name.c_str(), spans / secs, sink.points);
}

}  // namespace

int main(int argc, char** argv) {
  const int requests = argc > 1 ? std::atoi(argv[1]) : 5000;
  std::printf("spanmetrics throughput, one thread, %d requests x %d spans\n", requests, kSpansPerRequest);
  run("spanmetrics (defaults)", "", requests);
  run("spanmetrics (+ http.method, http.route dimensions)", "dimensions: [{name: http.method}, {name: http.route}]",
      requests);
  run("spanmetrics (exponential histogram, exemplars)",
      "histogram: {exponential: {max_size: 160}}\nexemplars: {enabled: true}", requests);
  run("spanmetrics (defaults, decoded parts)", "", requests / 5, false);
  return 0;
}
