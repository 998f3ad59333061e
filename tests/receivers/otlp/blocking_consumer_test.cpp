// A pipeline whose exporter has no sending queue sends within the receiver's call (Consumer::may_block). The
// receivers then answer from a pool, so clients beyond the number of I/O threads still get in while a backend
// holds the earlier calls.
#include <catch2/catch.hpp>

#include <future>
#include <string>
#include <vector>

#include "support/daemon.h"
#include "support/fake_otlp_grpc.h"
#include "support/http_client.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

// More clients than a receiver has I/O threads (core/cpus.h caps them at 4).
constexpr int kClients = 6;

std::string config(const std::string& backend) {
  return R"(receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
      http:
        endpoint: 127.0.0.1:0
processors:
  attributes:
    actions:
      - {key: stage, value: seen, action: insert}
exporters:
  otlp:
    endpoint: )" +
         backend + R"(
    tls: {insecure: true}
    timeout: 30s
    sending_queue: {enabled: false}
    retry_on_failure: {enabled: false}
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [attributes]
      exporters: [otlp]
)";
}

}  // namespace

TEST_CASE("with no sending queue, clients beyond the I/O threads get through while the backend holds calls",
          "[receiver][blocking]") {
  FakeOtlpGrpcServer backend;
  Daemon d(config(backend.endpoint()));

  SECTION("OTLP/gRPC") {
    backend.hold();
    std::string endpoint = d.endpoint("otlp", "grpc");
    std::vector<std::future<grpc::Status>> calls;
    for (int i = 0; i < kClients; ++i)
      calls.push_back(std::async(std::launch::async, [&, i] { return export_traces(endpoint, full_traces(1, i)); }));
    // Every call reaches the backend although none has been answered.
    CHECK(wait_until([&] { return backend.attempts() == kClients; }, 15s));
    backend.release();
    for (auto& c : calls) CHECK(c.get().ok());
    CHECK(backend.spans() == kClients);
  }

  SECTION("OTLP/HTTP") {
    backend.hold();
    int port = d.port("otlp", "http");
    std::vector<std::future<int>> calls;
    for (int i = 0; i < kClients; ++i)
      calls.push_back(std::async(std::launch::async, [&, i] {
        std::string body = full_traces(1, i).SerializeAsString();
        return post("127.0.0.1", port, "/v1/traces", {{"Content-Type", "application/x-protobuf"}}, body).status;
      }));
    CHECK(wait_until([&] { return backend.attempts() == kClients; }, 15s));
    backend.release();
    for (auto& c : calls) CHECK(c.get() == 200);
    CHECK(backend.spans() == kClients);
  }

  // The held calls were answered, and the daemon stops cleanly.
  CHECK(d.stop() == 0);
}
