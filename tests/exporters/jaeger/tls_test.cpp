// The jaeger sender over TLS: verification with a CA file, refusal without it, insecure_skip_verify, mTLS files.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <stdexcept>

#include "exporters/jaeger/fake_jaeger_collector.h"
#include "exporters/jaeger/sender.h"
#include "support/daemon.h"
#include "support/null_host.h"
#include "support/otlp_client.h"

namespace otlpd::jaeger_exporter {
namespace {

using exporter_helper::SendOutcome;

// A self-signed certificate for 127.0.0.1 and "jaeger.test", made with the openssl tool.
struct SelfSigned {
  test::TempDir dir;
  std::string cert = dir.file("cert.pem");
  std::string key = dir.file("key.pem");
  SelfSigned() {
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=jaeger.test"
        " -addext subjectAltName=DNS:jaeger.test,IP:127.0.0.1"
        " -keyout " +
        key + " -out " + cert + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl could not make a certificate");
  }
};

std::shared_ptr<grpc::ServerCredentials> server_tls(const SelfSigned& c) {
  grpc::SslServerCredentialsOptions opts;
  opts.pem_key_cert_pairs.push_back({test::read_file(c.key), test::read_file(c.cert)});
  return grpc::SslServerCredentials(opts);
}

SendOutcome send_one(const JaegerConfig& cfg) {
  auto sender = make_trace_sender("jaeger", cfg);
  sender->start(otlpd::test::no_extensions());
  auto batch = TraceBatch::make();
  batch.first() = test::full_traces(1, 21);
  return sender->send(batch, std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

TEST_CASE("jaeger sender: TLS towards the collector", "[jaeger]") {
  // Given a collector serving TLS with a self-signed certificate
  SelfSigned certs;
  test::FakeJaegerCollector collector(server_tls(certs));
  JaegerConfig cfg;
  cfg.client.endpoint = cfg.client.target = collector.endpoint();

  SECTION("the certificate verifies against ca_file") {
    cfg.client.tls.ca_file = certs.cert;
    CHECK(send_one(cfg).kind == SendOutcome::Kind::ok);
    CHECK(collector.span_count() == 1);
  }
  SECTION("server_name_override names the certificate's host") {
    cfg.client.tls.ca_file = certs.cert;
    cfg.client.tls.server_name_override = "jaeger.test";
    CHECK(send_one(cfg).kind == SendOutcome::Kind::ok);
  }
  SECTION("an untrusted certificate is refused (retryable: the server may be fixed)") {
    CHECK(send_one(cfg).kind == SendOutcome::Kind::retryable);
    CHECK(collector.span_count() == 0);
  }
  SECTION("insecure_skip_verify accepts it, also with a client certificate") {
    cfg.client.tls.insecure_skip_verify = true;
    CHECK(send_one(cfg).kind == SendOutcome::Kind::ok);
    cfg.client.tls.cert_file = certs.cert;
    cfg.client.tls.key_file = certs.key;
    CHECK(send_one(cfg).kind == SendOutcome::Kind::ok);
    CHECK(collector.span_count() == 2);
  }
  SECTION("plaintext towards a TLS server fails retryably") {
    cfg.client.tls.insecure = true;
    CHECK(send_one(cfg).kind == SendOutcome::Kind::retryable);
  }
  SECTION("an unreadable ca_file stops start()") {
    cfg.client.tls.ca_file = certs.dir.file("missing.pem");
    auto sender = make_trace_sender("jaeger", cfg);
    CHECK_THROWS_WITH(sender->start(otlpd::test::no_extensions()), Catch::Contains("missing.pem"));
  }
}

}  // namespace
}  // namespace otlpd::jaeger_exporter
