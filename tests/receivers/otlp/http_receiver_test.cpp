// The OTLP/HTTP receiver in the real daemon: delivery to a file exporter, hostile inputs, CORS.
#include <google/protobuf/util/message_differencer.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <sstream>

#include "codec/otlp_json.h"
#include "google/rpc/status.pb.h"
#include "support/compress.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/otlp_client.h"

namespace otlpd::test {
namespace {

const HttpHeaders kProto{{"Content-Type", "application/x-protobuf"}};
const HttpHeaders kJson{{"Content-Type", "application/json"}};

// One daemon: `otlp` (all signals, CORS, 4 MiB body limit) and `otlp/traces_only` (no logs or metrics pipeline).
struct HttpDaemon {
  TempDir out;
  std::string file = out.file("out.jsonl");
  Daemon daemon{R"(
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
        max_request_body_size: 4MiB
        cors:
          allowed_origins: ["http://app.test:8080", "https://*.example.com"]
          allowed_headers: ["X-Custom"]
          max_age: 600
  otlp/traces_only:
    protocols:
      http:
        endpoint: 127.0.0.1:0
exporters:
  file:
    path: )" + file +
                R"(
service:
  pipelines:
    traces:
      receivers: [otlp, otlp/traces_only]
      exporters: [file]
    metrics:
      receivers: [otlp]
      exporters: [file]
    logs:
      receivers: [otlp]
      exporters: [file]
)"};
  int port = daemon.port("otlp", "http");

  HttpResponse send(const std::string& path, const HttpHeaders& headers, std::string_view body) {
    return post("127.0.0.1", port, path, headers, body);
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> v;
    std::istringstream in(read_file(file));
    for (std::string l; std::getline(in, l);)
      if (!l.empty()) v.push_back(l);
    return v;
  }
  // The daemon still answers a valid request.
  bool serving() { return send("/v1/traces", kProto, full_traces(1, 99).SerializeAsString()).status == 200; }
};

template <typename Msg>
Msg decode_line(const std::string& line) {
  Msg m;
  auto err = otlp_json::decode(line, m);
  INFO(err);
  REQUIRE(err.empty());
  return m;
}

int status_code_of(const HttpResponse& r) {
  google::rpc::Status st;
  REQUIRE(st.ParseFromString(r.body));
  return st.code();
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string l; std::getline(in, l);)
    if (l.starts_with("VmRSS:")) return std::stol(l.substr(6));
  return -1;
}

}  // namespace

TEST_CASE("http receiver: protobuf and JSON requests arrive intact in the file exporter", "[http][integration]") {
  HttpDaemon d;
  using google::protobuf::util::MessageDifferencer;

  auto traces = full_traces(3, 11);
  auto metrics = full_metrics(12);
  auto logs = full_logs(2, 13);
  auto t = d.send("/v1/traces", kProto, traces.SerializeAsString());
  CHECK(t.status == 200);
  CHECK(t.header("Content-Type") == "application/x-protobuf");
  CHECK(t.body.empty());
  // JSON, with a charset parameter that must be ignored.
  auto m = d.send("/v1/metrics", {{"Content-Type", "application/json; charset=utf-8"}}, otlp_json::encode(metrics));
  CHECK(m.status == 200);
  CHECK(m.header("Content-Type") == "application/json");
  CHECK(m.body == "{}");
  // Compressed bodies: gzip, deflate (zlib) and zstd.
  auto s = logs.SerializeAsString();
  CHECK(d.send("/v1/logs", {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "gzip"}}, gzip_compress(s))
            .status == 200);
  CHECK(d.send("/v1/logs", {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "deflate"}},
               zlib_compress(s))
            .status == 200);
  CHECK(d.send("/v1/logs", {{"Content-Type", "application/json"}, {"Content-Encoding", "zstd"}},
               zstd_compress(otlp_json::encode(logs)))
            .status == 200);

  REQUIRE(wait_until([&] { return d.lines().size() == 5; }));
  auto lines = d.lines();
  CHECK(MessageDifferencer::Equals(decode_line<otlp_trace::ExportTraceServiceRequest>(lines[0]), traces));
  CHECK(MessageDifferencer::Equals(decode_line<otlp_metrics::ExportMetricsServiceRequest>(lines[1]), metrics));
  for (int i = 2; i < 5; ++i)
    CHECK(MessageDifferencer::Equals(decode_line<otlp_logs::ExportLogsServiceRequest>(lines[i]), logs));
}

