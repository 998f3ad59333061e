// Parsing the `otlphttp` exporter's configuration.
#include "exporters/otlphttp/config.h"

namespace otlpd::otlphttp_exporter {

namespace {

bool is_http_url(const std::string& u) { return u.starts_with("http://") || u.starts_with("https://"); }

std::string join_path(std::string base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + std::string(path);
}

}  // namespace

void read_otlp_http_config(MapReader& r, OtlpHttpConfig& cfg) {
  exporter_helper::parse_exporter_settings(r, cfg.settings);
  r.get("endpoint", cfg.endpoint);
  r.get("traces_endpoint", cfg.traces_endpoint);
  r.get("metrics_endpoint", cfg.metrics_endpoint);
  r.get("logs_endpoint", cfg.logs_endpoint);
  if (auto e = r.child("encoding"); e && !e->is_null()) {
    auto v = e->as<std::string>();
    if (v == "proto")
      cfg.encoding = OtlpHttpConfig::Encoding::proto;
    else if (v == "json")
      cfg.encoding = OtlpHttpConfig::Encoding::json;
    else
      e->fail("unknown encoding '" + v + "'; valid: proto, json");
  }
  if (auto c = r.child("compression"); c && !c->is_null()) {
    cfg.compression = c->as<std::string>();
    if (cfg.compression.empty()) cfg.compression = "none";
    if (cfg.compression != "gzip" && cfg.compression != "zstd" && cfg.compression != "none")
      c->fail("unsupported compression '" + cfg.compression + "'; valid: gzip, zstd, none");
  }
  if (auto h = r.child("headers"); h && !h->is_null()) {
    for (auto& [k, v] : exporter_helper::parse_headers(*h)) cfg.headers[k] = v;
  }
  if (auto t = r.child("tls"); t && !t->is_null()) cfg.tls = exporter_helper::parse_client_tls(*t);
  r.get("proxy_url", cfg.proxy_url);
  // Accepted for compatibility; libcurl manages its connections and buffers.
  for (auto key :
       {"read_buffer_size", "write_buffer_size", "max_idle_conns", "max_idle_conns_per_host", "max_conns_per_host",
        "idle_conn_timeout", "disable_keep_alives", "http2_read_idle_timeout", "http2_ping_timeout"})
    r.child(key);
}

void finish_otlp_http_config(const ConfigNode& node, OtlpHttpConfig& cfg) {
  if (!cfg.endpoint.empty() && !is_http_url(cfg.endpoint))
    node.fail("endpoint '" + cfg.endpoint + "' must be an http:// or https:// URL");
  for (auto [signal_url, path] :
       {std::pair{&cfg.traces_endpoint, "/v1/traces"}, std::pair{&cfg.metrics_endpoint, "/v1/metrics"},
        std::pair{&cfg.logs_endpoint, "/v1/logs"}}) {
    if (signal_url->empty()) {
      if (cfg.endpoint.empty())
        node.fail("'endpoint' is required unless traces_endpoint, metrics_endpoint and logs_endpoint are all set");
      *signal_url = join_path(cfg.endpoint, path);
    } else if (!is_http_url(*signal_url)) {
      node.fail("'" + *signal_url + "' must be an http:// or https:// URL");
    }
  }
  if (!cfg.proxy_url.empty() && cfg.proxy_url.find("://") == std::string::npos)
    node.fail("proxy_url '" + cfg.proxy_url + "' must be a URL (http://host:port)");
}

}  // namespace otlpd::otlphttp_exporter
