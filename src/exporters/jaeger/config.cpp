// Parsing and validation of the `jaeger` exporter's configuration.
#include "exporters/jaeger/config.h"

#include <algorithm>
#include <cctype>

namespace otlpd::jaeger_exporter {

namespace {

void parse_keepalive(const ConfigNode& node, KeepaliveConfig& k) {
  MapReader r(node);
  r.get("time", k.time);
  r.get("timeout", k.timeout);
  r.get("permit_without_stream", k.permit_without_stream);
  r.finish();
  if (k.time < Duration::zero()) r.child("time")->fail("must not be negative");
  if (k.timeout < Duration::zero()) r.child("timeout")->fail("must not be negative");
}

// A gRPC URI ("dns:///...", "unix:...") is left to gRPC; http:// and https:// only choose plaintext or TLS.
bool has_grpc_scheme(std::string_view e) {
  return !e.starts_with("http://") && !e.starts_with("https://") &&
         (e.find("://") != std::string_view::npos || e.starts_with("unix:") || e.starts_with("dns:"));
}

}  // namespace

std::string grpc_target(const std::string& endpoint) {
  if (has_grpc_scheme(endpoint)) return endpoint;
  std::string_view hostport = endpoint;
  if (hostport.starts_with("http://")) hostport.remove_prefix(7);
  if (hostport.starts_with("https://")) hostport.remove_prefix(8);
  while (!hostport.empty() && hostport.back() == '/') hostport.remove_suffix(1);
  const auto bracket = hostport.rfind(']');
  const auto colon = hostport.rfind(':');
  const bool has_port = colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  return has_port ? std::string(hostport) : std::string(hostport) + ":" + std::to_string(kDefaultPort);
}

std::unique_ptr<JaegerConfig> parse_jaeger_config(const ConfigNode& node) {
  auto cfg = std::make_unique<JaegerConfig>();
  MapReader r(node);
  r.require("endpoint", cfg->endpoint);
  if (cfg->endpoint.empty()) r.child("endpoint")->fail("must not be empty");
  if (!has_grpc_scheme(cfg->endpoint)) {
    const std::string target = grpc_target(cfg->endpoint);
    if (target.find('/') != std::string::npos)
      r.child("endpoint")->fail("'" + cfg->endpoint + "' must be host:port or a URL without a path");
    const std::string port = target.substr(target.rfind(':') + 1);
    int value = 0;
    const bool numeric = !port.empty() && port.size() <= 5 &&
                         std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); });
    if (numeric) value = std::stoi(port);
    if (!numeric || value < 1 || value > 65535)
      r.child("endpoint")->fail("'" + cfg->endpoint + "' is not host:port (port 1-65535)");
  }
  if (auto tls = r.child("tls"); tls && !tls->is_null())
    cfg->tls = exporter_helper::parse_client_tls(*tls, TlsLibrary::grpc);
  // As in the Collector, an http:// endpoint means plaintext and https:// means TLS.
  if (cfg->endpoint.starts_with("http://")) cfg->tls.insecure = true;
  if (cfg->endpoint.starts_with("https://")) cfg->tls.insecure = false;
  if (auto headers = r.child("headers"); headers && !headers->is_null()) {
    for (const auto& [name, value] : exporter_helper::parse_headers(*headers)) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower.empty() || lower.starts_with(':') || lower.starts_with("grpc-"))
        headers->fail("header '" + name + "' cannot be set (empty, pseudo-header or reserved grpc- name)");
      cfg->headers[lower] = value;
    }
  }
  if (auto c = r.child("compression"); c && !c->is_null()) {
    std::string v = c->as<std::string>();
    if (v == "none") v.clear();
    if (!v.empty() && v != "gzip")
      c->fail("unsupported compression '" + v +
              "'; valid choices: gzip, none (zstd and snappy are not "
              "available in otlpd's gRPC client)");
    cfg->compression = v;
  }
  if (auto k = r.child("keepalive"); k && !k->is_null()) parse_keepalive(*k, cfg->keepalive.emplace());
  exporter_helper::parse_exporter_settings(r, cfg->settings);
  r.finish();
  return cfg;
}

}  // namespace otlpd::jaeger_exporter
