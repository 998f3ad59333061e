// OTLP/JSON to protobuf wire bytes: the decoder's walk over the simdjson DOM, writing fields as it meets
// them.
#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <utility>

#include "codec/json_codec.h"
#include "codec/json_walk.h"
#include "codec/otlp_json.h"

namespace otlpd::otlp_json {

namespace detail {
namespace {

// Writes the protobuf wire format into `out`: tags, values, lengths, and the fields each open object has set.
class WireOut {
 public:
  explicit WireOut(std::string& out) : out_(out) {}
  size_t items() const { return items_; }

 protected:
  size_t open_object(const MessageSchema& s) { return seen_.open(s); }
  void close_object(size_t base) { seen_.close(base); }
  bool mark(size_t base, size_t i) { return seen_.mark(base, i); }
  static size_t oneof_bit(const MessageSchema& s, const FieldSchema& f) { return FieldsSeen::oneof_bit(s, f); }

  // Sets `merging_` while one value is written. Inside a message whose key came before in the same object,
  // every value overrides what the merge would keep, defaults too (FieldsSeen); elements of a list are new
  // messages, with nothing to merge into.
  class MergeScope {
   public:
    MergeScope(bool& flag, bool value) : flag_(flag), was_(flag) { flag = value; }
    ~MergeScope() { flag_ = was_; }
    MergeScope(const MergeScope&) = delete;
    MergeScope& operator=(const MergeScope&) = delete;

   private:
    bool& flag_;
    bool was_;
  };

  // One value of `f` with its tag; a proto3 default value only with `keep_default`.
  void write_string(const FieldSchema& f, std::string_view s, bool keep_default) {
    if (s.empty() && !keep_default) return;
    varint(f.tag);
    varint(s.size());
    out_.append(s);
  }
  // Hex ids or base64, decoded into place; returns what was wrong with the text.
  std::string write_bytes(const FieldSchema& f, std::string_view text, bool keep_default) {
    const size_t start = out_.size();
    varint(f.tag);
    const size_t len = open();
    std::string err =
        f.kind == Kind::kHexId ? append_hex_decoded(text, f.hex_bytes, out_) : append_base64_decoded(text, out_);
    if (!err.empty()) return err;
    if (out_.size() == len + 1 && !keep_default)
      out_.resize(start);
    else
      close(len);
    return {};
  }
  void write_scalar(const FieldSchema& f, const Scalar& x, bool keep_default) {
    uint64_t b = bits(f, x);
    if (b == 0 && !keep_default) return;  // protobuf leaves out zeros (-0.0 has bits: it is kept)
    varint(f.tag);
    put(f.encoding, b);
  }

  // The value as the integer the wire format writes: a varint's value, or a fixed-width field's bits.
  static uint64_t bits(const FieldSchema& f, const Scalar& x) {
    switch (f.kind) {
      case Kind::kDouble: {
        uint64_t b;
        std::memcpy(&b, &x.d, sizeof b);
        return b;
      }
      case Kind::kFloat: {
        auto fl = static_cast<float>(x.d);
        uint32_t b;
        std::memcpy(&b, &fl, sizeof b);
        return b;
      }
      case Kind::kBool:
        return x.b ? 1 : 0;
      case Kind::kUInt32:
      case Kind::kUInt64:
        return x.u;
      default:  // signed integers and enums: negative int32 values are sign-extended, as protobuf writes them
        if (f.encoding == WireEncoding::kZigZag)
          return (static_cast<uint64_t>(x.i) << 1) ^ static_cast<uint64_t>(x.i >> 63);
        if (f.encoding == WireEncoding::kFixed32) return static_cast<uint32_t>(x.i);
        return static_cast<uint64_t>(x.i);
    }
  }

  void put(WireEncoding e, uint64_t b) {
    if (e == WireEncoding::kFixed64 || e == WireEncoding::kFixed32) {
      char buf[8];
      for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(b >> (8 * i));
      out_.append(buf, e == WireEncoding::kFixed64 ? 8 : 4);
    } else {
      varint(b);
    }
  }

  void varint(uint64_t v) {
    if (v < 0x80) {
      out_.push_back(static_cast<char>(v));
      return;
    }
    char buf[10];
    size_t n = 0;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    out_.append(buf, n);
  }

