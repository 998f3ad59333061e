// tail_sampling on wire bytes: the same decisions and span bytes as from decoded input, unknown fields kept,
// policies that read spans from bytes as a decoder would, lazy decoding, and malformed bytes refused.
#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <vector>

#include "codec/otlp_wire.h"
#include "processors/tail_sampling/config.h"
#include "processors/tail_sampling/helpers.h"
#include "processors/tail_sampling/policies.h"
#include "support/daemon.h"

using namespace otlpd;
using namespace otlpd::tail_sampling;
using namespace otlpd::test;
using namespace otlpd::test::ts;
using namespace std::chrono_literals;
using SpanStatus = opentelemetry::proto::trace::v1::Status;

namespace {

constexpr uint64_t kBase = 1'700'000'000'000'000'000ull;

// A length-delimited field: tag, length, body.
std::string len_field(uint32_t number, std::string_view body) {
  std::string out;
  otlp_wire::append_varint(out, uint64_t(number) << 3 | 2);
  otlp_wire::append_varint(out, body.size());
  out.append(body);
  return out;
}
std::string varint_field(uint32_t number, uint64_t v) {
  std::string out;
  otlp_wire::append_varint(out, uint64_t(number) << 3);
  otlp_wire::append_varint(out, v);
  return out;
}
std::string fixed64_field(uint32_t number, uint64_t v) {
  std::string out;
  otlp_wire::append_varint(out, uint64_t(number) << 3 | 1);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}
// A request of one resource (service.name) and one scope holding `spans` (each a Span's bytes).
std::string request_of(const std::vector<std::string>& spans, const std::string& service = "svc") {
  opentelemetry::proto::resource::v1::Resource res;
  auto* kv = res.add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value(service);
  std::string scope_spans = len_field(1, len_field(1, "scope"));
  for (const auto& s : spans) scope_spans += len_field(2, s);
  return len_field(1, len_field(1, res.SerializeAsString()) + len_field(2, scope_spans));
}

// The first policy of a processor config holding just `policy_yaml` (a flow map).
PolicyPtr policy(const std::string& policy_yaml) {
  auto cfg = parse_config(ConfigNode(YAML::Load("policies: [" + policy_yaml + "]"), "processors::tail_sampling"));
  return make_policy(cfg->policies.at(0));
}

enum class TraceKind { normal, error, slow, gold };

// Requests whose traces span two resources and two scopes each; error, slow and gold (tenant=gold) traces.
std::vector<TraceBatch> generated_requests(std::vector<std::pair<std::string, TraceKind>>& traces) {
  std::mt19937_64 rng(4242);
  for (int i = 0; i < 400; ++i) traces.emplace_back(random_id(rng), static_cast<TraceKind>(i % 4 == 0 ? rng() % 4 : 0));
  std::vector<TraceBatch> out;
  for (size_t first = 0; first < traces.size(); first += 40) {
    auto b = TraceBatch::make();
    auto& req = b.first();
    for (int r = 0; r < 2; ++r) {
      auto* rs = req.add_resource_spans();
      if (r == 1) rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
      auto* kv = rs->mutable_resource()->add_attributes();
      kv->set_key("service.name");
      kv->mutable_value()->set_string_value(r == 0 ? "front" : "back");
      for (int s = 0; s < 2; ++s) {
        auto* ss = rs->add_scope_spans();
        ss->mutable_scope()->set_name("lib" + std::to_string(s));
        if (s == 1) ss->set_schema_url("https://example.com/scope");
        for (size_t t = first; t < first + 40 && t < traces.size(); ++t) {
          if (r + s > 0 && (t + static_cast<size_t>(r + s)) % 3 == 0) continue;  // not every trace everywhere
          Span* span = ss->add_spans();
          span->set_trace_id(traces[t].first);
          span->set_span_id(random_id(rng, 8));
          if (r || s) span->set_parent_span_id(random_id(rng, 8));
          span->set_name("op");
          uint64_t ms = traces[t].second == TraceKind::slow && r == 0 && s == 0 ? 2500 : 20;
          span->set_start_time_unix_nano(kBase);
          span->set_end_time_unix_nano(kBase + ms * 1'000'000);
          set_attr(span, "tenant", traces[t].second == TraceKind::gold && r == 1 ? "gold" : "basic");
          if (traces[t].second == TraceKind::error && s == 1)
            span->mutable_status()->set_code(SpanStatus::STATUS_CODE_ERROR);
        }
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

constexpr const char* kMixedPolicies = R"(
decision_wait: 1h
policies:
  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
  - {name: slow, type: latency, latency: {threshold_ms: 2000}}
  - {name: gold, type: string_attribute, string_attribute: {key: tenant, values: [gold]}}
  - {name: some, type: probabilistic, probabilistic: {sampling_percentage: 20}}
)";

}  // namespace

TEST_CASE("tail_sampling decides the same and sends the same span bytes for wire and decoded input",
          "[tail_sampling]") {
  // Given: two processors with status, latency, attribute and probabilistic policies.
  Harness wire("wire_in", kMixedPolicies), decoded("decoded_in", kMixedPolicies);
  wire.capture.keep_span_bytes();
  decoded.capture.keep_span_bytes();
  std::vector<std::pair<std::string, TraceKind>> traces;
  auto requests = generated_requests(traces);

  // When: the same requests reach one as received bytes (not decoded) and the other as decoded messages only.
  std::map<std::string, std::string> sent;  // span id → span bytes
  for (auto& b : requests) {
    std::string bytes = b.serialize();
    for_each_span_bytes(bytes, [&](std::string_view s) { sent[span_id_of(s)] = s; });
    size_t items = b.item_count();
    REQUIRE(wire.send(TraceBatch::adopt_wire(std::move(bytes), items)).is_ok());
    REQUIRE(decoded.send(std::move(b)).is_ok());
  }
  wire.shutdown();
  decoded.shutdown();

  // Then: the same traces are kept whole, every error, slow and gold trace among them, and some normal ones.
  auto kept = wire.capture.snapshot();
  CHECK(kept == decoded.capture.snapshot());
  size_t normal = 0, normal_kept = 0;
  for (const auto& [id, kind] : traces) {
    if (kind != TraceKind::normal) {
      INFO("kind " << static_cast<int>(kind));
      CHECK(kept.count(id) == 1);
    } else {
      ++normal;
      normal_kept += kept.count(id);
    }
  }
  CHECK(normal_kept > 0);
  CHECK(normal_kept < normal);
  // And: each kept span's bytes are the bytes it came with, under its own resource, scope and schema urls.
  auto out = wire.capture.span_bytes();
  CHECK(out == decoded.capture.span_bytes());
  CHECK(out.size() == wire.capture.spans());
  for (const auto& [span_id, bytes] : out) {
    CHECK(bytes == sent.at(span_id));
    CHECK(wire.capture.origin(span_id) == decoded.capture.origin(span_id));
    CHECK_FALSE(wire.capture.origin(span_id).empty());
  }
  // And: both hand on wire bytes only.
  CHECK(wire.capture.all_wire());
  CHECK(decoded.capture.all_wire());
}

TEST_CASE("tail_sampling passes a span with unknown fields and an unknown group on byte for byte", "[tail_sampling]") {
  // Given: status_code ERROR and a string_attribute policy (that one decodes the trace).
  Harness h("unknown_fields", R"(
decision_wait: 1h
policies:
  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
  - {name: vip, type: string_attribute, string_attribute: {key: user, values: [vip]}}
)");
  h.capture.keep_span_bytes();
  std::mt19937_64 rng(77);
  // Unknown fields ahead of the known ones: a varint, a group holding a field, a length-delimited field.
  std::string unknown = varint_field(100, 7) + "\xAB\x06" + varint_field(1, 5) + "\xAC\x06" + len_field(102, "xyz");
  auto span_bytes = [&](const std::string& trace_id, bool error) {
    Span s;
    s.set_trace_id(trace_id);
    s.set_span_id(random_id(rng, 8));
    s.set_name("op");
    if (error) s.mutable_status()->set_code(SpanStatus::STATUS_CODE_ERROR);
    return unknown + s.SerializeAsString() + len_field(103, "tail");
  };
  std::string kept_id = random_id(rng), dropped_id = random_id(rng);
  std::string kept = span_bytes(kept_id, true), dropped = span_bytes(dropped_id, false);
  std::string bytes = request_of({kept, dropped});
  auto checked = otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(bytes);
  REQUIRE(checked.ok);
  REQUIRE(checked.items == 2);

  // When: they arrive as received bytes and get decided.
  REQUIRE(h.send(TraceBatch::adopt_wire(bytes, 2)).is_ok());
  h.shutdown();

  // Then: the error span is kept with every byte it came with; the other is not.
  auto out = h.capture.span_bytes();
  REQUIRE(out.size() == 1);
  CHECK(out.begin()->second == kept);
  CHECK(h.capture.has(kept_id));
  CHECK_FALSE(h.capture.has(dropped_id));
  CHECK(h.capture.origin(span_id_of(kept)) == "svc/scope/");
}

TEST_CASE("tail_sampling merges a resource given in several fields, as a decoder does", "[tail_sampling]") {
  Harness h("merged_resource", R"(
decision_wait: 1h
policies: [{name: all, type: always_sample}]
)");
  std::mt19937_64 rng(78);
  Span s;
  s.set_trace_id(random_id(rng));
  s.set_span_id(random_id(rng, 8));
  opentelemetry::proto::resource::v1::Resource a, b;
  auto* kv = a.add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("merged");
  b.set_dropped_attributes_count(3);
  std::string scope_spans = len_field(1, len_field(1, "scope")) + len_field(2, s.SerializeAsString());
  std::string bytes = len_field(
      1, len_field(1, a.SerializeAsString()) + len_field(2, scope_spans) + len_field(1, b.SerializeAsString()));
  REQUIRE(otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(bytes).ok);
  REQUIRE(h.send(TraceBatch::adopt_wire(bytes, 1)).is_ok());
  h.shutdown();
  CHECK(h.capture.origin(s.span_id()) == "merged/scope/");
}

TEST_CASE("status_code, latency and trace_state read spans from bytes exactly as a decoder does", "[tail_sampling]") {
  auto errors = policy("{name: e, type: status_code, status_code: {status_codes: [ERROR]}}");
  auto unset = policy("{name: u, type: status_code, status_code: {status_codes: [UNSET]}}");
  auto slow = policy("{name: s, type: latency, latency: {threshold_ms: 2000}}");
  auto state = policy("{name: t, type: trace_state, trace_state: {key: vendor, values: [x]}}");
  std::string id(16, '\x22');
  std::string sid = len_field(1, id) + len_field(2, std::string(8, '\x01'));
  // Encodings a decoder reads in its own way: repeated fields (last wins), repeated messages (merged), fields of
  // a wrong wire type (unknown fields, ignored).
  struct Case {
    const char* what;
    std::string span;
  };
  std::vector<Case> cases = {
      {"no status", sid},
      {"error", sid + len_field(15, "\x18\x02")},
      {"two status messages merge: error, then a message",
       sid + len_field(15, "\x18\x02") + len_field(15, "\x12\x01m")},
      {"two status codes: the last wins", sid + len_field(15, "\x18\x02") + len_field(15, "\x18\x01")},
      {"a status code of the wrong wire type is unknown", sid + len_field(15, len_field(3, "\x02"))},
      {"a status of the wrong wire type is unknown", sid + varint_field(15, 2)},
      {"a start time given twice: the last wins", sid + fixed64_field(7, kBase) +
                                                      fixed64_field(7, kBase + 2'500'000'000ull) +
                                                      fixed64_field(8, kBase + 3'000'000'000ull)},
      {"a start time of the wrong wire type is unknown",
       sid + varint_field(7, kBase + 2'500'000'000ull) + fixed64_field(8, kBase + 3'000'000'000ull)},
      {"a slow span", sid + fixed64_field(7, kBase) + fixed64_field(8, kBase + 3'000'000'000ull)},
      {"trace state given twice: the last wins", sid + len_field(3, "vendor=x") + len_field(3, "vendor=y")},
      {"trace state", sid + len_field(3, "a=b, vendor=x")},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    // What a decoder makes of the span.
    Span decoded;
    REQUIRE(decoded.ParseFromString(c.span));
    std::string wire = request_of({c.span});
    REQUIRE(otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(wire).ok);
    // A scratch message with something in it: any decoding would replace it.
    otlp_trace::ExportTraceServiceRequest scratch;
    scratch.add_resource_spans()->set_schema_url("untouched");
    TraceData td(wire, 1, id, scratch);
    auto now = Clock::now();
    bool is_error = decoded.status().code() == SpanStatus::STATUS_CODE_ERROR;
    bool is_unset = decoded.status().code() == SpanStatus::STATUS_CODE_UNSET;
    bool is_slow = decoded.end_time_unix_nano() >= decoded.start_time_unix_nano() &&
                   decoded.end_time_unix_nano() - decoded.start_time_unix_nano() >= 2'000'000'000ull;
    bool has_state = decoded.trace_state() == "vendor=x" || decoded.trace_state() == "a=b, vendor=x";
    CHECK(errors->evaluate(td, now) == (is_error ? Decision::sampled : Decision::not_sampled));
    CHECK(unset->evaluate(td, now) == (is_unset ? Decision::sampled : Decision::not_sampled));
    CHECK(slow->evaluate(td, now) == (is_slow ? Decision::sampled : Decision::not_sampled));
    CHECK(state->evaluate(td, now) == (has_state ? Decision::sampled : Decision::not_sampled));
    // And: nothing was decoded.
    CHECK_FALSE(td.unreadable());
    REQUIRE(scratch.resource_spans_size() == 1);
    CHECK(scratch.resource_spans(0).schema_url() == "untouched");
  }
}

TEST_CASE("attribute policies decode a trace once, into the caller's scratch message", "[tail_sampling]") {
  auto string_attr = policy("{name: s, type: string_attribute, string_attribute: {key: user, values: [vip]}}");
  auto bool_attr = policy("{name: b, type: boolean_attribute, boolean_attribute: {key: flagged, value: true}}");
  auto count = policy("{name: c, type: span_count, span_count: {min_spans: 1}}");
  auto prob = policy("{name: p, type: probabilistic, probabilistic: {sampling_percentage: 100}}");
  Span s;
  std::string id(16, '\x33');
  s.set_trace_id(id);
  s.set_span_id(std::string(8, '\x01'));
  set_attr(&s, "user", "vip");
  std::string wire = request_of({s.SerializeAsString()});
  otlp_trace::ExportTraceServiceRequest scratch;
  scratch.add_resource_spans()->set_schema_url("untouched");
  TraceData td(wire, 1, id, scratch);
  auto now = Clock::now();
  // Policies on counts and the trace id decode nothing.
  CHECK(count->evaluate(td, now) == Decision::sampled);
  CHECK(prob->evaluate(td, now) == Decision::sampled);
  CHECK(scratch.resource_spans(0).schema_url() == "untouched");
  // The first attribute policy decodes the trace.
  CHECK(string_attr->evaluate(td, now) == Decision::sampled);
  REQUIRE(scratch.resource_spans_size() == 1);
  CHECK(scratch.resource_spans(0).schema_url().empty());
  CHECK(scratch.resource_spans(0).scope_spans(0).spans(0).span_id() == s.span_id());
  // The next one uses what was decoded: a marker left in the scratch message stays.
  scratch.add_resource_spans()->set_schema_url("marker");
  CHECK(bool_attr->evaluate(td, now) == Decision::not_sampled);
  CHECK(scratch.resource_spans_size() == 2);
  CHECK_FALSE(td.unreadable());
  // A new trace reuses the scratch message and decodes again.
  TraceData next(wire, 1, id, scratch);
  CHECK(string_attr->evaluate(next, now) == Decision::sampled);
  CHECK(scratch.resource_spans_size() == 1);
}

TEST_CASE("trace bytes that do not read make the trace unreadable, for decoding and byte-reading policies",
          "[tail_sampling]") {
  auto errors = policy("{name: e, type: status_code, status_code: {status_codes: [ERROR]}}");
  auto string_attr = policy("{name: s, type: string_attribute, string_attribute: {key: user, values: [vip]}}");
  std::string id(16, '\x44');
  // A resource_spans field whose length runs past the end, and a span holding a truncated varint.
  std::string truncated = "\x0a\x10\x12\x02";
  std::string bad_span = request_of({len_field(1, id) + "\x38\xff"});
  otlp_trace::ExportTraceServiceRequest scratch;
  for (const auto* bytes : {&truncated, &bad_span}) {
    TraceData by_bytes(*bytes, 1, id, scratch);
    CHECK(errors->evaluate(by_bytes, Clock::now()) == Decision::not_sampled);
    CHECK(by_bytes.unreadable());
    TraceData decoding(*bytes, 1, id, scratch);
    CHECK(string_attr->evaluate(decoding, Clock::now()) == Decision::not_sampled);
    CHECK(decoding.unreadable());
    CHECK(scratch.resource_spans_size() == 0);
  }
}

TEST_CASE("tail_sampling refuses malformed bytes as a permanent error and keeps nothing of them", "[tail_sampling]") {
  Harness h("malformed", R"(
decision_wait: 1h
policies: [{name: all, type: always_sample}]
)");
  std::string id(16, '\x55');
  Span good;
  good.set_trace_id(id);
  good.set_span_id(std::string(8, '\x01'));
  std::string good_request = request_of({good.SerializeAsString()});
  struct Case {
    const char* what;
    std::string bytes;
  };
  std::vector<Case> cases = {
      {"a resource_spans length past the end", "\x0a\x10\x12\x02"},
      {"a scope_spans length past the end", len_field(1, "\x12\x09\x0a")},
      {"a span length past the end", len_field(1, len_field(2, "\x12\x30\x0a"))},
      {"a truncated varint in a span", request_of({len_field(1, id) + "\x38\xff"})},
      {"a group that never ends", request_of({len_field(1, id) + "\xAB\x06\x08\x01"})},
      {"a tag of field 0", request_of({len_field(1, id) + std::string("\x00\x01", 2)})},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    REQUIRE_FALSE(otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(c.bytes).ok);
    // A good part first: nothing of a refused batch is kept.
    auto b = TraceBatch::adopt_wire(good_request, 1);
    b.append(TraceBatch::adopt_wire(c.bytes, 1));
    Status st = h.send(std::move(b));
    CHECK(st.code() == Status::Code::permanent);
    CHECK_THAT(st.message(), Catch::Contains("tail_sampling: malformed"));
    CHECK(h.pending_traces() == 0);
  }
  // Decoded-only spans that do not serialise to valid OTLP (invalid UTF-8) are refused too: downstream takes
  // our bytes as checked.
  auto b = TraceBatch::make();
  add_span(b, id, std::string(8, '\x02'))->set_name("\xff\xfe");
  Status st = h.send(std::move(b));
  CHECK(st.code() == Status::Code::permanent);
  CHECK_THAT(st.message(), Catch::Contains("tail_sampling: invalid spans"));
  CHECK(h.pending_traces() == 0);
  // And: a good batch still goes through.
  REQUIRE(h.send(TraceBatch::adopt_wire(good_request, 1)).is_ok());
  h.shutdown();
  CHECK(h.capture.spans() == 1);
}

TEST_CASE("tail_sampling groups spans without a trace id as one trace, as before", "[tail_sampling]") {
  Harness h("no_trace_id", R"(
decision_wait: 1h
policies: [{name: all, type: always_sample}]
)");
  h.capture.keep_span_bytes();
  // Given: two spans with no trace_id field at all (OTLP allows an empty id on the wire).
  std::string a = len_field(2, std::string(8, '\x01')), b = len_field(2, std::string(8, '\x02'));
  std::string bytes = request_of({a, b});
  REQUIRE(otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(bytes).ok);
  REQUIRE(h.send(TraceBatch::adopt_wire(bytes, 2)).is_ok());
  // Then: they wait as one trace, and go out as they came.
  CHECK(h.pending_traces() == 1);
  h.shutdown();
  CHECK(h.decided() == 1);
  auto out = h.capture.span_bytes();
  REQUIRE(out.size() == 2);
  CHECK(out[std::string(8, '\x01')] == a);
  CHECK(out[std::string(8, '\x02')] == b);
}
