// One attribute-list interface over both forms of an OTLP attribute list: decoded KeyValues and attributes as
// received on the wire. Rules that edit attributes (attribute actions, redaction) are templates over it, written
// once for both forms.
//
// The interface (both classes):
//   size(), key(i), has_value(i), value(i) → ValueView     read entry i
//   find(key) → index or npos (the first entry with key)  append(key), put(key) (find, else append)
//   set(i, ValueView), set_string(i, std::string)          replace entry i's value with a scalar
//   copy(to, from)                                         entry `from`'s value into entry `to`
//   text(i, out)                                           the Collector's AsString of entry i's value
//   serialized(i, out)                                     entry i's value as a serialised AnyValue
//   decoded(i) → AnyValue*                                 the decoded value, to walk arrays and maps
//   keep_if(keep)                                          keep(i) for each entry in order (it may read or
//                                                          set entry i only); removes those it refuses
//   ok()                                                   false when the list could not do what was asked
// The wire form does what needs no decoding; anything else (arrays and maps to walk or render, values it cannot
// read, an entry with extra fields to rewrite) makes ok() false, and the caller decodes the list and runs the
// same rule on the decoded form, which always can.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/attribute_edit.h"

namespace otlpd::otlp_wire {

using AnyValue = opentelemetry::proto::common::v1::AnyValue;

// One attribute value as either form gives it. Arrays and maps are only named (their contents are not read).
struct ValueView {
  enum class Type : uint8_t { empty, string, boolean, integer, floating, bytes, array, kvlist, opaque };
  Type type = Type::empty;
  std::string_view text;  // string, bytes
  bool b = false;
  int64_t i = 0;
  double d = 0;
  // The serialised AnyValue of this value, when the caller keeps it (a configured value): the wire form then
  // writes it as it is, and the view must outlive the rewrite.
  std::string_view encoded;

  static ValueView string(std::string_view s) { return {Type::string, s, false, 0, 0, {}}; }
  static ValueView boolean(bool v) { return {Type::boolean, {}, v, 0, 0, {}}; }
  static ValueView integer(int64_t v) { return {Type::integer, {}, false, v, 0, {}}; }
  static ValueView floating(double v) { return {Type::floating, {}, false, 0, v, {}}; }
};

// A decoded AnyValue as a view (valid while the value is unchanged). Inline: rules ask it of every value.
inline ValueView view_of(const AnyValue& v) {
  ValueView out;
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      return ValueView::string(v.string_value());
    case AnyValue::kBoolValue:
      return ValueView::boolean(v.bool_value());
    case AnyValue::kIntValue:
      return ValueView::integer(v.int_value());
    case AnyValue::kDoubleValue:
      return ValueView::floating(v.double_value());
    case AnyValue::kBytesValue:
      out.type = ValueView::Type::bytes;
      out.text = v.bytes_value();
      return out;
    case AnyValue::kArrayValue:
      out.type = ValueView::Type::array;
      return out;
    case AnyValue::kKvlistValue:
      out.type = ValueView::Type::kvlist;
      return out;
    case AnyValue::VALUE_NOT_SET:
      break;
  }
  return out;
}
// Clears the unknown fields of a value about to be replaced, when it has any (rarely: one look, no write). The
// decoded form replaces a value through its setters, so that a string over a string is written into the same
// std::string (no new object on the message's arena, the old buffer reused); a value must not keep unknown fields
// through that, since one may be a member of the oneof newer than our proto, which a reader would take over the
// new value.
inline void drop_unknown_fields(AnyValue& v) {
  const auto* r = v.GetReflection();
  if (!r->GetUnknownFields(v).empty()) r->MutableUnknownFields(&v)->Clear();
}
// A serialised AnyValue as a view: empty, one scalar, or an array or map; `opaque` for anything else (several
// fields, unknown fields), which only a parser reads right.
ValueView read_value(std::string_view any_value);
// Appends the serialised AnyValue holding the scalar `v`.
void append_value(std::string& out, const ValueView& v);

// Bytes that outlive the views into them: values an edit made on the wire, kept until the rewrite is written.
class ByteArena {
 public:
  std::string_view copy(std::string_view s);
  char* allocate(size_t n);
  // Forgets everything (the first block is kept for reuse).
  void clear();

 private:
  static constexpr size_t kBlock = 16 * 1024;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0, capacity_ = 0, first_capacity_ = 0;
};

