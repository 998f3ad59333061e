// The wire check: it accepts exactly what protobuf's parser accepts, counts items, checks OTLP ids, and names
// the offending field; batches built from checked bytes decode lazily and forward the bytes as received.
#include "codec/otlp_wire.h"

#include <google/protobuf/stubs/logging.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "model/batch.h"
#include "support/otlp_client.h"

namespace otlpd {
namespace {

namespace common = opentelemetry::proto::common::v1;
using google::protobuf::Descriptor;

template <typename Request>
bool protobuf_accepts(std::string_view bytes) {
  google::protobuf::LogSilencer quiet;  // invalid UTF-8 would be logged by the parser
  Request r;
  return r.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

// Random damage of the kinds a broken or hostile client produces: flipped bits, truncation, inserted and deleted
// runs, duplicated ranges, bytes overwritten with varint-looking garbage.
std::string mutate(std::string s, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    size_t at = pick(s.size());
    switch (rng() % 6) {
      case 0:
        s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8)));
        break;
      case 1:
        s.resize(at);
        break;
      case 2:
        s.insert(at, std::string(1 + pick(4), static_cast<char>(rng())));
        break;
      case 3:
        s.erase(at, 1 + pick(8));
        break;
      case 4: {
        size_t len = std::min<size_t>(1 + pick(32), s.size() - at);
        s.insert(pick(s.size()), s.substr(at, len));
        break;
      }
      default:
        s[at] = static_cast<char>(0x80 | rng());
        break;
    }
  }
  return s;
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// AnyValue{array_value{values[AnyValue{array_value{...}}]}} `levels` deep, built outside in, in linear time.
std::string deeply_nested_arrays(int levels) {
  // sizes[k]: the serialised size of the AnyValue k levels above the (empty) innermost one.
  std::vector<uint64_t> sizes(static_cast<size_t>(levels) + 1, 0);
  for (size_t k = 1; k < sizes.size(); ++k) {
    uint64_t array = 1 + varint_size(sizes[k - 1]) + sizes[k - 1];  // ArrayValue.values (field 1)
    sizes[k] = 1 + varint_size(array) + array;                      // AnyValue.array_value (field 5)
  }
  std::string out;
  out.reserve(sizes.back());
  for (size_t k = sizes.size() - 1; k > 0; --k) {
    out += '\x2a';
    put_varint(out, 1 + varint_size(sizes[k - 1]) + sizes[k - 1]);
    out += '\x0a';
    put_varint(out, sizes[k - 1]);
  }
  return out;
}

template <typename Request>
void require_same_verdicts(const std::string& valid, uint64_t seed, int rounds) {
  std::mt19937_64 rng(seed);
  int accepted = 0;
  for (int i = 0; i < rounds; ++i) {
    std::string bytes = mutate(valid, rng);
    bool ours = otlp_wire::check(Request::descriptor(), bytes, /*check_ids=*/false).ok;
    bool theirs = protobuf_accepts<Request>(bytes);
    if (ours != theirs) {
      INFO("round " << i << ": wire check says " << ours << ", protobuf says " << theirs << "; "
                    << otlp_wire::check(Request::descriptor(), bytes, false).error);
      REQUIRE(ours == theirs);
    }
    accepted += ours;
  }
  // Both verdicts occur, or the comparison would prove little.
  CHECK(accepted > rounds / 20);
  CHECK(accepted < rounds - rounds / 20);
}

TEST_CASE("wire check accepts valid requests and counts their items", "[codec][wire]") {
  auto traces = test::full_traces(7, 1);
  auto t = otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(traces.SerializeAsString());
  REQUIRE(t.ok);
  CHECK(t.items == 7);

  auto metrics = test::full_metrics(2);
  auto m = otlp_wire::check<otlp_metrics::ExportMetricsServiceRequest>(metrics.SerializeAsString());
  REQUIRE(m.ok);
  CHECK(m.items == SignalTraits<otlp_metrics::ExportMetricsServiceRequest>::count_items(metrics));
  CHECK(m.items >= 5);  // all five metric types have points

  auto logs = test::full_logs(4, 3);
  auto l = otlp_wire::check<otlp_logs::ExportLogsServiceRequest>(logs.SerializeAsString());
  REQUIRE(l.ok);
  CHECK(l.items == 4);

  auto empty = otlp_wire::check<otlp_logs::ExportLogsServiceRequest>("");
  CHECK(empty.ok);
  CHECK(empty.items == 0);
}

