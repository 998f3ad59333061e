// OTLP/JSON straight to protobuf wire bytes: an independent message decoder (support/json_reference_decoder.h,
// the one otlpd used before decoding through wire bytes) is the oracle for bytes, items and errors.
#include <google/protobuf/message.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <string>

#include "codec/json_codec.h"
#include "codec/otlp_json.h"
#include "codec/otlp_json_inputs.h"
#include "codec/otlp_wire.h"
#include "model/batch.h"
#include "support/json_reference_decoder.h"
#include "support/otlp_client.h"

namespace otlpd {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;

std::unique_ptr<Message> new_message(const Descriptor* d) {
  return std::unique_ptr<Message>(google::protobuf::MessageFactory::generated_factory()->GetPrototype(d)->New());
}

// What count_items says of `m` (TracesData and the like share their request's wire layout).
size_t expected_items(const Descriptor* d, const Message& m) {
  std::string bytes = m.SerializeAsString();
  auto count = [&](auto request) {
    REQUIRE(request.ParseFromString(bytes));
    return SignalTraits<decltype(request)>::count_items(request);
  };
  if (d->name().find("Trace") != std::string::npos) return count(otlp_trace::ExportTraceServiceRequest{});
  if (d->name().find("Metrics") != std::string::npos) return count(otlp_metrics::ExportMetricsServiceRequest{});
  if (d->name().find("Logs") != std::string::npos) return count(otlp_logs::ExportLogsServiceRequest{});
  return 0;
}

void require_equal_messages(const Descriptor* d, const std::string& wire, const Message& want) {
  auto got = new_message(d);
  REQUIRE(got->ParseFromString(wire));
  std::string diff;
  google::protobuf::util::DefaultFieldComparator nan_equal;  // NaN == NaN: "sum":"NaN" decodes to a NaN
  nan_equal.set_treat_nan_as_equal(true);
  MessageDifferencer differ;
  differ.set_field_comparator(&nan_equal);
  differ.ReportDifferencesToString(&diff);
  bool same = differ.Compare(want, *got);
  INFO(diff);
  REQUIRE(same);
}

// Given `json`, decode_to_wire agrees with the reference decoder: the same error, or bytes that parse to the same
// message, the same items, bytes the wire check accepts; and so does decode. What the fast path accepts on its
// own, it gets right too. Returns whether the reference accepted the document.
bool require_agreement(const Descriptor* d, std::string_view json, otlp_json::DecodeLimits limits = {}) {
  INFO("json: " << json.substr(0, 400));
  auto want = new_message(d);
  std::string err = otlp_json::detail::reference_decode(json, *want, limits);
  auto decoded = new_message(d);
  REQUIRE(otlp_json::decode(json, *decoded, limits) == err);
  std::string decoded_bytes = decoded->SerializeAsString();
  if (!err.empty()) REQUIRE(decoded_bytes.empty());
  if (err.empty()) require_equal_messages(d, decoded_bytes, *want);
  std::string wire = "stale";
  size_t items = 99;
  std::string wire_err = otlp_json::decode_to_wire(json, d, wire, items, limits);
  REQUIRE(wire_err == err);
  std::string fast;
  size_t fast_items = 0;
  bool fast_ok = otlp_json::detail::decode_to_wire_fast(json, d, fast, fast_items, limits);
  if (!err.empty()) {
    REQUIRE(wire.empty());
    REQUIRE(items == 0);
    REQUIRE_FALSE(fast_ok);
    return false;
  }
  require_equal_messages(d, wire, *want);
  REQUIRE(items == expected_items(d, *want));
  auto checked = otlp_wire::check(d, wire);
  INFO(checked.error);
  REQUIRE(checked.ok);
  REQUIRE(checked.items == items);
  if (fast_ok) {
    require_equal_messages(d, fast, *want);
    REQUIRE(fast_items == items);
  }
  return true;
}

}  // namespace

TEST_CASE("decode_to_wire gives the bytes of what decode gives, for every field of every signal", "[json-wire]") {
  // Given the OTLP/JSON of requests in which every field is set
  auto check = [](const Message& full) {
    std::string json = otlp_json::encode(full);
    // When transcoded
    std::string wire;
    size_t items = 0;
    REQUIRE(otlp_json::decode_to_wire(json, full.GetDescriptor(), wire, items).empty());
    // Then the bytes are protobuf's own serialisation (the encoder writes fields in field-number order)
    REQUIRE(wire == full.SerializeAsString());
    // and the fast path alone produced them
    std::string fast;
    size_t fast_items = 0;
    REQUIRE(otlp_json::detail::decode_to_wire_fast(json, full.GetDescriptor(), fast, fast_items, {}));
    REQUIRE(fast == wire);
    REQUIRE(fast_items == items);
    REQUIRE(require_agreement(full.GetDescriptor(), json));
  };
  check(test::full_traces(5, 42));
  check(test::full_traces(1, 7));
  check(test::full_metrics(7));
  check(test::full_metrics(8));
  check(test::full_logs(8, 9));
  REQUIRE(otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(test::full_traces(5, 42).SerializeAsString()).items ==
          5);
}

