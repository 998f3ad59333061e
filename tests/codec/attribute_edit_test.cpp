// The wire reader and the on-the-wire attribute rewrite: what it copies, where it writes edited lists, and that
// the result decodes to the request the same edit gives on messages.
#include <google/protobuf/util/message_differencer.h>
#include <catch2/catch.hpp>

#include <string>

#include "codec/attribute_edit.h"
#include "codec/otlp_wire.h"
#include "codec/wire_reader.h"
#include "model/batch.h"
#include "support/otlp_client.h"

using namespace otlpd;
using namespace otlpd::otlp_wire;
using google::protobuf::util::MessageDifferencer;
using opentelemetry::proto::common::v1::KeyValue;

namespace {

// Keeps every list, counting the lists it saw by kind.
struct Counting final : AttributeEditor {
  bool wants(AttributesOf) const override { return true; }
  Edit edit(AttributesOf where, std::span<const WireAttribute> in, std::vector<WireAttribute>&,
            KeyValueList&) override {
    ++seen[static_cast<int>(where)];
    attributes += in.size();
    return Edit::keep;
  }
  int seen[5] = {};
  size_t attributes = 0;
};

// Drops attributes whose key starts with `prefix` and appends one ("added" = "v"), on the wire.
struct DropAndAdd final : AttributeEditor {
  explicit DropAndAdd(AttributesOf only, std::string prefix) : only_(only), prefix_(std::move(prefix)) {}
  bool wants(AttributesOf where) const override { return where == only_; }
  Edit edit(AttributesOf, std::span<const WireAttribute> in, std::vector<WireAttribute>& wire, KeyValueList&) override {
    for (const auto& a : in)
      if (!a.key.starts_with(prefix_)) wire.push_back(a);
    wire.push_back(WireAttribute{"added", value_, {}, true});
    return Edit::wire;
  }
  AttributesOf only_;
  std::string prefix_;
  std::string value_ = string_any_value("v");
};

// Decodes each list and upper-cases the keys: the decoded form of an editor.
struct Upper final : AttributeEditor {
  bool wants(AttributesOf) const override { return true; }
  Edit edit(AttributesOf, std::span<const WireAttribute> in, std::vector<WireAttribute>&, KeyValueList& list) override {
    if (!parse_attributes(in, list)) return Edit::fail;
    for (auto& kv : list)
      for (auto& c : *kv.mutable_key()) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return Edit::list;
  }
};

void drop_and_add(google::protobuf::RepeatedPtrField<KeyValue>& attrs, const std::string& prefix) {
  google::protobuf::RepeatedPtrField<KeyValue> kept;
  for (const auto& kv : attrs)
    if (!kv.key().starts_with(prefix)) *kept.Add() = kv;
  auto* kv = kept.Add();
  kv->set_key("added");
  kv->mutable_value()->set_string_value("v");
  attrs.Swap(&kept);
}

otlp_trace::ExportTraceServiceRequest parsed(const std::string& bytes) {
  otlp_trace::ExportTraceServiceRequest r;
  REQUIRE(r.ParseFromString(bytes));
  return r;
}

}  // namespace

TEST_CASE("the wire reader gives each field, a group as one field, and stops at bad bytes", "[codec][wire]") {
  // 1: varint 150; 2: "hi"; 3: group {4: varint 1}; 5: fixed32
  std::string bytes("\x08\x96\x01\x12\x02hi\x1b\x20\x01\x1c\x2d\x01\x02\x03\x04", 16);
  Reader r(bytes);
  Field f;
  REQUIRE(r.next(f));
  CHECK((f.number == 1 && f.type == WireType::varint && f.value == 150 && f.raw.size() == 3));
  REQUIRE(r.next(f));
  CHECK((f.number == 2 && f.body == "hi"));
  REQUIRE(r.next(f));
  CHECK((f.number == 3 && f.type == WireType::sgroup && f.body == std::string_view("\x20\x01", 2)));
  CHECK(f.raw.size() == 4);
  REQUIRE(r.next(f));
  CHECK((f.number == 5 && f.value == 0x04030201));
  CHECK_FALSE(r.next(f));
  CHECK_FALSE(r.error());

  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    if (cut == 3 || cut == 7 || cut == 11) continue;  // field boundaries
    Reader t(std::string_view(bytes).substr(0, cut));
    while (t.next(f)) {
    }
    CHECK(t.error());
  }
  Reader mismatched(std::string_view("\x1b\x24", 2));  // group 3 closed by end-group 4
  CHECK_FALSE(mismatched.next(f));
  CHECK(mismatched.error());
}

