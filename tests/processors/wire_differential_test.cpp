// The attributes and redaction processors on received bytes (traces and logs) against the same processors on
// decoded requests, for odd but valid encodings and for randomly mutated requests: whatever the wire check accepts must
// come out as the decoded path leaves it (the wire path may fall back to decoding, never differ).
#include <google/protobuf/util/message_differencer.h>
#include <catch2/catch.hpp>

#include <random>
#include <type_traits>

#include "codec/otlp_wire.h"
#include "codec/wire_reader.h"
#include "processors/harness.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::test;
using google::protobuf::util::MessageDifferencer;
using Request = otlp_trace::ExportTraceServiceRequest;

namespace {

constexpr const char* kAttributes =
    "actions: [{key: env, action: insert, value: prod}, {key: str, action: upsert, value: s},"
    " {key: int, action: delete}, {key: copy, action: insert, from_attribute: bool}]";
constexpr const char* kRedaction =
    "allow_all_keys: false\nallowed_keys: [str, bool, int, kvlist, array, service.name]\n"
    "blocked_values: ['value-[0-9]+']\nsummary: debug\n";

// Runs `batch` through a fresh processor and returns the one batch it passed on.
template <typename B>
B through(const char* type, const char* yaml, B batch) {
  Capture<B> sink;
  auto p = make_processor<B>(type, yaml, sink);
  REQUIRE(input<B>(*p).consume(std::move(batch)).is_ok());
  auto out = sink.take();
  REQUIRE(out.size() == 1);
  return std::move(out[0]);
}

template <typename B>
typename B::RequestType decoded_result(const B& batch) {
  auto merged = batch.merged();
  return *merged.read_parts().front().request;
}

// Both paths agree on `bytes` (which must pass the wire check) for both processors.
template <typename B = TraceBatch>
void same_both_ways(const std::string& bytes) {
  using R = typename B::RequestType;
  auto checked = otlp_wire::check<R>(bytes);
  REQUIRE(checked.ok);
  for (auto [type, yaml] : {std::pair{"attributes", kAttributes}, std::pair{"redaction", kRedaction}}) {
    auto decoded = B::make();
    REQUIRE(decoded.first().ParseFromString(bytes));
    auto a = decoded_result(through(type, yaml, std::move(decoded)));
    auto b = decoded_result(through(type, yaml, B::adopt_wire(bytes, checked.items)));
    INFO(type);
    REQUIRE(MessageDifferencer::Equals(a, b));
  }
}

// True when every part of `b` is still received bytes, never decoded.
template <typename B>
bool still_wire(const B& b) {
  for (const auto& part : b.raw_parts())
    if (!part.wire || part.request) return false;
  return true;
}

std::string len_field(uint32_t number, const std::string& body) {
  std::string out;
  otlp_wire::append_varint(out, uint64_t(number) << 3 | 2);
  otlp_wire::append_varint(out, body.size());
  return out + body;
}

std::string kv(const std::string& key, const std::string& value) {
  opentelemetry::proto::common::v1::KeyValue k;
  k.set_key(key);
  k.mutable_value()->set_string_value(value);
  return k.SerializeAsString();
}

}  // namespace

TEST_CASE("odd but valid encodings come out of the wire path as the decoded path leaves them", "[processors][wire]") {
  opentelemetry::proto::trace::v1::Span span;
  span.set_name("op");
  span.set_trace_id(std::string(16, '\x11'));
  span.set_span_id(std::string(8, '\x22'));
  std::string span_bytes = span.SerializeAsString();

  SECTION("attributes split around other span fields, a key given twice, a value given twice") {
    std::string value_twice = len_field(1, "str") + len_field(2, len_field(1, "value-1")) +
                              len_field(2, len_field(6, len_field(1, kv("k", "v"))));
    std::string s = len_field(9, kv("str", "value-7")) + span_bytes + len_field(9, value_twice) +
                    len_field(9, len_field(1, "ignored") + len_field(1, "int") + len_field(2, len_field(1, "x")));
    same_both_ways(len_field(1, len_field(2, len_field(2, s))));
  }
  SECTION("events and links before the span's own attributes") {
    std::string event = len_field(2, "ev") + len_field(3, kv("str", "value-5")) + len_field(3, kv("k", "v"));
    std::string link = len_field(1, std::string(16, '\x33')) + len_field(2, std::string(8, '\x44')) +
                       len_field(4, kv("secret", "value-6"));
    std::string s = len_field(11, event) + len_field(13, link) + span_bytes + len_field(9, kv("str", "value-8")) +
                    len_field(11, event);
    same_both_ways(len_field(1, len_field(2, len_field(2, s) + len_field(2, s))));
  }
  SECTION("a resource and a scope each given twice (they merge)") {
    std::string resource =
        len_field(1, len_field(1, kv("service.name", "a"))) + len_field(1, len_field(1, kv("secret", "value-3")));
    std::string scope = len_field(1, len_field(3, kv("str", "x"))) + len_field(1, len_field(3, kv("str", "y")));
    same_both_ways(len_field(1, resource + len_field(2, scope + len_field(2, span_bytes))));
  }
  SECTION("an attribute without a value, alone in its list (found by fuzzing: redaction gave it an empty one)") {
    std::string resource = len_field(1, len_field(1, len_field(1, "str")));
    same_both_ways(len_field(1, resource + len_field(2, len_field(2, span_bytes))));
  }
  SECTION("unknown fields and groups at every level") {
    std::string unknown("\xf8\x07\x2a\xfb\x07\x08\x01\xfc\x07", 9);
    std::string s = span_bytes + unknown + len_field(9, kv("str", "value-9") + unknown);
    std::string ss = unknown + len_field(2, s) + len_field(1, len_field(3, kv("a", "b")) + unknown);
    same_both_ways(len_field(1, unknown + len_field(2, ss)) + unknown);
  }
}

