// The resource processor: every action on the resource attributes of traces, metrics and logs; config errors.
#include <google/protobuf/util/message_differencer.h>
#include <catch2/catch.hpp>

#include "codec/otlp_wire.h"
#include "processors/common/values.h"
#include "processors/harness.h"

using namespace otlpd;
using namespace otlpd::test;
using otlpd::processors::Attributes;
using otlpd::processors::find_attribute;

namespace {

// Every action, in order, over resource attributes {service.name=svc, host=web-01:8080, port="443", secret=pw,
// drop.me=x, tmp.a=1, tmp.b=2}.
constexpr const char* kAllActions = R"(attributes:
  - {key: env, action: insert, value: prod}
  - {key: service.name, action: insert, value: ignored}
  - {key: service.name, action: update, value: checkout}
  - {key: absent, action: update, value: never}
  - {key: region, action: upsert, value: eu-west-1}
  - {key: service.original, action: insert, from_attribute: service.name}
  - {key: drop.me, action: delete}
  - {pattern: ^tmp\., action: delete}
  - {key: secret, action: hash}
  - {key: host, action: extract, pattern: "^(?P<hostname>[a-z0-9-]+):(?P<hostport>[0-9]+)$"}
  - {key: port, action: convert, converted_type: int}
  - {key: tenant, action: insert, from_context: metadata.x-tenant})";

void fill(Attributes& a) {
  for (auto [k, v] : {std::pair{"service.name", "svc"},
                      {"host", "web-01:8080"},
                      {"port", "443"},
                      {"secret", "pw"},
                      {"drop.me", "x"},
                      {"tmp.a", "1"},
                      {"tmp.b", "2"}})
    set_attr(a, k, v);
}

std::string str(const Attributes& a, const std::string& key) {
  const auto* v = find_attribute(a, key);
  return v ? processors::as_string(*v) : "<absent>";
}

void check_all_actions(const Attributes& a) {
  CHECK(str(a, "env") == "prod");
  CHECK(str(a, "service.name") == "checkout");
  CHECK(str(a, "absent") == "<absent>");
  CHECK(str(a, "region") == "eu-west-1");
  CHECK(str(a, "service.original") == "checkout");
  CHECK(str(a, "drop.me") == "<absent>");
  CHECK(str(a, "tmp.a") == "<absent>");
  CHECK(str(a, "tmp.b") == "<absent>");
  CHECK(str(a, "secret") == "1a91d62f7ca67399625a4368a6ab5d4a3baa6073");  // SHA-1("pw")
  CHECK(str(a, "hostname") == "web-01");
  CHECK(str(a, "hostport") == "8080");
  REQUIRE(find_attribute(a, "port"));
  CHECK(find_attribute(a, "port")->int_value() == 443);
  CHECK(str(a, "tenant") == "acme");
}

RequestContext tenant_context() {
  RequestContext ctx;
  ctx.metadata.emplace_back("x-tenant", "acme");
  return ctx;
}

}  // namespace

TEST_CASE("resource: every action applies to the resource of every ResourceSpans", "[resource]") {
  Capture<TraceBatch> out;
  auto p = make_processor<TraceBatch>("resource", kAllActions, out);
  auto b = TraceBatch::make(tenant_context());
  for (int i = 0; i < 2; ++i) {
    auto* rs = b.first().add_resource_spans();
    fill(*rs->mutable_resource()->mutable_attributes());
    auto* span = rs->add_scope_spans()->add_spans();
    set_attr(*span->mutable_attributes(), "drop.me", "span-level");
  }
  REQUIRE(input<TraceBatch>(*p).consume(std::move(b)).is_ok());
  auto got = out.take();
  REQUIRE(got.size() == 1);
  const auto& req = *got[0].read_parts()[0].request;
  REQUIRE(req.resource_spans_size() == 2);
  for (const auto& rs : req.resource_spans()) {
    check_all_actions(rs.resource().attributes());
    // Span attributes are not the resource processor's business.
    CHECK(str(rs.scope_spans(0).spans(0).attributes(), "drop.me") == "span-level");
  }
}

