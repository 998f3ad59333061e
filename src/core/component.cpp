// Component ids and kind names.
#include "core/component.h"

#include "platform/telemetry.h"

namespace otlpd {

std::string_view to_string(Kind k) {
  switch (k) {
    case Kind::receiver:
      return "receiver";
    case Kind::processor:
      return "processor";
    case Kind::exporter:
      return "exporter";
    case Kind::extension:
      return "extension";
    case Kind::connector:
      return "connector";
  }
  return "component";
}

Telemetry& CreateSettings::telemetry() const { return telemetry_sink ? *telemetry_sink : Telemetry::global(); }

bool ComponentId::parse(std::string_view text, ComponentId& out) {
  auto is_space = [](std::string_view s) { return s.find_first_of(" \t\r\n") != std::string_view::npos; };
  if (text.empty() || is_space(text)) return false;
  auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    out = ComponentId{std::string(text), {}};
    return true;
  }
  auto type = text.substr(0, slash);
  auto name = text.substr(slash + 1);
  if (type.empty() || name.empty()) return false;
  out = ComponentId{std::string(type), std::string(name)};
  return true;
}

}  // namespace otlpd
