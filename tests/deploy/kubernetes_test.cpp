// deploy/kubernetes, checked statically (no cluster here): the kustomization lists every manifest, the objects
// have what the API server requires, every embedded otlpd config validates, and ports, names and selectors agree
// between the configs, the containers, the Services and the PodDisruptionBudget.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "support/daemon.h"

using namespace otlpd::test;
namespace fs = std::filesystem;

namespace {

const fs::path kDir = fs::path(OTLPD_SOURCE_DIR) / "deploy" / "kubernetes";

struct Manifests {
  YAML::Node kustomization;
  std::vector<YAML::Node> objects;
  std::map<std::string, YAML::Node> by_kind_name;  // "Kind/name"

  Manifests() {
    kustomization = YAML::LoadFile((kDir / "kustomization.yaml").string());
    for (const auto& r : kustomization["resources"]) {
      auto node = YAML::LoadFile((kDir / r.as<std::string>()).string());
      objects.push_back(node);
      by_kind_name[node["kind"].as<std::string>() + "/" + node["metadata"]["name"].as<std::string>()] = node;
    }
  }
  YAML::Node get(const std::string& kind_name) const {
    auto it = by_kind_name.find(kind_name);
    return it == by_kind_name.end() ? YAML::Node() : it->second;
  }
  std::vector<YAML::Node> of_kind(const std::string& kind) const {
    std::vector<YAML::Node> out;
    for (const auto& o : objects)
      if (o["kind"].as<std::string>() == kind) out.push_back(o);
    return out;
  }
  std::vector<YAML::Node> workloads() const {
    std::vector<YAML::Node> out;
    for (const auto& o : objects) {
      auto k = o["kind"].as<std::string>();
      if (k == "DaemonSet" || k == "Deployment" || k == "StatefulSet") out.push_back(o);
    }
    return out;
  }
};

std::map<std::string, std::string> labels_of(const YAML::Node& map) {
  std::map<std::string, std::string> out;
  for (const auto& kv : map) out[kv.first.as<std::string>()] = kv.second.as<std::string>();
  return out;
}

// Every pair of `selector` is in `labels`.
bool selects(const YAML::Node& selector, const YAML::Node& labels) {
  if (!selector.IsMap() || selector.size() == 0) return false;
  auto l = labels_of(labels);
  for (const auto& [k, v] : labels_of(selector))
    if (l.count(k) == 0 || l[k] != v) return false;
  return true;
}

int port_of(const std::string& endpoint) { return std::stoi(endpoint.substr(endpoint.rfind(':') + 1)); }

// The otlpd config a workload runs: the ConfigMap mounted where its --config argument points.
YAML::Node config_of(const Manifests& m, const YAML::Node& workload, std::string* text = nullptr) {
  auto pod = workload["spec"]["template"]["spec"];
  auto c = pod["containers"][0];
  std::string path;
  for (size_t i = 0; i + 1 < c["args"].size(); ++i)
    if (c["args"][i].as<std::string>() == "--config") path = c["args"][i + 1].as<std::string>();
  REQUIRE_FALSE(path.empty());
  for (const auto& vm : c["volumeMounts"]) {
    auto mount = vm["mountPath"].as<std::string>();
    if (path.rfind(mount + "/", 0) != 0) continue;
    for (const auto& v : pod["volumes"]) {
      if (v["name"].as<std::string>() != vm["name"].as<std::string>() || !v["configMap"]) continue;
      auto cm = m.get("ConfigMap/" + v["configMap"]["name"].as<std::string>());
      REQUIRE(cm);
      auto key = path.substr(mount.size() + 1);
      REQUIRE(cm["data"][key]);
      if (text) *text = cm["data"][key].as<std::string>();
      return YAML::Load(cm["data"][key].as<std::string>());
    }
  }
  FAIL("no ConfigMap is mounted at " << path);
  return {};
}

// The ports an otlpd config listens on beyond loopback: receivers' endpoints and the self-metrics address.
std::set<int> listening_ports(const YAML::Node& cfg) {
  std::set<int> out;
  auto add = [&](const YAML::Node& endpoint) {
    if (!endpoint) return;
    auto e = endpoint.as<std::string>();
    if (e.rfind("127.0.0.1:", 0) != 0 && e.rfind("localhost:", 0) != 0) out.insert(port_of(e));
  };
  for (const auto& r : cfg["receivers"])
    for (const auto& p : r.second["protocols"]) add(p.second["endpoint"]);
  add(cfg["service"]["telemetry"]["metrics"]["address"]);
  return out;
}

}  // namespace

