// AnyValue rendering and base64.
#include "model/any_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <vector>

#include "codec/json_text.h"

namespace otlpd {

namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;

constexpr int kMaxDepth = 64;

std::string double_text(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, p) : std::string();
}

void append_json(std::string& out, const AnyValue& v, int depth) {
  if (depth > kMaxDepth) {
    out += "null";
    return;
  }
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      append_json_quoted(out, v.string_value());
      break;
    case AnyValue::kBoolValue:
      out += v.bool_value() ? "true" : "false";
      break;
    case AnyValue::kIntValue:
      out += std::to_string(v.int_value());
      break;
    case AnyValue::kDoubleValue:
      // JSON has no NaN or infinity; null keeps the rest of the value readable.
      if (std::isfinite(v.double_value()))
        out += double_text(v.double_value());
      else
        out += "null";
      break;
    case AnyValue::kBytesValue:
      append_json_quoted(out, base64_encode(v.bytes_value()));
      break;
    case AnyValue::kArrayValue: {
      out += '[';
      bool first = true;
      for (const auto& e : v.array_value().values()) {
        if (!first) out += ',';
        first = false;
        append_json(out, e, depth + 1);
      }
      out += ']';
      break;
    }
    case AnyValue::kKvlistValue: {
      std::vector<const KeyValue*> sorted;
      sorted.reserve(static_cast<size_t>(v.kvlist_value().values_size()));
      for (const auto& kv : v.kvlist_value().values()) sorted.push_back(&kv);
      std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->key() < b->key(); });
      out += '{';
      bool first = true;
      for (const auto* kv : sorted) {
        if (!first) out += ',';
        first = false;
        append_json_quoted(out, kv->key());
        out += ':';
        append_json(out, kv->value(), depth + 1);
      }
      out += '}';
      break;
    }
    case AnyValue::VALUE_NOT_SET:
      out += "null";
      break;
  }
}

}  // namespace

std::string base64_encode(std::string_view in) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kChars[(n >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint32_t(uint8_t(in[i])) << 16;
    out += kChars[(n >> 18) & 63];
    out += kChars[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8);
    out += kChars[(n >> 18) & 63];
    out += kChars[(n >> 12) & 63];
    out += kChars[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

void append_json_quoted(std::string& out, std::string_view s) { otlp_json::detail::append_quoted(out, s); }

std::string any_value_as_string(const AnyValue& v) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      return v.string_value();
    case AnyValue::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case AnyValue::kIntValue:
      return std::to_string(v.int_value());
    case AnyValue::kDoubleValue:
      return double_text(v.double_value());
    case AnyValue::kBytesValue:
      return base64_encode(v.bytes_value());
    case AnyValue::kKvlistValue:
    case AnyValue::kArrayValue: {
      std::string out;
      append_json(out, v, 0);
      return out;
    }
    case AnyValue::VALUE_NOT_SET:
      return {};
  }
  return {};
}

void append_any_value_json(std::string& out, const AnyValue& v) { append_json(out, v, 0); }

}  // namespace otlpd
