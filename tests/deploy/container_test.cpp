// Container files, checked statically (no Docker engine here): what the Dockerfile copies exists, the runtime
// stage installs what the binary links, the configs the images run are valid, and docker-compose mounts files
// that exist where the commands expect them.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#include "support/daemon.h"

using namespace otlpd::test;
namespace fs = std::filesystem;

namespace {

const fs::path kRoot = OTLPD_SOURCE_DIR;

std::vector<std::string> dockerfile_lines() {
  std::vector<std::string> out;
  std::istringstream in(read_file((kRoot / "Dockerfile").string()));
  std::string line, joined;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\\') {
      joined += line.substr(0, line.size() - 1);
      continue;
    }
    joined += line;
    if (!joined.empty() && joined[0] != '#') out.push_back(joined);
    joined.clear();
  }
  return out;
}

// A command's standard output (tests run on Debian: readelf and dpkg are there). Unused in sanitizer builds,
// where the runtime-image check does not apply.
[[maybe_unused]] std::string output_of(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(command.c_str(), "r"), pclose);
  REQUIRE(p);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p.get())) out.append(buf, n);
  return out;
}

// The Debian packages that ship a file named `soname`.
[[maybe_unused]] std::set<std::string> owners(const std::string& soname) {
  std::set<std::string> pkgs;
  std::istringstream in(output_of("dpkg -S '" + soname + "' 2>/dev/null"));
  std::string line;
  while (std::getline(in, line)) {
    auto colon = line.find(':');  // "libfmt9:amd64: /usr/lib/...", or "pkg: /path" without an architecture
    if (colon != std::string::npos && line.find(soname) != std::string::npos) pkgs.insert(line.substr(0, colon));
  }
  return pkgs;
}

}  // namespace

TEST_CASE("the Dockerfile copies files that exist and runs the config it copies", "[deploy]") {
  std::set<std::string> copied_to;
  std::vector<std::string> froms;
  std::string cmd;
  for (const auto& l : dockerfile_lines()) {
    std::istringstream words(l);
    std::string op;
    words >> op;
    if (op == "FROM") {
      std::string image;
      words >> image;
      froms.push_back(image);
    } else if (op == "COPY") {
      std::vector<std::string> args;
      for (std::string w; words >> w;) args.push_back(w);
      REQUIRE(args.size() >= 2);
      copied_to.insert(args.back());
      if (args.front().starts_with("--from")) continue;
      for (size_t i = 0; i + 1 < args.size(); ++i) {
        INFO("COPY source " << args[i]);
        CHECK(fs::exists(kRoot / args[i]));
      }
    } else if (op == "CMD") {
      cmd = l;
    }
  }
  REQUIRE(froms.size() == 2);
  CHECK(froms[0] == "debian:bookworm");
  CHECK(froms[1] == "debian:bookworm-slim");
  // The default command runs the config the image copies in.
  const std::string flag = R"("--config", ")";
  auto at = cmd.find(flag);
  REQUIRE(at != std::string::npos);
  auto start = at + flag.size();
  std::string config_path = cmd.substr(start, cmd.find('"', start) - start);
  CHECK(copied_to.count(config_path) == 1);
}

namespace {

// The exec-form command of a Dockerfile HEALTHCHECK or a compose healthcheck test, as words.
std::vector<std::string> json_words(const std::string& text) {
  std::vector<std::string> out;
  auto node = YAML::Load(text);  // a JSON array is YAML
  for (const auto& w : node) out.push_back(w.as<std::string>());
  return out;
}

// The health_check endpoint's port in an otlpd config file.
int health_port(const fs::path& config) {
  auto cfg = YAML::LoadFile(config.string());
  auto e = cfg["extensions"]["health_check"]["endpoint"].as<std::string>();
  return std::stoi(e.substr(e.rfind(':') + 1));
}

}  // namespace

