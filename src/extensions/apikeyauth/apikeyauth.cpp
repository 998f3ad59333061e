// The `apikeyauth` extension (server side): a request must carry a known API key in a header; the key's name
// becomes the principal. Keys are held only as SHA-256 digests and compared in constant time.
#include <openssl/sha.h>

#include <stdexcept>
#include <vector>

#include "core/auth.h"
#include "core/registry.h"
#include "extensions/apikeyauth/config.h"
#include "platform/text.h"

namespace otlpd::apikeyauth {

namespace {

constexpr size_t kMaxKeysFileBytes = 1024 * 1024;
constexpr std::string_view kHashPrefix = "sha256:";

std::string sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The digest a configured key stands for: "sha256:<64 hex>" as given, else the SHA-256 of the key.
std::string digest_of(const std::string& name, std::string_view key) {
  if (!key.starts_with(kHashPrefix)) return sha256(key);
  std::string_view hex = key.substr(kHashPrefix.size());
  if (hex.size() != 2 * SHA256_DIGEST_LENGTH)
    throw std::runtime_error("the key of '" + name + "' has the sha256: prefix but not 64 hex digits");
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0)
      throw std::runtime_error("the key of '" + name + "' has the sha256: prefix but not 64 hex digits");
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

struct NamedDigest {
  std::string name;
  std::string digest;
};

class ApiKeyAuth final : public ServerAuthenticator {
 public:
  explicit ApiKeyAuth(ApiKeyAuthConfig cfg) : cfg_(std::move(cfg)) {}

  void start(Host&) override {
    keys_.clear();
    for (const auto& [name, key] : cfg_.keys) keys_.push_back({name, digest_of(name, key)});
    if (!cfg_.keys_file.empty()) read_keys_file(cfg_.keys_file);
    cfg_.keys.clear();  // only digests are kept
  }

  Status authenticate(const std::vector<std::pair<std::string, std::string>>& headers, AuthData& auth) const override {
    const std::string* value = nullptr;
    for (const auto& [k, v] : headers)
      if (k == cfg_.header) {
        value = &v;
        break;
      }
    if (!value || value->empty()) return Status::permanent("missing or empty " + cfg_.header + " header");
    const std::string presented = sha256(*value);
    // Every digest is compared in full, whichever matches.
    const NamedDigest* match = nullptr;
    for (const auto& k : keys_)
      if (constant_time_equal(k.digest, presented)) match = &k;
    if (!match) return Status::permanent("invalid " + cfg_.header + " header");
    auth.principal = match->name;
    auth.attributes = {{"subject", match->name}};
    return Status::ok();
  }

  std::string challenge() const override { return "ApiKey realm=\"otlpd\", header=\"" + cfg_.header + "\""; }

 private:
  void read_keys_file(const std::string& path) {
    std::string text, error;
    if (!read_small_file(path, kMaxKeysFileBytes, "the API keys file", text, error)) throw std::runtime_error(error);
    size_t line_no = 0, start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      std::string_view line = trim(std::string_view(text).substr(start, end == std::string::npos ? end : end - start));
      ++line_no;
      start = end == std::string::npos ? text.size() + 1 : end + 1;
      if (line.empty() || line.front() == '#') continue;
      auto colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0 || colon + 1 == line.size())
        throw std::runtime_error("the API keys file '" + path + "', line " + std::to_string(line_no) +
                                 ": expected 'name:key'");
      std::string name(trim(line.substr(0, colon)));
      keys_.push_back({name, digest_of(name, trim(line.substr(colon + 1)))});
    }
    if (keys_.empty()) throw std::runtime_error("the API keys file '" + path + "' holds no key");
  }

  ApiKeyAuthConfig cfg_;
  std::vector<NamedDigest> keys_;
};

class ApiKeyAuthFactory final : public ExtensionFactory {
 public:
  std::string_view type() const override { return "apikeyauth"; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExtensionPtr create(const CreateSettings&, const ComponentConfig& c) const override {
    return std::make_unique<ApiKeyAuth>(config_as<ApiKeyAuthConfig>(c));
  }
};

}  // namespace

}  // namespace otlpd::apikeyauth

using otlpd::apikeyauth::ApiKeyAuthFactory;
OTLPD_REGISTER_FACTORY(ApiKeyAuthFactory)