TEST_CASE("kubernetes: the kustomization lists every manifest, each object has its required fields", "[deploy]") {
  Manifests m;
  std::set<std::string> listed;
  for (const auto& r : m.kustomization["resources"]) listed.insert(r.as<std::string>());
  for (const auto& e : fs::directory_iterator(kDir)) {
    auto name = e.path().filename().string();
    if (e.path().extension() == ".yaml" && name != "kustomization.yaml") {
      INFO(name);
      CHECK(listed.count(name) == 1);
    }
  }
  CHECK(m.kustomization["namespace"].as<std::string>() == "otlpd");
  for (const auto& o : m.objects) {
    INFO(o["kind"] << "/" << o["metadata"]["name"]);
    CHECK(o["apiVersion"]);
    CHECK(o["metadata"]["name"].as<std::string>().size() <= 63);
  }
  for (const auto& w : m.workloads()) {
    INFO(w["kind"] << "/" << w["metadata"]["name"]);
    CHECK(w["apiVersion"].as<std::string>() == "apps/v1");
    CHECK(selects(w["spec"]["selector"]["matchLabels"], w["spec"]["template"]["metadata"]["labels"]));
    auto pod = w["spec"]["template"]["spec"];
    CHECK(pod["securityContext"]["runAsNonRoot"].as<bool>());
    CHECK(pod["automountServiceAccountToken"].as<bool>() == false);
    REQUIRE(pod["containers"].size() == 1);
    auto c = pod["containers"][0];
    CHECK(c["image"].as<std::string>() == m.kustomization["images"][0]["name"].as<std::string>());
    CHECK(c["securityContext"]["readOnlyRootFilesystem"].as<bool>());
    CHECK(c["securityContext"]["allowPrivilegeEscalation"].as<bool>() == false);
    for (const char* r : {"requests", "limits"})
      for (const char* what : {"cpu", "memory"}) {
        INFO(r << "." << what);
        CHECK(c["resources"][r][what]);
      }
    std::set<std::string> volumes;
    for (const auto& v : pod["volumes"]) volumes.insert(v["name"].as<std::string>());
    for (const auto& t : w["spec"]["volumeClaimTemplates"]) volumes.insert(t["metadata"]["name"].as<std::string>());
    for (const auto& vm : c["volumeMounts"]) CHECK(volumes.count(vm["name"].as<std::string>()) == 1);
  }
  CHECK(m.get("DaemonSet/otlpd-agent"));
  CHECK(m.get("StatefulSet/otlpd-gateway"));
  CHECK(m.get("PodDisruptionBudget/otlpd-gateway"));
}

TEST_CASE("kubernetes: every embedded otlpd config validates, probes ask its health_check", "[deploy]") {
  Manifests m;
  for (const auto& w : m.workloads()) {
    INFO(w["kind"] << "/" << w["metadata"]["name"]);
    std::string text;
    auto cfg = config_of(m, w, &text);
    TempDir dir;
    std::vector<std::string> env;
    for (const auto& e : w["spec"]["template"]["spec"]["containers"][0]["env"])
      env.push_back(e["name"].as<std::string>() + "=" + e["value"].as<std::string>());
    auto r = run_otlpd({"validate", "--config", dir.write("otlpd.yaml", text)}, env);
    INFO(r.out);
    CHECK(r.exit_code == 0);
    // The probes run `otlpd healthcheck` against the config's health_check endpoint (loopback: not exposed).
    auto health = cfg["extensions"]["health_check"]["endpoint"].as<std::string>();
    bool enabled = false;
    for (const auto& e : cfg["service"]["extensions"]) enabled = enabled || e.as<std::string>() == "health_check";
    CHECK(enabled);
    auto c = w["spec"]["template"]["spec"]["containers"][0];
    for (const char* probe : {"livenessProbe", "readinessProbe"}) {
      INFO(probe);
      auto cmd = c[probe]["exec"]["command"];
      REQUIRE(cmd.size() == 4);
      CHECK(cmd[0].as<std::string>() == "/usr/local/bin/otlpd");
      CHECK(cmd[1].as<std::string>() == "healthcheck");
      CHECK(cmd[3].as<std::string>() == health);
    }
    // The agent's memory limit follows the container's (limit_percentage of the cgroup limit), which must be set.
    CHECK(cfg["processors"]["memory_limiter"]["limit_percentage"]);
    CHECK(c["resources"]["limits"]["memory"]);
  }
}