  // A length-delimited value: one byte is reserved for its length, and the value moves when it needs more.
  size_t open() {
    out_.push_back(0);
    return out_.size() - 1;
  }
  void close(size_t at) {
    const size_t len = out_.size() - at - 1;
    if (len < 0x80) {
      out_[at] = static_cast<char>(len);
      return;
    }
    size_t n = 1;
    for (size_t v = len; v >= 0x80; v >>= 7) ++n;
    out_.resize(out_.size() + n - 1);
    std::memmove(out_.data() + at + n, out_.data() + at + 1, len);
    char* p = out_.data() + at;
    size_t v = len;
    for (; v >= 0x80; v >>= 7) *p++ = static_cast<char>(v | 0x80);
    *p = static_cast<char>(v);
  }

  std::string& out_;
  size_t items_ = 0;
  FieldsSeen seen_;
  bool merging_ = false;  // inside a message whose key was given before: defaults are written too
};

// The complete walk over the simdjson DOM, with the decoder's checks and error text.
class WireWriter : public JsonWalker, public WireOut {
 public:
  WireWriter(size_t max_depth, std::string& out) : JsonWalker(max_depth), WireOut(out) {}

  bool message(dom::element el, const MessageSchema& s, size_t depth) {
    dom::object obj;
    if (!object(el, obj, depth)) return false;
    const size_t base = open_object(s);
    bool ok = true;
    for (dom::key_value_pair kv : obj) {
      const FieldSchema* f = s.find(kv.key);
      if (f == nullptr || kv.value.is_null()) continue;  // unknown fields are ignored, null means absent
      if (!field(kv.value, s, *f, base, depth)) {
        ok = false;
        break;
      }
    }
    close_object(base);
    return ok;
  }

 private:
  bool field(dom::element v, const MessageSchema& s, const FieldSchema& f, size_t base, size_t depth) {
    if (!f.repeated) {
      if (f.oneof >= 0 && mark(base, oneof_bit(s, f)))
        return fail("more than one member of oneof '" + f.fd->real_containing_oneof()->name() + "' is set"),
               at(f.json_name);
      const bool again = mark(base, f.index);
      MergeScope scope(merging_, merging_ || again);
      if (!value(v, f, merging_ || f.presence, depth + 1)) return at(f.json_name);
      return true;
    }
    dom::array arr;
    if (!array(v, arr, depth + 1)) return at(f.json_name);
    if (f.encoding != WireEncoding::kLengthDelimited) return packed(arr, f);
    MergeScope scope(merging_, false);
    long i = 0;
    for (dom::element e : arr) {
      if (e.is_null()) return fail("null is not allowed in a list"), at(f.json_name, i);
      if (!value(e, f, true, depth + 2)) return at(f.json_name, i);
      ++i;
    }
    if (f.counted) items_ += static_cast<size_t>(i);
    return true;
  }

  // A repeated scalar: one packed run (none for an empty list).
  bool packed(dom::array arr, const FieldSchema& f) {
    const size_t start = out_.size();
    varint(f.tag);
    const size_t len = open();
    long i = 0;
    for (dom::element e : arr) {
      if (e.is_null()) return fail("null is not allowed in a list"), at(f.json_name, i);
      Scalar x;
      if (!scalar(e, f, x)) return at(f.json_name, i);
      put(f.encoding, bits(f, x));
      ++i;
    }
    if (i == 0)
      out_.resize(start);
    else
      close(len);
    return true;
  }

