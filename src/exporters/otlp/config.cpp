// Parsing the `otlp` exporter's configuration.
#include "exporters/otlp/config.h"

namespace otlpd::otlp_exporter {

void read_otlp_grpc_config(MapReader& r, OtlpGrpcConfig& cfg) {
  exporter_helper::parse_exporter_settings(r, cfg.settings);
  r.get("endpoint", cfg.endpoint);
  if (auto t = r.child("tls"); t && !t->is_null()) cfg.tls = exporter_helper::parse_client_tls(*t, TlsLibrary::grpc);
  if (auto h = r.child("headers"); h && !h->is_null()) {
    for (auto& [k, v] : exporter_helper::parse_headers(*h)) cfg.headers[k] = v;
  }
  if (auto c = r.child("compression"); c && !c->is_null()) {
    cfg.compression = c->as<std::string>();
    if (cfg.compression.empty()) cfg.compression = "none";
    if (cfg.compression != "gzip" && cfg.compression != "none")
      c->fail("unsupported compression '" + cfg.compression + "'; valid: gzip, none");
  }
  if (auto k = r.child("keepalive"); k && !k->is_null()) {
    KeepaliveSettings ka;
    MapReader kr(*k);
    kr.get("time", ka.time);
    kr.get("timeout", ka.timeout);
    kr.get("permit_without_stream", ka.permit_without_stream);
    kr.finish();
    cfg.keepalive = ka;
  }
  if (auto b = r.child("balancer_name"); b && !b->is_null()) {
    cfg.balancer_name = b->as<std::string>();
    if (!cfg.balancer_name.empty() && cfg.balancer_name != "pick_first" && cfg.balancer_name != "round_robin")
      b->fail("unknown balancer_name '" + cfg.balancer_name + "'; valid: pick_first, round_robin");
  }
  r.get("authority", cfg.authority);
  r.get("wait_for_ready", cfg.wait_for_ready);
  r.child("read_buffer_size");  // accepted for compatibility; gRPC sizes its own buffers
  r.child("write_buffer_size");
}

void finish_otlp_grpc_config(const ConfigNode& node, OtlpGrpcConfig& cfg) {
  if (cfg.endpoint.empty()) node.fail("'endpoint' is required (host:port, or an http:// or https:// URL)");
  std::string target = cfg.endpoint;
  // The Collector lets the URL scheme choose: http:// means plaintext, https:// means TLS.
  if (target.starts_with("http://")) {
    target = target.substr(7);
    cfg.tls.insecure = true;
  } else if (target.starts_with("https://")) {
    target = target.substr(8);
    cfg.tls.insecure = false;
  }
  while (!target.empty() && target.back() == '/') target.pop_back();
  bool scheme_target = target.starts_with("dns:") || target.starts_with("unix:");
  if (target.empty() || (target.find('/') != std::string::npos && !scheme_target))
    node.fail("endpoint '" + cfg.endpoint + "' must be host:port or a URL without a path");
  cfg.target = target;
}

}  // namespace otlpd::otlp_exporter
