// The `oidc` authenticator against a test OpenID provider: only a well-signed token with the right claims passes
// (expired, wrong audience or issuer, bad signature, unknown kid, alg none, HS256 keyed with the public key are
// refused); key rotation is followed with one bounded JWKS fetch; a start while the issuer is down does not fail; an
// issuer over TLS is trusted by issuer_ca_path only. And the `oauth2client` client authenticator: one token request for
// many sends, a refresh before expiry.
#include <catch2/catch.hpp>

#include <random>

#include "extensions/auth/helpers.h"
#include "support/daemon.h"
#include "support/files.h"
#include "support/http_client.h"
#include "support/otlp_client.h"
#include "support/test_certs.h"
#include "support/test_issuer.h"

using namespace otlpd;
using namespace otlpd::test;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
namespace otlp_trace_svc = opentelemetry::proto::collector::trace::v1;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string oidc_yaml(const TestIssuer& issuer, const std::string& more = "") {
  return "issuer_url: " + issuer.url() + "\naudience: otlpd\ngroups_claim: groups\n" + more;
}

Status check(const ServerAuthenticator& a, const std::string& token, AuthData* out = nullptr) {
  AuthData auth;
  Status st = a.authenticate({{"authorization", "Bearer " + token}}, auth);
  if (out) *out = auth;
  return st;
}

// `token` with its payload replaced by base64url(`claims`), the signature kept.
std::string with_payload(const std::string& token, const std::string& claims) {
  auto dot1 = token.find('.'), dot2 = token.rfind('.');
  return token.substr(0, dot1 + 1) + base64url(claims) + token.substr(dot2);
}

// `token` with its header replaced by base64url(`header`), payload and signature kept.
std::string with_header(const std::string& token, const std::string& header) {
  return base64url(header) + token.substr(token.find('.'));
}

}  // namespace

TEST_CASE("oidc accepts only a token signed by the issuer's keys with its issuer, audience and validity",
          "[auth][oidc]") {
  TestIssuer issuer;
  auto ext = start_extension("oidc", oidc_yaml(issuer));
  const auto& a = as_authenticator(ext);
  const std::string good = issuer.claims("otlpd", "alice", 600, R"(,"groups":["dev","ops"])");

  SECTION("valid RS256 and ES256 tokens, an aud array: accepted, AuthData as the Collector's") {
    AuthData auth;
    const std::string token = issuer.sign("rsa-1", good);
    REQUIRE(check(a, token, &auth).is_ok());
    CHECK(auth.principal == "alice");
    CHECK(auth.attribute("subject") == "alice");
    CHECK(auth.attribute("raw") == token);
    std::vector<std::string> groups;
    for (const auto& [k, v] : auth.attributes)
      if (k == "membership") groups.push_back(v);
    CHECK(groups == std::vector<std::string>{"dev", "ops"});
    CHECK(check(a, issuer.sign("ec-1", good)).is_ok());
    std::string aud_array = good;
    aud_array.replace(aud_array.find(R"("aud":"otlpd")"), 13, R"("aud":["other","otlpd"])");
    CHECK(check(a, issuer.sign("ec-1", aud_array)).is_ok());
    // Case-insensitive scheme.
    CHECK(a.authenticate({{"authorization", "bearer " + token}}, auth).is_ok());
  }
  SECTION("everything else is refused, with a reason and never the token") {
    std::string wrong_issuer = good;
    wrong_issuer.replace(wrong_issuer.find(issuer.url()), issuer.url().size(), "https://evil.example");
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    issuer.add_rsa_key("unpublished", false);
    const std::vector<std::pair<std::string, std::string>> refused = {
        {"expired", issuer.sign("rsa-1", issuer.claims("otlpd", "alice", -600, R"(,"groups":[])"))},
        {"wrong audience", issuer.sign("rsa-1", issuer.claims("someone-else", "alice", 600, R"(,"groups":[])"))},
        {"wrong issuer", issuer.sign("rsa-1", wrong_issuer)},
        {"bad signature", with_payload(issuer.sign("rsa-1", good), issuer.claims("otlpd", "mallory", 600))},
        {"bad ES256 signature", with_payload(issuer.sign("ec-1", good), issuer.claims("otlpd", "mallory", 600))},
        {"unknown kid", issuer.sign("unpublished", good)},
        {"alg none", issuer.unsigned_token("rsa-1", good)},
        {"HS256 keyed with the RSA public key", issuer.hs256_with_public_key("rsa-1", good)},
        {"no groups claim", issuer.sign("rsa-1", issuer.claims("otlpd", "alice", 600))},
        {"not valid yet", issuer.sign("rsa-1", issuer.claims("otlpd", "alice", 600,
                                                             R"(,"groups":[],"nbf":)" + std::to_string(now + 600)))},
        {"ES256 naming the RSA key", with_header(issuer.sign("ec-1", good), R"({"alg":"ES256","kid":"rsa-1"})")},
        {"RS256 naming the EC key", with_header(issuer.sign("rsa-1", good), R"({"alg":"RS256","kid":"ec-1"})")},
        {"crit", with_header(issuer.sign("rsa-1", good), R"({"alg":"RS256","kid":"rsa-1","crit":["x"]})")},
        {"not a JWT", "abc.def"},
        {"huge", std::string(20000, 'a')},
    };
    for (const auto& [what, token] : refused) {
      INFO(what);
      Status st = check(a, token);
      CHECK_FALSE(st.is_ok());
      CHECK_FALSE(st.message().empty());
      if (token.size() > 20) CHECK_THAT(st.message(), !Contains(token.substr(token.size() - 20)));
    }
    AuthData auth;
    CHECK_THAT(a.authenticate({}, auth).message(), Contains("missing"));
    CHECK_THAT(a.authenticate({{"authorization", "Basic " + issuer.sign("rsa-1", good)}}, auth).message(),
               Contains("Bearer"));
    CHECK(a.challenge() == "Bearer realm=\"otlpd\"");
  }
}