class DecodedAttributeList {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);
  explicit DecodedAttributeList(KeyValueList& attrs) : attrs_(attrs) {}

  size_t size() const { return static_cast<size_t>(attrs_.size()); }
  std::string_view key(size_t i) const { return attrs_.Get(int(i)).key(); }
  bool has_value(size_t i) const { return attrs_.Get(int(i)).has_value(); }
  ValueView value(size_t i) const { return view_of(attrs_.Get(int(i)).value()); }
  size_t find(std::string_view key) const {
    for (int i = 0; i < attrs_.size(); ++i)
      if (attrs_.Get(i).key() == key) return size_t(i);
    return npos;
  }
  size_t append(std::string_view key) {
    attrs_.Add()->set_key(std::string(key));
    return size() - 1;
  }
  size_t put(std::string_view key) {
    size_t i = find(key);
    return i != npos ? i : append(key);
  }
  void set(size_t i, const ValueView& v);
  void set_string(size_t i, std::string s) {
    AnyValue& v = *attrs_.Mutable(int(i))->mutable_value();
    drop_unknown_fields(v);
    v.set_string_value(std::move(s));  // the setter clears a value of another type
  }
  void copy(size_t to, size_t from) {
    if (to != from) attrs_.Mutable(int(to))->mutable_value()->CopyFrom(attrs_.Get(int(from)).value());
  }
  bool text(size_t i, std::string& out) const;
  bool serialized(size_t i, std::string& out) const {
    out = attrs_.Get(int(i)).value().SerializeAsString();
    return true;
  }
  AnyValue* decoded(size_t i) { return attrs_.Mutable(int(i))->mutable_value(); }
  // Elements live on the message's arena, so removal only moves pointers.
  template <typename Keep>
  void keep_if(Keep&& keep) {
    const int n = attrs_.size();
    int w = 0;
    for (int i = 0; i < n; ++i) {
      if (!keep(size_t(i))) continue;
      if (w != i) attrs_.SwapElements(w, i);
      ++w;
    }
    if (w != n) attrs_.DeleteSubrange(w, n - w);
  }
  bool ok() const { return true; }

 private:
  KeyValueList& attrs_;
};

// The received list `in`, edited into `out` (views into the request, into `arena`, or into what the caller keeps
// alive until the rewrite is written).
class WireAttributeList {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);
  WireAttributeList(std::span<const WireAttribute> in, std::vector<WireAttribute>& out, ByteArena& arena)
      : out_(out), arena_(arena) {
    out_.assign(in.begin(), in.end());
  }

  size_t size() const { return out_.size(); }
  std::string_view key(size_t i) const { return out_[i].key; }
  bool has_value(size_t i) const { return out_[i].has_value; }
  ValueView value(size_t i) {
    if (!out_[i].has_value) return {};
    ValueView v = read_value(out_[i].value);
    if (v.type == ValueView::Type::opaque) ok_ = false;
    return v;
  }
  size_t find(std::string_view key) const {
    for (size_t i = 0; i < out_.size(); ++i)
      if (out_[i].key == key) return i;
    return npos;
  }
  size_t append(std::string_view key) {
    changed_ = true;
    out_.push_back({key, {}, {}, false, true});
    return out_.size() - 1;
  }
  size_t put(std::string_view key) {
    size_t i = find(key);
    return i != npos ? i : append(key);
  }
  void set(size_t i, const ValueView& v);
  void set_string(size_t i, const std::string& s) { set(i, ValueView::string(s)); }
  void copy(size_t to, size_t from) {
    if (to != from) replace(to, out_[from].value);
  }
  bool text(size_t i, std::string& out);
  // Only an empty value: others are serialised by the decoded form, whose bytes may differ from the received.
  bool serialized(size_t i, std::string& out) {
    out.clear();
    if (!out_[i].has_value || out_[i].value.empty()) return true;
    return ok_ = false;
  }
  AnyValue* decoded(size_t) {
    ok_ = false;
    return nullptr;
  }
  template <typename Keep>
  void keep_if(Keep&& keep) {
    size_t w = 0;
    for (size_t i = 0; i < out_.size(); ++i) {
      if (!keep(i)) continue;
      if (w != i) out_[w] = out_[i];
      ++w;
    }
    if (w != out_.size()) {
      changed_ = true;
      out_.resize(w);
    }
  }
  bool ok() const { return ok_; }
  bool changed() const { return changed_; }

 private:
  // Entry i with `value` (a serialised AnyValue) in place of its own. An entry with more than a key and a value
  // cannot be rewritten from them without losing the rest.
  void replace(size_t i, std::string_view value) {
    WireAttribute& a = out_[i];
    if (!a.plain && !a.raw.empty()) {
      ok_ = false;
      return;
    }
    a.value = value;
    a.has_value = true;
    a.raw = {};
    a.plain = true;
    changed_ = true;
  }

  std::vector<WireAttribute>& out_;
  ByteArena& arena_;
  std::string scratch_;
  bool ok_ = true;
  bool changed_ = false;
};

}  // namespace otlpd::otlp_wire