TEST_CASE("resource: received trace and log bytes are edited on the wire, with the decoded path's result",
          "[resource][wire]") {
  // Two resources, spans with attributes the actions name: only resource attributes change, the part keeps
  // received bytes (nothing decoded on the way), and the bytes parse to what the decoded path gives.
  otlp_trace::ExportTraceServiceRequest traces;
  for (int i = 0; i < 2; ++i) {
    auto* rs = traces.add_resource_spans();
    fill(*rs->mutable_resource()->mutable_attributes());
    auto* span = rs->add_scope_spans()->add_spans();
    span->set_name(i == 0 ? "s0" : "s1");
    set_attr(*span->mutable_attributes(), "drop.me", "span-level");
  }
  std::string bytes = traces.SerializeAsString();
  auto checked = otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(bytes);
  REQUIRE(checked.ok);

  Capture<TraceBatch> wire_out, decoded_out;
  auto on_wire = make_processor<TraceBatch>("resource", kAllActions, wire_out);
  auto on_decoded = make_processor<TraceBatch>("resource", kAllActions, decoded_out);
  REQUIRE(input<TraceBatch>(*on_wire).consume(TraceBatch::adopt_wire(bytes, checked.items, tenant_context())).is_ok());
  auto decoded = TraceBatch::make(tenant_context());
  decoded.first().CopyFrom(traces);
  REQUIRE(input<TraceBatch>(*on_decoded).consume(std::move(decoded)).is_ok());

  auto got = wire_out.take();
  auto want = decoded_out.take();
  REQUIRE(got.size() == 1);
  REQUIRE(want.size() == 1);
  REQUIRE(got[0].raw_parts().size() == 1);
  const auto& part = got[0].raw_parts()[0];
  REQUIRE(part.wire != nullptr);       // still bytes: sent on without re-encoding the rest
  CHECK(part.request == nullptr);      // and never decoded
  CHECK(part.items == checked.items);  // the item count stays known
  otlp_trace::ExportTraceServiceRequest parsed;
  REQUIRE(parsed.ParseFromString(*part.wire));
  for (const auto& rs : parsed.resource_spans()) {
    check_all_actions(rs.resource().attributes());
    CHECK(str(rs.scope_spans(0).spans(0).attributes(), "drop.me") == "span-level");
  }
  CHECK(google::protobuf::util::MessageDifferencer::Equals(parsed, *want[0].read_parts()[0].request));
}

TEST_CASE("resource: every action applies to ResourceMetrics", "[resource]") {
  Capture<MetricBatch> out;
  auto p = make_processor<MetricBatch>("resource", kAllActions, out);
  auto b = MetricBatch::make(tenant_context());
  auto* rm = b.first().add_resource_metrics();
  fill(*rm->mutable_resource()->mutable_attributes());
  rm->add_scope_metrics()->add_metrics()->set_name("m");
  REQUIRE(input<MetricBatch>(*p).consume(std::move(b)).is_ok());
  auto got = out.take();
  REQUIRE(got.size() == 1);
  check_all_actions(got[0].read_parts()[0].request->resource_metrics(0).resource().attributes());
}

TEST_CASE("resource: every action applies to ResourceLogs, in every part of a batch", "[resource]") {
  Capture<LogBatch> out;
  auto p = make_processor<LogBatch>("resource", kAllActions, out);
  auto b = LogBatch::make(tenant_context());
  fill(*b.first().add_resource_logs()->mutable_resource()->mutable_attributes());
  auto second = LogBatch::make();
  fill(*second.first().add_resource_logs()->mutable_resource()->mutable_attributes());
  b.append(std::move(second));
  REQUIRE(input<LogBatch>(*p).consume(std::move(b)).is_ok());
  auto got = out.take();
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].read_parts().size() == 2);
  for (const auto& part : got[0].read_parts())
    check_all_actions(part.request->resource_logs(0).resource().attributes());
}

TEST_CASE("resource: hash gives the attributes processor's SHA-1", "[resource]") {
  // SHA-1("pw") = 1a91d62f7ca67399625a4368a6ab5d4a3baa6073
  Capture<LogBatch> out;
  auto p = make_processor<LogBatch>("resource", "attributes: [{key: secret, action: hash}]", out);
  auto b = LogBatch::make();
  set_attr(*b.first().add_resource_logs()->mutable_resource()->mutable_attributes(), "secret", "pw");
  REQUIRE(input<LogBatch>(*p).consume(std::move(b)).is_ok());
  auto got = out.take();
  CHECK(str(got[0].read_parts()[0].request->resource_logs(0).resource().attributes(), "secret") ==
        "1a91d62f7ca67399625a4368a6ab5d4a3baa6073");
}

TEST_CASE("resource: config errors name the path", "[resource]") {
  SECTION("no attributes") { CHECK_THROWS_WITH(parse_processor("resource", "{}"), Catch::Contains("'attributes'")); }
  SECTION("an empty list") {
    CHECK_THROWS_WITH(parse_processor("resource", "attributes: []"), Catch::Contains("at least one action"));
  }
  SECTION("attributes processor's keys are not the resource processor's") {
    CHECK_THROWS_WITH(parse_processor("resource", "actions: [{key: a, action: delete}]"), Catch::Contains("actions"));
  }
  SECTION("an unknown action") {
    CHECK_THROWS_WITH(parse_processor("resource", "attributes: [{key: a, action: rename}]"),
                      Catch::Contains("unknown value 'rename'"));
  }
  SECTION("a value where none belongs") {
    CHECK_THROWS_WITH(parse_processor("resource", "attributes: [{key: a, action: delete, value: x}]"),
                      Catch::Contains("only insert, update and upsert"));
  }
  SECTION("include is not a resource processor key") {
    CHECK_THROWS(parse_processor("resource", "attributes: [{key: a, action: delete}]\ninclude: {match_type: strict}"));
  }
}
