// The `tempo` exporter's config: one schema per protocol over the otlp / otlphttp schemas, and their union for
// describe.
#include "exporters/tempo/config.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "model/any_value.h"

namespace otlpd::tempo_exporter {

namespace {

using Protocol = TempoConfig::Protocol;

const std::vector<std::pair<std::string, Protocol>> kProtocols{{"grpc", Protocol::grpc}, {"http", Protocol::http}};

const Schema<BasicAuth>& basic_auth_schema() {
  static const auto s =
      Schema<BasicAuth>()
          .key("username", &BasicAuth::username, "user name (Grafana Cloud: the instance id)", required<std::string>())
          .key("password", &BasicAuth::password, "password or API token")
          .validate([](BasicAuth& b, const SchemaInput& in) {
            if (b.username.find(':') != std::string::npos)
              in.fail("username", "basic_auth username must not contain ':'");
          });
  return s;
}

// `headers` with `name` set to `value`, replacing a header of that name in any case.
void set_header(std::map<std::string, std::string>& headers, std::string name, const std::string& value) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  std::erase_if(headers, [&](const auto& h) { return lower(h.first) == lower(name); });
  headers[std::move(name)] = value;
}

// The keys tempo adds to either transport's, and the rule that turns them into headers.
Schema<TempoConfig> tempo_keys() {
  return Schema<TempoConfig>()
      .choice("protocol", &TempoConfig::protocol, kProtocols,
              "OTLP/gRPC (the otlp exporter's keys) or OTLP/HTTP (the otlphttp exporter's keys)")
      .custom("tenant", "string", "", "sent as X-Scope-OrgID on every request (Tempo's multi-tenancy)",
              [](const ConfigNode& n, TempoConfig& c) {
                c.tenant = n.as<std::string>();
                if (c.tenant.find_first_of("\r\n") != std::string::npos) n.fail("tenant has a line break");
              })
      .block("basic_auth", "map", "HTTP basic authentication sent on every request (Grafana Cloud)",
             basic_auth_schema(),
             [](const ConfigNode& n, TempoConfig& c) { basic_auth_schema().parse_into(n, c.basic_auth.emplace()); });
}

void add_tempo_headers(const TempoConfig& c, std::map<std::string, std::string>& headers, bool lower_case) {
  if (!c.tenant.empty()) set_header(headers, lower_case ? "x-scope-orgid" : "X-Scope-OrgID", c.tenant);
  if (c.basic_auth)
    set_header(headers, lower_case ? "authorization" : "Authorization",
               "Basic " + base64_encode(c.basic_auth->username + ":" + c.basic_auth->password));
}

const Schema<TempoConfig>& grpc_schema() {
  static const auto s =
      tempo_keys().embed(&TempoConfig::grpc, otlp_exporter::schema()).validate([](TempoConfig& c, const SchemaInput&) {
        add_tempo_headers(c, c.grpc.client.headers, true);  // gRPC metadata is lower-case
      });
  return s;
}

const Schema<TempoConfig>& http_schema() {
  static const auto s =
      tempo_keys()
          .embed(&TempoConfig::http, otlphttp_exporter::schema())
          .validate([](TempoConfig& c, const SchemaInput&) { add_tempo_headers(c, c.http.client.headers, false); });
  return s;
}

// Both protocols' keys for describe: the gRPC ones, then those only HTTP has; a key both have with different
// meanings says both.
class TempoSchema final : public ConfigSchema {
 public:
  std::vector<KeyDoc> keys() const override {
    std::vector<KeyDoc> out = grpc_schema().keys();
    for (const auto& k : http_schema().keys()) {
      auto same = std::find_if(out.begin(), out.end(), [&](const KeyDoc& d) { return d.key == k.key; });
      if (same == out.end()) {
        KeyDoc d = k;
        d.doc = "protocol http: " + d.doc;
        out.push_back(std::move(d));
      } else {
        if (same->type != k.type) same->type = "grpc: " + same->type + "; http: " + k.type;
        if (same->default_value != k.default_value)
          same->default_value = "grpc: " + same->default_value + ", http: " + k.default_value;
        if (same->doc != k.doc) same->doc = "grpc: " + same->doc + "; http: " + k.doc;
      }
    }
    // Keys of one protocol only are unknown under the other.
    for (auto& d : out) {
      const auto in = [&](const Schema<TempoConfig>& s) {
        for (const auto& k : s.keys())
          if (k.key == d.key) return true;
        return false;
      };
      if (!in(http_schema())) d.doc = "protocol grpc: " + d.doc;
    }
    return out;
  }
  std::vector<std::string> notes() const override { return {"keys of one protocol are unknown keys under the other"}; }
};

}  // namespace

const ConfigSchema& schema() {
  static const TempoSchema s;
  return s;
}

std::unique_ptr<TempoConfig> parse_config(const ConfigNode& node) {
  auto protocol = Protocol::grpc;
  if (auto p = SchemaInput(node).at("protocol")) protocol = parse_choice(*p, kProtocols);
  return (protocol == Protocol::grpc ? grpc_schema() : http_schema()).parse(node);
}

}  // namespace otlpd::tempo_exporter

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::exporter, "tempo", ::otlpd::tempo_exporter::schema)