template <typename B>
void mutate_and_compare(const std::string& base, uint64_t seed) {
  std::mt19937_64 rng(seed);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string b = base;
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % b.size();
      switch (rng() % 4) {
        case 0:
          b[at] = static_cast<char>(rng());
          break;
        case 1:
          b[at] = static_cast<char>(b[at] ^ (1 << (rng() % 8)));
          break;
        case 2:
          b.insert(at, 1, static_cast<char>(rng()));
          break;
        default:
          b.erase(at, 1 + rng() % 4);
          break;
      }
    }
    if (!otlp_wire::check<typename B::RequestType>(b).ok) continue;
    ++accepted;
    INFO("mutation " << i);
    same_both_ways<B>(b);
  }
  // Enough mutated requests were valid for the comparison to mean something.
  CHECK(accepted > 100);
}

TEST_CASE("randomly mutated requests that pass the wire check come out the same both ways", "[processors][wire]") {
  SECTION("traces") { mutate_and_compare<TraceBatch>(full_traces(2, 5).SerializeAsString(), 20261122); }
  SECTION("logs") { mutate_and_compare<LogBatch>(full_logs(4, 5).SerializeAsString(), 20261123); }
}

TEST_CASE("the wire path is taken: clean or edited lists stay bytes, a body to mask is decoded", "[processors][wire]") {
  auto wire = [](const auto& request) {
    using B = std::conditional_t<std::is_same_v<std::decay_t<decltype(request)>, Request>, TraceBatch, LogBatch>;
    std::string bytes = request.SerializeAsString();
    auto checked = otlp_wire::check<typename B::RequestType>(bytes);
    REQUIRE(checked.ok);
    return B::adopt_wire(std::move(bytes), checked.items);
  };
  const char* redaction = "allow_all_keys: true\nblocked_values: ['secret-[0-9]+']\nsummary: info\n";

  Request traces;
  auto* span = traces.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_trace_id(std::string(16, '\1'));
  span->set_span_id(std::string(8, '\2'));
  set_attr(*span->mutable_attributes(), "a", "nothing here");
  CHECK(still_wire(through("redaction", redaction, wire(traces))));
  CHECK(still_wire(through("attributes", kAttributes, wire(traces))));
  set_attr(*span->mutable_attributes(), "b", "secret-42");
  auto masked = through("redaction", redaction, wire(traces));
  CHECK(still_wire(masked));
  auto out = decoded_result(masked);
  CHECK(out.resource_spans(0).scope_spans(0).spans(0).attributes(1).value().string_value() == "****");

  otlp_logs::ExportLogsServiceRequest logs;
  auto* rec = logs.add_resource_logs()->add_scope_logs()->add_log_records();
  rec->mutable_body()->set_string_value("a clean line");
  set_attr(*rec->mutable_attributes(), "a", "secret-1");
  auto clean_body = through("redaction", redaction, wire(logs));
  CHECK(still_wire(clean_body));
  CHECK(decoded_result(clean_body).resource_logs(0).scope_logs(0).log_records(0).attributes(0).value().string_value() ==
        "****");
  CHECK(still_wire(through("attributes", kAttributes, wire(logs))));
  rec->mutable_body()->set_string_value("a line with secret-7 in it");
  auto body = through("redaction", redaction, wire(logs));
  CHECK_FALSE(still_wire(body));
  CHECK(decoded_result(body).resource_logs(0).scope_logs(0).log_records(0).body().string_value() ==
        "a line with **** in it");
}