TEST_CASE("decode_to_wire agrees with decode on every input of the decoder's tests", "[json-wire]") {
  // Given documents that decode (snake_case, enum names, numbers as strings, unknown fields, repeated keys,
  // escapes, deep kvlists) and documents that do not (syntax, types, ids, ranges, oneofs, nesting, UTF-8)
  size_t accepted = 0;
  size_t refused = 0;
  for (const auto& input : test::json_inputs()) {
    // Then both accept with the same message or refuse with the same text
    (require_agreement(input.type, input.json) ? accepted : refused)++;
  }
  REQUIRE(accepted >= 12);
  REQUIRE(refused >= 25);
}

TEST_CASE("decode_to_wire applies the configured depth limit as decode does", "[json-wire]") {
  const std::string json = R"({"resourceSpans":[{"resource":{}}]})";
  const auto* d = opentelemetry::proto::trace::v1::TracesData::descriptor();
  REQUIRE(require_agreement(d, json, {.max_depth = 4}));
  REQUIRE_FALSE(require_agreement(d, json, {.max_depth = 3}));
  // An object that is not empty counts one level more to the parser (found by fuzzing: the fast path accepted
  // it at the limit, decode refused it).
  const std::string deeper = R"({"resourceSpans":[{"resource":{"droppedAttributesCount":1}}]})";
  REQUIRE(require_agreement(d, deeper, {.max_depth = 5}));
  REQUIRE_FALSE(require_agreement(d, deeper, {.max_depth = 4}));
  std::string bomb = R"({"unknown":)" + std::string(200000, '[') + std::string(200000, ']') + "}";
  REQUIRE_FALSE(require_agreement(d, bomb, {.max_depth = 1'000'000}));
}

TEST_CASE("a key given twice keeps the last value, also when it is a default", "[json-wire]") {
  const auto* d = opentelemetry::proto::trace::v1::TracesData::descriptor();
  std::string wire;
  size_t items = 0;
  REQUIRE(
      otlp_json::decode_to_wire(test::spans_json(R"("name":"a","name":"","kind":2,"kind":0)"), d, wire, items).empty());
  opentelemetry::proto::trace::v1::TracesData td;
  REQUIRE(td.ParseFromString(wire));
  REQUIRE(td.resource_spans(0).scope_spans(0).spans(0).name().empty());
  REQUIRE(td.resource_spans(0).scope_spans(0).spans(0).kind() == 0);
  REQUIRE(items == 1);
}

namespace {
// One log record, `fields` inside it, as an ExportLogsServiceRequest.
std::string log_record_json(std::string_view fields) {
  return R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{)" + std::string(fields) + "}]}]}]}";
}
}  // namespace

TEST_CASE("a log record with \"body\" given twice merges as protobuf's JSON parser does, on both paths",
          "[json-wire]") {
  // Given a log record whose body is given twice (the fuzzer's reproducer: decode refused it, decode_to_wire
  // accepted it)
  const auto* d = otlp_logs::ExportLogsServiceRequest::descriptor();
  auto body_of = [&](std::string_view fields) {
    std::string json = log_record_json(fields);
    // When both paths read it, then they agree
    REQUIRE(require_agreement(d, json));
    otlp_logs::ExportLogsServiceRequest req;
    REQUIRE(otlp_json::decode(json, req).empty());
    return req.resource_logs(0).scope_logs(0).log_records(0).body();
  };
  // And the second body merges into the first: its member wins, even when it is another member of the oneof
  REQUIRE(body_of(R"("body":{"stringValue":"a"},"body":{"stringValue":"b"})").string_value() == "b");
  REQUIRE(body_of(R"("body":{"stringValue":"a"},"body":{"intValue":"3"})").int_value() == 3);
  REQUIRE(body_of(R"("body":{"stringValue":"a"},"body":{"stringValue":""})").value_case() ==
          opentelemetry::proto::common::v1::AnyValue::kStringValue);
  REQUIRE(body_of(R"("body":{"stringValue":"a"},"body":{})").string_value() == "a");
  auto merged =
      body_of(R"("body":{"kvlistValue":{"values":[{"key":"x"}]}},"body":{"kvlistValue":{"values":[{"key":"y"}]}})");
  REQUIRE(merged.kvlist_value().values_size() == 2);
  // And an attribute's value given twice merges the same way
  std::string json =
      log_record_json(R"("attributes":[{"key":"k","value":{"boolValue":true},"value":{"doubleValue":0}}])");
  REQUIRE(require_agreement(d, json));
  // But two members in one object stay an error on both paths
  REQUIRE_FALSE(require_agreement(d, log_record_json(R"("body":{"stringValue":"a","intValue":"3"})")));
  REQUIRE_FALSE(require_agreement(d, log_record_json(R"("body":{"stringValue":"a","stringValue":"b"})")));
}

