// Typed config values: durations, sizes, env expansion.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "config/node.h"

using namespace otlpd;
using namespace std::chrono_literals;

TEST_CASE("durations parse as the Collector writes them", "[config]") {
  CHECK(parse_duration("200ms") == 200ms);
  CHECK(parse_duration("5s") == 5s);
  CHECK(parse_duration("1m30s") == 90s);
  CHECK(parse_duration("1.5h") == 90min);
  CHECK(parse_duration("100us") == 100us);
  CHECK(parse_duration("0") == 0ns);
  CHECK(parse_duration("1500") == 1500ns);
  CHECK_FALSE(parse_duration("5 parsecs"));
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("s"));
}

TEST_CASE("sizes parse with binary and decimal units", "[config]") {
  CHECK(parse_byte_size("4MiB")->bytes == 4u * 1024 * 1024);
  CHECK(parse_byte_size("512KiB")->bytes == 512u * 1024);
  CHECK(parse_byte_size("1GB")->bytes == 1000000000u);
  CHECK(parse_byte_size("1024")->bytes == 1024u);
  CHECK_FALSE(parse_byte_size("4 furlongs"));
  CHECK_FALSE(parse_byte_size("-1"));
}

TEST_CASE("environment references expand in scalars", "[config]") {
  setenv("OTLPD_TEST_VAR", "value", 1);
  unsetenv("OTLPD_TEST_UNSET");
  std::vector<std::string> unset;
  CHECK(expand_env("a-${env:OTLPD_TEST_VAR}-b", &unset) == "a-value-b");
  CHECK(expand_env("${OTLPD_TEST_VAR}", &unset) == "value");
  CHECK(expand_env("${env:OTLPD_TEST_UNSET:-fallback}", &unset) == "fallback");
  CHECK(expand_env("${env:OTLPD_TEST_VAR:-fallback}", &unset) == "value");
  CHECK(expand_env("cost: $$5", &unset) == "cost: $5");
  CHECK(unset.empty());
  CHECK(expand_env("x${env:OTLPD_TEST_UNSET}y", &unset) == "xy");
  REQUIRE(unset == std::vector<std::string>{"OTLPD_TEST_UNSET"});
  // Not a reference: kept as written.
  CHECK(expand_env("${file:/etc/x}") == "${file:/etc/x}");
  CHECK(expand_env("plain $HOME") == "plain $HOME");
}