TEST_CASE("wire check agrees with protobuf's parser on damaged input", "[codec][wire]") {
  require_same_verdicts<otlp_trace::ExportTraceServiceRequest>(test::full_traces(3, 11).SerializeAsString(), 1, 4000);
  require_same_verdicts<otlp_metrics::ExportMetricsServiceRequest>(test::full_metrics(12).SerializeAsString(), 2, 4000);
  require_same_verdicts<otlp_logs::ExportLogsServiceRequest>(test::full_logs(3, 13).SerializeAsString(), 3, 4000);
}

TEST_CASE("wire check agrees with protobuf on hand-made edge cases", "[codec][wire]") {
  using Req = otlp_trace::ExportTraceServiceRequest;
  auto same = [](const std::string& bytes) {
    INFO("bytes of size " << bytes.size());
    CHECK(otlp_wire::check(Req::descriptor(), bytes, false).ok == protobuf_accepts<Req>(bytes));
  };
  same(std::string("\x00", 1));                              // field number 0
  same("\x0c");                                              // end group at top level (field 1)
  same("\x0b\x0c");                                          // empty group in field 1 (a known field of message type)
  same("\x9b\x06\x9c\x06");                                  // an unknown group (field 99), properly closed
  same("\x9b\x06\xa4\x06");                                  // closed by another field's end tag
  same("\x9b\x06");                                          // never closed
  same("\xf8\x06\x01");                                      // unknown varint field
  same("\xf8\x06\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");  // ten-byte varint
  same("\xf8\x06\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");  // eleven bytes
  same("\xf9\x06\x01\x02\x03");                                  // truncated fixed64
  same("\xfd\x06\x01\x02\x03\x04");                              // fixed32
  same("\xfe\x06");                                              // wire type 6
  same("\x0a\x05\x12\x03\x12\x01");                              // nested length past its parent
  same("\x0a\x80\x80\x80\x80\x10");                              // a length of 2^32
  same("\x08\x01");                                              // resource_spans with a varint: kept as unknown
}

TEST_CASE("wire check: nesting up to protobuf's limit is accepted, one level more is not", "[codec][wire]") {
  // AnyValue { kvlist_value { values { value { kvlist_value ... } } } }: three messages per level.
  auto nested = [](int levels) {
    common::AnyValue leaf;
    leaf.set_string_value("x");
    std::string bytes = leaf.SerializeAsString();
    for (int i = 0; i < levels; ++i) {
      common::AnyValue outer;
      auto* kv = outer.mutable_kvlist_value()->add_values();
      kv->set_key("k");
      kv->mutable_value()->ParseFromString(bytes);
      bytes = outer.SerializeAsString();
    }
    return bytes;
  };
  for (int levels : {30, 32, 33, 34, 35, 40}) {
    std::string bytes = nested(levels);
    INFO(levels << " levels");
    CHECK(otlp_wire::check(common::AnyValue::descriptor(), bytes).ok == protobuf_accepts<common::AnyValue>(bytes));
  }
  CHECK(otlp_wire::check(common::AnyValue::descriptor(), nested(30)).ok);
  CHECK_FALSE(otlp_wire::check(common::AnyValue::descriptor(), nested(40)).ok);

  // The exact boundary: the innermost AnyValue at nesting level 2L (AnyValue root) or 2L + 1 (KeyValue root).
  for (int levels = 48; levels <= 51; ++levels) {
    std::string any = deeply_nested_arrays(levels);
    std::string kv = "\x12";
    put_varint(kv, any.size());
    kv += any;
    INFO(levels << " array levels");
    CHECK(otlp_wire::check(common::AnyValue::descriptor(), any).ok == protobuf_accepts<common::AnyValue>(any));
    CHECK(otlp_wire::check(common::KeyValue::descriptor(), kv).ok == protobuf_accepts<common::KeyValue>(kv));
  }
  CHECK(otlp_wire::check(common::AnyValue::descriptor(), deeply_nested_arrays(50)).ok);
  CHECK_FALSE(otlp_wire::check(common::AnyValue::descriptor(), deeply_nested_arrays(51)).ok);

  // Far deeper than any stack would take, were the walk not to stop at the limit.
  std::string deep = deeply_nested_arrays(50000);
  auto r = otlp_wire::check(common::AnyValue::descriptor(), deep);
  CHECK_FALSE(r.ok);
  CHECK(r.error.ends_with("nested too deeply"));
  CHECK_FALSE(protobuf_accepts<common::AnyValue>(deep));
}

