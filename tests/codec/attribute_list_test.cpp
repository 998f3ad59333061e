// The attribute-list interface over both forms (decoded KeyValues, received bytes): the same reads and the same
// edits give the same list, and the wire form says when it cannot do what is asked.
#include "codec/attribute_list.h"

#include <google/protobuf/util/message_differencer.h>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "opentelemetry/proto/trace/v1/trace.pb.h"

using namespace otlpd::otlp_wire;
using google::protobuf::util::MessageDifferencer;
using opentelemetry::proto::common::v1::KeyValue;
using T = ValueView::Type;

namespace {

KeyValueList sample() {
  KeyValueList l;
  auto add = [&](const char* k) {
    auto* kv = l.Add();
    kv->set_key(k);
    return kv->mutable_value();
  };
  add("s")->set_string_value("text");
  add("b")->set_bool_value(true);
  add("i")->set_int_value(-42);
  add("d")->set_double_value(2.5);
  add("y")->set_bytes_value(std::string("\0\1\2", 3));
  add("a")->mutable_array_value()->add_values()->set_int_value(1);
  auto* m = add("m")->mutable_kvlist_value()->add_values();
  m->set_key("k");
  m->mutable_value()->set_string_value("v");
  add("e");                  // a value with nothing set
  l.Add()->set_key("none");  // no value at all
  add("s")->set_string_value("second s");
  return l;
}

// The list as received: each KeyValue's serialisation, with its key and value.
// Owns every byte its views point at, as a received request does: the decoded list may change meanwhile.
struct Received {
  std::vector<std::string> keys, raw, values;
  std::vector<WireAttribute> in;
  explicit Received(const KeyValueList& l) {
    keys.reserve(l.size());
    raw.reserve(l.size());
    values.reserve(l.size());
    for (const auto& kv : l) {
      keys.push_back(kv.key());
      raw.push_back(kv.SerializeAsString());
      values.push_back(kv.value().SerializeAsString());
    }
    for (int i = 0; i < l.size(); ++i)
      in.push_back({keys[size_t(i)], values[size_t(i)], raw[size_t(i)], l[i].has_value(), true});
  }
};

KeyValueList decoded_from(const std::vector<WireAttribute>& wire) {
  KeyValueList out;
  REQUIRE(parse_attributes(wire, out));
  return out;
}

bool same(const KeyValueList& a, const KeyValueList& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i)
    if (!MessageDifferencer::Equals(a[i], b[i])) return false;
  return true;
}

}  // namespace

TEST_CASE("both forms of an attribute list read the same keys and values", "[codec][wire]") {
  KeyValueList l = sample();
  Received r(l);
  std::vector<WireAttribute> out;
  ByteArena arena;
  DecodedAttributeList decoded(l);
  WireAttributeList wire(r.in, out, arena);
  REQUIRE(decoded.size() == wire.size());
  for (size_t i = 0; i < decoded.size(); ++i) {
    INFO(decoded.key(i));
    CHECK(decoded.key(i) == wire.key(i));
    CHECK(decoded.has_value(i) == wire.has_value(i));
    ValueView a = decoded.value(i), b = wire.value(i);
    CHECK(a.type == b.type);
    CHECK(a.text == b.text);
    CHECK(a.b == b.b);
    CHECK(a.i == b.i);
    CHECK(a.d == b.d);
  }
  CHECK(decoded.find("s") == 0);
  CHECK(wire.find("s") == 0);
  CHECK(wire.find("nope") == WireAttributeList::npos);
  std::string t1, t2;
  CHECK(decoded.text(3, t1));
  CHECK(wire.text(3, t2));
  CHECK(t1 == t2);
  CHECK(wire.ok());
  CHECK_FALSE(wire.changed());
}

TEST_CASE("the same edits on both forms give the same list", "[codec][wire]") {
  KeyValueList l = sample();
  Received r(l);
  std::vector<WireAttribute> out;
  ByteArena arena;
  DecodedAttributeList decoded(l);
  WireAttributeList wire(r.in, out, arena);
  auto edit = [](auto& list) {
    list.set(list.find("s"), ValueView::integer(-7));
    list.set(list.find("b"), ValueView::floating(-0.25));
    list.set_string(list.find("i"), std::string(300, 'x'));  // a length over one varint byte
    list.set(list.put("new"), ValueView::boolean(false));
    list.set(list.append("s"), ValueView::string(""));
    list.copy(list.find("e"), list.find("d"));
    list.copy(list.find("none"), list.find("a"));  // arrays and maps copy as they are
    list.copy(list.put("copied"), list.find("m"));
    list.keep_if([&](size_t i) { return list.key(i) != "y"; });
  };
  edit(decoded);
  edit(wire);
  REQUIRE(wire.ok());
  CHECK(wire.changed());
  CHECK(same(l, decoded_from(out)));
  CHECK(l.size() == 12);
}

