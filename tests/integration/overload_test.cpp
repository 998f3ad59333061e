// Overload against the real daemon: the memory budget refuses at the door, memory_limiter reopens after a
// burst.
#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "platform/allocator.h"
#include "support/daemon.h"
#include "support/fake_otlp_grpc.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

// A field of /proc/<pid>/status in bytes (VmRSS, VmHWM), 0 when absent.
uint64_t proc_status_bytes(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':')
      return std::stoull(line.substr(field.size() + 1)) * 1024;
  return 0;
}

std::string pipeline_config(const std::string& sink, const std::string& processors, const std::string& extra) {
  return R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:0"}
processors:
)" + processors +
         R"(
exporters:
  otlp:
    endpoint: )" +
         sink + R"(
    tls: {insecure: true}
    compression: none
    retry_on_failure: {initial_interval: 200ms, max_interval: 500ms, max_elapsed_time: 0}
service:
  pipelines:
    traces:
      receivers: [otlp]
)" + (processors.empty() ? "" : "      processors: [memory_limiter]\n") +
         R"(      exporters: [otlp]
)" + extra;
}

// Clients sending `request` as fast as they can until `done` says so; counts what was acknowledged and
// refused.
struct Load {
  std::atomic<uint64_t> acked_spans{0}, acked_requests{0}, refused{0}, other_errors{0};
  std::atomic<int> last_refusal_code{0};
  std::atomic<bool> stop{false};

  template <typename Done>
  void run(const std::string& endpoint, const otlp_trace::ExportTraceServiceRequest& request, size_t spans, int clients,
           Done done, std::chrono::seconds bound) {
    std::vector<std::thread> threads;
    const auto until = std::chrono::steady_clock::now() + bound;
    for (int i = 0; i < clients; ++i)
      threads.emplace_back([&] {
        OtlpGrpcClient client(endpoint);
        while (!stop && std::chrono::steady_clock::now() < until) {
          auto st = client.send(request);
          if (st.ok()) {
            acked_spans += spans;
            ++acked_requests;
          } else if (st.error_code() == grpc::StatusCode::UNAVAILABLE ||
                     st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
            last_refusal_code = st.error_code();
            ++refused;
          } else {
            ++other_errors;
          }
          if (done()) stop = true;
        }
      });
    for (auto& t : threads) t.join();
  }
};

// About `mib` MiB of spans in one request.
otlp_trace::ExportTraceServiceRequest request_of_mib(int mib, size_t& spans) {
  auto one = full_traces(100, 7);
  const size_t per_span = one.ByteSizeLong() / 100;
  spans = static_cast<size_t>(mib) * (1 << 20) / per_span;
  return full_traces(static_cast<int>(spans), 7);
}

}  // namespace