TEST_CASE("http receiver: each malformed request gets its code and the daemon keeps serving", "[http][integration]") {
  HttpDaemon d;
  std::string valid = full_traces(2, 21).SerializeAsString();

  SECTION("random bytes as protobuf: 400 with a google.rpc.Status") {
    std::mt19937 rng(7);
    std::string junk(4096, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    auto r = d.send("/v1/traces", kProto, junk);
    CHECK(r.status == 400);
    CHECK(status_code_of(r) == 3);
  }
  SECTION("truncated protobuf: 400") {
    auto r = d.send("/v1/traces", kProto, valid.substr(0, valid.size() / 2 + 3));
    CHECK(r.status == 400);
    CHECK(status_code_of(r) == 3);
  }
  SECTION("invalid JSON: 400 with a JSON status") {
    auto r = d.send("/v1/traces", kJson, R"({"resourceSpans":[{"scopeSpans":[)");
    CHECK(r.status == 400);
    CHECK(r.header("Content-Type") == "application/json");
    CHECK(r.body.starts_with(R"({"code":3,"message":")"));
  }
  SECTION("a trace id of the wrong length (JSON): 400 naming the field") {
    auto r = d.send(
        "/v1/traces", kJson,
        R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405","spanId":"0102030405060708","name":"s"}]}]}]})");
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("traceId"));
  }
  SECTION("truncated gzip: 400") {
    auto gz = gzip_compress(valid);
    auto r = d.send("/v1/traces", {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "gzip"}},
                    gz.substr(0, gz.size() - 10));
    CHECK(r.status == 400);
    google::rpc::Status st;
    REQUIRE(st.ParseFromString(r.body));
    CHECK_THAT(st.message(), Catch::Contains("truncated"));
  }
  SECTION("unsupported Content-Encoding: 400") {
    auto r = d.send("/v1/traces", {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "br"}}, valid);
    CHECK(r.status == 400);
  }
  SECTION("a gzip bomb (1 GiB of zeros) is refused without the daemon's memory growing") {
    auto bomb = gzip_zeros(size_t{1} << 30);
    INFO("compressed size " << bomb.size());
    CHECK(bomb.size() < 2 * 1024 * 1024);
    long before = rss_kib(d.daemon.pid());
    auto r = d.send("/v1/traces", {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "gzip"}}, bomb);
    long after = rss_kib(d.daemon.pid());
    CHECK(r.status == 400);
    google::rpc::Status st;
    REQUIRE(st.ParseFromString(r.body));
    CHECK_THAT(st.message(), Catch::Contains("max_request_body_size"));
    INFO("VmRSS before " << before << " KiB, after " << after << " KiB");
    CHECK(after - before < 64 * 1024);
  }
  SECTION("a body over max_request_body_size: 400, with Content-Length and chunked") {
    std::string big(5 * 1024 * 1024, 'x');
    CHECK(d.send("/v1/traces", kProto, big).status == 400);
    HttpRequestOptions chunked;
    chunked.chunked = true;
    CHECK(http_request("127.0.0.1", d.port, "/v1/traces", kProto, big, chunked).status == 400);
  }
  SECTION("wrong content type: 415") {
    CHECK(d.send("/v1/traces", {{"Content-Type", "text/plain"}}, valid).status == 415);
    CHECK(d.send("/v1/traces", {}, valid).status == 415);
  }
  SECTION("wrong method: 405 with Allow: POST") {
    HttpRequestOptions get;
    get.method = "GET";
    auto r = http_request("127.0.0.1", d.port, "/v1/traces", {}, "", get);
    CHECK(r.status == 405);
    CHECK(r.header("Allow") == "POST");
    get.method = "PUT";
    CHECK(http_request("127.0.0.1", d.port, "/v1/logs", kProto, valid, get).status == 405);
  }
  SECTION("unknown path: 404") {
    CHECK(d.send("/v1/spans", kProto, valid).status == 404);
    CHECK(d.send("/", kProto, valid).status == 404);
  }
  SECTION("a signal no pipeline takes: 404, the others are served") {
    int port = d.daemon.port("otlp/traces_only", "http");
    CHECK(post("127.0.0.1", port, "/v1/logs", kProto, full_logs(1, 1).SerializeAsString()).status == 404);
    CHECK(post("127.0.0.1", port, "/v1/metrics", kProto, full_metrics(1).SerializeAsString()).status == 404);
    CHECK(post("127.0.0.1", port, "/v1/traces", kProto, valid).status == 200);
  }
  SECTION("garbage instead of HTTP: the connection is answered 400 or closed") {
    HttpConnection c("127.0.0.1", d.port);
    c.send_raw("\x16\x03\x01 not http at all\r\n\r\n");
    CHECK(c.closed_by_peer(std::chrono::seconds(5)));
  }
  CHECK(d.daemon.running());
  CHECK(d.serving());
}