TEST_CASE("wire check refuses ids of the wrong length and names the field", "[codec][wire]") {
  auto traces = test::full_traces(3, 5);
  traces.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->set_trace_id("12345");
  auto r = otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(traces.SerializeAsString());
  REQUIRE_FALSE(r.ok);
  CHECK(r.error == "resourceSpans[0].scopeSpans[0].spans[1].traceId: 5 bytes, expected 16");
  // Without the OTLP checks it is a valid protobuf message.
  CHECK(otlp_wire::check(otlp_trace::ExportTraceServiceRequest::descriptor(), traces.SerializeAsString(), false).ok);

  traces = test::full_traces(3, 5);
  auto* span = traces.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(2);
  REQUIRE(span->links_size() > 0);
  span->mutable_links(0)->set_span_id("123");
  r = otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(traces.SerializeAsString());
  CHECK(r.error == "resourceSpans[0].scopeSpans[0].spans[2].links[0].spanId: 3 bytes, expected 8");

  auto logs = test::full_logs(2, 5);
  logs.mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records(1)->set_span_id("123456789");
  auto l = otlp_wire::check<otlp_logs::ExportLogsServiceRequest>(logs.SerializeAsString());
  CHECK(l.error == "resourceLogs[0].scopeLogs[0].logRecords[1].spanId: 9 bytes, expected 8");

  auto metrics = test::full_metrics(5);
  auto* m = metrics.mutable_resource_metrics(0)->mutable_scope_metrics(0)->mutable_metrics(0);
  REQUIRE(m->has_gauge());
  m->mutable_gauge()->mutable_data_points(0)->mutable_exemplars(0)->set_trace_id("1");
  auto mr = otlp_wire::check<otlp_metrics::ExportMetricsServiceRequest>(metrics.SerializeAsString());
  CHECK(mr.error ==
        "resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].exemplars[0].traceId: "
        "1 bytes, expected 16");

  // Empty ids are valid (OTLP: absent).
  traces = test::full_traces(1, 5);
  traces.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->clear_parent_span_id();
  CHECK(otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(traces.SerializeAsString()).ok);
}

