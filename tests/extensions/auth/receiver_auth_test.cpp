// The otlp receiver with `auth.authenticator`: gRPC UNAUTHENTICATED and HTTP 401 for wrong or missing
// credentials (nothing reaches the pipeline), the principal on accepted batches, start errors for bad ids.
#include <catch2/catch.hpp>

#include <algorithm>
#include <mutex>

#include "extensions/auth/helpers.h"
#include "google/rpc/status.pb.h"
#include "platform/telemetry.h"
#include "receivers/otlp/grpc_server.h"
#include "receivers/otlp/http_server.h"
#include "receivers/otlp/raw_tcp.h"
#include "support/daemon.h"
#include "support/files.h"
#include "support/http_client.h"
#include "support/otlp_client.h"

namespace otlpd::test {

using Catch::Matchers::Contains;
namespace tsvc = opentelemetry::proto::collector::trace::v1;

namespace {

grpc::Status send_traces(const std::string& endpoint, const std::string& authorization) {
  auto stub = tsvc::TraceService::NewStub(grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!authorization.empty()) ctx.AddMetadata("authorization", authorization);
  tsvc::ExportTraceServiceResponse resp;
  return stub->Export(&ctx, full_traces(2, 7), &resp);
}

std::string config_with(const std::string& extensions_yaml, const std::string& service_extensions,
                        const std::string& authenticator, const std::string& out_path) {
  return extensions_yaml + R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
        auth: {authenticator: )" +
         authenticator + R"(}
      http:
        endpoint: 127.0.0.1:0
        cors: {allowed_origins: ["https://app.example"], allowed_headers: ["Authorization"]}
        auth: {authenticator: )" +
         authenticator + R"(}
exporters:
  file:
    path: )" +
         out_path + R"(
service:
  extensions: [)" +
         service_extensions + R"(]
  pipelines:
    traces: {receivers: [otlp], exporters: [file]}
)";
}

const char kBearer[] = R"(
extensions:
  bearertokenauth:
    token: right-token
)";

}  // namespace

