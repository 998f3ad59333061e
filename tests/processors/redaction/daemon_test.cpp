// The redaction processor inside the real daemon: OTLP/gRPC in, redacted spans and logs out to a file.
#include <catch2/catch.hpp>

#include "processors/redaction/redaction_fixture.h"
#include "support/daemon.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::redaction_test;

TEST_CASE("otlpd masks emails, cards and passwords before they reach an exporter", "[redaction][integration]") {
  test::TempDir out;
  const std::string path = out.file("out.jsonl");
  test::Daemon d(R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
processors:
  redaction:
    allow_all_keys: true
    summary: info
exporters:
  file:
    path: )" + path +
                 R"(
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [redaction]
      exporters: [file]
    logs:
      receivers: [otlp]
      processors: [redaction]
      exporters: [file]
)");
  auto traces = span_with({{"note", "mail alice@example.com card 4111-1111-1111-1111 ok"}, {"db.password", "hunter2"}});
  REQUIRE(test::export_traces(d.endpoint("otlp", "grpc"), traces).ok());
  otlp_logs::ExportLogsServiceRequest logs;
  logs.add_resource_logs()->add_scope_logs()->add_log_records()->mutable_body()->set_string_value(
      "user bob@example.com logged in");
  REQUIRE(test::export_logs(d.endpoint("otlp", "grpc"), logs).ok());

  REQUIRE(test::wait_until([&] {
    std::string text = test::read_file(path);
    return text.find("logged in") != std::string::npos && text.find("card") != std::string::npos;
  }));
  std::string text = test::read_file(path);
  CHECK(text.find("alice@example.com") == std::string::npos);
  CHECK(text.find("bob@example.com") == std::string::npos);
  CHECK(text.find("4111-1111-1111-1111") == std::string::npos);
  CHECK(text.find("hunter2") == std::string::npos);
  CHECK(text.find("mail **** card **** ok") != std::string::npos);
  CHECK(text.find("user **** logged in") != std::string::npos);
  CHECK(text.find("redaction.masked.count") != std::string::npos);
}
