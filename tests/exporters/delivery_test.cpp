// Delivery through the real daemon: otlp and otlphttp exporters to fake backends, chained daemons, outages,
// permanent errors, and a full sending queue pushing back on clients.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <boost/asio.hpp>

#include "google/rpc/status.pb.h"
#include "support/daemon.h"
#include "support/fake_otlp_grpc.h"
#include "support/fake_otlp_http.h"
#include "support/http_client.h"
#include "support/otlp_client.h"
#include "support/otlp_compare.h"
#include "support/test_certs.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

// A daemon with an OTLP/gRPC receiver and `exporters_yaml` (indented under `exporters:`), used by all three
// signal pipelines (`exporter_ids`).
std::string daemon_config(const std::string& exporters_yaml, const std::string& exporter_ids,
                          bool traces_only = false) {
  std::string cfg = R"(receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
exporters:
)" + exporters_yaml +
                    R"(
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [)" +
                    exporter_ids + "]\n";
  if (!traces_only) {
    cfg += "    metrics:\n      receivers: [otlp]\n      exporters: [" + exporter_ids + "]\n";
    cfg += "    logs:\n      receivers: [otlp]\n      exporters: [" + exporter_ids + "]\n";
  }
  return cfg;
}

constexpr const char* kFastRetry = R"(
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 500ms
      max_elapsed_time: 0)";

std::string otlp_exporter(const std::string& id, const std::string& endpoint, const std::string& extra = {}) {
  return "  " + id + ":\n    endpoint: " + endpoint + "\n    tls:\n      insecure: true" + kFastRetry + extra + "\n";
}

std::string otlphttp_exporter(const std::string& id, const std::string& url, const std::string& extra = {}) {
  return "  " + id + ":\n    endpoint: " + url + kFastRetry + extra + "\n";
}

// A daemon that receives OTLP over `protocol` ("grpc" or "http") with TLS and forwards traces to `backend`.
// With `client_ca`, clients must present a certificate it signed (mutual TLS).
std::string tls_receiver_config(const std::string& protocol, const CertFiles& certs, const std::string& backend,
                                const std::string& client_ca = {}) {
  return "receivers:\n  otlp:\n    protocols:\n      " + protocol +
         ":\n        endpoint: 127.0.0.1:0\n        tls:\n          cert_file: " + certs.cert +
         "\n          key_file: " + certs.key +
         (client_ca.empty() ? std::string() : "\n          client_ca_file: " + client_ca) + "\nexporters:\n" +
         otlp_exporter("otlp", backend) +
         "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [otlp]\n";
}

struct Sent {
  std::vector<otlp_trace::ExportTraceServiceRequest> traces;
  std::vector<otlp_metrics::ExportMetricsServiceRequest> metrics;
  std::vector<otlp_logs::ExportLogsServiceRequest> logs;
};

// Sends `trace_requests` x `spans` spans, 10 metrics and 10 logs requests; every one must be accepted.
Sent send_all(const std::string& endpoint, int trace_requests, int spans) {
  OtlpGrpcClient client(endpoint);
  Sent s;
  for (int i = 0; i < trace_requests; ++i) {
    s.traces.push_back(full_traces(spans, static_cast<uint64_t>(i)));
    auto st = client.send(s.traces.back());
    REQUIRE(st.error_message() == "");
    REQUIRE(st.ok());
  }
  for (int i = 0; i < 10; ++i) {
    s.metrics.push_back(full_metrics(static_cast<uint64_t>(1000 + i)));
    REQUIRE(client.send(s.metrics.back()).ok());
    s.logs.push_back(full_logs(20, static_cast<uint64_t>(2000 + i)));
    REQUIRE(client.send(s.logs.back()).ok());
  }
  return s;
}

