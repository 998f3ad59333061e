// The OTLP/HTTP server in-process with capturing consumers: status mapping, metadata, connection limits.
#include <catch2/catch.hpp>

#include <mutex>
#include <thread>

#include "google/rpc/status.pb.h"
#include "platform/telemetry.h"
#include "receivers/otlp/http_server.h"
#include "receivers/otlp/raw_tcp.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/otlp_client.h"

namespace otlpd::test {
namespace {

using otlp_receiver::HttpServer;
using otlp_receiver::HttpServerConfig;

// Keeps what it is given and answers with `answer`.
struct CapturingTraces : TraceConsumer {
  std::mutex mu;
  std::vector<TraceBatch> got;
  Status answer = Status::ok();
  Status consume(TraceBatch b) override {
    std::lock_guard lock(mu);
    got.push_back(std::move(b));
    return answer;
  }
  size_t count() {
    std::lock_guard lock(mu);
    return got.size();
  }
};

HttpServerConfig local_config() {
  HttpServerConfig c;
  c.endpoint = NetEndpoint::tcp("127.0.0.1", 0);
  return c;
}

const HttpHeaders kProto{{"Content-Type", "application/x-protobuf"}};
const HttpHeaders kJson{{"Content-Type", "application/json"}};

}  // namespace

TEST_CASE("http server: consumer status maps onto HTTP codes with Retry-After", "[http]") {
  CapturingTraces traces;
  HttpServer server("otlp/status", local_config(), Consumers{&traces, nullptr, nullptr});
  server.start();
  std::string body = full_traces(2, 1).SerializeAsString();

  SECTION("ok: 200 with an empty protobuf response, and the batch arrives intact") {
    auto r = post("127.0.0.1", server.port(), "/v1/traces", kProto, body);
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == "application/x-protobuf");
    CHECK(r.body.empty());
    REQUIRE(traces.count() == 1);
    CHECK(traces.got[0].serialize() == body);
    CHECK(traces.got[0].raw_parts().at(0).request == nullptr);  // checked on the wire, not decoded
    CHECK(traces.got[0].item_count() == 2);
    CHECK(traces.got[0].context().client_address.starts_with("127.0.0.1:"));
    CHECK(traces.got[0].context().metadata.empty());  // include_metadata is off
  }
  SECTION("retryable: 503 with Retry-After rounded up to seconds and an UNAVAILABLE status") {
    traces.answer = Status::retryable("queue is full", std::chrono::milliseconds(2500));
    auto r = post("127.0.0.1", server.port(), "/v1/traces", kProto, body);
    CHECK(r.status == 503);
    CHECK(r.header("Retry-After") == "3");
    google::rpc::Status st;
    REQUIRE(st.ParseFromString(r.body));
    CHECK(st.code() == 14);
    CHECK(st.message() == "queue is full");
  }
  SECTION("retryable without a hint: Retry-After 1") {
    traces.answer = Status::retryable("busy");
    auto r = post("127.0.0.1", server.port(), "/v1/traces", kJson,
                  R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a"}]}]}]})");
    CHECK(r.status == 503);
    CHECK(r.header("Retry-After") == "1");
    CHECK(r.body == R"({"code":14,"message":"busy"})");
  }
  SECTION("exhausted: 429 with RESOURCE_EXHAUSTED") {
    traces.answer = Status::retryable("memory limit", std::chrono::seconds(5), true);
    auto r = post("127.0.0.1", server.port(), "/v1/traces", kProto, body);
    CHECK(r.status == 429);
    CHECK(r.header("Retry-After") == "5");
  }
  SECTION("permanent: 400 with INVALID_ARGUMENT and the consumer's message") {
    traces.answer = Status::permanent("attribute limit exceeded");
    auto r = post("127.0.0.1", server.port(), "/v1/traces", kJson,
                  R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a"}]}]}]})");
    CHECK(r.status == 400);
    CHECK(r.body == R"({"code":3,"message":"attribute limit exceeded"})");
  }
  SECTION("refused spans are counted with transport http") {
    Labels labels{{"receiver", "otlp/status"}, {"transport", "http"}};
    auto before = Telemetry::global().counter_value("otelcol_receiver_refused_spans", labels);
    traces.answer = Status::retryable("busy");
    post("127.0.0.1", server.port(), "/v1/traces", kProto, body);
    CHECK(Telemetry::global().counter_value("otelcol_receiver_refused_spans", labels) == before + 2);
  }
  server.shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

TEST_CASE("http server: include_metadata copies request headers with lower-case names", "[http]") {
  CapturingTraces traces;
  auto cfg = local_config();
  cfg.include_metadata = true;
  HttpServer server("otlp/meta", cfg, Consumers{&traces, nullptr, nullptr});
  server.start();
  auto r = post("127.0.0.1", server.port(), "/v1/traces",
                {{"Content-Type", "application/x-protobuf"}, {"X-Tenant-ID", "acme"}},
                full_traces(1, 2).SerializeAsString());
  REQUIRE(r.status == 200);
  REQUIRE(traces.count() == 1);
  CHECK(traces.got[0].context().metadata_value("x-tenant-id") == "acme");
  CHECK(traces.got[0].context().metadata_value("content-type") == "application/x-protobuf");
}

TEST_CASE("http server: keep-alive serves several requests, errors included, on one connection", "[http]") {
  CapturingTraces traces;
  HttpServer server("otlp/ka", local_config(), Consumers{&traces, nullptr, nullptr});
  server.start();
  HttpConnection c("127.0.0.1", server.port());
  CHECK(c.request("/v1/traces", kProto, full_traces(1, 3).SerializeAsString()).status == 200);
  CHECK(c.request("/v1/traces", kProto, "\xff\xff\xff").status == 400);
  CHECK(c.request("/v1/traces", {{"Content-Type", "text/plain"}}, "x").status == 415);
  CHECK(c.request("/v1/traces", kProto, full_traces(1, 4).SerializeAsString()).status == 200);
  CHECK(traces.count() == 2);
}

TEST_CASE("http server: limits against slow and greedy clients", "[http]") {
  CapturingTraces traces;
  auto cfg = local_config();
  cfg.max_connections = 2;
  cfg.idle_timeout = std::chrono::milliseconds(300);
  cfg.read_timeout = std::chrono::milliseconds(500);
  cfg.max_header_size = ByteSize{2048};
  HttpServer server("otlp/limits", cfg, Consumers{&traces, nullptr, nullptr});
  server.start();
  std::string body = full_traces(1, 5).SerializeAsString();

  SECTION("an idle keep-alive connection is closed after idle_timeout") {
    HttpConnection c("127.0.0.1", server.port());
    REQUIRE(c.request("/v1/traces", kProto, body).status == 200);
    CHECK(c.closed_by_peer(std::chrono::seconds(5)));
  }
  SECTION("a request that trickles in is cut off after read_timeout") {
    HttpConnection c("127.0.0.1", server.port());
    c.send_raw("POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
    CHECK(c.closed_by_peer(std::chrono::seconds(5)));
    CHECK(traces.count() == 0);
  }
  SECTION("headers beyond max_header_size: 431") {
    auto r = post("127.0.0.1", server.port(), "/v1/traces",
                  {{"Content-Type", "application/x-protobuf"}, {"X-Big", std::string(4096, 'a')}}, body);
    CHECK(r.status == 431);
  }
  // After every case the server still serves new clients.
  CHECK(wait_until([&] {
    try {
      return post("127.0.0.1", server.port(), "/v1/traces", kProto, body).status == 200;
    } catch (const std::exception&) {
      return false;  // a connection slot may still be in use for a moment
    }
  }));
}

TEST_CASE("http server: at max_connections a new connection sheds the one idle or reading the longest", "[http]") {
  CapturingTraces traces;
  auto cfg = local_config();
  cfg.max_connections = 2;
  cfg.idle_timeout = std::chrono::seconds(60);  // only shedding closes connections in this test
  cfg.read_header_timeout = std::chrono::seconds(60);
  HttpServer server("otlp/shed", cfg, Consumers{&traces, nullptr, nullptr});
  server.start();
  Labels labels{{"receiver", "otlp/shed"}, {"transport", "http"}};
  auto shed_before = Telemetry::global().counter_value("otlpd_receiver_shed_connections", labels);
  std::string body = full_traces(1, 8).SerializeAsString();

  // `idle` was served and now waits; `slow` (newer) has sent half a header.
  HttpConnection idle("127.0.0.1", server.port());
  REQUIRE(idle.request("/v1/traces", kProto, body).status == 200);
  int slow = connect_loopback(server.port());
  REQUIRE(slow >= 0);
  std::string head = "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n";
  REQUIRE(send_some(slow, head));
  REQUIRE(wait_until(
      [&] { return Telemetry::global().counter_value("otlpd_receiver_shed_connections", labels) == shed_before; }));

  // A third client is served: the oldest (idle) connection made room, the newer half-sent request survives.
  CHECK(post("127.0.0.1", server.port(), "/v1/traces", kProto, body).status == 200);
  CHECK(idle.closed_by_peer(std::chrono::seconds(5)));
  CHECK(Telemetry::global().counter_value("otlpd_receiver_shed_connections", labels) >= shed_before + 1);
  REQUIRE(send_some(slow, "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
  std::string answer = read_until_closed(slow, std::chrono::milliseconds(1500));
  ::close(slow);
  CHECK_THAT(answer, Catch::Matchers::StartsWith("HTTP/1.1 200"));
  CHECK(traces.count() == 3);
  server.shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

TEST_CASE("http server: a header that never ends is cut off after read_header_timeout", "[http]") {
  CapturingTraces traces;
  auto cfg = local_config();
  cfg.read_header_timeout = std::chrono::milliseconds(300);
  cfg.read_timeout = std::chrono::seconds(60);
  HttpServer server("otlp/header_timeout", cfg, Consumers{&traces, nullptr, nullptr});
  server.start();
  SECTION("a new connection that sends nothing") {
    HttpConnection c("127.0.0.1", server.port());
    CHECK(c.closed_by_peer(std::chrono::seconds(10)));
  }
  SECTION("a header sent a line every 100 ms") {
    int fd = connect_loopback(server.port());
    REQUIRE(fd >= 0);
    send_some(fd, "POST /v1/traces HTTP/1.1\r\nHost: x\r\n");
    auto t0 = std::chrono::steady_clock::now();
    bool closed = false;
    while (!closed && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10)) {
      send_some(fd, "X-a: b\r\n");
      read_until_closed(fd, std::chrono::milliseconds(100));  // returns at once when the server closes
      closed = peer_closed(fd);
    }
    ::close(fd);
    CHECK(closed);
  }
  // A request that is quick enough is served (the body's time counts against read_timeout only).
  CHECK(post("127.0.0.1", server.port(), "/v1/traces", kProto, full_traces(1, 9).SerializeAsString()).status == 200);
  server.shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

TEST_CASE("http server: shutdown closes idle keep-alive connections promptly", "[http]") {
  CapturingTraces traces;
  auto cfg = local_config();
  cfg.idle_timeout = std::chrono::seconds(60);
  HttpServer server("otlp/stop", cfg, Consumers{&traces, nullptr, nullptr});
  server.start();
  HttpConnection c("127.0.0.1", server.port());
  REQUIRE(c.request("/v1/traces", kProto, full_traces(1, 6).SerializeAsString()).status == 200);
  auto t0 = std::chrono::steady_clock::now();
  server.shutdown(t0 + std::chrono::seconds(10));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(c.closed_by_peer(std::chrono::seconds(2)));
}

}  // namespace otlpd::test