TEST_CASE("kubernetes: ports agree between configs, containers and Services, and the agents resolve the gateways",
          "[deploy]") {
  Manifests m;
  std::map<std::string, YAML::Node> workload_of_component;
  for (const auto& w : m.workloads()) {
    INFO(w["kind"] << "/" << w["metadata"]["name"]);
    auto cfg = config_of(m, w);
    std::set<int> declared;
    std::map<std::string, int> named;
    for (const auto& p : w["spec"]["template"]["spec"]["containers"][0]["ports"]) {
      declared.insert(p["containerPort"].as<int>());
      named[p["name"].as<std::string>()] = p["containerPort"].as<int>();
    }
    CHECK(declared == listening_ports(cfg));
    workload_of_component[w["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
                              .as<std::string>()] = w;
    // Services that select this workload point at ports it declares.
    for (const auto& svc : m.of_kind("Service")) {
      if (!selects(svc["spec"]["selector"], w["spec"]["template"]["metadata"]["labels"])) continue;
      for (const auto& p : svc["spec"]["ports"]) {
        INFO("Service " << svc["metadata"]["name"] << " port " << p["name"]);
        auto target = p["targetPort"].as<std::string>();
        REQUIRE(named.count(target) == 1);
        CHECK(named[target] == p["port"].as<int>());
      }
    }
  }
  // Every Service selects a workload; the PodDisruptionBudget selects the gateway.
  for (const auto& svc : m.of_kind("Service")) {
    bool found = false;
    for (const auto& w : m.workloads())
      found = found || selects(svc["spec"]["selector"], w["spec"]["template"]["metadata"]["labels"]);
    INFO("Service " << svc["metadata"]["name"]);
    CHECK(found);
  }
  REQUIRE(workload_of_component.count("agent") == 1);
  REQUIRE(workload_of_component.count("gateway") == 1);
  auto gateway = workload_of_component["gateway"];
  auto pdb = m.get("PodDisruptionBudget/otlpd-gateway");
  CHECK(selects(pdb["spec"]["selector"]["matchLabels"], gateway["spec"]["template"]["metadata"]["labels"]));
  // The gateway StatefulSet is governed by the headless Service that the agents' DNS resolver asks.
  auto headless = m.get("Service/" + gateway["spec"]["serviceName"].as<std::string>());
  REQUIRE(headless);
  CHECK(headless["spec"]["clusterIP"].as<std::string>() == "None");
  auto agent_cfg = config_of(m, workload_of_component["agent"]);
  auto dns = agent_cfg["exporters"]["loadbalancing"]["resolver"]["dns"];
  CHECK(dns["hostname"].as<std::string>() == headless["metadata"]["name"].as<std::string>() + "." +
                                                 m.kustomization["namespace"].as<std::string>() + ".svc.cluster.local");
  auto gateway_cfg = config_of(m, gateway);
  CHECK(dns["port"].as<int>() ==
        port_of(gateway_cfg["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"].as<std::string>()));
  // The gateway's persistent queue lives on the pod's volume.
  auto dir = gateway_cfg["extensions"]["file_storage/queue"]["directory"].as<std::string>();
  bool on_volume = false;
  for (const auto& vm : gateway["spec"]["template"]["spec"]["containers"][0]["volumeMounts"])
    on_volume = on_volume ||
                (vm["name"].as<std::string>() == "queue" && dir.rfind(vm["mountPath"].as<std::string>() + "/", 0) == 0);
  CHECK(on_volume);
  // The node-local agent Service keeps a workload's data on its node.
  CHECK(m.get("Service/otlpd-agent")["spec"]["internalTrafficPolicy"].as<std::string>() == "Local");
}