  // Writes one value of `f` with its tag; a proto3 default value only with `keep_default`.
  bool value(dom::element v, const FieldSchema& f, bool keep_default, size_t depth) {
    switch (f.kind) {
      case Kind::kMessage: {
        varint(f.tag);
        const size_t len = open();
        if (!message(v, *f.message, depth)) return false;
        close(len);
        return true;
      }
      case Kind::kString: {
        std::string_view s;
        if (!string(v, s)) return false;
        write_string(f, s, keep_default);
        return true;
      }
      case Kind::kBytes:
      case Kind::kHexId: {
        std::string_view s;
        if (!string(v, s)) return false;
        std::string err = write_bytes(f, s, keep_default);
        return err.empty() || fail(std::move(err));
      }
      default: {
        Scalar x;
        if (!scalar(v, f, x)) return false;
        write_scalar(f, x, keep_default);
        return true;
      }
    }
  }
};

namespace od = simdjson::ondemand;

// The fast path: simdjson On-Demand (no DOM), for documents of the usual shape. It gives up (false, nothing
// said) on whatever it does not handle — errors, unknown fields, enum names, numbers that need conversion —
// and the complete walk then runs on the document. What it accepts, the complete walk accepts with the same
// bytes.
class FastWriter : public WireOut {
 public:
  FastWriter(size_t max_depth, std::string& out) : WireOut(out), max_depth_(max_depth) {}

  bool fields(od::object obj, const MessageSchema& s, size_t depth) {
    const size_t base = open_object(s);
    bool ok = true;
    for (auto member : obj) {
      od::field kv;
      std::string_view key;
      const FieldSchema* f;
      bool null;
      if (std::move(member).get(kv) || kv.unescaped_key().get(key) || (f = s.find(key)) == nullptr ||
          kv.value().is_null().get(null) || (!null && !field(kv.value(), s, *f, base, depth))) {
        ok = false;
        break;
      }
    }
    close_object(base);
    return ok;
  }

 private:
  // Depth: an object or array `depth` levels below the root is left to the complete walk from depth + 1 ==
  // max_depth_ on. The parser there refuses an object or array at that level unless it is empty (On-Demand
  // checks no depth), so the fast path must not accept it either.
  bool message(od::value v, const MessageSchema& s, size_t depth) {
    od::object obj;
    return depth + 1 < max_depth_ && !v.get_object().get(obj) && fields(obj, s, depth);
  }

  bool field(od::value v, const MessageSchema& s, const FieldSchema& f, size_t base, size_t depth) {
    if (!f.repeated) {
      if (f.oneof >= 0 && mark(base, oneof_bit(s, f))) return false;
      const bool again = mark(base, f.index);
      MergeScope scope(merging_, merging_ || again);
      return value(v, f, merging_ || f.presence, depth + 1);
    }
    od::array arr;
    if (depth + 2 >= max_depth_ || v.get_array().get(arr)) return false;
    const bool packed = f.encoding != WireEncoding::kLengthDelimited;
    const size_t start = out_.size();
    size_t len = 0;
    if (packed) {
      varint(f.tag);
      len = open();
    }
    MergeScope scope(merging_, false);
    size_t n = 0;
    for (auto element : arr) {
      od::value e;
      bool null;
      if (std::move(element).get(e) || e.is_null().get(null) || null) return false;
      if (packed) {
        Scalar x;
        if (!scalar(e, f, x)) return false;
        put(f.encoding, bits(f, x));
      } else if (!value(e, f, true, depth + 2)) {
        return false;
      }
      ++n;
    }
    if (packed) {
      if (n == 0)
        out_.resize(start);
      else
        close(len);
    }
    if (f.counted) items_ += n;
    return true;
  }

  bool value(od::value v, const FieldSchema& f, bool keep_default, size_t depth) {
    switch (f.kind) {
      case Kind::kMessage: {
        varint(f.tag);
        const size_t len = open();
        if (!message(v, *f.message, depth)) return false;
        close(len);
        return true;
      }
      case Kind::kString: {
        std::string_view s;
        if (v.get_string().get(s)) return false;
        write_string(f, s, keep_default);
        return true;
      }
      case Kind::kBytes:
      case Kind::kHexId: {
        std::string_view s;
        return !v.get_string().get(s) && write_bytes(f, s, keep_default).empty();
      }
      default: {
        Scalar x;
        if (!scalar(v, f, x)) return false;
        write_scalar(f, x, keep_default);
        return true;
      }
    }
  }