TEST_CASE("the wire form refuses what only the decoded form can do, and the caller then decodes", "[codec][wire]") {
  KeyValueList l = sample();
  Received r(l);
  ByteArena arena;
  std::vector<WireAttribute> out;
  SECTION("walking an array or a map") {
    WireAttributeList wire(r.in, out, arena);
    CHECK(wire.decoded(5) == nullptr);
    CHECK_FALSE(wire.ok());
  }
  SECTION("rendering an array or a map as text") {
    WireAttributeList wire(r.in, out, arena);
    std::string text;
    CHECK_FALSE(wire.text(6, text));
    CHECK_FALSE(wire.ok());
  }
  SECTION("the serialisation of a value other than an empty one") {
    WireAttributeList wire(r.in, out, arena);
    std::string bytes = "x";
    CHECK(wire.serialized(7, bytes));  // the empty value
    CHECK(bytes.empty());
    CHECK(wire.ok());
    CHECK_FALSE(wire.serialized(0, bytes));
    CHECK_FALSE(wire.ok());
  }
  SECTION("a value of several fields (a parser merges them)") {
    std::string two = r.values[0] + r.values[2];
    r.in[0].value = two;
    WireAttributeList wire(r.in, out, arena);
    CHECK(wire.value(0).type == T::opaque);
    CHECK_FALSE(wire.ok());
  }
  SECTION("rewriting an attribute that holds more than a key and a value") {
    r.in[0].plain = false;
    WireAttributeList wire(r.in, out, arena);
    wire.keep_if([](size_t) { return true; });
    wire.copy(1, 0);  // reading it is fine
    CHECK(wire.ok());
    wire.set(0, ValueView::integer(1));
    CHECK_FALSE(wire.ok());
  }
}

TEST_CASE("values written on the wire stay valid while the arena grows", "[codec][wire]") {
  ByteArena arena;
  std::vector<std::string_view> views;
  for (int i = 0; i < 2000; ++i) views.push_back(arena.copy(std::string(size_t(i % 50) + 1, char('a' + i % 26))));
  views.push_back(arena.copy(std::string(100000, 'z')));  // larger than a block
  for (int i = 0; i < 2000; ++i) REQUIRE(views[size_t(i)] == std::string(size_t(i % 50) + 1, char('a' + i % 26)));
  CHECK(views.back() == std::string(100000, 'z'));
  arena.clear();
  CHECK(arena.copy("again") == "again");
}

// The decoded form replaces a value through its setters: a string over a string goes into the same std::string,
// with nothing new on the message's arena (a Clear() first made every masked value a new arena string, and kept
// the old one's buffer until the arena went: bench/REDACTION.md, 2026-12-06).
TEST_CASE("the decoded form writes a string over a string in place", "[codec][wire]") {
  google::protobuf::Arena arena;
  auto* span = google::protobuf::Arena::CreateMessage<opentelemetry::proto::trace::v1::Span>(&arena);
  auto* kv = span->add_attributes();
  kv->set_key("k");
  kv->mutable_value()->set_string_value("a value long enough to live on the heap");
  auto* other = span->add_attributes();
  other->set_key("n");
  other->mutable_value()->set_int_value(7);
  DecodedAttributeList list(*span->mutable_attributes());
  const std::string* before = &kv->value().string_value();
  list.set_string(0, "masked: a value long enough to live on the heap");
  CHECK(&kv->value().string_value() == before);
  CHECK(kv->value().string_value() == "masked: a value long enough to live on the heap");
  list.set(0, ValueView::string("short"));
  CHECK(&kv->value().string_value() == before);
  CHECK(kv->value().string_value() == "short");
  // Another type is replaced whole, both ways.
  list.set_string(1, "was 7");
  CHECK(other->value().string_value() == "was 7");
  list.set(1, ValueView::integer(8));
  CHECK(other->value().int_value() == 8);
  list.set(1, ValueView{});
  CHECK(other->value().value_case() == opentelemetry::proto::common::v1::AnyValue::VALUE_NOT_SET);
}

// A value's unknown fields may be a member of the oneof newer than our proto, which a reader would take over the
// value written: a replaced value keeps none.
TEST_CASE("a value the decoded form replaces keeps no unknown fields", "[codec][wire]") {
  // string_value "secret", then field 8 (varint 1), unknown to this proto.
  const std::string with_unknown = std::string("\x0a\x06secret", 8) + std::string("\x40\x01", 2);
  for (int how = 0; how < 3; ++how) {
    KeyValueList l;
    auto* kv = l.Add();
    kv->set_key("k");
    REQUIRE(kv->mutable_value()->ParseFromString(with_unknown));
    REQUIRE(kv->value().SerializeAsString() == with_unknown);
    DecodedAttributeList list(l);
    if (how == 0) list.set_string(0, "****");
    if (how == 1) list.set(0, ValueView::string("****"));
    if (how == 2) list.set(0, ValueView::integer(1));
    AnyValue expected;
    if (how == 2)
      expected.set_int_value(1);
    else
      expected.set_string_value("****");
    CHECK(kv->value().SerializeAsString() == expected.SerializeAsString());
  }
}