template <typename Backend>
void expect_received(const Backend& backend, const Sent& sent, size_t total_spans) {
  REQUIRE(wait_until([&] { return backend.spans() >= total_spans; }, 120s));
  REQUIRE(wait_until([&] { return backend.metrics().size() >= sent.metrics.size(); }, 20s));
  REQUIRE(wait_until([&] { return backend.logs().size() >= sent.logs.size(); }, 20s));
  CHECK(backend.spans() == total_spans);
  CHECK(compare_requests(sent.traces, backend.traces()) == "");
  CHECK(compare_requests(sent.metrics, backend.metrics()) == "");
  CHECK(compare_requests(sent.logs, backend.logs()) == "");
}

}  // namespace

TEST_CASE("two chained daemons deliver 100,000 spans, metrics and logs over OTLP/gRPC intact",
          "[exporters][integration]") {
  FakeOtlpGrpcServer backend;
  // A→B uses the default gzip compression, B→backend none: both paths are covered. Delivery is at-least-once: an
  // attempt that times out after the next hop took the request is sent again. Exactly-once holds only while no
  // attempt times out, so each attempt gets a minute (the default 5 s is reached on a heavily loaded machine).
  Daemon b(
      daemon_config(otlp_exporter("otlp", backend.endpoint(), "\n    compression: none\n    timeout: 60s"), "otlp"));
  Daemon a(daemon_config(otlp_exporter("otlp", b.endpoint("otlp", "grpc"), "\n    timeout: 60s"), "otlp"));

  auto sent = send_all(a.endpoint("otlp", "grpc"), 100, 1000);
  expect_received(backend, sent, 100000);
}

TEST_CASE("otlphttp delivers every field with proto and with json encoding", "[exporters][integration]") {
  for (std::string encoding : {"proto", "json"}) {
    for (std::string compression : {"gzip", "zstd", "zlib", "none"}) {
      DYNAMIC_SECTION(encoding << " + " << compression) {
        FakeOtlpHttpServer backend;
        Daemon a(daemon_config(otlphttp_exporter("otlphttp", backend.url(),
                                                 "\n    encoding: " + encoding + "\n    compression: " + compression),
                               "otlphttp"));
        auto sent = send_all(a.endpoint("otlp", "grpc"), 10, 200);
        expect_received(backend, sent, 2000);
        auto reqs = backend.requests();
        REQUIRE(!reqs.empty());
        for (const auto& r : reqs) {
          CHECK(r.headers.at("content-type") == (encoding == "json" ? "application/json" : "application/x-protobuf"));
          if (compression == "none")
            CHECK(r.headers.count("content-encoding") == 0);
          else  // zlib is the format HTTP calls deflate
            CHECK(r.headers.at("content-encoding") == (compression == "zlib" ? "deflate" : compression));
        }
        if (encoding == "json") {
          // OTLP/JSON, not protobuf's generic JSON: ids are hex strings.
          const auto& id = sent.traces[0].resource_spans(0).scope_spans(0).spans(0).trace_id();
          std::string hex;
          for (unsigned char c : id) hex += fmt::format("{:02x}", c);
          bool found = false;
          for (const auto& r : reqs) found = found || r.body.find("\"traceId\":\"" + hex + "\"") != std::string::npos;
          CHECK(found);
        }
      }
    }
  }
}

TEST_CASE("libcurl is loaded only by a daemon with an otlphttp exporter", "[exporters][integration]") {
  auto maps_mention_libcurl = [](pid_t pid) {
    return test::read_file("/proc/" + std::to_string(pid) + "/maps").find("libcurl") != std::string::npos;
  };
  FakeOtlpGrpcServer grpc_backend;
  Daemon without(daemon_config(otlp_exporter("otlp", grpc_backend.endpoint()), "otlp"));
  CHECK_FALSE(maps_mention_libcurl(without.pid()));

  FakeOtlpHttpServer http_backend;
  Daemon with(daemon_config(otlphttp_exporter("otlphttp", http_backend.url()), "otlphttp"));
  CHECK(maps_mention_libcurl(with.pid()));
  auto sent = send_all(with.endpoint("otlp", "grpc"), 2, 10);
  expect_received(http_backend, sent, 20);
}

