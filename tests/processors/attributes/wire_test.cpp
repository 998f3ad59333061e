// The attributes processor's wire path for traces: received bytes come out as the decoded path leaves them,
// for the actions done on the wire and for those that decode the list; counts and context carry over.
#include <google/protobuf/util/message_differencer.h>
#include <catch2/catch.hpp>

#include "codec/otlp_wire.h"
#include "codec/wire_reader.h"
#include "processors/harness.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::test;
using google::protobuf::util::MessageDifferencer;

namespace {

otlp_trace::ExportTraceServiceRequest through(const std::string& yaml, TraceBatch batch, bool* stayed_wire = nullptr) {
  Capture<TraceBatch> sink;
  auto p = make_processor<TraceBatch>("attributes", yaml, sink);
  REQUIRE(input<TraceBatch>(*p).consume(std::move(batch)).is_ok());
  auto out = sink.take();
  REQUIRE(out.size() == 1);
  if (stayed_wire) {
    *stayed_wire = true;
    for (const auto& part : out[0].raw_parts()) *stayed_wire &= part.wire != nullptr && part.request == nullptr;
  }
  auto merged = out[0].merged();
  return *merged.read_parts().front().request;
}

TraceBatch decoded(const otlp_trace::ExportTraceServiceRequest& r, RequestContext ctx = {}) {
  auto b = TraceBatch::make(std::move(ctx));
  b.first().CopyFrom(r);
  return b;
}

TraceBatch wire(const otlp_trace::ExportTraceServiceRequest& r, RequestContext ctx = {}) {
  std::string bytes = r.SerializeAsString();
  auto checked = otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(bytes);
  REQUIRE(checked.ok);
  return TraceBatch::adopt_wire(std::move(bytes), checked.items, std::move(ctx));
}

}  // namespace

TEST_CASE("attribute actions give the same spans from received bytes as from decoded requests", "[processors][wire]") {
  auto req = full_traces(5, 21);
  // Duplicate keys, so that "first match" and "delete all" are exercised.
  auto* span = req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  set_attr(*span->mutable_attributes(), "str", "second str");
  set_attr(*span->mutable_attributes(), "text", "id=42 user=bob");
  RequestContext ctx;
  ctx.client_address = "10.1.2.3:5000";
  ctx.metadata = {{"x-tenant", "acme"}};

  const char* configs[] = {
      // done on the wire
      "actions: [{key: env, action: insert, value: prod}, {key: int, action: delete}]",
      "actions: [{key: str, action: update, value: 7}, {key: bool, action: upsert, value: false}]",
      "actions: [{key: env, action: upsert, value: 1.5}, {key: str, action: insert, value: x}]",
      "actions: [{key: copy, action: insert, from_attribute: kvlist}, {key: str, action: upsert, from_attribute: int}]",
      "actions: [{key: missing, action: update, from_attribute: nope}, {key: str, action: upsert, from_attribute: "
      "str}, {key: copied, action: upsert, from_attribute: str}]",
      "actions: [{pattern: '^(str|b.*)$', action: delete}, {key: array, action: delete}]",
      "actions: [{key: str, action: delete}, {key: str, action: insert, value: back}]",
      // done on the wire too since one definition serves both forms (codec/attribute_list.h)
      "actions: [{key: str, action: hash}, {key: env, action: insert, value: prod}]",
      "actions: [{key: text, action: extract, pattern: 'id=(?P<the_id>\\d+) user=(?P<the_user>\\w+)'}]",
      "actions: [{key: double, action: convert, converted_type: int}, {key: int, action: convert, converted_type: "
      "string}]",
      "actions: [{key: tenant, action: insert, from_context: metadata.x-tenant}, {key: ip, action: upsert, "
      "from_context: client.address}]",
  };
  for (const char* yaml : configs) {
    INFO(yaml);
    bool stayed_wire = false;
    auto from_decoded = through(yaml, decoded(req, ctx));
    auto from_wire = through(yaml, wire(req, ctx), &stayed_wire);
    CHECK(stayed_wire);
    CHECK(MessageDifferencer::Equals(from_decoded, from_wire));
    CHECK_FALSE(MessageDifferencer::Equals(from_decoded, req));  // every config changes something
  }
}

