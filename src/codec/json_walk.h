// Internal base of the OTLP/JSON readers (message decoder, wire transcoder): the simdjson document, value
// checks and conversions, and error paths, so that both give the same verdict and the same text on any input.
#pragma once

#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "codec/json_schema.h"
#include "codec/json_text.h"
#include "codec/otlp_json.h"

namespace otlpd::otlp_json::detail {

namespace dom = simdjson::dom;

const char* type_name(dom::element_type t);

[[gnu::always_inline]] inline bool key_is(std::string_view key, std::string_view json_name,
                                          std::string_view proto_name) {
  return key == json_name || key == proto_name;
}

// One JSON document parsed by this thread's simdjson parser, which enforces the nesting limit; the elements
// stay valid while the Document lives.
class Document {
 public:
  explicit Document(const DecodeLimits& limits);
  ~Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  // An empty string and the root element on success, otherwise the syntax error.
  std::string parse(std::string_view json, dom::element& root);
  size_t max_depth() const { return max_depth_; }

 private:
  size_t max_depth_;
};

// Which singular fields and oneofs each open JSON object has set, as a stack of bits (objects nest).
//
// A key given twice follows protobuf's JSON parser (checked against libprotobuf 3.21's JsonStringToMessage):
// a scalar keeps its last value, a default value included; a message merges key by key, as on the wire (so
// its scalars, defaults included, override the earlier occurrence's, and a oneof may switch member); a list
// appends. Two members of one oneof in one object are an error. The decoder and the wire transcoder both
// apply these rules, so they agree on every document.
class FieldsSeen {
 public:
  // Opens an object of `s`; returns its base for mark() and close().
  size_t open(const MessageSchema& s) {
    const size_t base = bits_.size();
    bits_.resize(base + (s.fields.size() + s.oneof_count + 63) / 64, 0);
    return base;
  }
  void close(size_t base) { bits_.resize(base); }
  // Marks bit `i` (a field index, or oneof_bit()) of the object at `base`; returns whether it was set before.
  bool mark(size_t base, size_t i) {
    uint64_t& word = bits_[base + i / 64];
    const uint64_t bit = uint64_t{1} << (i % 64);
    const bool was = (word & bit) != 0;
    word |= bit;
    return was;
  }
  static size_t oneof_bit(const MessageSchema& s, const FieldSchema& f) {
    return s.fields.size() + static_cast<size_t>(f.oneof);
  }

 private:
  std::vector<uint64_t> bits_;
};

// A scalar field's value: the member its Kind uses.
struct Scalar {
  double d = 0;
  int64_t i = 0;
  uint64_t u = 0;
  bool b = false;
};

// Value checks and conversions with the error conventions of OTLP/JSON decoding: a failure records what was
// wrong (fail) and, while it unwinds, the path of fields and indexes (at).
class JsonWalker {
 public:
  explicit JsonWalker(size_t max_depth) : max_depth_(max_depth) {}

  // "<path>: <what>", the path in JSON field names with list indexes.
  std::string error() const;

 protected:
  struct Segment {
    std::string_view name;
    long index;
  };

  bool fail(std::string msg) {
    error_ = std::move(msg);
    return false;
  }
  // Records one path segment while an error unwinds.
  bool at(std::string_view name, long index = -1) {
    path_.push_back({name, index});
    return false;
  }
  bool type_error(const char* expected, dom::element el) {
    return fail(std::string("expected ") + expected + ", got " + type_name(el.type()));
  }
  bool too_deep() { return fail("nesting deeper than the limit of " + std::to_string(max_depth_)); }

  bool object(dom::element el, dom::object& obj, size_t depth) {
    if (depth >= max_depth_) return too_deep();
    if (el.type() != dom::element_type::OBJECT) return type_error("an object", el);
    obj = el.get_object().value_unsafe();
    return true;
  }
  bool array(dom::element el, dom::array& arr, size_t depth) {
    if (depth >= max_depth_) return too_deep();
    if (el.type() != dom::element_type::ARRAY) return type_error("an array", el);
    arr = el.get_array().value_unsafe();
    return true;
  }
  bool string(dom::element v, std::string_view& s) {
    if (v.type() != dom::element_type::STRING) return type_error("a string", v);
    s = v.get_string().value_unsafe();
    return true;
  }
  bool boolean(dom::element v, bool& b) {
    if (v.type() != dom::element_type::BOOL) return type_error("a boolean", v);
    b = v.get_bool().value_unsafe();
    return true;
  }

  bool int64(dom::element v, int64_t& out) {
    if (v.type() == dom::element_type::INT64) {
      out = v.get_int64().value_unsafe();
      return true;
    }
    return int64_slow(v, out);
  }
  bool uint64(dom::element v, uint64_t& out) {
    auto t = v.type();
    if (t == dom::element_type::INT64) {
      int64_t i = v.get_int64().value_unsafe();
      if (i >= 0) {
        out = static_cast<uint64_t>(i);
        return true;
      }
    } else if (t == dom::element_type::UINT64) {
      out = v.get_uint64().value_unsafe();
      return true;
    }
    return uint64_slow(v, out);
  }
  bool number(dom::element v, double& out);
  // Numbers given as strings or doubles, and the errors.
  bool int64_slow(dom::element v, int64_t& out);
  bool uint64_slow(dom::element v, uint64_t& out);

  // The value of a scalar field (not string, bytes or message) into the member of `x` its kind uses.
  bool scalar(dom::element v, const FieldSchema& f, Scalar& x);
  bool enum_value(dom::element v, const FieldSchema& f, int64_t& out);
  bool check_enum_number(const FieldSchema& f, int64_t n);

  size_t max_depth_;
  std::string error_;
  std::vector<Segment> path_;
};

}  // namespace otlpd::otlp_json::detail
