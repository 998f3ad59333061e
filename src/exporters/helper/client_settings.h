// Client transport settings shared by the network exporters, with the Collector's keys: a client `tls:` block
// (configtls), configgrpc's and confighttp's client settings, as plain structs and the schemas that read them.
// Config headers include this; the gRPC client itself is in grpc_client.h.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "codec/compression.h"
#include "config/schema.h"
#include "core/component_config.h"
#include "core/tls.h"

namespace otlpd::exporter_helper {

// The Collector's client `tls:` keys (core/tls.h).
using ClientTlsSettings = TlsSettings;

// Reads a client's `tls:` for the library that will apply it (gRPC exporters pass TlsLibrary::grpc).
ClientTlsSettings parse_client_tls(const ConfigNode& node, TlsLibrary library = TlsLibrary::openssl);

// The keys of a client `tls:` block as describe prints them (parse_client_tls reads the block).
const ConfigSchema& client_tls_schema();

// Reads `headers:` (a map of strings); fails on names that are not HTTP tokens or values with CR/LF.
std::map<std::string, std::string> parse_headers(const ConfigNode& node);

// `keepalive:` pings on idle gRPC connections.
struct KeepaliveSettings {
  Duration time = Duration::zero();     // ping after this much idleness; 0: gRPC's default
  Duration timeout = Duration::zero();  // wait this long for the ping's answer; 0: gRPC's default
  bool permit_without_stream = false;
};

// configgrpc's client settings, squashed into an exporter's keys as in the Collector.
struct GrpcClientSettings {
  std::string endpoint;                                 // as written
  std::string target;                                   // what gRPC dials, derived from endpoint (grpc_target)
  ClientTlsSettings tls;                                // tls.insecure is set from an http:// or https:// endpoint
  std::map<std::string, std::string> headers;           // gRPC metadata on every call; names lower-cased
  ContentEncoding compression = ContentEncoding::gzip;  // gzip or identity
  std::optional<KeepaliveSettings> keepalive;
  std::string balancer_name;  // pick_first | round_robin; empty: gRPC's default
  std::string authority;      // overrides the :authority header
  bool wait_for_ready = false;
  std::string authenticator;  // auth.authenticator: a client authenticator extension's id; empty: none
};

// What gRPC dials for an exporter's `endpoint`, as the Collector's configgrpc reads it:
// - `host:port` (IPv6 in brackets); without a port, `default_port` is added unless it is 0 (gRPC then uses 443);
// - `http://host:port` and `https://host:port` (a trailing `/` is allowed, a path is not): the scheme is removed
//   and chooses plaintext (http) or TLS (https) whatever tls.insecure says;
// - `dns://host:port` and `dns:///host:port` become `dns:///host:port`;
// - other gRPC targets (`unix:/path`, `unix-abstract:`, `ipv4:`, `ipv6:`, `scheme://...`) are dialled as written.
// Returns the target, or an empty string and `error` saying what is wrong.
std::string grpc_target(std::string_view endpoint, int default_port, std::string& error);

// The keys of configgrpc's client settings, to embed into an exporter's schema (Schema::embed); `defaults`
// are the exporter's (jaeger's compression is none), `default_port` as for grpc_target. Without `with_endpoint`
// there is no `endpoint` key and the caller sets endpoint and target (the loadbalancing exporter's backends).
Schema<GrpcClientSettings> grpc_client_schema(const GrpcClientSettings& defaults, int default_port = 0,
                                              bool with_endpoint = true);

// confighttp's client settings as an OTLP/HTTP exporter uses them (libcurl applies them).
struct HttpClientSettings {
  std::string endpoint;  // http:// or https:// base URL; may be empty when an exporter's per-signal URLs are set
  ClientTlsSettings tls;
  std::map<std::string, std::string> headers;
  ContentEncoding compression = ContentEncoding::gzip;
  std::string proxy_url;             // empty: libcurl's HTTP_PROXY / HTTPS_PROXY / NO_PROXY environment variables
  bool disable_keep_alives = false;  // a new connection for every request
  std::optional<Duration> idle_conn_timeout;  // an idle connection older than this is not reused; unset: 118s
  std::string authenticator;                  // auth.authenticator: a client authenticator extension's id
};

// The keys of confighttp's client settings, to embed into an exporter's schema.
Schema<HttpClientSettings> http_client_schema(const HttpClientSettings& defaults);

}  // namespace otlpd::exporter_helper