TEST_CASE("oidc follows a key rotation with one bounded JWKS fetch, and a flood of unknown kids fetches nothing more",
          "[auth][oidc]") {
  TestIssuer issuer;
  const std::string claims = issuer.claims("otlpd", "alice", 600, R"(,"groups":"dev")");
  SECTION("a new key is used after the refresh its first token asks for") {
    auto ext = start_extension("oidc", oidc_yaml(issuer, "jwks_min_refresh_interval: 200ms\n"));
    const auto& a = as_authenticator(ext);
    CHECK(check(a, issuer.sign("rsa-1", claims)).is_ok());
    issuer.add_ec_key("ec-2", false);
    CHECK_FALSE(check(a, issuer.sign("ec-2", claims)).is_ok());  // not published yet
    issuer.publish("ec-2", true);
    issuer.publish("rsa-1", false);
    const size_t before = issuer.jwks_requests();
    REQUIRE(wait_until([&] { return check(a, issuer.sign("ec-2", claims)).is_ok(); }, 10s));
    CHECK(issuer.jwks_requests() - before <= 2);
    // rsa-1 is gone from the new key set.
    CHECK_FALSE(check(a, issuer.sign("rsa-1", claims)).is_ok());
  }
  SECTION("random kids within the interval cost no fetch") {
    auto ext = start_extension("oidc", oidc_yaml(issuer, "jwks_min_refresh_interval: 1h\n"));
    const auto& a = as_authenticator(ext);
    REQUIRE(issuer.jwks_requests() == 1);
    issuer.add_rsa_key("unpublished", false);
    const std::string signed_token = issuer.sign("unpublished", claims);
    std::mt19937_64 rng(7);
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 500; ++i) {
      std::string header = R"({"alg":"RS256","kid":")" + std::to_string(rng()) + R"("})";
      std::string token = base64url(header) + signed_token.substr(signed_token.find('.'));
      CHECK_FALSE(check(a, token).is_ok());
    }
    CHECK(std::chrono::steady_clock::now() - started < 5s);  // nobody waited for a fetch
    CHECK(issuer.jwks_requests() == 1);
    CHECK(check(a, issuer.sign("rsa-1", claims)).is_ok());
  }
}

TEST_CASE("oidc starts while the issuer is down, refuses until its keys load, then accepts", "[auth][oidc]") {
  TestIssuer issuer;
  issuer.set_down(true);
  auto ext = start_extension("oidc", oidc_yaml(issuer, "jwks_min_refresh_interval: 200ms\n"));
  const auto& a = as_authenticator(ext);
  const std::string token = issuer.sign("rsa-1", issuer.claims("otlpd", "alice", 600, R"(,"groups":[])"));
  CHECK_THAT(check(a, token).message(), Contains("not loaded"));
  issuer.set_down(false);
  REQUIRE(wait_until([&] { return check(a, token).is_ok(); }, 10s));
}

