// Reading client transport settings: `tls`, `headers`, compression, gRPC endpoints and keepalive, HTTP clients.
#include "exporters/helper/client_settings.h"

#include <algorithm>
#include <cctype>

namespace otlpd::exporter_helper {

namespace {

bool is_http_url(std::string_view u) { return u.starts_with("http://") || u.starts_with("https://"); }

// `compression:` among the Collector's names (codec/compression.h) that this client implements; the names in
// `refused` fail saying why. An empty string is none, as in the Collector.
void read_compression(const ConfigNode& n, ContentEncoding& out, const std::vector<std::string>& allowed,
                      const std::vector<std::pair<std::string, std::string>>& refused) {
  const auto text = n.as<std::string>();
  if (text.empty()) {
    out = ContentEncoding::identity;
    return;
  }
  for (const auto& [name, why] : refused)
    if (name == text) n.fail("value '" + name + "' is not supported by otlpd: " + why);
  std::vector<std::pair<std::string, ContentEncoding>> choices;
  for (const auto& c : compression_names())
    if (std::find(allowed.begin(), allowed.end(), c.first) != allowed.end()) choices.push_back(c);
  std::vector<std::string> more;
  for (const auto& r : refused) more.push_back(r.first);
  out = parse_choice(n, choices, more);
}

std::string compression_type(const std::vector<std::string>& allowed,
                             const std::vector<std::pair<std::string, std::string>>& refused) {
  std::vector<std::string> names = allowed;
  for (const auto& r : refused) names.push_back(r.first + " (not supported)");
  return "one of: " + join(names);
}

const std::vector<std::string> kGrpcCompression{"gzip", "none"};
const std::vector<std::pair<std::string, std::string>> kGrpcRefused{
    {"zstd", "gRPC 1.51's C++ library compresses with gzip only"},
    {"snappy", "gRPC 1.51's C++ library compresses with gzip only"}};
const std::vector<std::string> kHttpCompression{"gzip", "zlib", "deflate", "zstd", "none"};
const std::vector<std::pair<std::string, std::string>> kHttpRefused{{"snappy", "use gzip, zlib, deflate or zstd"},
                                                                    {"lz4", "use gzip, zlib, deflate or zstd"}};

const Schema<KeepaliveSettings>& keepalive_schema() {
  static const auto s = Schema<KeepaliveSettings>()
                            .key("time", &KeepaliveSettings::time, "ping after this much idleness; 0: gRPC's default",
                                 at_least(Duration::zero()))
                            .key("timeout", &KeepaliveSettings::timeout,
                                 "wait this long for the ping's answer; 0: gRPC's default", at_least(Duration::zero()))
                            .key("permit_without_stream", &KeepaliveSettings::permit_without_stream,
                                 "ping also when no call is in flight");
  return s;
}

}  // namespace

ClientTlsSettings parse_client_tls(const ConfigNode& node, TlsLibrary library) {
  return parse_tls_settings(node, TlsSide::client, library);
}

const ConfigSchema& client_tls_schema() { return tls_schema(TlsSide::client); }

std::map<std::string, std::string> parse_headers(const ConfigNode& node) {
  auto headers = node.as<std::map<std::string, std::string>>();
  for (const auto& [name, value] : headers) {
    bool token = !name.empty();
    for (unsigned char c : name)
      if (c <= 32 || c >= 127 ||
          std::string_view("()<>@,;:\\\"/[]?={}").find(static_cast<char>(c)) != std::string_view::npos)
        token = false;
    if (!token) node.fail("header name '" + name + "' is not a valid HTTP header name");
    if (value.find_first_of("\r\n") != std::string::npos) node.fail("header '" + name + "' has a line break");
  }
  return headers;
}

std::string grpc_target(std::string_view endpoint, int default_port, std::string& error) {
  error.clear();
  const std::string written(endpoint);
  std::string_view e = endpoint;
  const bool url = is_http_url(e);
  if (url) {
    e.remove_prefix(e.find("://") + 3);
  } else if (e.starts_with("dns:")) {
    std::string_view rest = e.substr(4);
    if (!rest.starts_with("//")) return written;
    rest.remove_prefix(2);
    if (rest.starts_with("/")) rest.remove_prefix(1);
    return "dns:///" + std::string(rest);
  } else if (e.starts_with("unix:") || e.starts_with("unix-abstract:") || e.starts_with("ipv4:") ||
             e.starts_with("ipv6:") || e.find("://") != std::string_view::npos) {
    return written;
  }
  while (!e.empty() && e.back() == '/') e.remove_suffix(1);
  if (e.empty() || e.find('/') != std::string_view::npos) {
    error = "endpoint '" + written + "' must be host:port or a URL without a path";
    return {};
  }
  const auto bracket = e.rfind(']');
  const auto colon = e.rfind(':');
  const bool has_port = colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  if (!has_port) return default_port > 0 ? std::string(e) + ":" + std::to_string(default_port) : std::string(e);
  const std::string_view port = e.substr(colon + 1);
  const bool numeric = !port.empty() && port.size() <= 5 &&
                       std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); });
  if (!numeric || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
    error = "endpoint '" + written + "' is not host:port (port 1-65535)";
    return {};
  }
  return std::string(e);
}