TEST_CASE(
    "full-speed overload: the memory budget refuses at the door, RSS stays bounded, acknowledged spans "
    "arrive",
    "[integration][overload]") {
  // Given a backend that is down and a budget of 64 MiB (the default is a quarter of the memory limit, up to
  // 512 MiB: the same mechanism, smaller so that the test is quick and light)
  constexpr uint64_t kBudget = uint64_t{64} << 20;
  FakeOtlpGrpcServer sink;
  sink.fail_for(10min, grpc::StatusCode::UNAVAILABLE);
  Daemon d(pipeline_config(sink.endpoint(), "", "memory: {budget: 64MiB}\n"));
  const uint64_t idle_rss = proc_status_bytes(d.pid(), "VmRSS");

  // When four clients send 1 MiB requests at full speed until the daemon has refused many of them
  size_t spans = 0;
  const auto request = request_of_mib(1, spans);
  Load load;
  load.run(
      d.endpoint("otlp", "grpc"), request, spans, 4, [&] { return load.refused >= 200; }, 90s);

  // Then it refused them retryably (UNAVAILABLE), having accepted about its budget, and its memory stayed
  // bounded
  const uint64_t peak = proc_status_bytes(d.pid(), "VmHWM");
  INFO("idle RSS " << (idle_rss >> 20) << " MiB, peak RSS " << (peak >> 20) << " MiB, acknowledged "
                   << load.acked_requests << " requests, refused " << load.refused);
  CHECK(load.refused >= 200);
  CHECK(load.other_errors == 0);
  CHECK(load.last_refusal_code == grpc::StatusCode::UNAVAILABLE);
  CHECK(load.acked_requests * request.ByteSizeLong() >= kBudget / 2);
  CHECK(load.acked_requests * request.ByteSizeLong() <= kBudget + 8 * request.ByteSizeLong());
#ifndef OTLPD_SANITIZE
  // (Not under AddressSanitizer: its quarantine keeps up to 256 MiB of freed memory resident, and shadow memory
  // adds an eighth; the accepted-bytes checks above hold there too.)
  // Beyond the budget: half of it again for allocator slack, the four calls in flight, which gRPC holds as
  // received and as copied out before the budget sees them (CI once peaked 130 KiB over the bound without them),
  // and what the allocator keeps free for reuse at the top of the arenas of the four connections' threads
  // (platform/allocator.h: peaks of 106-113 MiB with it, 91-93 MiB with glibc's defaults).
  CHECK(peak <= idle_rss + kBudget + kBudget / 2 + 4 * 2 * request.ByteSizeLong() + 4 * kTrimThreshold);
#endif
  CHECK(d.running());

  // And once the backend is back, every acknowledged span is delivered and the daemon accepts again
  sink.recover();
  CHECK(wait_until([&] { return sink.spans() >= load.acked_spans; }, 120s));
  CHECK(sink.spans() >= load.acked_spans);
  CHECK(wait_until([&] { return OtlpGrpcClient(d.endpoint("otlp", "grpc")).send(full_traces(10, 1)).ok(); }, 30s));
  CHECK(d.stop() == 0);
}

TEST_CASE("burst then idle: memory_limiter refuses during the burst and reopens within one check_interval",
          "[integration][overload][memory_limiter]") {
  // Given a memory_limiter at 48 MiB (soft limit 32 MiB) checking every second, and a backend that is down
  FakeOtlpGrpcServer sink;
  sink.fail_for(10min, grpc::StatusCode::UNAVAILABLE);
  Daemon d(pipeline_config(sink.endpoint(),
                           "  memory_limiter: {check_interval: 1s, limit_mib: 48, spike_limit_mib: 16}\n", ""));

  // When a burst fills the exporter's queue until memory_limiter refuses
  size_t spans = 0;
  const auto request = request_of_mib(1, spans);
  Load load;
  load.run(
      d.endpoint("otlp", "grpc"), request, spans, 2, [&] { return load.refused >= 20; }, 90s);
  REQUIRE(load.refused >= 20);
  CHECK(load.last_refusal_code == grpc::StatusCode::RESOURCE_EXHAUSTED);  // with RetryInfo
  CHECK(load.other_errors == 0);

  // And the backend comes back and takes everything that was acknowledged
  sink.recover();
  REQUIRE(wait_until([&] { return sink.spans() >= load.acked_spans; }, 120s));

  // Then, idle, the limiter reopens within one check interval (plus slack for a loaded machine) and stays
  // open
  OtlpGrpcClient client(d.endpoint("otlp", "grpc"));
  const auto delivered_at = std::chrono::steady_clock::now();
  REQUIRE(wait_until([&] { return client.send(full_traces(10, 2)).ok(); }, 30s));
  const auto reopened_after = std::chrono::steady_clock::now() - delivered_at;
  INFO("reopened after " << std::chrono::duration_cast<std::chrono::milliseconds>(reopened_after).count() << " ms");
  CHECK(reopened_after <= 3s);
  for (int i = 0; i < 20; ++i) CHECK(client.send(full_traces(10, 3 + static_cast<uint64_t>(i))).ok());
  CHECK(d.stop() == 0);
}