TEST_CASE("a length-prefixed field grows or shrinks its guessed length prefix", "[codec][wire]") {
  for (size_t body : {0, 1, 127, 128, 300, 20000}) {
    for (size_t guess : {0, 100, 1000, 100000}) {
      std::string out = "x";
      LenField f(out, 9, guess);
      out.append(body, 'b');
      f.end();
      Reader r(std::string_view(out).substr(1));
      Field field;
      REQUIRE(r.next(field));
      CHECK(field.number == 9);
      CHECK(field.body.size() == body);
      CHECK_FALSE(r.next(field));
      CHECK_FALSE(r.error());
    }
  }
}

TEST_CASE("a rewrite that keeps every list changes nothing and visits every list", "[codec][wire]") {
  auto req = test::full_traces(3, 7);
  std::string bytes = req.SerializeAsString();
  Counting c;
  auto r = rewrite_trace_attributes(bytes, c);
  REQUIRE(r.ok);
  CHECK_FALSE(r.changed);
  CHECK(r.bytes.empty());
  size_t events = 0, links = 0, spans = 0;
  for (const auto& rs : req.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& s : ss.spans()) {
        ++spans;
        events += static_cast<size_t>(s.events_size());
        links += static_cast<size_t>(s.links_size());
      }
  CHECK(c.seen[static_cast<int>(AttributesOf::resource)] == req.resource_spans_size());
  CHECK(c.seen[static_cast<int>(AttributesOf::span)] == static_cast<int>(spans));
  CHECK(c.seen[static_cast<int>(AttributesOf::span_event)] == static_cast<int>(events));
  CHECK(c.seen[static_cast<int>(AttributesOf::span_link)] == static_cast<int>(links));
  CHECK(c.attributes > 0);
}

TEST_CASE("a wire edit of each kind of list decodes to the same edit made on messages", "[codec][wire]") {
  auto req = test::full_traces(4, 11);
  std::string bytes = req.SerializeAsString();
  for (auto where : {AttributesOf::resource, AttributesOf::scope, AttributesOf::span, AttributesOf::span_event,
                     AttributesOf::span_link}) {
    DropAndAdd ed(where, "s");  // drops "str", "service.name", "scope.attr"
    auto r = rewrite_trace_attributes(bytes, ed);
    REQUIRE(r.ok);
    REQUIRE(r.changed);
    REQUIRE(check<otlp_trace::ExportTraceServiceRequest>(r.bytes).ok);

    auto want = req;
    for (auto& rs : *want.mutable_resource_spans()) {
      if (where == AttributesOf::resource) drop_and_add(*rs.mutable_resource()->mutable_attributes(), "s");
      for (auto& ss : *rs.mutable_scope_spans()) {
        if (where == AttributesOf::scope) drop_and_add(*ss.mutable_scope()->mutable_attributes(), "s");
        for (auto& s : *ss.mutable_spans()) {
          if (where == AttributesOf::span) drop_and_add(*s.mutable_attributes(), "s");
          for (auto& e : *s.mutable_events())
            if (where == AttributesOf::span_event) drop_and_add(*e.mutable_attributes(), "s");
          for (auto& l : *s.mutable_links())
            if (where == AttributesOf::span_link) drop_and_add(*l.mutable_attributes(), "s");
        }
      }
    }
    INFO("list kind " << static_cast<int>(where));
    CHECK(MessageDifferencer::Equals(parsed(r.bytes), want));
  }
}

TEST_CASE("a decoded editor's lists are written back in place of the received ones", "[codec][wire]") {
  auto req = test::full_traces(2, 3);
  Upper ed;
  auto r = rewrite_trace_attributes(req.SerializeAsString(), ed);
  REQUIRE(r.ok);
  auto out = parsed(r.bytes);
  const auto& span = out.resource_spans(0).scope_spans(0).spans(0);
  CHECK(span.attributes(0).key() == "STR");
  CHECK(out.resource_spans(0).resource().attributes(0).key() == "SERVICE.NAME");
  CHECK(span.name() == req.resource_spans(0).scope_spans(0).spans(0).name());
  CHECK(span.events(0).attributes(0).key() == "STR");
}

