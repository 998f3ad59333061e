// Identity in the pipeline, through the real daemon: basicauth's user and the request's headers read by the
// attributes and resource processors' from_context, batches split by auth.username, and headers_setter
// carrying a tenant header (and the user) from the incoming request to the outgoing one over OTLP/gRPC and
// OTLP/HTTP.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "processors/common/values.h"
#include "support/daemon.h"
#include "support/fake_otlp_grpc.h"
#include "support/fake_otlp_http.h"
#include "support/http_client.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;

namespace {

std::string config(const FakeOtlpGrpcServer& grpc_sink, const FakeOtlpHttpServer& http_sink) {
  return R"(
extensions:
  basicauth:
    htpasswd:
      inline: |
        alice:wonderland
        bob:password
  headers_setter:
    headers:
      - {key: X-Scope-OrgID, from_context: x-tenant, default_value: none}
      - {key: x-user, from_context: auth.username}
      - {key: x-static, value: s1}
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:0", auth: {authenticator: basicauth}, include_metadata: true}
processors:
  attributes:
    actions:
      - {key: user, action: insert, from_context: auth.username}
      - {key: tenant, action: insert, from_context: metadata.x-tenant}
      - {key: client, action: insert, from_context: client.address}
  resource:
    attributes:
      - {key: principal, action: upsert, from_context: auth.principal}
  batch:
    timeout: 100ms
    metadata_keys: [auth.username, x-tenant]
exporters:
  otlp:
    endpoint: )" +
         grpc_sink.endpoint() + R"(
    tls: {insecure: true}
    auth: {authenticator: headers_setter}
  otlphttp:
    endpoint: )" +
         http_sink.url() + R"(
    auth: {authenticator: headers_setter}
service:
  extensions: [basicauth, headers_setter]
  pipelines:
    traces: {receivers: [otlp], processors: [attributes, resource, batch], exporters: [otlp, otlphttp]}
)";
}

std::string attr(const google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>& a,
                 const std::string& key) {
  const auto* v = processors::find_attribute(a, key);
  return v ? processors::as_string(*v) : "<absent>";
}

// Per exported request: "user/tenant" of every span in it (and the principal of its resources).
std::set<std::string> origins(const otlp_trace::ExportTraceServiceRequest& r) {
  std::set<std::string> out;
  for (const auto& rs : r.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& s : ss.spans())
        out.insert(attr(s.attributes(), "user") + "/" + attr(s.attributes(), "tenant") + "/" +
                   attr(rs.resource().attributes(), "principal") + "/" + attr(s.attributes(), "client"));
  return out;
}

int send(const Daemon& d, const std::string& basic, const std::string& tenant, int spans, uint64_t seed) {
  HttpHeaders h{{"Content-Type", "application/x-protobuf"}, {"Authorization", "Basic " + basic}};
  if (!tenant.empty()) h.emplace_back("X-Tenant", tenant);
  return post("127.0.0.1", d.port("otlp", "http"), "/v1/traces", h, full_traces(spans, seed).SerializeAsString())
      .status;
}

constexpr const char* kAlice = "YWxpY2U6d29uZGVybGFuZA==";  // alice:wonderland
constexpr const char* kBob = "Ym9iOnBhc3N3b3Jk";            // bob:password

}  // namespace

TEST_CASE("identity: auth.username and headers reach processors, batches and the exporters' headers",
          "[auth][integration]") {
  FakeOtlpGrpcServer grpc_sink;
  FakeOtlpHttpServer http_sink;
  Daemon d(config(grpc_sink, http_sink));

  REQUIRE(send(d, kAlice, "acme", 2, 1) == 200);
  REQUIRE(send(d, kBob, "globex", 3, 2) == 200);
  REQUIRE(send(d, kAlice, "", 1, 3) == 200);
  REQUIRE(send(d, kAlice, "acme", 1, 4) == 200);
  REQUIRE(wait_until([&] { return grpc_sink.spans() == 7 && http_sink.spans() == 7; }, 20s));

  // Every exported request holds one user's and one tenant's spans (batch metadata_keys), its attributes say
  // who sent them, and its headers carry the same tenant and user (headers_setter from_context).
  const auto traces = grpc_sink.traces();
  const auto metadata = grpc_sink.metadata();
  REQUIRE(traces.size() == metadata.size());
  std::map<std::string, int> seen;
  for (size_t i = 0; i < traces.size(); ++i) {
    auto o = origins(traces[i]);
    REQUIRE(o.size() == 1);
    const auto& md = metadata[i];
    auto header = [&](const std::string& k) {
      auto it = md.find(k);
      return it == md.end() ? std::string("<absent>") : it->second;
    };
    const std::string user = header("x-user");
    std::string tenant = header("x-scope-orgid");
    CHECK(header("x-static") == "s1");
    if (tenant == "none") tenant = "<absent>";  // the default_value when the request had no X-Tenant
    CHECK(*o.begin() == user + "/" + tenant + "/" + user + "/127.0.0.1");
    ++seen[*o.begin()];
  }
  CHECK(seen.count("alice/acme/alice/127.0.0.1"));
  CHECK(seen.count("bob/globex/bob/127.0.0.1"));
  CHECK(seen.count("alice/<absent>/alice/127.0.0.1"));

  // The same over OTLP/HTTP.
  const auto requests = http_sink.requests();
  const auto http_traces = http_sink.traces();
  REQUIRE(requests.size() == http_traces.size());
  std::set<std::string> http_seen;
  for (size_t i = 0; i < requests.size(); ++i) {
    auto o = origins(http_traces[i]);
    REQUIRE(o.size() == 1);
    const auto& h = requests[i].headers;
    REQUIRE(h.count("x-user"));
    REQUIRE(h.count("x-scope-orgid"));
    std::string tenant = h.at("x-scope-orgid") == "none" ? "<absent>" : h.at("x-scope-orgid");
    CHECK(*o.begin() == h.at("x-user") + "/" + tenant + "/" + h.at("x-user") + "/127.0.0.1");
    CHECK(h.at("x-static") == "s1");
    http_seen.insert(*o.begin());
  }
  CHECK(http_seen.size() == 3);
  CHECK(d.stop() == 0);
}
