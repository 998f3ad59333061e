// Shared parts of the OTLP/JSON readers: the per-thread simdjson parser, value conversions, error text.
#include "codec/json_walk.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>

namespace otlpd::otlp_json::detail {

namespace {

// A parser keeps its buffers between documents (per thread). They take ~14 bytes per input byte, so
// those grown for large documents are released after use.
constexpr size_t kKeepParserCapacity = 2 * 1024 * 1024;
// Upper bound of DecodeLimits::max_depth, whatever is configured (a few hundred bytes of stack per level).
constexpr size_t kMaxSupportedDepth = 1000;

dom::parser& thread_parser() {
  thread_local dom::parser parser;
  return parser;
}

}  // namespace

const char* type_name(dom::element_type t) {
  switch (t) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "a number";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::BOOL:
      return "a boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

// The walks recurse once per level: the limit is capped so that no configuration can exhaust a thread's stack.
Document::Document(const DecodeLimits& limits)
    : max_depth_(std::clamp<size_t>(limits.max_depth, 1, kMaxSupportedDepth)) {}

Document::~Document() {
  dom::parser& parser = thread_parser();
  if (parser.capacity() > kKeepParserCapacity) parser = dom::parser{};
}

std::string Document::parse(std::string_view json, dom::element& root) {
  dom::parser& parser = thread_parser();
  // simdjson enforces the nesting limit (iteratively) while building the DOM, before any walk recurses into it.
  if (parser.max_depth() != max_depth_ || parser.capacity() < json.size()) {
    if (parser.allocate(std::max(json.size(), parser.capacity()), max_depth_) != simdjson::SUCCESS)
      return "out of memory allocating the JSON parser";
  }
  simdjson::error_code err = parser.parse(json.data(), json.size()).get(root);
  if (err == simdjson::SUCCESS) return {};
  size_t offset = 0;
  std::string what;
  if (locate_syntax_error(json, max_depth_, offset, what))
    return "invalid JSON at offset " + std::to_string(offset) + ": " + what;
  return std::string("invalid JSON: ") + simdjson::error_message(err);
}

std::string JsonWalker::error() const {
  std::string path;
  for (auto it = path_.rbegin(); it != path_.rend(); ++it) {
    if (!path.empty()) path.push_back('.');
    path.append(it->name);
    if (it->index >= 0) {
      path.push_back('[');
      path += std::to_string(it->index);
      path.push_back(']');
    }
  }
  return path.empty() ? error_ : path + ": " + error_;
}

bool JsonWalker::int64_slow(dom::element v, int64_t& out) {
  switch (v.type()) {
    case dom::element_type::INT64:
      out = v.get_int64().value_unsafe();
      return true;
    case dom::element_type::UINT64:
      return fail("integer out of range");
    case dom::element_type::DOUBLE: {
      double d = v.get_double().value_unsafe();
      // 2^63 is exactly representable; anything at or above it does not fit.
      if (d != std::trunc(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
        return fail("expected an integer, got " + std::to_string(d));
      out = static_cast<int64_t>(d);
      return true;
    }
    case dom::element_type::STRING:
      if (parse_int64(v.get_string().value_unsafe(), out)) return true;
      return fail("expected an integer, got \"" + std::string(v.get_string().value_unsafe().substr(0, 64)) + "\"");
    default:
      return type_error("an integer", v);
  }
}

bool JsonWalker::uint64_slow(dom::element v, uint64_t& out) {
  switch (v.type()) {
    case dom::element_type::INT64: {
      int64_t i = v.get_int64().value_unsafe();
      if (i < 0) return fail("expected a non-negative integer, got " + std::to_string(i));
      out = static_cast<uint64_t>(i);
      return true;
    }
    case dom::element_type::UINT64:
      out = v.get_uint64().value_unsafe();
      return true;
    case dom::element_type::DOUBLE: {
      double d = v.get_double().value_unsafe();
      if (d != std::trunc(d) || d < 0 || d >= 18446744073709551616.0)
        return fail("expected a non-negative integer, got " + std::to_string(d));
      out = static_cast<uint64_t>(d);
      return true;
    }
    case dom::element_type::STRING:
      if (parse_uint64(v.get_string().value_unsafe(), out)) return true;
      return fail("expected a non-negative integer, got \"" + std::string(v.get_string().value_unsafe().substr(0, 64)) +
                  "\"");
    default:
      return type_error("an integer", v);
  }
}

bool JsonWalker::number(dom::element v, double& out) {
  switch (v.type()) {
    case dom::element_type::DOUBLE:
      out = v.get_double().value_unsafe();
      return true;
    case dom::element_type::INT64:
      out = static_cast<double>(v.get_int64().value_unsafe());
      return true;
    case dom::element_type::UINT64:
      out = static_cast<double>(v.get_uint64().value_unsafe());
      return true;
    case dom::element_type::STRING:
      if (parse_double(v.get_string().value_unsafe(), out)) return true;
      return fail("expected a number, got \"" + std::string(v.get_string().value_unsafe().substr(0, 64)) + "\"");
    default:
      return type_error("a number", v);
  }
}

bool JsonWalker::scalar(dom::element v, const FieldSchema& f, Scalar& x) {
  switch (f.kind) {
    case Kind::kDouble:
    case Kind::kFloat:
      return number(v, x.d);
    case Kind::kBool:
      return boolean(v, x.b);
    case Kind::kInt64:
      return int64(v, x.i);
    case Kind::kUInt64:
      return uint64(v, x.u);
    case Kind::kInt32:
      if (!int64(v, x.i)) return false;
      if (x.i < std::numeric_limits<int32_t>::min() || x.i > std::numeric_limits<int32_t>::max())
        return fail("integer out of range for a 32-bit field");
      return true;
    case Kind::kUInt32:
      if (!uint64(v, x.u)) return false;
      if (x.u > std::numeric_limits<uint32_t>::max()) return fail("integer out of range for a 32-bit field");
      return true;
    case Kind::kEnum:
      return enum_value(v, f, x.i);
    default:
      return fail("internal: not a scalar field");
  }
}

bool JsonWalker::enum_value(dom::element v, const FieldSchema& f, int64_t& out) {
  const auto* et = f.fd->enum_type();
  if (v.type() == dom::element_type::STRING) {
    std::string_view name = v.get_string().value_unsafe();
    if (const auto* ev = et->FindValueByName(std::string(name))) {
      out = ev->number();
      return true;
    }
    if (parse_int64(name, out)) return check_enum_number(f, out);
    return fail("unknown value \"" + std::string(name.substr(0, 64)) + "\" of enum " + et->name());
  }
  if (!int64(v, out)) return false;
  return check_enum_number(f, out);
}

bool JsonWalker::check_enum_number(const FieldSchema& f, int64_t n) {
  if (n < std::numeric_limits<int32_t>::min() || n > std::numeric_limits<int32_t>::max())
    return fail("enum value out of range");
  // Open (proto3) enums keep unknown numbers; closed ones cannot hold them.
  if (f.fd->file()->syntax() != google::protobuf::FileDescriptor::SYNTAX_PROTO3 &&
      f.fd->enum_type()->FindValueByNumber(static_cast<int>(n)) == nullptr)
    return fail("unknown value " + std::to_string(n) + " of enum " + f.fd->enum_type()->name());
  return true;
}

}  // namespace otlpd::otlp_json::detail
