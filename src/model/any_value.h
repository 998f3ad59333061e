// AnyValue as text, as the Collector renders it (pcommon Value.AsString), and base64 — shared by processors,
// exporters and receivers so that every component renders values the same way.
#pragma once

#include <string>
#include <string_view>

#include "opentelemetry/proto/common/v1/common.pb.h"

namespace otlpd {

// Standard alphabet, padded.
std::string base64_encode(std::string_view bytes);

// Strings as they are; bools, ints and doubles as text (NaN, +Inf, -Inf); bytes as base64; arrays and maps as
// JSON with map keys sorted (as Go's encoding/json writes them); empty for no value.
std::string any_value_as_string(const opentelemetry::proto::common::v1::AnyValue& v);

// Appends `v` as JSON (strings quoted; non-finite doubles and nesting deeper than 64 become null).
void append_any_value_json(std::string& out, const opentelemetry::proto::common::v1::AnyValue& v);

// Appends `s` as a quoted JSON string.
void append_json_quoted(std::string& out, std::string_view s);

}  // namespace otlpd
