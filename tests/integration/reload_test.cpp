// Hot reload on the real daemon: SIGHUP under load changes a processor and adds an exporter without refusing or
// losing a request; an invalid file is refused and the old config keeps serving.
#include <catch2/catch.hpp>

#include <csignal>
#include <mutex>
#include <set>
#include <thread>

#include "support/daemon.h"
#include "support/fake_otlp_grpc.h"
#include "support/http_client.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

// otlp → attributes (reload.phase = `phase`) → batch → the listed otlp exporters.
std::string reload_config(const std::string& phase, const std::vector<std::pair<std::string, std::string>>& exporters,
                          const std::string& extra_processor_key = {}, const std::string& pipeline_exporters = {}) {
  std::string out = R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:0"}
processors:
  attributes:
    actions:
      - key: reload.phase
        action: insert
        value: )" + phase +
                    "\n" + extra_processor_key + R"(
  batch:
    timeout: 300ms
exporters:
)";
  std::string names;
  for (const auto& [id, endpoint] : exporters) {
    out.append("  ").append(id).append(":\n    endpoint: ").append(endpoint);
    out += "\n    tls: {insecure: true}\n    compression: none\n";
    names.append(names.empty() ? "" : ", ").append(id);
  }
  out += R"(service:
  telemetry:
    metrics: {address: "127.0.0.1:0"}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [attributes, batch]
      exporters: [)" +
         (pipeline_exporters.empty() ? names : pipeline_exporters) + "]\n";
  return out;
}

std::string span_key(const opentelemetry::proto::trace::v1::Span& s) { return s.trace_id() + s.span_id(); }

std::string phase_of(const opentelemetry::proto::trace::v1::Span& s) {
  for (const auto& kv : s.attributes())
    if (kv.key() == "reload.phase") return kv.value().string_value();
  return "<absent>";
}

// Span key → reload.phase of every span a backend received.
std::map<std::string, std::string> received(const FakeOtlpGrpcServer& backend) {
  std::map<std::string, std::string> out;
  for (const auto& r : backend.traces())
    for (const auto& rs : r.resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& s : ss.spans()) out[span_key(s)] = phase_of(s);
  return out;
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Sends 10-span requests in a loop until stopped; records which spans were acknowledged, and which of them were
// sent after `after` was set.
struct Load {
  explicit Load(std::string endpoint) : client(std::move(endpoint)) {}
  void run() {
    for (uint64_t seed = 1; !stop.load() && seed < 200000; ++seed) {
      bool late = after.load();
      auto req = full_traces(10, seed);
      grpc::Status st = client.send(req);
      std::lock_guard lock(mu);
      if (!st.ok()) {
        failures.push_back(std::to_string(st.error_code()) + " " + st.error_message());
        continue;
      }
      for (const auto& s : req.resource_spans(0).scope_spans(0).spans()) {
        acked.insert(span_key(s));
        if (late) acked_after.insert(span_key(s));
      }
    }
  }
  size_t acked_count() {
    std::lock_guard lock(mu);
    return acked.size();
  }
  size_t acked_after_count() {
    std::lock_guard lock(mu);
    return acked_after.size();
  }

  OtlpGrpcClient client;
  std::atomic<bool> stop{false}, after{false};
  std::mutex mu;
  std::set<std::string> acked, acked_after;
  std::vector<std::string> failures;
};

uint64_t reloads(const Daemon& d, const std::string& result) {
  auto r = http_request("127.0.0.1", d.port("metrics", "http"), "/metrics", {}, "", {.method = "GET"});
  std::string needle = "otlpd_config_reloads_total{result=\"" + result + "\"} ";
  auto at = r.body.find(needle);
  return at == std::string::npos ? 0 : std::stoull(r.body.substr(at + needle.size()));
}

}  // namespace