TEST_CASE("a span with \"status\" given twice merges key by key, defaults overriding, on both paths", "[json-wire]") {
  // Given a span whose status is given twice, the second with the default code 0
  const auto* d = otlp_trace::ExportTraceServiceRequest::descriptor();
  auto status_of = [&](std::string_view fields) {
    std::string json = test::spans_json(fields);
    REQUIRE(require_agreement(d, json));
    otlp_trace::ExportTraceServiceRequest req;
    REQUIRE(otlp_json::decode(json, req).empty());
    return req.resource_spans(0).scope_spans(0).spans(0).status();
  };
  // When decoded on both paths, then they agree with protobuf's parser: the code given last counts, a message
  // given only in the first status stays
  auto st = status_of(R"("status":{"code":2,"message":"m"},"status":{"code":0})");
  REQUIRE(st.code() == 0);
  REQUIRE(st.message() == "m");
  st = status_of(R"("status":{"code":2},"status":{"message":""},"status":{})");
  REQUIRE(st.code() == 2);
  REQUIRE(st.message().empty());
  // And the override reaches messages nested in the second occurrence (scope given twice, its name emptied)
  std::string json = R"({"resourceSpans":[{"scopeSpans":[{"scope":{"name":"a","version":"1"},"scope":{"name":""}}]}]})";
  REQUIRE(require_agreement(d, json));
  json =
      R"({"resourceSpans":[{"resource":{"droppedAttributesCount":3},"resource":{"attributes":[{"key":"k","value":{"arrayValue":{"values":[{"intValue":"0"}]}}}],"droppedAttributesCount":0}}]})";
  REQUIRE(require_agreement(d, json));
}

TEST_CASE("randomly damaged documents get the same verdict from decode_to_wire and decode", "[json-wire]") {
  // Given valid documents of each signal, with and without the shapes the fast path leaves to the full walk
  std::vector<test::JsonInput> seeds = {
      {otlp_trace::ExportTraceServiceRequest::descriptor(), otlp_json::encode(test::full_traces(2, 3))},
      {otlp_metrics::ExportMetricsServiceRequest::descriptor(), otlp_json::encode(test::full_metrics(4))},
      {otlp_logs::ExportLogsServiceRequest::descriptor(), otlp_json::encode(test::full_logs(2, 5))},
  };
  for (auto& input : test::json_inputs())
    if (input.json.size() < 4000) seeds.push_back(input);
  // When characters are deleted, duplicated, swapped or replaced, numbers changed and braces dropped
  std::mt19937 rng(20261121);
  const std::string alphabet = "{}[]\",:0123456789-.eE aztnulf\\";
  size_t accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    const auto& seed = seeds[rng() % seeds.size()];
    std::string json = seed.json;
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !json.empty(); ++e) {
      size_t at = rng() % json.size();
      switch (rng() % 6) {
        case 0:
          json.erase(at, 1);
          break;
        case 1:
          json.insert(at, 1, json[at]);
          break;
        case 2:
          if (at + 1 < json.size()) std::swap(json[at], json[at + 1]);
          break;
        case 3:
          json[at] = alphabet[rng() % alphabet.size()];
          break;
        case 4: {  // a digit somewhere after `at` becomes another digit, or a minus sign
          size_t p = json.find_first_of("0123456789", at);
          if (p != std::string::npos) json[p] = "0123456789-"[rng() % 11];
          break;
        }
        default: {  // drop a brace or bracket
          size_t p = json.find_first_of("{}[]", at);
          if (p != std::string::npos) json.erase(p, 1);
        }
      }
    }
    // Then both fail with the same message, or both succeed with equal messages
    if (require_agreement(seed.type, json)) ++accepted;
  }
  // Both outcomes were exercised
  REQUIRE(accepted > 100);
  REQUIRE(accepted < 2900);
}

}  // namespace otlpd
