// The newcomer's path: what the README's set-up section says a user can open, the default config serves.
#include <catch2/catch.hpp>

#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>
#include <string>

#include "support/daemon.h"
#include "support/http_client.h"

using namespace otlpd::test;

namespace {

// The README's "Set-up" section: from its heading to the next one.
std::string readme_setup_section() {
  std::string readme = read_file(OTLPD_SOURCE_DIR "/README.md");
  auto begin = readme.find("## Set-up");
  REQUIRE(begin != std::string::npos);
  auto end = readme.find("\n## ", begin + 1);
  return readme.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

// The endpoints the default config listens on: every enabled extension's, every receiver protocol's, and the
// self-metrics address.
std::set<std::string> default_config_endpoints() {
  YAML::Node cfg = YAML::LoadFile(OTLPD_SOURCE_DIR "/config/otlpd.yaml");
  std::set<std::string> out;
  for (const auto& ext : cfg["service"]["extensions"]) {
    auto node = cfg["extensions"][ext.as<std::string>()];
    if (node && node["endpoint"]) out.insert(node["endpoint"].as<std::string>());
  }
  for (const auto& receiver : cfg["receivers"])
    for (const auto& protocol : receiver.second["protocols"])
      if (protocol.second && protocol.second["endpoint"]) out.insert(protocol.second["endpoint"].as<std::string>());
  if (auto metrics = cfg["service"]["telemetry"]["metrics"]["address"]) out.insert(metrics.as<std::string>());
  return out;
}

}  // namespace

TEST_CASE("every localhost address the README's set-up names is one the default config listens on",
          "[integration][cli]") {
  std::string setup = readme_setup_section();
  auto endpoints = default_config_endpoints();
  std::regex address(R"(localhost:(\d+))");
  int named = 0;
  for (std::sregex_iterator it(setup.begin(), setup.end(), address), end; it != end; ++it) {
    ++named;
    INFO("the README names " << it->str());
    CHECK(endpoints.count(it->str()) == 1);
  }
  CHECK(named >= 3);  // OTLP, health and metrics at least
  // The README's shorthand ":4318" after "localhost:4317" names the second OTLP port.
  CHECK(endpoints.count("localhost:4318") == 1);
}

TEST_CASE("the default config serves health and self-metrics, as the README says", "[integration][cli]") {
  // The default config as shipped, with every port moved to one the system picks: the README's own daemon may
  // be running on the default ports.
  TempDir dir;
  auto override_path = dir.write("ports.yaml", R"(
extensions:
  health_check: {endpoint: 127.0.0.1:0}
receivers:
  otlp:
    protocols:
      grpc: {endpoint: 127.0.0.1:0}
      http: {endpoint: 127.0.0.1:0}
service:
  telemetry:
    metrics: {address: 127.0.0.1:0}
)");
  Daemon d(read_file(OTLPD_SOURCE_DIR "/config/otlpd.yaml"), {}, {"--config", override_path});

  HttpRequestOptions get;
  get.method = "GET";
  auto health = http_request("127.0.0.1", d.port("health_check", "http"), "/", {}, "", get);
  CHECK(health.status == 200);
  auto metrics = http_request("127.0.0.1", d.port("metrics", "http"), "/metrics", {}, "", get);
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("otelcol_") != std::string::npos);
  CHECK(d.stop() == 0);
}