TEST_CASE("every action runs on the received attributes: untouched ones keep their received bytes",
          "[processors][wire]") {
  // Given a span whose attribute `pad` holds int 1 in an over-long varint (valid protobuf, which a decode and
  // re-encode would shorten)
  auto len = [](uint32_t number, const std::string& body) {
    std::string out;
    otlp_wire::append_varint(out, uint64_t(number) << 3 | 2);
    otlp_wire::append_varint(out, body.size());
    return out + body;
  };
  auto kv = [&](const std::string& key, const std::string& any_value) { return len(1, key) + len(2, any_value); };
  const std::string padded_int = std::string("\x18\x81\x00", 3);
  std::string attrs = len(9, kv("pad", padded_int)) + len(9, kv("user.id", len(1, "user-1"))) +
                      len(9, kv("code", std::string("\x18\xc8\x01", 3))) + len(9, kv("target", len(1, "/orders/42")));
  std::string bytes = len(1, len(2, len(2, attrs)));
  auto checked = otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(bytes);
  REQUIRE(checked.ok);
  otlp_trace::ExportTraceServiceRequest req;
  REQUIRE(req.ParseFromString(bytes));

  const char* configs[] = {
      "actions: [{key: user.id, action: hash}]",
      "actions: [{key: code, action: convert, converted_type: string}]",
      "actions: [{key: target, action: extract, pattern: '^/(?P<resource>\\w+)/(?P<id>\\d+)'}]",
      "actions: [{key: tenant, action: insert, from_context: metadata.x-tenant}]",
      "actions: [{pattern: '^user', action: hash}, {key: code, action: convert, converted_type: double}]",
  };
  RequestContext ctx;
  ctx.metadata = {{"x-tenant", "acme"}};
  for (const char* yaml : configs) {
    INFO(yaml);
    // When the actions run on the received bytes
    Capture<TraceBatch> sink;
    auto p = make_processor<TraceBatch>("attributes", yaml, sink);
    REQUIRE(input<TraceBatch>(*p).consume(TraceBatch::adopt_wire(bytes, checked.items, ctx)).is_ok());
    auto out = sink.take();
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].raw_parts().size() == 1);
    const auto& part = out[0].raw_parts()[0];
    REQUIRE(part.wire);
    // Then the list was edited as received (the padded varint is still there), to what the decoded path gives
    CHECK(part.wire->find(kv("pad", padded_int)) != std::string::npos);
    CHECK(*part.wire != bytes);
    otlp_trace::ExportTraceServiceRequest got;
    REQUIRE(got.ParseFromString(*part.wire));
    auto want = through(yaml, decoded(req, ctx));
    CHECK(MessageDifferencer::Equals(want, got));
  }
}

TEST_CASE("include/exclude keeps traces on the decoded path, with the same result", "[processors][wire]") {
  auto req = full_traces(3, 5);
  const char* yaml =
      "include: {match_type: strict, services: [svc-1]}\nactions: [{key: env, action: insert, value: p}]";
  bool stayed_wire = true;
  auto a = through(yaml, decoded(req));
  auto b = through(yaml, wire(req), &stayed_wire);
  CHECK_FALSE(stayed_wire);
  CHECK(MessageDifferencer::Equals(a, b));
}

TEST_CASE("a wire edit keeps the part's span count and the batch's context", "[processors][wire]") {
  Capture<TraceBatch> sink;
  auto p = make_processor<TraceBatch>("attributes", "actions: [{key: env, action: insert, value: prod}]", sink);
  RequestContext ctx;
  ctx.tenant = "t1";
  auto req = full_traces(7, 2);
  auto b = wire(req, ctx);
  REQUIRE(input<TraceBatch>(*p).consume(std::move(b)).is_ok());
  auto out = sink.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].context().tenant == "t1");
  REQUIRE(out[0].raw_parts().size() == 1);
  CHECK(out[0].raw_parts()[0].items != TraceBatch::kUnknownItems);
  CHECK(out[0].item_count() == SignalTraits<otlp_trace::ExportTraceServiceRequest>::count_items(req));
  CHECK(otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(*out[0].raw_parts()[0].wire).ok);
}