TEST_CASE("otlp receiver with bearertokenauth lets in only the right token", "[auth][integration]") {
  TempDir out;
  std::string path = out.file("out.jsonl");
  Daemon d(config_with(kBearer, "bearertokenauth", "bearertokenauth", path));
  std::string grpc_ep = d.endpoint("otlp", "grpc");
  int http_port = d.port("otlp", "http");
  std::string body = full_traces(2, 7).SerializeAsString();
  const HttpHeaders proto{{"Content-Type", "application/x-protobuf"}};
  auto with = [](HttpHeaders h, std::string k, std::string v) {
    h.emplace_back(std::move(k), std::move(v));
    return h;
  };

  // Refused: gRPC without, with a wrong and with a wrong-scheme token.
  for (std::string auth : {"", "Bearer wrong-token", "Basic right-token"}) {
    auto st = send_traces(grpc_ep, auth);
    CHECK(st.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK_THAT(st.error_message(), !Contains("right-token"));
  }
  // Refused: HTTP without and with a wrong token, error body a google.rpc.Status in the request's encoding.
  auto missing = post("127.0.0.1", http_port, "/v1/traces", proto, body);
  CHECK(missing.status == 401);
  CHECK(missing.header("Content-Type") == "application/x-protobuf");
  google::rpc::Status st;
  REQUIRE(st.ParseFromString(missing.body));
  CHECK(st.code() == 16);
  CHECK_THAT(st.message(), Contains("missing"));
  auto wrong_json = post("127.0.0.1", http_port, "/v1/traces",
                         {{"Content-Type", "application/json"}, {"Authorization", "Bearer nope"}}, "{}");
  CHECK(wrong_json.status == 401);
  CHECK(wrong_json.header("Content-Type") == "application/json");
  CHECK_THAT(wrong_json.body, Contains(R"("code":16)"));
  // A browser's refused request still carries the CORS headers, so the page can read the 401.
  auto cors_refused = post("127.0.0.1", http_port, "/v1/traces", with(proto, "Origin", "https://app.example"), body);
  CHECK(cors_refused.status == 401);
  CHECK(cors_refused.header("Access-Control-Allow-Origin") == "https://app.example");
  // A CORS preflight carries no credentials and is answered without authentication, as in the Collector.
  HttpRequestOptions options;
  options.method = "OPTIONS";
  auto preflight = http_request("127.0.0.1", http_port, "/v1/traces",
                                {{"Origin", "https://app.example"},
                                 {"Access-Control-Request-Method", "POST"},
                                 {"Access-Control-Request-Headers", "authorization, content-type"}},
                                "", options);
  CHECK(preflight.status == 204);
  CHECK(preflight.header("Access-Control-Allow-Origin") == "https://app.example");

  // Accepted: the right token on both transports; exactly these two requests reach the file.
  CHECK(send_traces(grpc_ep, "Bearer right-token").ok());
  auto ok = post("127.0.0.1", http_port, "/v1/traces", with(proto, "Authorization", "Bearer right-token"), body);
  CHECK(ok.status == 200);
  REQUIRE(wait_until([&] { return lines_in(path) >= 2; }));
  CHECK(d.stop() == 0);
  CHECK(lines_in(path) == 2);
}

TEST_CASE("otlp receiver auth: a bad authenticator id is a start error naming it", "[auth][integration]") {
  TempDir out;
  std::string path = out.file("out.jsonl");
  SECTION("an extension that is not configured") {
    CHECK_THROWS_WITH(Daemon(config_with(kBearer, "bearertokenauth", "bearertokenauth/other", path)),
                      Contains("extension 'bearertokenauth/other' is not configured in service.extensions"));
  }
  SECTION("an extension configured but not listed in service.extensions") {
    CHECK_THROWS_WITH(Daemon(config_with(R"(
extensions:
  bearertokenauth:
    token: right-token
  health_check:
    endpoint: 127.0.0.1:0
)",
                                         "health_check", "bearertokenauth", path)),
                      Contains("extension 'bearertokenauth' is not configured in service.extensions"));
  }
  SECTION("an extension that is not an authenticator") {
    CHECK_THROWS_WITH(Daemon(config_with("extensions:\n  health_check:\n    endpoint: 127.0.0.1:0\n", "health_check",
                                         "health_check", path)),
                      Contains("extension 'health_check' is not an authenticator"));
  }
  SECTION("an unsupported htpasswd hash fails validation") {
    TempDir cfg;
    auto file = cfg.write("c.yaml", config_with(R"(
extensions:
  basicauth:
    htpasswd:
      inline: "u:$2y$05$abcdefghijklmnopqrstuv"
)",
                                                "basicauth", "basicauth", path));
    auto r = run_otlpd({"validate", "--config", file});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Contains("unsupported format '$2y$'"));
  }
  SECTION("auth without an authenticator key") {
    TempDir cfg;
    auto text = config_with(kBearer, "bearertokenauth", "bearertokenauth", path);
    text.replace(text.find("auth: {authenticator: bearertokenauth}"), 38, "auth: {}");
    auto r = run_otlpd({"validate", "--config", cfg.write("c.yaml", text)});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Contains("authenticator"));
  }
}

namespace {
// Keeps what it is given.
struct CapturingTraces : TraceConsumer {
  std::mutex mu;
  std::vector<TraceBatch> got;
  Status consume(TraceBatch b) override {
    std::lock_guard lock(mu);
    got.push_back(std::move(b));
    return Status::ok();
  }
  size_t count() {
    std::lock_guard lock(mu);
    return got.size();
  }
};
}  // namespace

