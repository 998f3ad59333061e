// Config values of processors without protobuf: YAML scalars keep their YAML type, and compare with OTLP values
// as the processors did when configs held AnyValues.
#include "processors/common/config_value.h"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "config/node.h"
#include "processors/common/values.h"

using namespace otlpd;
using otlpd::processors::AnyValue;
using otlpd::processors::ConfigValue;

namespace {

ConfigValue scalar(const std::string& yaml) {
  auto entries = ConfigNode(YAML::Load("v: " + yaml), "processors::test").entries();
  REQUIRE(entries.size() == 1);
  return processors::typed_scalar(entries.front().second);
}

}  // namespace

TEST_CASE("a YAML scalar becomes a config value of its YAML type", "[processors][config]") {
  CHECK(scalar("prod") == ConfigValue("prod"));
  CHECK(scalar("'42'") == ConfigValue("42"));  // quoted: a string
  CHECK(scalar("42") == ConfigValue(int64_t{42}));
  CHECK(scalar("+7") == ConfigValue(int64_t{7}));
  CHECK(scalar("-1.5") == ConfigValue(-1.5));
  CHECK(scalar("true") == ConfigValue(true));
  CHECK(scalar("False") == ConfigValue(false));
  CHECK(std::isinf(scalar(".inf").double_value()));
  CHECK(scalar("1.2.3") == ConfigValue("1.2.3"));
  CHECK_THROWS_AS(scalar("~"), ConfigError);
  CHECK_THROWS_AS(scalar("[1, 2]"), ConfigError);
}

TEST_CASE("a config value becomes the AnyValue of the same type, and compares as before", "[processors][config]") {
  AnyValue s = processors::to_any_value(ConfigValue("x"));
  CHECK(s.string_value() == "x");
  CHECK(processors::to_any_value(ConfigValue(int64_t{3})).int_value() == 3);
  CHECK(processors::to_any_value(ConfigValue(2.5)).double_value() == 2.5);
  CHECK(processors::to_any_value(ConfigValue(true)).bool_value());

  // Same type and value; int and double compare numerically; nothing else is equal.
  AnyValue i;
  i.set_int_value(3);
  CHECK(processors::values_equal(i, ConfigValue(int64_t{3})));
  CHECK(processors::values_equal(i, ConfigValue(3.0)));
  CHECK_FALSE(processors::values_equal(i, ConfigValue("3")));
  AnyValue d;
  d.set_double_value(3.0);
  CHECK(processors::values_equal(d, ConfigValue(int64_t{3})));
  CHECK(processors::values_equal(s, ConfigValue("x")));
  CHECK_FALSE(processors::values_equal(s, ConfigValue(true)));
  AnyValue bytes;
  bytes.set_bytes_value("x");
  CHECK_FALSE(processors::values_equal(bytes, ConfigValue("x")));
  // The comparison agrees with the one between AnyValues for every scalar pair.
  for (const ConfigValue& c : {ConfigValue("3"), ConfigValue(int64_t{3}), ConfigValue(3.0), ConfigValue(true)})
    for (const AnyValue* a : {&s, &i, &d, &bytes}) {
      INFO(a->DebugString());
      CHECK(processors::values_equal(*a, c) == processors::values_equal(*a, processors::to_any_value(c)));
    }
}