namespace {

// configauth's client block: `auth: {authenticator: <extension id>}`.
struct AuthBlock {
  std::string authenticator;
};
const Schema<AuthBlock>& auth_schema() {
  static const auto s = Schema<AuthBlock>().key(
      "authenticator", &AuthBlock::authenticator,
      "id of a client authenticator extension (basicauth with client_auth, bearertokenauth) in service.extensions",
      required<std::string>());
  return s;
}
std::string read_auth(const ConfigNode& n) {
  auto a = auth_schema().parse(n);
  if (a->authenticator.empty()) n.fail("auth.authenticator must name an extension");
  return a->authenticator;
}

}  // namespace

Schema<GrpcClientSettings> grpc_client_schema(const GrpcClientSettings& defaults, int default_port,
                                              bool with_endpoint) {
  Schema<GrpcClientSettings> schema;
  if (with_endpoint)
    schema.custom(
        "endpoint", "string (required)", "",
        "host:port" +
            (default_port > 0 ? " (port " + std::to_string(default_port) + " when none is given)" : std::string()) +
            ", http://host:port (plaintext), https://host:port (TLS), dns:///host:port or unix:/path",
        [](const ConfigNode& n, GrpcClientSettings& s) { s.endpoint = n.as<std::string>(); });
  return schema
      .block("tls", "map", "client TLS; TLS unless insecure: true", client_tls_schema(),
             [](const ConfigNode& n, GrpcClientSettings& s) { s.tls = parse_client_tls(n, TlsLibrary::grpc); })
      .custom("headers", "map of strings", "{}", "gRPC metadata sent on every call (names lower-cased)",
              [](const ConfigNode& n, GrpcClientSettings& s) {
                for (const auto& [name, value] : parse_headers(n)) {
                  std::string lower = name;
                  std::transform(lower.begin(), lower.end(), lower.begin(),
                                 [](unsigned char c) { return std::tolower(c); });
                  if (lower.starts_with("grpc-"))
                    n.fail("header '" + name + "' cannot be set (grpc- names are reserved to gRPC)");
                  s.headers[lower] = value;
                }
              })
      .custom("compression", compression_type(kGrpcCompression, kGrpcRefused),
              std::string(compression_name(defaults.compression)), "compression of each message",
              [](const ConfigNode& n, GrpcClientSettings& s) {
                read_compression(n, s.compression, kGrpcCompression, kGrpcRefused);
              })
      .block(
          "keepalive", "map", "pings on idle connections", keepalive_schema(),
          [](const ConfigNode& n, GrpcClientSettings& s) { keepalive_schema().parse_into(n, s.keepalive.emplace()); })
      .custom("balancer_name", "one of: pick_first, round_robin", "",
              "load-balancing policy over the addresses the name resolves to; unset: gRPC's (pick_first)",
              [](const ConfigNode& n, GrpcClientSettings& s) {
                s.balancer_name = n.as<std::string>();
                if (!s.balancer_name.empty())
                  s.balancer_name =
                      parse_choice<std::string>(n, {{"pick_first", "pick_first"}, {"round_robin", "round_robin"}});
              })
      .key("authority", &GrpcClientSettings::authority, "overrides the :authority header (virtual hosts)")
      .key("wait_for_ready", &GrpcClientSettings::wait_for_ready,
           "a call waits for the connection instead of failing at once while it is down")
      .ignored("read_buffer_size", "gRPC sizes its own buffers")
      .ignored("write_buffer_size", "gRPC sizes its own buffers")
      .block("auth", "map", "credentials added to every request by a client authenticator extension", auth_schema(),
             [](const ConfigNode& n, GrpcClientSettings& s) { s.authenticator = read_auth(n); })
      .validate([default_port, with_endpoint](GrpcClientSettings& s, const SchemaInput& in) {
        if (!with_endpoint) return;  // set later by whoever owns the endpoints
        if (s.endpoint.empty())
          in.fail("endpoint",
                  "'endpoint' is required (host:port, a gRPC target such as dns:///host:port or unix:/path, or an "
                  "http:// or https:// URL)");
        std::string error;
        s.target = grpc_target(s.endpoint, default_port, error);
        if (!error.empty()) in.fail("endpoint", error);
        // As in the Collector, the URL scheme chooses: http:// means plaintext, https:// means TLS.
        if (s.endpoint.starts_with("http://")) s.tls.insecure = true;
        if (s.endpoint.starts_with("https://")) s.tls.insecure = false;
      });
}

