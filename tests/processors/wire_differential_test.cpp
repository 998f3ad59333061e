// The attributes and redaction processors on received bytes against the same processors on decoded requests,
// for odd but valid encodings and for randomly mutated requests: whatever the wire check accepts must come out
// as the decoded path leaves it (the wire path may fall back to decoding, never differ).
#include <catch2/catch.hpp>
#include <google/protobuf/util/message_differencer.h>

#include <random>

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

// Runs `batch` through a fresh processor and returns the one request it passed on, decoded.
Request through(const char* type, const char* yaml, TraceBatch batch) {
  Capture<TraceBatch> sink;
  auto p = make_processor<TraceBatch>(type, yaml, sink);
  REQUIRE(input<TraceBatch>(*p).consume(std::move(batch)).is_ok());
  auto out = sink.take();
  REQUIRE(out.size() == 1);
  auto merged = out[0].merged();
  return *merged.parts().front().request;
}

// True when both paths agree on `bytes` (which must pass the wire check) for both processors.
void same_both_ways(const std::string& bytes) {
  auto checked = otlp_wire::check<Request>(bytes);
  REQUIRE(checked.ok);
  for (auto [type, yaml] : {std::pair{"attributes", kAttributes}, std::pair{"redaction", kRedaction}}) {
    auto decoded = TraceBatch::make();
    REQUIRE(decoded.first().ParseFromString(bytes));
    auto a = through(type, yaml, std::move(decoded));
    auto b = through(type, yaml, TraceBatch::adopt_wire(bytes, checked.items));
    INFO(type);
    REQUIRE(MessageDifferencer::Equals(a, b));
  }
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

TEST_CASE("odd but valid encodings come out of the wire path as the decoded path leaves them",
          "[processors][wire]") {
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
  SECTION("a resource and a scope each given twice (they merge)") {
    std::string resource = len_field(1, len_field(1, kv("service.name", "a"))) +
                           len_field(1, len_field(1, kv("secret", "value-3")));
    std::string scope = len_field(1, len_field(3, kv("str", "x"))) + len_field(1, len_field(3, kv("str", "y")));
    same_both_ways(len_field(1, resource + len_field(2, scope + len_field(2, span_bytes))));
  }
  SECTION("unknown fields and groups at every level") {
    std::string unknown("\xf8\x07\x2a\xfb\x07\x08\x01\xfc\x07", 9);
    std::string s = span_bytes + unknown + len_field(9, kv("str", "value-9") + unknown);
    std::string ss = unknown + len_field(2, s) + len_field(1, len_field(3, kv("a", "b")) + unknown);
    same_both_ways(len_field(1, unknown + len_field(2, ss)) + unknown);
  }
}

TEST_CASE("randomly mutated requests that pass the wire check come out the same both ways", "[processors][wire]") {
  std::mt19937_64 rng(20261122);
  const std::string base = full_traces(2, 5).SerializeAsString();
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string b = base;
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % b.size();
      switch (rng() % 4) {
        case 0: b[at] = static_cast<char>(rng()); break;
        case 1: b[at] = static_cast<char>(b[at] ^ (1 << (rng() % 8))); break;
        case 2: b.insert(at, 1, static_cast<char>(rng())); break;
        default: b.erase(at, 1 + rng() % 4); break;
      }
    }
    if (!otlp_wire::check<Request>(b).ok) continue;
    ++accepted;
    INFO("mutation " << i);
    same_both_ways(b);
  }
  // Enough mutated requests were valid for the comparison to mean something.
  CHECK(accepted > 100);
}