TEST_CASE("a backend that is down for 20 seconds gets every span once it recovers, without duplicates",
          "[exporters][integration]") {
  FakeOtlpGrpcServer grpc_backend;
  FakeOtlpHttpServer http_backend;
  grpc_backend.fail_for(20s, grpc::StatusCode::UNAVAILABLE);
  http_backend.fail_for(20s, 503, "1");
  Daemon d(
      daemon_config(otlp_exporter("otlp", grpc_backend.endpoint()) + otlphttp_exporter("otlphttp", http_backend.url()),
                    "otlp, otlphttp", true));

  OtlpGrpcClient client(d.endpoint("otlp", "grpc"));
  std::vector<otlp_trace::ExportTraceServiceRequest> sent;
  for (int i = 0; i < 10; ++i) {
    sent.push_back(full_traces(100, static_cast<uint64_t>(i)));
    REQUIRE(client.send(sent.back()).ok());
  }
  REQUIRE(wait_until([&] { return grpc_backend.spans() >= 1000 && http_backend.spans() >= 1000; }, 90s));
  CHECK(grpc_backend.attempts() > 10);  // it was retried
  CHECK(http_backend.attempts() > 10);
  CHECK(compare_requests(sent, grpc_backend.traces()) == "");
  CHECK(compare_requests(sent, http_backend.traces()) == "");
}