TEST_CASE("oidc fetches discovery and keys over TLS, trusting the roots in issuer_ca_path", "[auth][oidc]") {
  TempDir dir;
  const CertFiles certs = make_self_signed_cert(dir);
  TestIssuer issuer({certs.cert, certs.key});
  REQUIRE(issuer.url().starts_with("https://"));
  const std::string token = issuer.sign("ec-1", issuer.claims("otlpd", "alice", 600, R"(,"groups":[])"));

  SECTION("with the issuer's CA: the first fetch at start loads the keys, a valid token passes") {
    auto ext = start_extension("oidc", oidc_yaml(issuer, "issuer_ca_path: " + certs.cert + "\n"));
    CHECK(check(as_authenticator(ext), token).is_ok());
    CHECK(issuer.discovery_requests() == 1);
    CHECK(issuer.jwks_requests() == 1);
  }
  SECTION("without it, the self-signed issuer is not trusted: nothing is fetched, tokens are refused") {
    auto ext = start_extension("oidc", oidc_yaml(issuer));
    CHECK_THAT(check(as_authenticator(ext), token).message(), Contains("not loaded"));
    CHECK(issuer.discovery_requests() == 0);
  }
  SECTION("a CA that did not sign the issuer's certificate is not trusted either") {
    TempDir other;
    const CertFiles stranger = make_self_signed_cert(other);
    auto ext = start_extension("oidc", oidc_yaml(issuer, "issuer_ca_path: " + stranger.cert + "\n"));
    CHECK_THAT(check(as_authenticator(ext), token).message(), Contains("not loaded"));
    CHECK(issuer.discovery_requests() == 0);
  }
}

TEST_CASE("oidc config: issuer_url and audience are required, defaults as the Collector's", "[auth][oidc]") {
  CHECK_THROWS_WITH(start_extension("oidc", "audience: x"), Contains("issuer_url"));
  CHECK_THROWS_WITH(start_extension("oidc", "issuer_url: http://127.0.0.1:1"), Contains("audience"));
  CHECK_THROWS_WITH(start_extension("oidc", "issuer_url: ftp://x\naudience: a"), Contains("http"));
}

TEST_CASE("oauth2client fetches one token for many requests and a new one before it expires", "[auth][oidc]") {
  TestIssuer issuer;
  issuer.set_client("exporter", "s3cret&=", "otlpd", 3600);
  auto ext = start_extension("oauth2client", "client_id: exporter\nclient_secret: 's3cret&='\ntoken_url: " +
                                                 issuer.token_url() + "\nscopes: [a, b]\n");
  const auto* client = dynamic_cast<const ClientAuthenticator*>(ext.get());
  REQUIRE(client);
  auto server = start_extension("oidc", "issuer_url: " + issuer.url() + "\naudience: otlpd\n");
  std::vector<std::pair<std::string, std::string>> headers;
  for (int i = 0; i < 20; ++i) {
    headers.clear();
    REQUIRE(client->client_headers(headers).is_ok());
  }
  CHECK(issuer.token_requests() == 1);
  REQUIRE(headers.size() == 1);
  CHECK(headers[0].first == "authorization");
  AuthData auth;
  REQUIRE(as_authenticator(server).authenticate(headers, auth).is_ok());
  CHECK(auth.principal == "exporter");

  SECTION("a short-lived token is fetched again before it expires (the buffer is at most half its lifetime)") {
    issuer.set_client("exporter", "s3cret&=", "otlpd", 2);
    auto short_lived = start_extension(
        "oauth2client", "client_id: exporter\nclient_secret: 's3cret&='\ntoken_url: " + issuer.token_url() + "\n");
    const auto* c = dynamic_cast<const ClientAuthenticator*>(short_lived.get());
    const size_t before = issuer.token_requests();
    REQUIRE(c->client_headers(headers).is_ok());
    CHECK(issuer.token_requests() == before + 1);
    REQUIRE(wait_until(
        [&] {
          headers.clear();
          return c->client_headers(headers).is_ok() && issuer.token_requests() == before + 2;
        },
        5s));
  }
  SECTION("wrong credentials or an unreachable endpoint fail the request retryable") {
    auto wrong = start_extension("oauth2client",
                                 "client_id: exporter\nclient_secret: nope\ntoken_url: " + issuer.token_url() + "\n");
    Status st = dynamic_cast<const ClientAuthenticator*>(wrong.get())->client_headers(headers);
    CHECK(st.code() == Status::Code::retryable);
    CHECK_THAT(st.message(), Contains("invalid_client"));
    CHECK_THAT(st.message(), !Contains("nope"));
    issuer.set_down(true);
    auto down = start_extension("oauth2client",
                                "client_id: exporter\nclient_secret: x\ntoken_url: " + issuer.token_url() + "\n");
    CHECK(dynamic_cast<const ClientAuthenticator*>(down.get())->client_headers(headers).code() ==
          Status::Code::retryable);
  }
}