TEST_CASE("wire check refuses invalid UTF-8 in strings, not in bytes", "[codec][wire]") {
  google::protobuf::LogSilencer quiet;  // protobuf logs about serialising invalid UTF-8
  auto traces = test::full_traces(2, 9);
  traces.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->set_name("ok \xc3\x28 no");
  auto r = otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(traces.SerializeAsString());
  REQUIRE_FALSE(r.ok);
  CHECK(r.error == "resourceSpans[0].scopeSpans[0].spans[1].name: invalid UTF-8");
  CHECK_FALSE(protobuf_accepts<otlp_trace::ExportTraceServiceRequest>(traces.SerializeAsString()));

  for (std::string bad : {"\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "\xff"}) {  // surrogate, overlong, >U+10FFFF
    traces = test::full_traces(1, 9);
    traces.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(bad);
    std::string bytes = traces.SerializeAsString();
    CHECK(otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(bytes).ok ==
          protobuf_accepts<otlp_trace::ExportTraceServiceRequest>(bytes));
  }

  traces = test::full_traces(1, 9);
  auto* attr = traces.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
  attr->set_key("blob");
  attr->mutable_value()->set_bytes_value("\xff\xfe\x00\xc3", 4);
  CHECK(otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(traces.SerializeAsString()).ok);
}

// A span with a field this build does not know (number 100), as a newer SDK might send.
std::string with_unknown_span_field(const otlp_trace::ExportTraceServiceRequest& r) {
  auto copy = r;
  auto* span = copy.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  span->GetReflection()->MutableUnknownFields(span)->AddLengthDelimited(100, "from the future");
  return copy.SerializeAsString();
}

TEST_CASE("a batch of received bytes decodes lazily and serialises to the same bytes", "[core][wire]") {
  std::string bytes = with_unknown_span_field(test::full_traces(5, 21));
  auto checked = otlp_wire::check<otlp_trace::ExportTraceServiceRequest>(bytes);
  REQUIRE(checked.ok);
  CHECK(checked.items == 5);

  auto batch = TraceBatch::adopt_wire(bytes, checked.items);
  CHECK(batch.wire_bytes() == bytes.size());
  CHECK(batch.item_count() == 5);
  REQUIRE(batch.raw_parts().size() == 1);
  CHECK(batch.raw_parts()[0].request == nullptr);  // not decoded yet
  CHECK(batch.serialize() == bytes);

  SECTION("reading decodes and keeps the bytes") {
    const TraceBatch& view = batch;
    CHECK(view.read_parts()[0].request->resource_spans(0).scope_spans(0).spans_size() == 5);
    CHECK(batch.raw_parts()[0].wire != nullptr);
    CHECK(batch.serialize() == bytes);
  }
  SECTION("clones share the bytes") {
    auto copy = batch.clone();
    CHECK(copy.raw_parts()[0].wire == batch.raw_parts()[0].wire);
    CHECK(copy.serialize() == bytes);
    CHECK(copy.item_count() == 5);
  }
  SECTION("changing forgets the bytes, and serialising reflects the change") {
    batch.mutable_parts()[0].request->mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(
        "new");
    CHECK(batch.raw_parts()[0].wire == nullptr);
    otlp_trace::ExportTraceServiceRequest back;
    REQUIRE(back.ParseFromString(batch.serialize()));
    CHECK(back.resource_spans(0).scope_spans(0).spans(0).name() == "new");
    CHECK(batch.item_count() == 5);
    // The unknown field survives decoding and re-encoding too.
    CHECK(back.resource_spans(0)
              .scope_spans(0)
              .spans(0)
              .GetReflection()
              ->GetUnknownFields(back.resource_spans(0).scope_spans(0).spans(0))
              .field_count() == 1);
  }
  SECTION("appending batches moves bytes and decoded parts alike") {
    auto decoded = TraceBatch::make();
    decoded.first() = test::full_traces(2, 22);
    batch.append(std::move(decoded));
    CHECK(batch.item_count() == 7);
    otlp_trace::ExportTraceServiceRequest back;
    REQUIRE(back.ParseFromString(batch.serialize()));
    CHECK(SignalTraits<otlp_trace::ExportTraceServiceRequest>::count_items(back) == 7);
    CHECK(batch.merged().item_count() == 7);
  }
}

TEST_CASE("a part whose bytes fail to decode becomes empty instead of taking the daemon down", "[core][wire]") {
  // Cannot come from a receiver (otlp_wire::check refuses it); a guard against a bug elsewhere.
  google::protobuf::LogSilencer quiet;
  auto batch = TraceBatch::adopt_wire(std::string("\x0a\x05\x12", 3), 4);
  CHECK(batch.item_count() == 4);  // what the caller claimed, until decoded
  const TraceBatch& view = batch;
  REQUIRE(view.read_parts().size() == 1);
  CHECK(view.read_parts()[0].request->resource_spans_size() == 0);
  CHECK(batch.item_count() == 0);
  CHECK(batch.serialize().empty());
}

}  // namespace
}  // namespace otlpd
