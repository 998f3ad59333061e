// The `bearertokenauth` extension: as a server authenticator a request must carry "<scheme> <token>" in a header;
// as a client authenticator (an exporter's auth) every request sent carries it, the token re-read from `filename`
// when the file changes.
#include <cctype>
#include <memory>
#include <stdexcept>

#include "core/auth.h"
#include "core/registry.h"
#include "core/watched_file.h"
#include "extensions/bearertokenauth/config.h"
#include "platform/text.h"

namespace otlpd::bearertokenauth {

namespace {

constexpr size_t kMaxTokenFileBytes = 64 * 1024;

std::string read_token_file(const std::string& path) {
  std::string s, error;
  if (!read_small_file(path, kMaxTokenFileBytes, "the token file", s, error)) throw std::runtime_error(error);
  s = std::string(trim(s));
  if (s.empty()) throw std::runtime_error("the token file '" + path + "' is empty");
  return s;
}

class BearerTokenAuth final : public ServerAuthenticator, public ClientAuthenticator {
 public:
  explicit BearerTokenAuth(BearerTokenAuthConfig cfg)
      : cfg_(std::move(cfg)),
        file_(cfg_.filename.empty() ? nullptr : new WatchedFile(cfg_.filename, "the token file")) {}

  void start(Host&) override {
    tokens_ = cfg_.tokens;
    if (!cfg_.filename.empty()) tokens_ = {read_token_file(cfg_.filename)};
  }

  Status authenticate(const std::vector<std::pair<std::string, std::string>>& headers, AuthData& auth) const override {
    const std::string* value = nullptr;
    for (const auto& [k, v] : headers)
      if (k == cfg_.header) {
        value = &v;
        break;
      }
    if (!value || value->empty()) return Status::permanent("missing or empty " + cfg_.header + " header");
    std::string_view token = *value;
    if (!cfg_.scheme.empty()) {
      auto credentials = credentials_after_scheme(token, cfg_.scheme);
      if (!credentials) return Status::permanent(cfg_.header + " header does not use the " + cfg_.scheme + " scheme");
      token = *credentials;
    }
    // Every configured token is compared in full, whichever matches, so timing tells nothing about which.
    bool match = false;
    for (const auto& t : tokens_) match |= constant_time_equal(t, token);
    if (!match) return Status::permanent("invalid " + cfg_.header + " header");
    auth = {};  // a shared token names no one
    return Status::ok();
  }

  std::string challenge() const override {
    return (cfg_.scheme.empty() ? std::string("Bearer") : cfg_.scheme) + " realm=\"otlpd\"";
  }

  // Client side: the first configured token, or the file's current one.
  Status client_headers(std::vector<std::pair<std::string, std::string>>& out) const override {
    std::string token;
    if (file_) {
      if (Status st = file_->value(token); !st.is_ok()) return st;
    } else {
      token = cfg_.tokens.front();
    }
    out.emplace_back(cfg_.header, cfg_.scheme.empty() ? token : cfg_.scheme + " " + token);
    return Status::ok();
  }

 private:
  BearerTokenAuthConfig cfg_;
  std::vector<std::string> tokens_;
  std::unique_ptr<WatchedFile> file_;
};

class BearerTokenAuthFactory final : public ExtensionFactory {
 public:
  std::string_view type() const override { return "bearertokenauth"; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExtensionPtr create(const CreateSettings&, const ComponentConfig& c) const override {
    return std::make_unique<BearerTokenAuth>(config_as<BearerTokenAuthConfig>(c));
  }
};

}  // namespace

}  // namespace otlpd::bearertokenauth

using otlpd::bearertokenauth::BearerTokenAuthFactory;
OTLPD_REGISTER_FACTORY(BearerTokenAuthFactory)
