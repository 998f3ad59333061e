// tail_sampling waits for room when its pending traces are over num_traces (Consumer::may_block): the
// receiver must run that wait off its event loops, so that clients of the receiver's other pipelines are
// still served.
#include <catch2/catch.hpp>

#include <future>
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

// More trace clients than a receiver has I/O threads (core/cpus.h caps them at 4).
constexpr int kWaitingClients = 6;

// Traces: tail_sampling bounded to one pending trace, then an exporter that sends within the call (so that a
// held backend holds the decision thread, and no room is made). Metrics: a separate pipeline of the same
// receiver.
std::string config(const std::string& backend) {
  return R"(receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
processors:
  tail_sampling:
    decision_wait: 1h
    num_traces: 1
    policies:
      - {name: all, type: always_sample}
exporters:
  otlp:
    endpoint: )" +
         backend + R"(
    tls: {insecure: true}
    timeout: 60s
    sending_queue: {enabled: false}
    retry_on_failure: {enabled: false}
  debug: {}
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [tail_sampling]
      exporters: [otlp]
    metrics:
      receivers: [otlp]
      exporters: [debug]
)";
}

}  // namespace

TEST_CASE("tail_sampling waiting for room does not stall the receiver's other pipelines",
          "[receiver][blocking][tail_sampling]") {
  FakeOtlpGrpcServer backend;
  backend.hold();
  Daemon d(config(backend.endpoint()));
  const std::string endpoint = d.endpoint("otlp", "grpc");

  // Given: two traces (one per request), over the bound of one; the oldest is decided early and sent to the
  // held backend, which holds the decision thread; one more trace puts the pending ones over the bound again.
  for (uint64_t seed : {1, 2}) REQUIRE(OtlpGrpcClient(endpoint).send(full_traces(2, seed)).ok());
  REQUIRE(wait_until([&] { return backend.attempts() >= 1; }, 30s));
  REQUIRE(OtlpGrpcClient(endpoint).send(full_traces(2, 3)).ok());

  // When: more clients than I/O threads send traces, each of which waits for room (up to 5 s) ...
  std::vector<std::future<grpc::Status>> waiting;
  for (int i = 0; i < kWaitingClients; ++i)
    waiting.push_back(std::async(std::launch::async, [&endpoint, i] {
      return OtlpGrpcClient(endpoint).send(full_traces(1, static_cast<uint64_t>(10 + i)));
    }));
  // (no signal tells when those calls are inside the processor; a short pause lets them get there)
  std::this_thread::sleep_for(300ms);

  // Then: ... a metrics client of the same receiver is answered while every trace call is still waiting.
  auto started = std::chrono::steady_clock::now();
  auto metrics = OtlpGrpcClient(endpoint).send(full_metrics(7));
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(metrics.ok());
  int traces_returned = 0;
  for (auto& f : waiting)
    if (f.wait_for(0s) == std::future_status::ready) ++traces_returned;
  CHECK(traces_returned == 0);
  CHECK(took < 3s);

  // The waiting trace calls end refused with RESOURCE_EXHAUSTED (retryable): the bound is still exceeded.
  for (auto& f : waiting) {
    REQUIRE(f.wait_for(60s) == std::future_status::ready);
    CHECK(f.get().error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  backend.release();
}
