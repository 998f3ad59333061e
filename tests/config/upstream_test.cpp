// The Collector's own filter and transform test configurations (tests/config/upstream/, copied with their source
// and licence): each loads in otlpd where the Collector's config tests load it and is refused where they refuse it.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "config/node.h"
#include "core/registry.h"

using namespace otlpd;

namespace {

// Every top-level `type/name: config` of an upstream file, parsed by its processor's factory: the error, or "".
std::map<std::string, std::string> load_all(const std::string& file) {
  const auto path = std::filesystem::path(OTLPD_SOURCE_DIR) / "tests/config/upstream" / file;
  const YAML::Node root = YAML::LoadFile(path.string());
  std::map<std::string, std::string> out;
  for (const auto& entry : root) {
    const auto id = entry.first.as<std::string>();
    const auto type = id.substr(0, id.find('/'));
    const auto* factory = Registry::instance().find(Kind::processor, type);
    REQUIRE(factory != nullptr);
    try {
      factory->parse(ConfigNode(entry.second, "processors::" + id));
      out[id] = "";
    } catch (const ConfigError& e) {
      out[id] = e.what();
      if (out[id].empty()) out[id] = "refused";
    }
  }
  return out;
}

void check_expectations(const std::map<std::string, std::string>& got, const std::map<std::string, bool>& loads) {
  REQUIRE(got.size() == loads.size());
  for (const auto& [id, ok] : loads) {
    INFO(id << ": " << (got.at(id).empty() ? "loads" : got.at(id)));
    CHECK(got.at(id).empty() == ok);
  }
}

}  // namespace

TEST_CASE("upstream filterprocessor config_ottl.yaml loads and is refused as in the Collector", "[config][ottl]") {
  // processor/filterprocessor/config_test.go: the OTTL configs load; mixing OTTL with include/exclude and the
  // bad syntax ones are refused.
  check_expectations(load_all("filterprocessor_config_ottl.yaml"), {{"filter/ottl", true},
                                                                    {"filter/multiline", true},
                                                                    {"filter/spans_mix_config", false},
                                                                    {"filter/metrics_mix_config", false},
                                                                    {"filter/logs_mix_config", false},
                                                                    {"filter/bad_syntax_span", false},
                                                                    {"filter/bad_syntax_spanevent", false},
                                                                    {"filter/bad_syntax_metric", false},
                                                                    {"filter/bad_syntax_datapoint", false},
                                                                    {"filter/bad_syntax_log", false}});
}

TEST_CASE("upstream transformprocessor config.yaml loads and is refused as in the Collector", "[config][ottl]") {
  // processor/transformprocessor/config_test.go.
  check_expectations(load_all("transformprocessor_config.yaml"),
                     {{"transform", true},
                      {"transform/with_conditions", true},
                      {"transform/ignore_errors", true},
                      {"transform/bad_syntax_log", false},
                      {"transform/bad_syntax_metric", false},
                      {"transform/bad_syntax_trace", false},
                      {"transform/bad_syntax_multi_signal", false},
                      {"transform/unknown_function_log", false},
                      {"transform/unknown_function_metric", false},
                      {"transform/unknown_function_trace", false},
                      {"transform/unknown_context", false},
                      {"transform/unknown_error_mode", false},
                      {"transform/structured_configuration_with_path_context", true},
                      {"transform/structured_configuration_with_inferred_context", true},
                      {"transform/flat_configuration", true},
                      {"transform/mixed_configuration_styles", true},
                      {"transform/with_shared_cache_key", true},
                      {"transform/context_statements_error_mode", true}});
}

TEST_CASE("upstream filterprocessor legacy configs load and are refused as in the Collector", "[config][ottl]") {
  check_expectations(
      load_all("filterprocessor_config_strict.yaml"),
      {{"filter/empty", true}, {"filter/include", true}, {"filter/exclude", true}, {"filter/includeexclude", true}});
  check_expectations(load_all("filterprocessor_config_logs.yaml"), {{"filter/include", true},
                                                                    {"filter/exclude", true},
                                                                    {"filter/includeexclude", true},
                                                                    {"filter/invalid_include_severity", false},
                                                                    {"filter/spans", false}});
}

TEST_CASE("upstream tailsamplingprocessor configs with ottl_condition load as in the Collector", "[config][ottl]") {
  check_expectations(load_all("tailsamplingprocessor_config.yaml"),
                     {{"tail_sampling", true}, {"tail_sampling/errormode", true}});
}

TEST_CASE("the Collector's attributes/from_context example (metadata.origin, auth.subject) loads", "[config]") {
  // processor/attributesprocessor/testdata/config.yaml's attributes/from_context: an oidc subject and a
  // request header as span attributes. otlpd refused auth.* until authenticators carried AuthData.
  const auto* factory = Registry::instance().find(Kind::processor, "attributes");
  REQUIRE(factory != nullptr);
  CHECK_NOTHROW(factory->parse(ConfigNode(YAML::Load(R"(
actions:
  - {key: origin, from_context: metadata.origin, action: insert}
  - {key: enduser.id, from_context: auth.subject, action: insert}
)"),
                                          "processors::attributes/from_context")));
}