TEST_CASE("the image's HEALTHCHECK runs otlpd healthcheck without a shell, on the port its config serves", "[deploy]") {
  std::string health;
  for (const auto& l : dockerfile_lines())
    if (l.rfind("HEALTHCHECK", 0) == 0) health = l;
  REQUIRE_FALSE(health.empty());
  auto cmd_at = health.find(" CMD ");
  REQUIRE(cmd_at != std::string::npos);
  auto words = json_words(health.substr(cmd_at + 5));
  REQUIRE(words.size() == 4);
  CHECK(words[0] == "/usr/local/bin/otlpd");  // the binary the image copies
  CHECK(words[1] == "healthcheck");
  CHECK(words[2] == "--endpoint");
  CHECK(std::stoi(words[3].substr(words[3].rfind(':') + 1)) == health_port(kRoot / "config/docker.yaml"));
  CHECK(health.find("/bin/sh") == std::string::npos);
  CHECK(health.find("/dev/tcp") == std::string::npos);
  // The probe works: the binary answers 1 and says why when nothing listens (no shell, no curl involved).
  auto r = run_otlpd({"healthcheck", "--endpoint", "127.0.0.1:1", "--timeout", "1s"});
  CHECK(r.exit_code == 1);
}

TEST_CASE("docker-compose runs Jaeger v2 and checks otlpd's health with otlpd healthcheck", "[deploy]") {
  auto doc = YAML::LoadFile((kRoot / "docker-compose.yaml").string());
  auto image = doc["services"]["jaeger"]["image"].as<std::string>();
  CHECK(image.rfind("jaegertracing/jaeger:2.", 0) == 0);  // v1's all-in-one reached end of life in 2025
  auto test = doc["services"]["otlpd"]["healthcheck"]["test"];
  REQUIRE(test.size() == 5);
  CHECK(test[0].as<std::string>() == "CMD");
  CHECK(test[1].as<std::string>() == "/usr/local/bin/otlpd");
  CHECK(test[2].as<std::string>() == "healthcheck");
  auto endpoint = test[4].as<std::string>();
  CHECK(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)) == health_port(kRoot / "deploy/otlpd.yaml"));
  // otlpd sends to Jaeger v2 over OTLP, on the port its all-in-one receives.
  auto cfg = YAML::LoadFile((kRoot / "deploy/otlpd.yaml").string());
  CHECK(cfg["exporters"]["otlp/jaeger"]["endpoint"].as<std::string>() == "jaeger:4317");
}

TEST_CASE("docker-compose's Prometheus scrapes otlpd's endpoints and takes its remote write, Grafana reads it",
          "[deploy]") {
  auto compose = YAML::LoadFile((kRoot / "docker-compose.yaml").string());
  auto prom = compose["services"]["prometheus"];
  REQUIRE(prom);
  bool remote_write_receiver = false;
  for (const auto& a : prom["command"])
    remote_write_receiver |= a.as<std::string>() == "--web.enable-remote-write-receiver";
  CHECK(remote_write_receiver);
  // The scrape targets are otlpd's self-metrics address and its prometheus exporter's endpoint.
  auto otlpd = YAML::LoadFile((kRoot / "deploy/otlpd.yaml").string());
  const auto port_of = [](const std::string& e) { return e.substr(e.rfind(':') + 1); };
  std::set<std::string> want = {
      "otlpd:" + port_of(otlpd["service"]["telemetry"]["metrics"]["address"].as<std::string>()),
      "otlpd:" + port_of(otlpd["exporters"]["prometheus"]["endpoint"].as<std::string>())};
  std::set<std::string> targets;
  auto scrape = YAML::LoadFile((kRoot / "deploy/prometheus.yml").string());
  for (const auto& job : scrape["scrape_configs"])
    for (const auto& sc : job["static_configs"])
      for (const auto& t : sc["targets"]) targets.insert(t.as<std::string>());
  CHECK(targets == want);
  // otlpd publishes the exporter's port; spanmetrics feeds it; remote write goes to Prometheus's receiver.
  std::set<std::string> ports;
  for (const auto& p : compose["services"]["otlpd"]["ports"]) ports.insert(p.as<std::string>());
  const auto exporter_port = port_of(otlpd["exporters"]["prometheus"]["endpoint"].as<std::string>());
  CHECK(ports.count(exporter_port + ":" + exporter_port) == 1);
  CHECK(otlpd["connectors"]["spanmetrics"]);
  CHECK(otlpd["exporters"]["prometheusremotewrite"]["endpoint"].as<std::string>() ==
        "http://prometheus:9090/api/v1/write");
  bool spanmetrics_to_prometheus = false;
  for (const auto& pl : otlpd["service"]["pipelines"]) {
    bool from_spanmetrics = false, to_prometheus = false;
    for (const auto& r : pl.second["receivers"]) from_spanmetrics |= r.as<std::string>() == "spanmetrics";
    for (const auto& e : pl.second["exporters"]) to_prometheus |= e.as<std::string>() == "prometheus";
    spanmetrics_to_prometheus |= from_spanmetrics && to_prometheus;
  }
  CHECK(spanmetrics_to_prometheus);
  // Grafana has Prometheus as a data source.
  auto ds = YAML::LoadFile((kRoot / "deploy/grafana/datasources.yaml").string());
  bool grafana_prometheus = false;
  for (const auto& d : ds["datasources"])
    grafana_prometheus |=
        d["type"].as<std::string>() == "prometheus" && d["url"].as<std::string>() == "http://prometheus:9090";
  CHECK(grafana_prometheus);
}