  // Numbers as JSON numbers or strings (OTLP's 64-bit integers); anything else is left to the complete walk.
  static bool scalar(od::value v, const FieldSchema& f, Scalar& x) {
    od::json_type t;
    if (v.type().get(t)) return false;
    std::string_view text;
    if (t == od::json_type::string && (f.kind != Kind::kBool && f.kind != Kind::kEnum)) {
      if (v.get_string().get(text)) return false;
    } else if (t != od::json_type::number && t != od::json_type::boolean) {
      return false;
    }
    switch (f.kind) {
      case Kind::kDouble:
      case Kind::kFloat:
        return text.data() != nullptr ? parse_double(text, x.d) : !v.get_double().get(x.d);
      case Kind::kBool:
        return !v.get_bool().get(x.b);
      case Kind::kInt64:
        return text.data() != nullptr ? parse_int64(text, x.i) : !v.get_int64().get(x.i);
      case Kind::kUInt64:
        return text.data() != nullptr ? parse_uint64(text, x.u) : !v.get_uint64().get(x.u);
      case Kind::kInt32:
      case Kind::kEnum:
        if (text.data() != nullptr ? !parse_int64(text, x.i) : v.get_int64().get(x.i) != simdjson::SUCCESS)
          return false;
        return x.i >= INT32_MIN && x.i <= INT32_MAX &&
               (f.kind == Kind::kInt32 || f.fd->file()->syntax() == google::protobuf::FileDescriptor::SYNTAX_PROTO3);
      case Kind::kUInt32:
        if (text.data() != nullptr ? !parse_uint64(text, x.u) : v.get_uint64().get(x.u) != simdjson::SUCCESS)
          return false;
        return x.u <= UINT32_MAX;
      default:
        return false;
    }
  }

  size_t max_depth_;
};

// This thread's On-Demand parser and the padded copy of the input it needs; large buffers are released.
class FastDocument {
 public:
  void release_if_large() {
    if (buffer_.capacity() > kKeepCapacity) {
      buffer_ = std::string{};
      parser_ = od::parser{};
    }
  }
  bool run(std::string_view json, size_t max_depth, const MessageSchema& schema, std::string& out, size_t& items) {
    buffer_.assign(json);
    buffer_.append(simdjson::SIMDJSON_PADDING, ' ');
    if (parser_.max_depth() != max_depth || parser_.capacity() < json.size())
      if (parser_.allocate(std::max(json.size(), parser_.capacity()), max_depth)) return false;
    od::document doc;
    od::object root;
    if (parser_.iterate(buffer_.data(), json.size(), buffer_.size()).get(doc) || doc.get_object().get(root))
      return false;
    FastWriter w(max_depth, out);
    // Nothing may follow the root object (an iterator at the end has no location).
    if (!w.fields(root, schema, 0) || doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return false;
    items = w.items();
    return true;
  }

 private:
  static constexpr size_t kKeepCapacity = 2 * 1024 * 1024;
  std::string buffer_;
  od::parser parser_;
};

}  // namespace
}  // namespace detail

namespace detail {

bool decode_to_wire_fast(std::string_view json, const google::protobuf::Descriptor* root, std::string& out,
                         size_t& items, const DecodeLimits& limits) {
  out.clear();
  items = 0;
  out.reserve(json.size() / 2 + 64);  // OTLP's protobuf is about half its JSON
  thread_local FastDocument fast;
  bool done = fast.run(json, Document(limits).max_depth(), schema_for(root), out, items);
  fast.release_if_large();
  return done;
}

}  // namespace detail

std::string decode_to_wire(std::string_view json, const google::protobuf::Descriptor* root, std::string& out,
                           size_t& items, const DecodeLimits& limits) {
  std::string err;
  if (!detail::decode_to_wire_fast(json, root, out, items, limits)) {
    // What the fast path left: the complete walk decides, and words any error as decode() does.
    out.clear();
    items = 0;
    detail::Document doc(limits);
    detail::dom::element el;
    err = doc.parse(json, el);
    if (err.empty()) {
      detail::WireWriter w(doc.max_depth(), out);
      if (w.message(el, detail::schema_for(root), 0))
        items = w.items();
      else
        err = w.error();
    }
  }
  if (err.empty() && out.size() > static_cast<size_t>(INT_MAX)) err = "the request exceeds protobuf's limit of 2 GiB";
  if (!err.empty()) {
    out.clear();
    items = 0;
  }
  return err;
}

}  // namespace otlpd::otlp_json