TEST_CASE("unknown fields stay, and a list added to a message without one is appended", "[codec][wire]") {
  opentelemetry::proto::trace::v1::Span span;
  span.set_name("n");
  span.set_trace_id(std::string(16, '\1'));
  span.set_span_id(std::string(8, '\2'));
  std::string span_bytes = span.SerializeAsString();
  std::string unknown("\xf8\x07\x2a\xfb\x07\x08\x01\xfc\x07", 9);  // field 127 varint 42; group 127 {1: 1}
  span_bytes += unknown;
  // request { resource_spans { scope_spans { spans: span_bytes } } }
  std::string ss;
  ss.push_back(0x12);
  append_varint(ss, span_bytes.size());
  ss += span_bytes;
  std::string rs;
  rs.push_back(0x12);
  append_varint(rs, ss.size());
  rs += ss;
  std::string req;
  req.push_back(0x0a);
  append_varint(req, rs.size());
  req += rs;
  REQUIRE(check<otlp_trace::ExportTraceServiceRequest>(req).ok);

  DropAndAdd ed(AttributesOf::span, "none");
  auto r = rewrite_trace_attributes(req, ed);
  REQUIRE(r.ok);
  REQUIRE(r.changed);
  CHECK(r.bytes.find(unknown) != std::string::npos);
  auto out = parsed(r.bytes);
  const auto& s = out.resource_spans(0).scope_spans(0).spans(0);
  CHECK(s.name() == "n");
  REQUIRE(s.attributes_size() == 1);
  CHECK(s.attributes(0).key() == "added");
  CHECK(s.attributes(0).value().string_value() == "v");
}

TEST_CASE("bytes that do not read fail the rewrite instead of producing output", "[codec][wire]") {
  std::string bytes = test::full_traces(1, 1).SerializeAsString();
  Counting c;
  auto r = rewrite_trace_attributes(bytes.substr(0, bytes.size() - 3), c);
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.error.empty());
}

TEST_CASE("an editor with keeps() gets a read-only pass, and a write pass only when some list changes",
          "[codec][wire]") {
  // Keeps every list except those holding `key`; those lose it.
  struct Checking final : AttributeEditor {
    explicit Checking(std::string k) : key(std::move(k)) {}
    bool wants(AttributesOf) const override { return true; }
    bool has_keeps() const override { return true; }
    bool keeps(AttributesOf, std::span<const WireAttribute> in) override {
      ++asked;
      for (const auto& a : in)
        if (a.key == key) return false;
      return true;
    }
    Edit edit(AttributesOf where, std::span<const WireAttribute> in, std::vector<WireAttribute>& wire,
              KeyValueList&) override {
      ++edited;
      if (keeps(where, in)) return Edit::keep;
      for (const auto& a : in)
        if (a.key != key) wire.push_back(a);
      return Edit::wire;
    }
    std::string key;
    int asked = 0, edited = 0;
  };
  auto req = test::full_traces(3, 9);
  std::string bytes = req.SerializeAsString();

  Checking none("no such key");
  auto r = rewrite_trace_attributes(bytes, none);
  REQUIRE(r.ok);
  CHECK_FALSE(r.changed);
  CHECK(none.asked > 10);
  CHECK(none.edited == 0);

  // Only the scopes hold "scope.attr" (as their one attribute): the write pass drops it there alone.
  Checking scopes("scope.attr");
  r = rewrite_trace_attributes(bytes, scopes);
  REQUIRE(r.ok);
  REQUIRE(r.changed);
  CHECK(scopes.edited > 0);
  auto want = req;
  for (auto& rs : *want.mutable_resource_spans())
    for (auto& ss : *rs.mutable_scope_spans()) ss.mutable_scope()->mutable_attributes()->Clear();
  CHECK(MessageDifferencer::Equals(parsed(r.bytes), want));
}

TEST_CASE("plain_string_value reads a string-only AnyValue and nothing else", "[codec][wire]") {
  std::string_view s;
  for (size_t n : {0, 1, 127, 128, 20000}) {
    std::string text(n, 'x');
    std::string bytes = string_any_value(text);
    opentelemetry::proto::common::v1::AnyValue v;
    REQUIRE(v.ParseFromString(bytes));
    CHECK(v.string_value() == text);
    REQUIRE(plain_string_value(bytes, s));
    CHECK(s == text);
    if (n > 0) CHECK_FALSE(plain_string_value(bytes.substr(0, bytes.size() - 1), s));  // cut short
  }
  opentelemetry::proto::common::v1::AnyValue i;
  i.set_int_value(5);
  CHECK_FALSE(plain_string_value(i.SerializeAsString(), s));
  std::string two = string_any_value("a") + string_any_value("b");  // the last one counts in a parser
  CHECK_FALSE(plain_string_value(two, s));
  CHECK_FALSE(plain_string_value(std::string_view("\x0a\x85", 2), s));  // unterminated length
}