TEST_CASE("http receiver: CORS preflight and headers on answers", "[http][integration]") {
  HttpDaemon d;
  auto preflight = [&](const std::string& origin, const std::string& headers) {
    HttpRequestOptions o;
    o.method = "OPTIONS";
    return http_request(
        "127.0.0.1", d.port, "/v1/traces",
        {{"Origin", origin}, {"Access-Control-Request-Method", "POST"}, {"Access-Control-Request-Headers", headers}},
        "", o);
  };

  SECTION("allowed exact origin: 204 with the Access-Control headers") {
    auto r = preflight("http://app.test:8080", "content-type,x-custom");
    CHECK(r.status == 204);
    CHECK(r.header("Access-Control-Allow-Origin") == "http://app.test:8080");
    CHECK(r.header("Access-Control-Allow-Methods") == "POST");
    CHECK(r.header("Access-Control-Allow-Headers") == "content-type,x-custom");
    CHECK(r.header("Access-Control-Max-Age") == "600");
    CHECK_THAT(r.header("Vary"), Catch::Contains("Origin"));
  }
  SECTION("wildcard origin") {
    CHECK(preflight("https://shop.example.com", "content-type").header("Access-Control-Allow-Origin") ==
          "https://shop.example.com");
    CHECK_FALSE(preflight("https://example.com.evil.test", "content-type").has_header("Access-Control-Allow-Origin"));
  }
  SECTION("denied origin: 204 without CORS headers") {
    auto r = preflight("http://evil.test", "content-type");
    CHECK(r.status == 204);
    CHECK_FALSE(r.has_header("Access-Control-Allow-Origin"));
  }
  SECTION("a header that is not allowed: no CORS headers") {
    CHECK_FALSE(preflight("http://app.test:8080", "x-secret").has_header("Access-Control-Allow-Origin"));
  }
  SECTION("POST from an allowed origin carries the CORS headers, errors included") {
    HttpHeaders h{{"Content-Type", "application/json"}, {"Origin", "http://app.test:8080"}};
    auto ok = d.send("/v1/traces", h, R"({"resourceSpans":[]})");
    CHECK(ok.status == 200);
    CHECK(ok.header("Access-Control-Allow-Origin") == "http://app.test:8080");
    auto bad = d.send("/v1/traces", h, "{");
    CHECK(bad.status == 400);
    CHECK(bad.header("Access-Control-Allow-Origin") == "http://app.test:8080");
    auto unsupported = d.send("/v1/traces", {{"Content-Type", "text/xml"}, {"Origin", "http://app.test:8080"}}, "x");
    CHECK(unsupported.status == 415);
    CHECK(unsupported.header("Access-Control-Allow-Origin") == "http://app.test:8080");
  }
  SECTION("POST from a denied origin: processed, but without CORS headers (the browser hides the answer)") {
    auto r = d.send("/v1/traces", {{"Content-Type", "application/json"}, {"Origin", "http://evil.test"}},
                    R"({"resourceSpans":[]})");
    CHECK(r.status == 200);
    CHECK_FALSE(r.has_header("Access-Control-Allow-Origin"));
  }
}

}  // namespace otlpd::test