TEST_CASE("permanent errors are not retried, RESOURCE_EXHAUSTED is retried only with RetryInfo",
          "[exporters][integration]") {
  FakeOtlpGrpcServer grpc_backend;
  FakeOtlpHttpServer http_backend;
  Daemon d(
      daemon_config(otlp_exporter("otlp", grpc_backend.endpoint()) + otlphttp_exporter("otlphttp", http_backend.url()),
                    "otlp, otlphttp", true));
  OtlpGrpcClient client(d.endpoint("otlp", "grpc"));

  // Given backends that refuse the next request for good,
  grpc_backend.fail_requests(1, grpc::StatusCode::INVALID_ARGUMENT);
  http_backend.fail_requests(1, 400);
  // when one request is sent, then each backend sees exactly one attempt and the loss is logged with its
  // count.
  REQUIRE(client.send(full_traces(7, 1)).ok());
  REQUIRE(wait_until(
      [&] {
        auto log = d.log();
        return log.find("exporter otlp: exporting failed, dropped 7 spans: not retryable") != std::string::npos &&
               log.find("exporter otlphttp: exporting failed, dropped 7 spans: not retryable") != std::string::npos;
      },
      20s));
  // A request sent after it arrives by itself (the one worker that would retry is FIFO behind nothing).
  REQUIRE(client.send(full_traces(3, 2)).ok());
  REQUIRE(wait_until([&] { return grpc_backend.spans() == 3 && http_backend.spans() == 3; }, 20s));
  CHECK(grpc_backend.attempts() == 2);
  CHECK(http_backend.attempts() == 2);

  // RESOURCE_EXHAUSTED without RetryInfo is permanent.
  grpc_backend.fail_requests(1, grpc::StatusCode::RESOURCE_EXHAUSTED);
  REQUIRE(client.send(full_traces(5, 3)).ok());
  REQUIRE(wait_until([&] { return d.log().find("dropped 5 spans: not retryable") != std::string::npos; }, 20s));
  CHECK(grpc_backend.attempts() == 3);

  // With RetryInfo it is retried after the delay it names.
  google::rpc::Status details;
  details.set_code(static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_nanos(300 * 1000 * 1000);
  details.add_details()->PackFrom(info);
  grpc_backend.fail_requests(1, grpc::StatusCode::RESOURCE_EXHAUSTED, details.SerializeAsString());
  REQUIRE(client.send(full_traces(4, 4)).ok());
  REQUIRE(wait_until([&] { return grpc_backend.spans() == 7; }, 20s));
  CHECK(grpc_backend.attempts() == 5);
  CHECK(d.log().find("will retry after 3") != std::string::npos);  // 300ms or more
}

TEST_CASE("a full sending queue refuses clients with UNAVAILABLE and delivers exactly what it acknowledged",
          "[exporters][integration]") {
  FakeOtlpGrpcServer backend;
  backend.fail_for(1h, grpc::StatusCode::UNAVAILABLE);
  Daemon d(daemon_config(
      otlp_exporter("otlp", backend.endpoint(), "\n    sending_queue:\n      queue_size: 5\n      num_consumers: 1"),
      "otlp", true));
  OtlpGrpcClient client(d.endpoint("otlp", "grpc"));

  std::vector<otlp_trace::ExportTraceServiceRequest> acknowledged;
  int refused = 0;
  for (int i = 0; i < 20; ++i) {
    auto req = full_traces(10, static_cast<uint64_t>(i));
    auto st = client.send(req);
    if (st.ok()) {
      acknowledged.push_back(std::move(req));
    } else {
      CHECK(st.error_code() == grpc::StatusCode::UNAVAILABLE);
      ++refused;
    }
  }
  // One request in flight plus five queued were taken; the rest were refused.
  CHECK(acknowledged.size() == 6);
  CHECK(refused == 14);

  backend.recover();
  REQUIRE(wait_until([&] { return backend.spans() >= acknowledged.size() * 10; }, 30s));
  // A last request is delivered after everything queued before it (one consumer, FIFO).
  acknowledged.push_back(full_traces(1, 99));
  REQUIRE(client.send(acknowledged.back()).ok());
  REQUIRE(wait_until([&] { return backend.spans() >= (acknowledged.size() - 1) * 10 + 1; }, 30s));
  CHECK(compare_requests(acknowledged, backend.traces()) == "");
}

TEST_CASE("the daemon stops within its shutdown timeout while a backend hangs mid-request",
          "[exporters][integration]") {
  // A listener that never accepts: connections complete in the kernel, requests are never answered.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor hang(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  std::string host_port = "127.0.0.1:" + std::to_string(hang.local_endpoint().port());
  Daemon d(daemon_config(otlp_exporter("otlp", host_port, "\n    timeout: 60s") +
                             otlphttp_exporter("otlphttp", "http://" + host_port, "\n    timeout: 60s"),
                         "otlp, otlphttp", true),
           {}, {"--shutdown-timeout", "1s"});
  OtlpGrpcClient client(d.endpoint("otlp", "grpc"));
  REQUIRE(client.send(full_traces(3, 1)).ok());
  REQUIRE(client.send(full_traces(2, 2)).ok());
  auto t0 = std::chrono::steady_clock::now();
  CHECK(d.stop() == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  // What could not be delivered is reported with its count.
  CHECK(d.log().find("exporter otlp: exporting failed, dropped 3 spans") != std::string::npos);
  CHECK(d.log().find("exporter otlphttp: exporting failed, dropped 3 spans") != std::string::npos);
}

TEST_CASE("the otlp exporter delivers over TLS with a CA file, and with insecure_skip_verify",
          "[exporters][integration]") {
  TempDir dir;
  auto certs = make_self_signed_cert(dir);
  FakeOtlpGrpcServer backend;
  // B receives over TLS.
  Daemon b(tls_receiver_config("grpc", certs, backend.endpoint()));
  std::string tls_endpoint = "https://" + b.endpoint("otlp", "grpc");
  Daemon a(daemon_config("  otlp/ca:\n    endpoint: " + tls_endpoint + "\n    tls:\n      ca_file: " + certs.cert +
                             "\n  otlp/skip:\n    endpoint: " + b.endpoint("otlp", "grpc") +
                             "\n    tls:\n      insecure_skip_verify: true\n",
                         "otlp/ca, otlp/skip", true));
  auto req = full_traces(5, 7);
  REQUIRE(OtlpGrpcClient(a.endpoint("otlp", "grpc")).send(req).ok());
  REQUIRE(wait_until([&] { return backend.spans() >= 10; }, 30s));
  CHECK(compare_requests({req, req}, backend.traces()) == "");
}

TEST_CASE("otlphttp delivers over HTTPS to an otlp HTTP receiver with TLS, plain HTTP to that port is refused",
          "[exporters][integration][http]") {
  TempDir dir;
  auto certs = make_self_signed_cert(dir);
  FakeOtlpGrpcServer backend;
  // B receives OTLP/HTTP over TLS and forwards to the backend.
  Daemon b(tls_receiver_config("http", certs, backend.endpoint()));
  const int port = b.port("otlp", "http");
  // A sends with otlphttp, trusting B's certificate through ca_file.
  Daemon a(daemon_config(otlphttp_exporter("otlphttp", "https://127.0.0.1:" + std::to_string(port),
                                           "\n    tls:\n      ca_file: " + certs.cert),
                         "otlphttp", true));
  auto req = full_traces(6, 11);
  REQUIRE(OtlpGrpcClient(a.endpoint("otlp", "grpc")).send(req).ok());
  REQUIRE(wait_until([&] { return backend.spans() >= 6; }, 30s));
  CHECK(compare_requests({req}, backend.traces()) == "");

  // A plaintext request to the TLS port gets no OTLP answer, and B keeps serving.
  bool plaintext_answered = false;
  try {
    plaintext_answered =
        post("127.0.0.1", port, "/v1/traces", {{"Content-Type", "application/x-protobuf"}}, req.SerializeAsString())
            .status == 200;
  } catch (const std::exception&) {
  }
  CHECK_FALSE(plaintext_answered);
  REQUIRE(OtlpGrpcClient(a.endpoint("otlp", "grpc")).send(req).ok());
  CHECK(wait_until([&] { return backend.spans() >= 12; }, 30s));
}

TEST_CASE("mutual TLS: a receiver with client_ca_file takes data only from clients with a certificate it trusts",
          "[exporters][integration][http]") {
  TempDir server_dir, client_dir, stranger_dir;
  auto server = make_self_signed_cert(server_dir);
  auto client = make_self_signed_cert(client_dir);
  auto stranger = make_self_signed_cert(stranger_dir);
  for (std::string protocol : {"grpc", "http"}) {
    DYNAMIC_SECTION(protocol) {
      FakeOtlpGrpcServer backend;
      Daemon b(tls_receiver_config(protocol, server, backend.endpoint(), client.cert));
      const std::string target = "127.0.0.1:" + std::to_string(b.port("otlp", protocol));
      // An exporter towards B, presenting `identity` (or no certificate).
      auto exporter = [&](const std::string& id, const CertFiles* identity) {
        std::string tls = "\n    tls:\n      ca_file: " + server.cert;
        if (identity) tls += "\n      cert_file: " + identity->cert + "\n      key_file: " + identity->key;
        if (protocol == "grpc") return "  otlp/" + id + ":\n    endpoint: https://" + target + tls + kFastRetry + "\n";
        return otlphttp_exporter("otlphttp/" + id, "https://" + target, tls);
      };
      const std::string type = protocol == "grpc" ? "otlp/" : "otlphttp/";

      Daemon trusted(daemon_config(exporter("trusted", &client), type + "trusted", true));
      auto req = full_traces(4, 21);
      REQUIRE(OtlpGrpcClient(trusted.endpoint("otlp", "grpc")).send(req).ok());
      REQUIRE(wait_until([&] { return backend.spans() >= 4; }, 30s));
      CHECK(compare_requests({req}, backend.traces()) == "");

      // Without a certificate, or with one B does not trust, the handshake fails: retried, never delivered.
      Daemon anonymous(daemon_config(exporter("anonymous", nullptr), type + "anonymous", true));
      Daemon unknown(daemon_config(exporter("unknown", &stranger), type + "unknown", true));
      for (Daemon* d : {&anonymous, &unknown}) {
        REQUIRE(OtlpGrpcClient(d->endpoint("otlp", "grpc")).send(full_traces(3, 22)).ok());
        CHECK(wait_until([&] { return d->log().find("failed, will retry") != std::string::npos; }, 30s));
      }
      // A trusted request sent after them still arrives, and nothing else did.
      REQUIRE(OtlpGrpcClient(trusted.endpoint("otlp", "grpc")).send(full_traces(2, 23)).ok());
      REQUIRE(wait_until([&] { return backend.spans() >= 6; }, 30s));
      CHECK(backend.spans() == 6);
    }
  }
}
