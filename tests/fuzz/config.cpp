// Fuzz target: the configuration loader as `otlpd validate` runs it: YAML text, merged when there are two
// files, turned into a typed, validated Config by every component's schema, then every component built.
//
// Input: YAML text; with a form feed in it, two files (split at the first), the second merged over the first.
//
// Checks: any input is a valid configuration or a ConfigError (which names the path and line); no other
// exception escapes, nothing crashes.
#include <exception>
#include <string>
#include <typeinfo>

#include "config/config.h"
#include "fuzz/support/fuzz.h"
#include "service/service.h"

namespace {

// Builds what `files` configure, as load_config and `otlpd validate` do.
void validate(const std::vector<std::string>& files) {
  try {
    YAML::Node merged;
    for (size_t i = 0; i < files.size(); ++i) {
      YAML::Node doc = otlpd::parse_yaml(files[i], "file " + std::to_string(i + 1));
      merged = merged.IsDefined() && !merged.IsNull() ? otlpd::merge_yaml(merged, doc) : doc;
    }
    otlpd::Config config = otlpd::parse_config(merged);
    otlpd::Service::build(config);
  } catch (const otlpd::ConfigError&) {
    // refused, with a message that says where
  } catch (const std::exception& e) {
    otlpd::fuzz::check_failed(__FILE__, __LINE__, "only ConfigError escapes",
                              std::string(typeid(e).name()) + ": " + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t split = text.find('\f');
  if (split == std::string_view::npos)
    validate({std::string(text)});
  else
    validate({std::string(text.substr(0, split)), std::string(text.substr(split + 1))});
  return 0;
}