TEST_CASE("SIGHUP under load changes a processor and adds an exporter, refusing and losing nothing",
          "[integration][reload]") {
  FakeOtlpGrpcServer a, b;
  Daemon d(reload_config("before", {{"otlp/a", a.endpoint()}}));
  const int port = d.port("otlp", "grpc");
  Load load(d.endpoint("otlp", "grpc"));
  std::thread client([&] { load.run(); });

  REQUIRE(wait_until([&] { return load.acked_count() >= 500; }));
  d.dir().write("config.yaml", reload_config("after", {{"otlp/a", a.endpoint()}, {"otlp/b", b.endpoint()}}));
  d.signal(SIGHUP);
  REQUIRE(wait_until([&] { return d.log().find("reload: ") != std::string::npos; }));
  load.after.store(true);
  REQUIRE(wait_until([&] { return load.acked_after_count() >= 500; }));
  load.stop.store(true);
  client.join();

  INFO(d.log());
  CHECK(load.failures.empty());
  // otlp/a and its queue were kept; the pipeline (attributes, batch) was rebuilt and otlp/b added.
  CHECK(d.log().find("reload: 2 unchanged, receivers +0 -0 ~0, processors +0 -0 ~2, exporters +1 -0 ~0") !=
        std::string::npos);
  // Every acknowledged span reached otlp/a (the old batch processor flushed into it); those sent after the
  // reload carry the new value and reached otlp/b too.
  REQUIRE(wait_until([&] { return received(a).size() >= load.acked.size(); }, 20s));
  auto at_a = received(a);
  auto at_b = received(b);
  size_t missing_a = 0, missing_b = 0, old_phase_after = 0;
  for (const auto& k : load.acked) missing_a += !at_a.count(k);
  for (const auto& k : load.acked_after) {
    missing_b += !at_b.count(k);
    old_phase_after += at_a.count(k) && at_a[k] != "after";
  }
  CHECK(missing_a == 0);
  CHECK(missing_b == 0);
  CHECK(old_phase_after == 0);
  for (const auto& [k, phase] : at_b) CHECK(phase == "after");
  // The listener was not reopened: one "listening" line, the same port, and it served the late requests.
  CHECK(count_of(d.log(), " otlp (grpc) listening on ") == 1);
  CHECK(d.port("otlp", "grpc") == port);
  CHECK(reloads(d, "success") == 1);
  CHECK(reloads(d, "failure") == 0);
  CHECK(d.stop() == 0);
}

TEST_CASE("an invalid config on SIGHUP is refused and logged, the old one keeps serving, a later valid one applies",
          "[integration][reload]") {
  FakeOtlpGrpcServer a;
  Daemon d(reload_config("before", {{"otlp/a", a.endpoint()}}));
  const std::string endpoint = d.endpoint("otlp", "grpc");
  auto send_and_phase = [&](uint64_t seed) {
    auto req = full_traces(2, seed);
    REQUIRE(export_traces(endpoint, req).ok());
    const auto key = span_key(req.resource_spans(0).scope_spans(0).spans(0));
    REQUIRE(wait_until([&] { return received(a).count(key) > 0; }));
    return received(a).at(key);
  };
  CHECK(send_and_phase(1) == "before");

  // An unknown key.
  d.dir().write("config.yaml", reload_config("after", {{"otlp/a", a.endpoint()}}, "    bogus_key: 1\n"));
  d.signal(SIGHUP);
  REQUIRE(wait_until([&] { return count_of(d.log(), "reload refused") == 1; }));
  CHECK(d.log().find("bogus_key") != std::string::npos);
  CHECK(d.running());
  CHECK(send_and_phase(2) == "before");

  // A pipeline naming an exporter that is not defined.
  d.dir().write("config.yaml", reload_config("after", {{"otlp/a", a.endpoint()}}, "", "otlp/a, otlp/missing"));
  d.signal(SIGHUP);
  REQUIRE(wait_until([&] { return count_of(d.log(), "reload refused") == 2; }));
  CHECK(d.log().find("'otlp/missing' is not defined") != std::string::npos);
  CHECK(send_and_phase(3) == "before");
  CHECK(reloads(d, "failure") == 2);

  d.dir().write("config.yaml", reload_config("after", {{"otlp/a", a.endpoint()}}));
  d.signal(SIGHUP);
  REQUIRE(wait_until([&] { return d.log().find("reload: ") != std::string::npos; }));
  CHECK(send_and_phase(4) == "after");
  CHECK(reloads(d, "success") == 1);
  CHECK(d.endpoint("otlp", "grpc") == endpoint);
  CHECK(d.stop() == 0);
}