TEST_CASE("every shipped config is valid", "[deploy]") {
  for (const char* cfg : {"config/otlpd.yaml", "config/docker.yaml", "deploy/otlpd.yaml"}) {
    INFO(cfg);
    auto r = run_otlpd({"validate", "--config", (kRoot / cfg).string()});
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("docker-compose mounts existing files where the commands read them", "[deploy]") {
  auto doc = YAML::LoadFile((kRoot / "docker-compose.yaml").string());
  auto services = doc["services"];
  REQUIRE(services.IsMap());
  for (const auto& svc : services) {
    std::set<std::string> mounted;
    for (const auto& v : svc.second["volumes"]) {
      auto spec = v.as<std::string>();
      auto first = spec.find(':');
      auto source = spec.substr(0, first);
      auto rest = spec.substr(first + 1);
      mounted.insert(rest.substr(0, rest.find(':')));
      if (source.starts_with("./")) {
        INFO(svc.first.as<std::string>() << " mounts " << source);
        CHECK(fs::exists(kRoot / source.substr(2)));
      }
    }
    // A config named on the command line must be mounted (or be the image's own).
    for (const auto& arg : svc.second["command"]) {
      auto a = arg.as<std::string>();
      auto eq = a.find('=');
      std::string path = a.starts_with("/etc/") ? a : (eq != std::string::npos ? a.substr(eq + 1) : "");
      if (path.starts_with("/etc/")) {
        INFO(svc.first.as<std::string>() << " reads " << path);
        CHECK(mounted.count(path) == 1);
      }
    }
  }
  // otlpd publishes the ports the image exposes for OTLP.
  std::set<std::string> ports;
  for (const auto& p : services["otlpd"]["ports"]) ports.insert(p.as<std::string>());
  CHECK(ports.count("4317:4317") == 1);
  CHECK(ports.count("4318:4318") == 1);
}

TEST_CASE("the runtime stage installs a package for every shared library the release binary needs", "[deploy]") {
#ifdef OTLPD_SANITIZE
  SUCCEED("sanitizer builds link every library shared; the Dockerfile builds a release binary");
#else
  std::set<std::string> runtime = {"libc6", "libstdc++6", "libgcc-s1"};  // in bookworm-slim already
  int stage = 0;
  for (const auto& line : dockerfile_lines()) {
    stage += line.rfind("FROM ", 0) == 0;
    if (stage != 2 || line.find("apt-get install") == std::string::npos) continue;
    std::istringstream words(line.substr(line.find("apt-get install")));
    for (std::string w; words >> w;)
      if (w == "&&")
        break;
      else if (w[0] != '-')
        runtime.insert(w);
  }
  std::set<std::string> needed;
  std::istringstream dyn(output_of(std::string("readelf -d ") + OTLPD_BINARY));
  for (std::string line; std::getline(dyn, line);) {
    auto open = line.find("(NEEDED)");
    if (open == std::string::npos) continue;
    auto b = line.find('[', open), e = line.find(']', open);
    if (b != std::string::npos && e != std::string::npos) needed.insert(line.substr(b + 1, e - b - 1));
  }
  REQUIRE(needed.count("libc.so.6") == 1);
  CHECK(needed.count("libgrpc++.so.1.51") == 0);  // linked in statically (cmake/Deps.cmake)
  needed.insert("libcurl.so.4");                  // loaded at run time by the otlphttp exporter
  for (const auto& soname : needed) {
    INFO(soname);
    auto pkgs = owners(soname);
    REQUIRE_FALSE(pkgs.empty());
    bool installed = false;
    for (const auto& p : pkgs) installed |= runtime.count(p.substr(0, p.find(':'))) > 0;
    CHECK(installed);
  }
#endif
}
