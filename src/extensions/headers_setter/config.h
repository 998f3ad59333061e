// Configuration of the `headers_setter` extension, with the OpenTelemetry Collector's keys.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component_config.h"
#include "model/context_key.h"

namespace otlpd::headers_setter {

struct HeaderConfig {
  enum class Action { insert, update, upsert, remove };
  std::string key;                           // the header to set (sent lower-case)
  std::string value;                         // a static value
  std::string from_context;                  // as written: a header of the incoming request, auth.<attribute>, ...
  std::optional<ContextKey> source;          // from_context, parsed
  std::optional<std::string> default_value;  // from_context absent from the request (or no request): this
  Action action = Action::upsert;
};

struct HeadersSetterConfig : ComponentConfig {
  std::vector<HeaderConfig> headers;
};

const Schema<HeadersSetterConfig>& schema();
std::unique_ptr<HeadersSetterConfig> parse_config(const ConfigNode& node);

}  // namespace otlpd::headers_setter