Schema<HttpClientSettings> http_client_schema(const HttpClientSettings& defaults) {
  return Schema<HttpClientSettings>()
      .custom("endpoint", "string", "", "base URL (http:// or https://)",
              [](const ConfigNode& n, HttpClientSettings& s) {
                s.endpoint = n.as<std::string>();
                if (!s.endpoint.empty() && !is_http_url(s.endpoint))
                  n.fail("endpoint '" + s.endpoint + "' must be an http:// or https:// URL");
              })
      .block("tls", "map", "client TLS for https:// URLs", client_tls_schema(),
             [](const ConfigNode& n, HttpClientSettings& s) { s.tls = parse_client_tls(n, TlsLibrary::openssl); })
      .custom("headers", "map of strings", "{}", "HTTP headers sent with every request",
              [](const ConfigNode& n, HttpClientSettings& s) {
                for (auto& [k, v] : parse_headers(n)) s.headers[k] = v;
              })
      .custom("compression", compression_type(kHttpCompression, kHttpRefused),
              std::string(compression_name(defaults.compression)),
              "compression of each body (zlib and deflate both send the zlib format as Content-Encoding: deflate)",
              [](const ConfigNode& n, HttpClientSettings& s) {
                read_compression(n, s.compression, kHttpCompression, kHttpRefused);
              })
      .custom("proxy_url", "string", "", "HTTP proxy (http://host:port); unset: HTTP_PROXY, HTTPS_PROXY, NO_PROXY",
              [](const ConfigNode& n, HttpClientSettings& s) {
                s.proxy_url = n.as<std::string>();
                if (!s.proxy_url.empty() && s.proxy_url.find("://") == std::string::npos)
                  n.fail("proxy_url '" + s.proxy_url + "' must be a URL (http://host:port)");
              })
      .key("disable_keep_alives", &HttpClientSettings::disable_keep_alives,
           "a new connection for every request instead of reusing one")
      .custom("idle_conn_timeout", "duration (greater than 0)", "",
              "an idle connection older than this is closed instead of reused; unset: libcurl's 118s",
              [](const ConfigNode& n, HttpClientSettings& s) {
                s.idle_conn_timeout = n.as<Duration>();
                if (*s.idle_conn_timeout <= Duration::zero()) n.fail("idle_conn_timeout must be positive");
              })
      .ignored("read_buffer_size", "libcurl sizes its own buffers")
      .ignored("write_buffer_size", "libcurl sizes its own buffers")
      .ignored("max_idle_conns", "libcurl keeps the connections of each pooled handle")
      .ignored("max_idle_conns_per_host", "libcurl keeps the connections of each pooled handle")
      .ignored("max_conns_per_host", "connections are bounded by sending_queue.num_consumers")
      .ignored("http2_read_idle_timeout", "libcurl manages HTTP/2 connections itself")
      .ignored("http2_ping_timeout", "libcurl manages HTTP/2 connections itself")
      .block("auth", "map", "credentials added to every request by a client authenticator extension", auth_schema(),
             [](const ConfigNode& n, HttpClientSettings& s) { s.authenticator = read_auth(n); });
}

}  // namespace otlpd::exporter_helper
