// Retry back-off against the real daemon: shutdown with batches waiting in back-off, recovery after an
// outage, for the otlp (gRPC) and otlphttp exporters side by side.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <thread>

#include "support/daemon.h"
#include "support/fake_otlp_grpc.h"
#include "support/fake_otlp_http.h"
#include "support/otlp_client.h"
#include "support/otlp_compare.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// Traces from an OTLP/gRPC receiver to an otlp exporter towards `grpc_backend` and an otlphttp exporter
// towards `http_url`, both with `retry` (YAML under each exporter, empty: the defaults).
std::string two_exporters(const std::string& grpc_backend, const std::string& http_url, const std::string& retry) {
  return "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\nexporters:\n"
         "  otlp:\n    endpoint: " +
         grpc_backend + "\n    tls:\n      insecure: true\n" + retry + "  otlphttp:\n    endpoint: " + http_url + "\n" +
         retry + "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [otlp, otlphttp]\n";
}

// Sends `n` requests of 10 spans; every one must be accepted.
std::vector<otlp_trace::ExportTraceServiceRequest> send_traces(const Daemon& d, int n) {
  OtlpGrpcClient client(d.endpoint("otlp", "grpc"));
  std::vector<otlp_trace::ExportTraceServiceRequest> sent;
  for (int i = 0; i < n; ++i) {
    sent.push_back(full_traces(10, static_cast<uint64_t>(i)));
    REQUIRE(client.send(sent.back()).ok());
  }
  return sent;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

TEST_CASE(
    "SIGTERM with batches in back-off and a healthy backend delivers them all and exits well before the "
    "deadline",
    "[exporters][integration][recovery]") {
  FakeOtlpGrpcServer grpc_backend;
  FakeOtlpHttpServer http_backend;
  grpc_backend.fail_for(1h, grpc::StatusCode::UNAVAILABLE);
  http_backend.fail_for(1h, 503);
  // Every back-off is longer than the 10 s shutdown deadline.
  Daemon d(two_exporters(grpc_backend.endpoint(), http_backend.url(),
                         "    retry_on_failure:\n      initial_interval: 20s\n      max_interval: 30s\n"),
           {}, {"--shutdown-timeout", "10s"});
  // 15 requests: 10 wait in their workers' back-off, 5 in the queue behind them.
  auto sent = send_traces(d, 15);
  REQUIRE(wait_until([&] { return grpc_backend.attempts() >= 10 && http_backend.attempts() >= 10; }, 20s));

  grpc_backend.recover();
  http_backend.fail_for(0ms, 503);
  auto t0 = Clock::now();
  CHECK(d.stop() == 0);
  auto took = Clock::now() - t0;
  fmt::print(stderr, "shutdown took {:.2f} s; delivered otlp {} / otlphttp {} of 150 spans\n", seconds(took),
             grpc_backend.spans(), http_backend.spans());
  CHECK(took < 4s);
  CHECK(grpc_backend.spans() == 150);
  CHECK(http_backend.spans() == 150);
  CHECK(compare_requests(sent, grpc_backend.traces()) == "");
  CHECK(compare_requests(sent, http_backend.traces()) == "");
  CHECK(d.log().find("dropped") == std::string::npos);
}

TEST_CASE("after an outage the exporters deliver within 2 s of the backend's return and then catch up at once",
          "[exporters][integration][recovery]") {
  FakeOtlpGrpcServer grpc_backend;
  FakeOtlpHttpServer http_backend;
  // The default retry_on_failure: back-offs from 5 s growing to 30 s.
  Daemon d(two_exporters(grpc_backend.endpoint(), http_backend.url(), ""));
  // A first request connects both exporters.
  auto sent = send_traces(d, 1);
  REQUIRE(wait_until([&] { return grpc_backend.spans() == 10 && http_backend.spans() == 10; }, 20s));

  grpc_backend.stop();
  http_backend.stop();
  auto more = send_traces(d, 30);
  sent.insert(sent.end(), more.begin(), more.end());
  // The outage: long enough for both the retry back-offs and gRPC's reconnect back-off to grow.
  std::this_thread::sleep_for(10s);
  grpc_backend.restart();
  http_backend.restart();
  auto back = Clock::now();

  std::optional<Clock::duration> grpc_first, http_first, grpc_all, http_all;
  wait_until(
      [&] {
        auto now = Clock::now() - back;
        if (!grpc_first && grpc_backend.spans() > 10) grpc_first = now;
        if (!http_first && http_backend.spans() > 10) http_first = now;
        if (!grpc_all && grpc_backend.spans() >= 310) grpc_all = now;
        if (!http_all && http_backend.spans() >= 310) http_all = now;
        return grpc_all && http_all;
      },
      60s);
  auto show = [](const std::optional<Clock::duration>& d) {
    return d ? fmt::format("{:.2f} s", seconds(*d)) : "never";
  };
  fmt::print(stderr, "after the backend's return: otlp first {} all {}; otlphttp first {} all {}\n", show(grpc_first),
             show(grpc_all), show(http_first), show(http_all));
  REQUIRE(grpc_first);
  REQUIRE(http_first);
  CHECK(*grpc_first < 2s);
  CHECK(*http_first < 2s);
  // Once the backend answers, the queue drains at full speed: no request waits out its own back-off.
  REQUIRE(grpc_all);
  REQUIRE(http_all);
  CHECK(*grpc_all < 4s);
  CHECK(*http_all < 4s);
  CHECK(compare_requests(sent, grpc_backend.traces()) == "");
  CHECK(compare_requests(sent, http_backend.traces()) == "");
}
