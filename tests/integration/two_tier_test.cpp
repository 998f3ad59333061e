// Two tiers on loopback, as deploy/kubernetes runs them: an agent with the loadbalancing exporter in front of
// three gateways with tail sampling, each gateway marking what it delivers. Whole traces reach one gateway.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/daemon.h"
#include "support/fake_otlp_grpc.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

std::string gateway_config(int n, const std::string& sink) {
  return R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:0"}
processors:
  tail_sampling:
    decision_wait: 2s
    num_traces: 50000
    policies:
      - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
  resource:
    attributes:
      - {key: gateway, value: ")" +
         std::to_string(n) + R"(", action: upsert}
exporters:
  otlp:
    endpoint: )" +
         sink +
         R"(
    tls: {insecure: true}
    compression: none
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [tail_sampling, resource]
      exporters: [otlp]
)";
}

std::string agent_config(const std::vector<std::string>& gateways) {
  std::string out = R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:0"}
processors:
  batch: {timeout: 50ms}
exporters:
  loadbalancing:
    protocol:
      otlp:
        tls: {insecure: true}
        retry_on_failure: {initial_interval: 100ms}
    resolver:
      static:
        hostnames: [)";
  for (size_t i = 0; i < gateways.size(); ++i) out.append(i ? ", " : "").append(gateways[i]);
  out += R"(]
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [loadbalancing]
)";
  return out;
}

}  // namespace

TEST_CASE("two tiers: 2,000 traces from three interleaved senders, every error trace whole at one gateway",
          "[integration][loadbalancing]") {
  constexpr int kTraces = 2000, kSenders = 3, kSpansPerRequest = 50;
  FakeOtlpGrpcServer sink;
  std::vector<std::unique_ptr<Daemon>> gateways;
  std::vector<std::string> endpoints;
  for (int g = 0; g < 3; ++g) {
    gateways.push_back(std::make_unique<Daemon>(gateway_config(g, sink.endpoint())));
    endpoints.push_back(gateways.back()->endpoint("otlp", "grpc"));
  }
  Daemon agent(agent_config(endpoints));

  // Trace t has one span from each sender (span k from sender k); every fifth trace has an error in one of
  // them. The senders run at once, each sending its spans of all traces in its own order.
  std::mt19937_64 rng(11);
  std::vector<std::string> ids(kTraces);
  for (auto& id : ids) {
    id.assign(16, '\0');
    for (auto& c : id) c = static_cast<char>(rng());
  }
  const auto is_error = [](int t) { return t % 5 == 0; };
  std::vector<std::thread> senders;
  std::atomic<int> failed{0};
  for (int k = 0; k < kSenders; ++k)
    senders.emplace_back([&, k] {
      OtlpGrpcClient client(agent.endpoint("otlp", "grpc"));
      std::vector<int> order(kTraces);
      for (int t = 0; t < kTraces; ++t) order[static_cast<size_t>(t)] = t;
      std::shuffle(order.begin(), order.end(), std::mt19937(static_cast<unsigned>(k)));
      otlp_trace::ExportTraceServiceRequest req;
      for (size_t i = 0; i < order.size(); ++i) {
        const int t = order[i];
        if (req.resource_spans_size() == 0) {
          auto* attr = req.add_resource_spans()->mutable_resource()->add_attributes();
          attr->set_key("service.name");
          attr->mutable_value()->set_string_value("sender-" + std::to_string(k));
          req.mutable_resource_spans(0)->add_scope_spans();
        }
        auto* s = req.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans();
        s->set_trace_id(ids[static_cast<size_t>(t)]);
        std::string span_id(8, '\0');
        span_id[0] = static_cast<char>(k + 1);
        span_id[1] = static_cast<char>(t);
        span_id[2] = static_cast<char>(t >> 8);
        s->set_span_id(span_id);
        s->set_name("op");
        if (is_error(t) && t % 3 == k)
          s->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
        if (req.resource_spans(0).scope_spans(0).spans_size() == kSpansPerRequest || i + 1 == order.size()) {
          if (!client.send(req).ok()) ++failed;
          req.Clear();
        }
      }
    });
  for (auto& t : senders) t.join();
  REQUIRE(failed == 0);

  const size_t want = static_cast<size_t>(kTraces / 5 * kSenders);  // the error traces' spans
  REQUIRE(wait_until([&] { return sink.spans() >= want; }, 30s));

  std::map<std::string, std::set<std::string>> gateways_of;  // trace id → gateways that delivered a span of it
  std::map<std::string, std::set<std::string>> spans_of;
  for (const auto& r : sink.traces())
    for (const auto& rs : r.resource_spans()) {
      std::string gateway;
      for (const auto& kv : rs.resource().attributes())
        if (kv.key() == "gateway") gateway = kv.value().string_value();
      REQUIRE_FALSE(gateway.empty());
      for (const auto& ss : rs.scope_spans())
        for (const auto& s : ss.spans()) {
          gateways_of[s.trace_id()].insert(gateway);
          spans_of[s.trace_id()].insert(s.span_id());
        }
    }
  int error_traces = 0, incomplete = 0, split = 0, unexpected = 0;
  std::map<std::string, int> traces_per_gateway;
  for (int t = 0; t < kTraces; ++t) {
    const auto& id = ids[static_cast<size_t>(t)];
    if (!is_error(t)) {
      unexpected += gateways_of.count(id);  // tail sampling keeps only error traces
      continue;
    }
    ++error_traces;
    incomplete += spans_of[id].size() != kSenders;
    split += gateways_of[id].size() != 1;
    if (!gateways_of[id].empty()) ++traces_per_gateway[*gateways_of[id].begin()];
  }
  CHECK(error_traces == kTraces / 5);
  CHECK(incomplete == 0);
  CHECK(split == 0);
  CHECK(unexpected == 0);
  // Every gateway took a share (about a third each).
  REQUIRE(traces_per_gateway.size() == 3);
  for (const auto& [g, n] : traces_per_gateway) {
    INFO("gateway " << g);
    CHECK(n > error_traces / 6);
  }
  CHECK(agent.stop() == 0);
  for (auto& g : gateways) CHECK(g->stop() == 0);
}
