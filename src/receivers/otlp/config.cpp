// The `otlp` receiver's config schema: protocols.grpc (configgrpc's server keys) and protocols.http
// (confighttp's), each key declared once.
#include "receivers/otlp/config.h"

#include "core/component.h"

#include "core/component.h"

namespace otlpd::otlp_receiver {

namespace {

std::vector<std::pair<std::string, NetTransport>> transports() {
  return {{"tcp", NetTransport::tcp}, {"unix", NetTransport::unix_socket}};
}

// confignet's other transports, refused with why.
std::vector<std::pair<std::string, std::string>> refused_transports() {
  const std::string stream = "OTLP needs a stream transport (tcp or unix)";
  const std::string family = "give tcp and an IPv4 or IPv6 host ([::1]:4317) instead";
  return {{"tcp4", family},
          {"tcp6", family},
          {"udp", stream},
          {"udp4", stream},
          {"udp6", stream},
          {"ip", stream},
          {"ip4", stream},
          {"ip6", stream},
          {"unixgram", stream},
          {"unixpacket", "gRPC and HTTP serve unix stream sockets (unix)"},
          {"npipe", "named pipes are Windows'"}};
}

// The endpoint follows the transport: `transport: unix` needs a socket path, and "unix:///path" as the endpoint
// implies it.
template <typename C>
void check_transport(C& c, const SchemaInput& in) {
  if (c.transport == NetTransport::unix_socket && !c.endpoint.is_unix())
    in.fail("transport", "transport unix needs 'endpoint' set to the socket path");
  if (c.endpoint.is_unix() && in.has("transport") && c.transport == NetTransport::tcp)
    in.fail("endpoint", "endpoint '" + c.endpoint.str() + "' is a unix socket but transport is tcp");
  c.transport = c.endpoint.transport;
}

// `auth:` as in the Collector's configauth.
struct AuthConfig {
  std::string authenticator;
};

const Schema<AuthConfig>& auth_schema(bool http) {
  auto make = [](bool with_params) {
    Schema<AuthConfig> s;
    s.key("authenticator", &AuthConfig::authenticator, "id of the auth extension that checks every request",
          required<std::string>());
    if (with_params)
      s.unsupported("request_params", "authenticators read headers only (query parameters are not passed)");
    s.validate([](AuthConfig& a, const SchemaInput& in) {
      ComponentId id;
      if (!ComponentId::parse(a.authenticator, id))
        in.fail("authenticator", "'" + a.authenticator + "' is not a valid extension id");
    });
    return s;
  };
  static const auto grpc = make(false), with_params = make(true);
  return http ? with_params : grpc;
}

// `middlewares:` as in the Collector's confighttp/configgrpc: a list of `{id: <extension>}`. otlpd's middleware
// extensions are limiters (ratelimiter), applied before the request is decompressed or decoded.
struct MiddlewareConfig {
  std::string id;
};

const Schema<MiddlewareConfig>& middleware_schema() {
  static const auto s =
      Schema<MiddlewareConfig>()
          .key("id", &MiddlewareConfig::id, "id of a limiter extension (ratelimiter)", required<std::string>())
          .validate([](MiddlewareConfig& m, const SchemaInput& in) {
            ComponentId id;
            if (!ComponentId::parse(m.id, id)) in.fail("id", "'" + m.id + "' is not a valid extension id");
          });
  return s;
}

void read_middlewares(const ConfigNode& n, std::vector<std::string>& out) {
  if (!n.is_sequence()) n.fail("middlewares must be a list of {id: <extension>}");
  for (const auto& item : n.items()) out.push_back(middleware_schema().parse(item)->id);
}

const Schema<KeepaliveServerParameters>& server_parameters_schema() {
  using K = KeepaliveServerParameters;
  const auto zero = at_least(Duration::zero());
  static const auto s =
      Schema<K>()
          .key("max_connection_idle", &K::max_connection_idle, "close a connection idle (no call) this long; 0: never",
               zero)
          .key("max_connection_age", &K::max_connection_age, "close any connection after this long; 0: never", zero)
          .key("max_connection_age_grace", &K::max_connection_age_grace,
               "time calls may still finish after max_connection_age; 0: no bound", zero)
          .key("time", &K::time, "ping a client after this long without activity; 0: gRPC's 2h", zero)
          .key("timeout", &K::timeout, "close the connection when a ping is not answered within this; 0: 20s", zero);
  return s;
}

const Schema<KeepaliveEnforcementPolicy>& enforcement_policy_schema() {
  using K = KeepaliveEnforcementPolicy;
  static const auto s =
      Schema<K>()
          .key("min_time", &K::min_time,
               "shortest interval between a client's pings; closer ones are strikes (gRPC closes "
               "the connection after 2); 0: gRPC's 5m",
               at_least(Duration::zero()))
          .key("permit_without_stream", &K::permit_without_stream, "allow client pings while no call is open");
  return s;
}

const Schema<KeepaliveServerConfig>& keepalive_schema() {
  using K = KeepaliveServerConfig;
  static const auto s =
      Schema<K>()
          .block("server_parameters", "map", "the server's keepalive (gRPC's keepalive.ServerParameters)",
                 server_parameters_schema(),
                 [](const ConfigNode& n, K& k) { k.server_parameters = *server_parameters_schema().parse(n); })
          .block("enforcement_policy", "map", "what the server allows of client pings (keepalive.EnforcementPolicy)",
                 enforcement_policy_schema(),
                 [](const ConfigNode& n, K& k) { k.enforcement_policy = *enforcement_policy_schema().parse(n); });
  return s;
}

const Schema<GrpcServerConfig>& grpc_schema() {
  using G = GrpcServerConfig;
  static const auto s =
      Schema<G>()
          .choice("transport", &G::transport, transports(), "tcp: endpoint is host:port; unix: a socket path",
                  refused_transports())
          .endpoint("endpoint", &G::endpoint,
                    "address to listen on (an empty host: every interface; IPv6 in brackets), or the socket path",
                    &G::transport)
          .ignored("dialer", "a server does not dial")
          .key("max_recv_msg_size_mib", &G::max_recv_msg_size_mib, "largest message accepted, once decompressed",
               between<uint64_t>(1, 1024))
          .key("max_concurrent_streams", &G::max_concurrent_streams, "calls per connection at once; 0: gRPC's default")
          .ignored("read_buffer_size", "gRPC C++ sizes its transport buffers itself")
          .ignored("write_buffer_size", "gRPC C++ sizes its transport buffers itself")
          .block("keepalive", "map", "connection keepalive and ping enforcement", keepalive_schema(),
                 [](const ConfigNode& n, G& g) { g.keepalive = *keepalive_schema().parse(n); })
          .key("include_metadata", &G::include_metadata, "copy the request metadata into the batch context")
          .block("tls", "map (docs/tls.md)", "serve TLS", tls_schema(TlsSide::server),
                 [](const ConfigNode& n, G& g) { g.tls = parse_tls_settings(n, TlsSide::server, TlsLibrary::grpc); })
          .block("auth", "map", "authenticate every call with an auth extension", auth_schema(false),
                 [](const ConfigNode& n, G& g) { g.authenticator = auth_schema(false).parse(n)->authenticator; })
          .block("middlewares", "list of maps", "limiter extensions every call passes, before decompression",
                 middleware_schema(), [](const ConfigNode& n, G& g) { read_middlewares(n, g.limiters); })
          .validate(check_transport<G>);
  return s;
}

const Schema<CorsConfig>& cors_schema() {
  using C = CorsConfig;
  static const auto s =
      Schema<C>()
          .key("allowed_origins", &C::allowed_origins, "origins allowed: exact, \"*\", or one wildcard per entry")
          .key("allowed_headers", &C::allowed_headers, "request headers allowed beyond the safelisted ones; \"*\": any")
          .key("exposed_headers", &C::exposed_headers, "response headers a browser script may read")
          .key("max_age", &C::max_age, "seconds a browser may cache a preflight answer; 0: not sent", at_least(0));
  return s;
}

const Schema<HttpServerConfig>& http_schema() {
  using H = HttpServerConfig;
  static const auto s = [] {
    Schema<H> s;
    s.choice("transport", &H::transport, transports(), "tcp: endpoint is host:port; unix: a socket path",
             refused_transports())
        .endpoint("endpoint", &H::endpoint,
                  "address to listen on (an empty host: every interface; IPv6 in brackets), or the socket path",
                  &H::transport)
        .ignored("dialer", "a server does not dial")
        .key("traces_url_path", &H::traces_url_path, "path of trace exports")
        .key("metrics_url_path", &H::metrics_url_path, "path of metric exports")
        .key("logs_url_path", &H::logs_url_path, "path of log exports")
        .key("max_request_body_size", &H::max_request_body_size,
             "largest body, as sent and once decompressed; larger: 400")
        .key("include_metadata", &H::include_metadata, "copy the request headers into the batch context")
        .block("cors", "map", "CORS for browser clients", cors_schema(),
               [](const ConfigNode& n, H& h) { h.cors = *cors_schema().parse(n); })
        .block("tls", "map (docs/tls.md)", "serve TLS", tls_schema(TlsSide::server),
               [](const ConfigNode& n, H& h) { h.tls = parse_tls_settings(n, TlsSide::server, TlsLibrary::openssl); })
        .block("auth", "map", "authenticate every request with an auth extension (not CORS preflights)",
               auth_schema(true),
               [](const ConfigNode& n, H& h) { h.authenticator = auth_schema(true).parse(n)->authenticator; })
        .key("max_header_size", &H::max_header_size, "largest request header; larger: 431")
        .key("read_header_timeout", &H::read_header_timeout, "time to read a request's header")
        .key("read_timeout", &H::read_timeout, "time to read a whole request")
        .key("idle_timeout", &H::idle_timeout, "time a keep-alive connection may wait for its next request")
        .key("max_connections", &H::max_connections,
             "otlpd's: open connections; beyond, the one idle or reading the longest is closed", at_least<uint32_t>(1))
        .key("keep_alives_enabled", &H::keep_alives_enabled, "keep connections open between requests; only true")
        .unsupported("write_timeout", "answers are small; read_timeout and idle_timeout bound a connection")
        .unsupported("response_headers", "otlpd answers with fixed headers")
        .unsupported("compression_algorithms", "otlpd accepts every encoding it decodes (gzip, deflate, zstd)")
        .block("middlewares", "list of maps", "limiter extensions every request passes, before its body is read",
               middleware_schema(), [](const ConfigNode& n, H& h) { read_middlewares(n, h.limiters); })
        .validate(check_transport<H>)
        .validate([](H& h, const SchemaInput& in) {
          if (!h.keep_alives_enabled)
            in.fail("keep_alives_enabled", "keep_alives_enabled: false is not supported by otlpd");
          for (auto* path : {&h.traces_url_path, &h.metrics_url_path, &h.logs_url_path})
            if (path->empty() || path->front() != '/') *path = "/" + *path;
        });
    return s;
  }();
  return s;
}

// `protocols:` reads into the receiver's config itself; "grpc:" with no value enables the protocol with its
// defaults, as in the Collector.
const Schema<OtlpReceiverConfig>& protocols_schema() {
  using R = OtlpReceiverConfig;
  static const auto s = Schema<R>()
                            .block("grpc", "map", "OTLP/gRPC server (an empty value: the defaults)", grpc_schema(),
                                   [](const ConfigNode& n, R& r) { r.grpc = *grpc_schema().parse(n); })
                            .block("http", "map", "OTLP/HTTP server (an empty value: the defaults)", http_schema(),
                                   [](const ConfigNode& n, R& r) { r.http = *http_schema().parse(n); })
                            .validate([](R& r, const SchemaInput& in) {
                              for (const auto& [key, value] : in.node().entries()) {
                                if (!value.is_null()) continue;
                                if (key == "grpc") r.grpc.emplace();
                                if (key == "http") r.http.emplace();
                              }
                              if (!r.grpc && !r.http)
                                in.node().fail("must specify at least one protocol: grpc or http");
                            });
  return s;
}

}  // namespace

const Schema<OtlpReceiverConfig>& schema() {
  using R = OtlpReceiverConfig;
  static const auto s = Schema<R>()
                            .block("protocols", "map", "the servers to run: grpc and/or http", protocols_schema(),
                                   [](const ConfigNode& n, R& r) { protocols_schema().parse_into(n, r); })
                            .validate([](R& r, const SchemaInput& in) {
                              if (!r.grpc && !r.http)
                                in.node().fail("the otlp receiver needs 'protocols' with 'grpc' and/or 'http'");
                            });
  return s;
}

std::unique_ptr<OtlpReceiverConfig> parse_otlp_receiver_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::otlp_receiver

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::receiver, "otlp", ::otlpd::otlp_receiver::schema)