namespace {

grpc::Status export_with(const std::string& endpoint, const std::string& authorization) {
  auto stub = otlp_trace_svc::TraceService::NewStub(grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  ctx.AddMetadata("authorization", authorization);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse resp;
  return stub->Export(&ctx, full_traces(2, 7), &resp);
}

// An otlpd whose otlp receiver (gRPC and HTTP) requires tokens of `issuer`, writing what passes to `out`.
std::string protected_config(const TestIssuer& issuer, const std::string& out) {
  return R"(
extensions:
  oidc:
    issuer_url: )" +
         issuer.url() + R"(
    audience: otlpd
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:0", auth: {authenticator: oidc}}
      http: {endpoint: "127.0.0.1:0", auth: {authenticator: oidc}}
exporters:
  file: {path: )" +
         out + R"(}
service:
  extensions: [oidc]
  pipelines:
    traces: {receivers: [otlp], exporters: [file]}
)";
}

}  // namespace

TEST_CASE("otlp receiver with oidc: a valid token passes over gRPC and HTTP, bad ones get UNAUTHENTICATED and 401",
          "[auth][oidc][integration]") {
  TestIssuer issuer;
  TempDir dir;
  const std::string out = dir.file("out.jsonl");
  Daemon d(protected_config(issuer, out));
  const std::string claims = issuer.claims("otlpd", "alice", 600);
  const std::string good = "Bearer " + issuer.sign("ec-1", claims);
  const std::string body = full_traces(2, 7).SerializeAsString();
  for (const std::string& bad : {"Bearer " + issuer.hs256_with_public_key("rsa-1", claims),
                                 "Bearer " + issuer.sign("rsa-1", issuer.claims("otlpd", "alice", -600)),
                                 "Bearer " + issuer.unsigned_token("rsa-1", claims)}) {
    CHECK(export_with(d.endpoint("otlp", "grpc"), bad).error_code() == grpc::StatusCode::UNAUTHENTICATED);
    auto r = post("127.0.0.1", d.port("otlp", "http"), "/v1/traces",
                  {{"Content-Type", "application/x-protobuf"}, {"Authorization", bad}}, body);
    CHECK(r.status == 401);
    CHECK(r.header("WWW-Authenticate") == "Bearer realm=\"otlpd\"");
  }
  CHECK(export_with(d.endpoint("otlp", "grpc"), good).ok());
  CHECK(post("127.0.0.1", d.port("otlp", "http"), "/v1/traces",
             {{"Content-Type", "application/x-protobuf"}, {"Authorization", good}}, body)
            .status == 200);
  REQUIRE(wait_until([&] { return lines_in(out) >= 2; }));
  CHECK(d.stop() == 0);
  CHECK(lines_in(out) == 2);
}

TEST_CASE("exporters with oauth2client reach an oidc-protected otlpd with one token for many requests",
          "[auth][oidc][integration]") {
  TestIssuer issuer;
  issuer.set_client("front", "front-secret", "otlpd", 3600);
  TempDir dir;
  const std::string out = dir.file("out.jsonl");
  Daemon backend(protected_config(issuer, out));
  Daemon front(R"(
extensions:
  oauth2client:
    client_id: front
    client_secret_file: )" +
               dir.write("secret", "front-secret\n") + R"(
    token_url: )" +
               issuer.token_url() + R"(
    endpoint_params: {audience: otlpd}
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:0"}
exporters:
  otlp:
    endpoint: )" +
               backend.endpoint("otlp", "grpc") + R"(
    tls: {insecure: true}
    auth: {authenticator: oauth2client}
  otlphttp:
    endpoint: http://)" +
               backend.endpoint("otlp", "http") + R"(
    auth: {authenticator: oauth2client}
service:
  extensions: [oauth2client]
  pipelines:
    traces: {receivers: [otlp], exporters: [otlp, otlphttp]}
)");
  OtlpGrpcClient client(front.endpoint("otlp", "grpc"));
  for (int i = 0; i < 10; ++i) REQUIRE(client.send(full_traces(1, static_cast<uint64_t>(i) + 1)).ok());
  REQUIRE(wait_until([&] { return lines_in(out) >= 20; }, 20s));
  CHECK(issuer.token_requests() == 1);
  CHECK(front.stop() == 0);
  CHECK(backend.stop() == 0);
}
