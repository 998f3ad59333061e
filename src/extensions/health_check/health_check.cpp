// The `health_check` extension: an HTTP endpoint that answers 200 while every pipeline runs, 503 otherwise.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>

#include "core/registry.h"
#include "extensions/health_check/config.h"
#include "platform/endpoints.h"
#include "platform/http_endpoint.h"

namespace otlpd::health_check {

namespace {

std::string rfc3339(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class HealthCheck final : public Extension {
 public:
  HealthCheck(std::string id, HealthCheckConfig cfg)
      : id_(std::move(id)),
        cfg_(std::move(cfg)),
        server_(cfg_.endpoint, [this](const std::string&, const std::string& path) { return answer(path); }) {}

  void start(Host&) override {
    since_ = std::chrono::system_clock::now();
    int port = server_.start();
    record_listening(id_, "http", cfg_.endpoint.display_host(), port, "extension");
  }
  void shutdown(Deadline) override { server_.stop(); }
  void ready() override { ready_ = true; }
  void not_ready() override { ready_ = false; }

 private:
  HttpEndpointResponse answer(const std::string& path) {
    HttpEndpointResponse r;
    r.content_type = "application/json";
    if (path != cfg_.path) {
      r.status = 404;
      r.body = R"({"status":"Not found"})";
      return r;
    }
    bool up = ready_.load();
    auto uptime = std::chrono::duration<double>(std::chrono::system_clock::now() - since_).count();
    r.status = up ? 200 : 503;
    r.body = fmt::format(R"({{"status":"{}","upSince":"{}","uptime":"{:.3f}s"}})",
                         up ? "Server available" : "Server not available", rfc3339(since_), uptime);
    return r;
  }

  std::string id_;
  HealthCheckConfig cfg_;
  HttpEndpoint server_;
  std::atomic<bool> ready_{false};
  std::chrono::system_clock::time_point since_;
};

class HealthCheckFactory final : public ExtensionFactory {
 public:
  std::string_view type() const override { return "health_check"; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExtensionPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    return std::make_unique<HealthCheck>(s.id.str(), config_as<HealthCheckConfig>(c));
  }
};

}  // namespace

}  // namespace otlpd::health_check

using otlpd::health_check::HealthCheckFactory;
OTLPD_REGISTER_FACTORY(HealthCheckFactory)
