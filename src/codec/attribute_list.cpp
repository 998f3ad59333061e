// Value views of both attribute forms, scalar values written on the wire, and the arena that keeps them.
#include "codec/attribute_list.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "codec/wire_reader.h"
#include "model/any_value.h"

namespace otlpd::otlp_wire {

namespace {

// AnyValue's fields: string_value = 1, bool_value = 2, int_value = 3, double_value = 4, array_value = 5,
// kvlist_value = 6, bytes_value = 7.
constexpr uint32_t kString = 1, kBool = 2, kInt = 3, kDouble = 4, kArray = 5, kKvlist = 6, kBytes = 7;

// A scalar view written into a message, in place of its earlier value and unknown fields. Through the setters
// (each clears a value of another type), not Clear(): a string written over a string reuses its std::string.
void assign(AnyValue& m, const ValueView& v) {
  drop_unknown_fields(m);
  switch (v.type) {
    case ValueView::Type::string:
      m.mutable_string_value()->assign(v.text);
      break;
    case ValueView::Type::boolean:
      m.set_bool_value(v.b);
      break;
    case ValueView::Type::integer:
      m.set_int_value(v.i);
      break;
    case ValueView::Type::floating:
      m.set_double_value(v.d);
      break;
    case ValueView::Type::bytes:
      m.mutable_bytes_value()->assign(v.text);
      break;
    default:
      m.clear_value();
      break;
  }
}

AnyValue to_message(const ValueView& v) {
  AnyValue m;
  assign(m, v);
  return m;
}

}  // namespace

ValueView read_value(std::string_view any_value) {
  ValueView out;
  if (any_value.empty()) return out;
  Reader r(any_value);
  Field f;
  out.type = ValueView::Type::opaque;
  if (!r.next(f)) return out;
  Field more;
  if (r.next(more) || r.error()) return out;  // several fields: a parser merges them, let it
  const bool len = f.type == WireType::len;
  if (f.number == kString && len) return ValueView::string(f.body);
  if (f.number == kBool && f.type == WireType::varint) return ValueView::boolean(f.value != 0);
  if (f.number == kInt && f.type == WireType::varint) return ValueView::integer(static_cast<int64_t>(f.value));
  if (f.number == kDouble && f.type == WireType::i64) return ValueView::floating(std::bit_cast<double>(f.value));
  if (f.number == kBytes && len) {
    out.type = ValueView::Type::bytes;
    out.text = f.body;
  } else if (f.number == kArray && len) {
    out.type = ValueView::Type::array;
  } else if (f.number == kKvlist && len) {
    out.type = ValueView::Type::kvlist;
  }
  return out;
}

void append_value(std::string& out, const ValueView& v) {
  auto tag = [&](uint32_t number, WireType type) { out.push_back(static_cast<char>(number << 3 | uint32_t(type))); };
  auto len = [&](uint32_t number, std::string_view s) {
    tag(number, WireType::len);
    append_varint(out, s.size());
    out.append(s);
  };
  switch (v.type) {
    case ValueView::Type::string:
      len(kString, v.text);
      break;
    case ValueView::Type::bytes:
      len(kBytes, v.text);
      break;
    case ValueView::Type::boolean:
      tag(kBool, WireType::varint);
      out.push_back(v.b ? 1 : 0);
      break;
    case ValueView::Type::integer:
      tag(kInt, WireType::varint);
      append_varint(out, static_cast<uint64_t>(v.i));
      break;
    case ValueView::Type::floating: {
      tag(kDouble, WireType::i64);
      const auto bits = std::bit_cast<uint64_t>(v.d);
      for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
      break;
    }
    default:
      break;  // not a scalar: an empty AnyValue
  }
}

char* ByteArena::allocate(size_t n) {
  if (blocks_.empty() || n > capacity_ - used_) {
    const size_t size = std::max(n, kBlock);
    blocks_.push_back(std::make_unique<char[]>(size));
    if (blocks_.size() == 1) first_capacity_ = size;
    capacity_ = size;
    used_ = 0;
  }
  char* p = blocks_.back().get() + used_;
  used_ += n;
  return p;
}

std::string_view ByteArena::copy(std::string_view s) {
  if (s.empty()) return {};
  char* p = allocate(s.size());
  std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}

void ByteArena::clear() {
  if (blocks_.size() > 1) {
    blocks_.erase(blocks_.begin() + 1, blocks_.end());
    capacity_ = first_capacity_;
  }
  used_ = 0;
}

void DecodedAttributeList::set(size_t i, const ValueView& v) { assign(*attrs_.Mutable(int(i))->mutable_value(), v); }

bool DecodedAttributeList::text(size_t i, std::string& out) const {
  out = any_value_as_string(attrs_.Get(int(i)).value());
  return true;
}

void WireAttributeList::set(size_t i, const ValueView& v) {
  if (!v.encoded.empty()) return replace(i, v.encoded);
  scratch_.clear();
  append_value(scratch_, v);
  replace(i, arena_.copy(scratch_));
}

bool WireAttributeList::text(size_t i, std::string& out) {
  const ValueView v = value(i);
  switch (v.type) {
    case ValueView::Type::array:
    case ValueView::Type::kvlist:
    case ValueView::Type::opaque:
      return ok_ = false;  // rendered as JSON by the decoded form
    default:
      out = any_value_as_string(to_message(v));
      return true;
  }
}

}  // namespace otlpd::otlp_wire
