// The jaeger sender against a fake Jaeger collector: delivery, headers, compression, error classification.
#include "exporters/jaeger/sender.h"

#include <catch2/catch.hpp>

#include <algorithm>

#include "exporters/jaeger/fake_jaeger_collector.h"
#include "exporters/jaeger/translate.h"
#include "support/null_host.h"
#include "support/otlp_client.h"

namespace otlpd::jaeger_exporter {
namespace {

using exporter_helper::SendOutcome;

JaegerConfig insecure_config(const std::string& endpoint) {
  JaegerConfig cfg;
  cfg.client.endpoint = endpoint;
  cfg.client.target = endpoint;
  cfg.client.tls.insecure = true;
  return cfg;
}

Deadline in_seconds(int s) { return std::chrono::steady_clock::now() + std::chrono::seconds(s); }

// A batch of two parts: resources svc-1 (3 spans) and svc-2 (2 spans).
TraceBatch two_resource_batch() {
  auto batch = TraceBatch::make();
  batch.first() = test::full_traces(3, 1);
  auto second = TraceBatch::make();
  second.first() = test::full_traces(2, 2);
  batch.append(std::move(second));
  return batch;
}

TEST_CASE("jaeger sender: posts one translated Batch per resource", "[jaeger]") {
  // Given a Jaeger collector and a started sender with headers and gzip
  test::FakeJaegerCollector collector;
  auto cfg = insecure_config(collector.endpoint());
  cfg.client.headers = {{"x-tenant", "acme"}};
  cfg.client.compression = ContentEncoding::gzip;
  auto sender = make_trace_sender("jaeger", cfg);
  sender->start(otlpd::test::no_extensions());

  // When a batch with two resources is sent
  const auto batch = two_resource_batch();
  const auto outcome = sender->send(batch, in_seconds(10));

  // Then both arrive as the translator makes them, with the headers
  REQUIRE(outcome.kind == SendOutcome::Kind::ok);
  CHECK(outcome.rejected_items == 0);
  auto got = collector.batches();
  REQUIRE(got.size() == 2);
  std::sort(got.begin(), got.end(),
            [](const auto& a, const auto& b) { return a.process().service_name() < b.process().service_name(); });
  const auto want1 = translate(test::full_traces(3, 1));
  const auto want2 = translate(test::full_traces(2, 2));
  CHECK(got[0].SerializeAsString() == want1[0].SerializeAsString());
  CHECK(got[1].SerializeAsString() == want2[0].SerializeAsString());
  CHECK(collector.last_metadata()["x-tenant"] == "acme");
  CHECK(collector.last_metadata()["user-agent"].starts_with("otlpd/"));
  sender->shutdown();
}

TEST_CASE("jaeger sender: classifies gRPC failures", "[jaeger]") {
  test::FakeJaegerCollector collector;
  auto sender = make_trace_sender("jaeger", insecure_config(collector.endpoint()));
  sender->start(otlpd::test::no_extensions());
  auto batch = TraceBatch::make();
  batch.first() = test::full_traces(2, 3);

  SECTION("UNAVAILABLE is retryable, and the next attempt delivers") {
    collector.fail_next(1, grpc::Status(grpc::StatusCode::UNAVAILABLE, "busy"));
    const auto first = sender->send(batch, in_seconds(10));
    CHECK(first.kind == SendOutcome::Kind::retryable);
    CHECK_THAT(first.message, Catch::Contains("UNAVAILABLE") && Catch::Contains("busy"));
    CHECK(collector.span_count() == 0);
    CHECK(sender->send(batch, in_seconds(10)).kind == SendOutcome::Kind::ok);
    CHECK(collector.span_count() == 2);
  }
  SECTION("every retryable code is retryable") {
    for (auto code : {grpc::StatusCode::DEADLINE_EXCEEDED, grpc::StatusCode::ABORTED, grpc::StatusCode::OUT_OF_RANGE,
                      grpc::StatusCode::DATA_LOSS, grpc::StatusCode::CANCELLED}) {
      collector.fail_next(1, grpc::Status(code, "x"));
      CHECK(sender->send(batch, in_seconds(10)).kind == SendOutcome::Kind::retryable);
    }
  }
  SECTION("INVALID_ARGUMENT and other codes are permanent") {
    for (auto code : {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::PERMISSION_DENIED,
                      grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::INTERNAL}) {
      collector.fail_next(1, grpc::Status(code, "refused"));
      const auto outcome = sender->send(batch, in_seconds(10));
      CHECK(outcome.kind == SendOutcome::Kind::permanent);
      CHECK_THAT(outcome.message, Catch::Contains("refused"));
    }
    CHECK(collector.span_count() == 0);
  }
  SECTION("a collector that is gone is retryable") {
    collector.stop();
    CHECK(sender->send(batch, in_seconds(5)).kind == SendOutcome::Kind::retryable);
  }
}

TEST_CASE("jaeger sender: spans with malformed ids are rejected, the rest delivered", "[jaeger]") {
  test::FakeJaegerCollector collector;
  auto sender = make_trace_sender("jaeger", insecure_config(collector.endpoint()));
  sender->start(otlpd::test::no_extensions());
  auto batch = TraceBatch::make();
  batch.first() = test::full_traces(3, 4);
  batch.first().mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->set_span_id("bad");

  const auto outcome = sender->send(batch, in_seconds(10));
  CHECK(outcome.kind == SendOutcome::Kind::ok);
  CHECK(outcome.rejected_items == 1);
  CHECK(collector.span_count() == 2);

  SECTION("a batch of only malformed spans is refused without a call") {
    auto bad = TraceBatch::make();
    bad.first() = test::full_traces(1, 5);
    bad.first().mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_trace_id("");
    const int calls = collector.calls();
    CHECK(sender->send(bad, in_seconds(10)).kind == SendOutcome::Kind::permanent);
    CHECK(collector.calls() == calls);
  }
}

TEST_CASE("jaeger sender: many resources are posted in parallel windows", "[jaeger]") {
  test::FakeJaegerCollector collector;
  auto sender = make_trace_sender("jaeger", insecure_config(collector.endpoint()));
  sender->start(otlpd::test::no_extensions());
  auto batch = TraceBatch::make();
  for (int i = 0; i < 70; ++i) *batch.first().add_resource_spans() = test::full_traces(1, 10 + i).resource_spans(0);
  CHECK(sender->send(batch, in_seconds(20)).kind == SendOutcome::Kind::ok);
  CHECK(collector.calls() == 70);
  CHECK(collector.span_count() == 70);
}

}  // namespace
}  // namespace otlpd::jaeger_exporter
