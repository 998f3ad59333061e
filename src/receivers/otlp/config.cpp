// Parsing the `otlp` receiver's configuration.
#include "receivers/otlp/config.h"

#include <charconv>

#include "core/component.h"

namespace otlpd::otlp_receiver {

namespace {

// `auth: {authenticator: <extension id>}`, as in the Collector's configauth.
std::string parse_auth(const ConfigNode& node) {
  std::string id;
  MapReader r(node);
  r.require("authenticator", id);
  r.finish();
  ComponentId cid;
  if (!ComponentId::parse(id, cid)) r.child("authenticator")->fail("'" + id + "' is not a valid extension id");
  return id;
}

GrpcServerConfig parse_grpc(const ConfigNode& node) {
  GrpcServerConfig g;
  MapReader r(node);
  r.get("endpoint", g.endpoint);
  if (auto n = r.child("endpoint")) parse_endpoint(*n, g.endpoint);
  r.get("max_recv_msg_size_mib", g.max_recv_msg_size_mib);
  if (g.max_recv_msg_size_mib == 0 || g.max_recv_msg_size_mib > 1024)
    r.child("max_recv_msg_size_mib")->fail("max_recv_msg_size_mib must be between 1 and 1024");
  r.get("max_concurrent_streams", g.max_concurrent_streams);
  r.get("include_metadata", g.include_metadata);
  if (auto t = r.child("tls"); t && !t->is_null()) g.tls = parse_tls_settings(*t, TlsSide::server, TlsLibrary::grpc);
  if (auto a = r.child("auth"); a && !a->is_null()) g.authenticator = parse_auth(*a);
  r.child("keepalive");  // accepted for compatibility; gRPC's defaults apply
  r.child("read_buffer_size");
  r.child("write_buffer_size");
  r.finish();
  return g;
}

CorsConfig parse_cors(const ConfigNode& node) {
  CorsConfig c;
  MapReader r(node);
  r.get("allowed_origins", c.allowed_origins);
  r.get("allowed_headers", c.allowed_headers);
  r.get("max_age", c.max_age);
  r.finish();
  return c;
}

HttpServerConfig parse_http(const ConfigNode& node) {
  HttpServerConfig h;
  MapReader r(node);
  r.get("endpoint", h.endpoint);
  if (auto n = r.child("endpoint")) parse_endpoint(*n, h.endpoint);
  for (auto [key, field] :
       {std::pair{"traces_url_path", &h.traces_url_path}, std::pair{"metrics_url_path", &h.metrics_url_path},
        std::pair{"logs_url_path", &h.logs_url_path}}) {
    r.get(key, *field);
    if (field->empty() || field->front() != '/') *field = "/" + *field;
  }
  r.get("max_request_body_size", h.max_request_body_size);
  r.get("include_metadata", h.include_metadata);
  if (auto c = r.child("cors"); c && !c->is_null()) h.cors = parse_cors(*c);
  if (auto t = r.child("tls"); t && !t->is_null()) h.tls = parse_tls_settings(*t, TlsSide::server, TlsLibrary::openssl);
  if (auto a = r.child("auth"); a && !a->is_null()) h.authenticator = parse_auth(*a);
  r.get("max_header_size", h.max_header_size);
  r.get("read_header_timeout", h.read_header_timeout);
  r.get("read_timeout", h.read_timeout);
  r.get("idle_timeout", h.idle_timeout);
  r.get("max_connections", h.max_connections);
  if (h.max_connections == 0) r.child("max_connections")->fail("max_connections must be at least 1");
  r.finish();
  return h;
}

}  // namespace

HostPort parse_endpoint(const ConfigNode& where, const std::string& endpoint) {
  auto colon = endpoint.rfind(':');
  if (colon == std::string::npos) where.fail("endpoint '" + endpoint + "' must be host:port");
  HostPort hp;
  hp.host = endpoint.substr(0, colon);
  if (hp.host.size() >= 2 && hp.host.front() == '[' && hp.host.back() == ']')
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  if (hp.host.empty()) hp.host = "0.0.0.0";
  std::string port = endpoint.substr(colon + 1);
  unsigned v = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (ec != std::errc() || p != port.data() + port.size() || v > 65535)
    where.fail("endpoint '" + endpoint + "' has an invalid port");
  hp.port = static_cast<uint16_t>(v);
  return hp;
}

std::unique_ptr<OtlpReceiverConfig> parse_otlp_receiver_config(const ConfigNode& node) {
  auto cfg = std::make_unique<OtlpReceiverConfig>();
  MapReader r(node);
  auto protocols = r.child("protocols");
  r.finish();
  if (!protocols || protocols->is_null()) node.fail("the otlp receiver needs 'protocols' with 'grpc' and/or 'http'");
  MapReader pr(*protocols);
  // "grpc:" with no value enables the protocol with its defaults, as in the Collector.
  if (auto g = pr.child("grpc")) cfg->grpc = parse_grpc(*g);
  if (auto h = pr.child("http")) cfg->http = parse_http(*h);
  pr.finish();
  if (!cfg->grpc && !cfg->http) protocols->fail("must specify at least one protocol: grpc or http");
  return cfg;
}

}  // namespace otlpd::otlp_receiver