TEST_CASE("basicauth on both transports: the principal is the user, refusals are counted", "[auth]") {
  auto ext =
      start_extension("basicauth", "htpasswd: {inline: \"alice:wonderland\\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\"}");
  const auto& auth = as_authenticator(ext);
  CapturingTraces traces;
  otlp_receiver::GrpcServerConfig gc;
  gc.endpoint = NetEndpoint::tcp("127.0.0.1", 0);
  otlp_receiver::HttpServerConfig hc;
  hc.endpoint = NetEndpoint::tcp("127.0.0.1", 0);
  otlp_receiver::GrpcServer grpc_server("otlp/basic", gc, Consumers{&traces, nullptr, nullptr});
  otlp_receiver::HttpServer http_server("otlp/basic", hc, Consumers{&traces, nullptr, nullptr});
  grpc_server.start(&auth);
  http_server.start(&auth);
  std::string grpc_ep = "127.0.0.1:" + std::to_string(grpc_server.port());
  auto& tel = Telemetry::global();
  Labels grpc_labels{{"receiver", "otlp/basic"}, {"transport", "grpc"}};
  Labels http_labels{{"receiver", "otlp/basic"}, {"transport", "http"}};
  uint64_t grpc_refused_before = tel.counter_value("otlpd_receiver_unauthenticated_requests", grpc_labels);
  uint64_t http_refused_before = tel.counter_value("otlpd_receiver_unauthenticated_requests", http_labels);
  uint64_t spans_refused_before = tel.counter_value("otelcol_receiver_refused_spans", grpc_labels);

  CHECK(send_traces(grpc_ep, "Basic YWxpY2U6d29uZGVybGFuZTE=").error_code() ==  // alice:wonderlane1
        grpc::StatusCode::UNAUTHENTICATED);
  CHECK(post("127.0.0.1", http_server.port(), "/v1/traces",
             {{"Content-Type", "application/x-protobuf"}, {"Authorization", "Basic Y2Fyb2w6cGFzc3dvcmQ="}},  // carol
             full_traces(1, 1).SerializeAsString())
            .status == 401);
  CHECK(traces.count() == 0);
  CHECK(tel.counter_value("otlpd_receiver_unauthenticated_requests", grpc_labels) == grpc_refused_before + 1);
  CHECK(tel.counter_value("otlpd_receiver_unauthenticated_requests", http_labels) == http_refused_before + 1);
  // Nothing of an unauthenticated caller is decompressed or decoded, so it refuses no spans (as in the Collector,
  // whose auth interceptor runs before the receiver counts anything): refusals are counted per request above.
  CHECK(tel.counter_value("otelcol_receiver_refused_spans", grpc_labels) == spans_refused_before);

  REQUIRE(send_traces(grpc_ep, "Basic YWxpY2U6d29uZGVybGFuZA==").ok());  // alice:wonderland
  auto ok = post("127.0.0.1", http_server.port(), "/v1/traces",
                 {{"Content-Type", "application/x-protobuf"}, {"Authorization", "Basic Ym9iOnBhc3N3b3Jk"}},  // bob
                 full_traces(1, 1).SerializeAsString());
  CHECK(ok.status == 200);
  REQUIRE(traces.count() == 2);
  CHECK(traces.got[0].context().auth.principal == "alice");
  CHECK(traces.got[1].context().auth.principal == "bob");
  http_server.shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  grpc_server.shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

TEST_CASE("http receiver auth: refused as soon as the header is read, with a WWW-Authenticate challenge", "[auth]") {
  auto ext = start_extension("bearertokenauth", "token: right-token");
  CapturingTraces traces;
  otlp_receiver::HttpServerConfig hc;
  hc.endpoint = NetEndpoint::tcp("127.0.0.1", 0);
  otlp_receiver::HttpServer server("otlp/early", hc, Consumers{&traces, nullptr, nullptr});
  server.start(&as_authenticator(ext));
  const std::string header =
      "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: "
      "10485760\r\n";
  // Sends a request head on a new connection; returns what comes back within 5 s (a bounded wait).
  auto answer_to = [&](const std::string& head) {
    int fd = connect_loopback(server.port());
    REQUIRE(fd >= 0);
    REQUIRE(send_some(fd, head));
    std::string answer = read_until_closed(fd, std::chrono::seconds(5));
    ::close(fd);
    return answer;
  };

  SECTION("a 10 MiB body announced but not sent: the 401 comes without waiting for it") {
    std::string answer = answer_to(header + "Authorization: Bearer wrong\r\n\r\n");
    CHECK_THAT(answer, Catch::Matchers::StartsWith("HTTP/1.1 401"));
    CHECK_THAT(answer, Contains("WWW-Authenticate: Bearer realm=\"otlpd\"\r\n"));
    CHECK_THAT(answer, Contains("Connection: close"));
  }
  SECTION("with Expect: 100-continue, the client is told 401 instead of being asked for the body") {
    std::string answer = answer_to(header + "Expect: 100-continue\r\n\r\n");
    CHECK_THAT(answer, Catch::Matchers::StartsWith("HTTP/1.1 401"));
    CHECK_THAT(answer, !Contains("100 Continue"));
  }
  SECTION("the scheme is case-insensitive: 'bearer' is 'Bearer'") {
    auto r = post("127.0.0.1", server.port(), "/v1/traces",
                  {{"Content-Type", "application/x-protobuf"}, {"Authorization", "bearer right-token"}},
                  full_traces(1, 3).SerializeAsString());
    CHECK(r.status == 200);
    CHECK(traces.count() == 1);
  }
  SECTION("a refusal through the client keeps its google.rpc.Status body and names the challenge") {
    auto r = post("127.0.0.1", server.port(), "/v1/traces", {{"Content-Type", "application/x-protobuf"}},
                  full_traces(1, 3).SerializeAsString());
    CHECK(r.status == 401);
    CHECK(r.header("WWW-Authenticate") == "Bearer realm=\"otlpd\"");
    google::rpc::Status st;
    REQUIRE(st.ParseFromString(r.body));
    CHECK(st.code() == 16);
  }
  server.shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

TEST_CASE("basicauth and bearertokenauth give WWW-Authenticate challenges, schemes match in any case", "[auth]") {
  auto basic = start_extension("basicauth", "htpasswd: {inline: \"alice:wonderland\"}");
  CHECK(as_authenticator(basic).challenge() == "Basic realm=\"otlpd\", charset=\"UTF-8\"");
  AuthData p;
  CHECK(as_authenticator(basic).authenticate({{"authorization", "BASIC YWxpY2U6d29uZGVybGFuZA=="}}, p).is_ok());
  CHECK(p.principal == "alice");

  auto bearer = start_extension("bearertokenauth", "token: abc");
  CHECK(as_authenticator(bearer).challenge() == "Bearer realm=\"otlpd\"");
  for (std::string value : {"bearer abc", "BEARER abc", "Bearer  abc"})
    CHECK(as_authenticator(bearer).authenticate({{"authorization", value}}, p).is_ok());
  for (std::string value : {"bearer ABC", "Bearerabc", "Bearer", "Bear abc"})
    CHECK_FALSE(as_authenticator(bearer).authenticate({{"authorization", value}}, p).is_ok());
  auto custom = start_extension("bearertokenauth", "scheme: Token\ntoken: abc");
  CHECK(as_authenticator(custom).challenge() == "Token realm=\"otlpd\"");
  CHECK(as_authenticator(custom).authenticate({{"authorization", "token abc"}}, p).is_ok());
}

TEST_CASE("otlpd validate refuses an authenticator that is not a started extension", "[auth][config]") {
  TempDir dir;
  std::string path = dir.file("out.jsonl");
  SECTION("not configured") {
    auto r = run_otlpd({"validate", "--config",
                        dir.write("c.yaml", config_with(kBearer, "bearertokenauth", "bearertokenauth/other", path))});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Contains("extension 'bearertokenauth/other' is not configured in service.extensions"));
  }
  SECTION("configured but not listed in service.extensions") {
    auto r = run_otlpd({"validate", "--config",
                        dir.write("c.yaml", config_with(R"(
extensions:
  bearertokenauth:
    token: right-token
  health_check:
    endpoint: 127.0.0.1:0
)",
                                                        "health_check", "bearertokenauth", path))});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Contains("extension 'bearertokenauth' is not configured in service.extensions"));
  }
  SECTION("not an authenticator") {
    auto r = run_otlpd({"validate", "--config",
                        dir.write("c.yaml", config_with("extensions:\n  health_check:\n    endpoint: 127.0.0.1:0\n",
                                                        "health_check", "health_check", path))});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Contains("extension 'health_check' is not an authenticator"));
  }
  SECTION("listed: valid") {
    auto r = run_otlpd({"validate", "--config",
                        dir.write("c.yaml", config_with(kBearer, "bearertokenauth", "bearertokenauth", path))});
    CHECK(r.exit_code == 0);
  }
}

}  // namespace otlpd::test
