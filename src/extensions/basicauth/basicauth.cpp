// The `basicauth` extension. Server side: HTTP Basic credentials checked against htpasswd entries (plain-text or
// {SHA} passwords); the principal is the user name. Client side (client_auth): the Basic credentials every
// request of an exporter carries.
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cctype>
#include <map>

#include "core/auth.h"
#include "core/registry.h"
#include "core/watched_file.h"
#include "extensions/basicauth/config.h"
#include "model/any_value.h"
#include "platform/text.h"

namespace otlpd::basicauth {

namespace {

constexpr size_t kMaxCredentialsBytes = 4096;  // base64 of "user:password"

std::string sha1_base64(std::string_view password) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(password.data()), password.size(), digest);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// Standard base64 with padding; false when malformed.
bool decode_base64(std::string_view in, std::string& out) {
  if (in.empty() || in.size() % 4 != 0) return false;
  out.assign(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return false;
  size_t pad = in.ends_with("==") ? 2 : in.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  return true;
}

class BasicAuth final : public ServerAuthenticator {
 public:
  explicit BasicAuth(BasicAuthConfig cfg) : cfg_(std::move(cfg)) {}

  Status authenticate(const std::vector<std::pair<std::string, std::string>>& headers, AuthData& auth) const override {
    std::string_view value;
    for (const auto& [k, v] : headers)
      if (k == "authorization") {
        value = v;
        break;
      }
    if (value.empty()) return Status::permanent("missing or empty authorization header");
    auto encoded = credentials_after_scheme(value, "Basic");
    if (!encoded) return Status::permanent("the authorization header does not hold Basic credentials");
    std::string credentials;
    if (encoded->size() > kMaxCredentialsBytes || !decode_base64(*encoded, credentials))
      return Status::permanent("malformed Basic credentials");
    auto colon = credentials.find(':');
    if (colon == std::string::npos) return Status::permanent("malformed Basic credentials");
    std::string_view user = std::string_view(credentials).substr(0, colon);
    std::string_view password = std::string_view(credentials).substr(colon + 1);
    auto it = cfg_.users.find(user);
    // An unknown user costs the same comparison as a known one, so timing does not reveal user names.
    static const Entry unknown{Entry::Kind::plain, std::string(16, '\0')};
    const Entry& e = it == cfg_.users.end() ? unknown : it->second;
    bool match = e.kind == Entry::Kind::sha1 ? constant_time_equal(e.secret, sha1_base64(password))
                                             : constant_time_equal(e.secret, password);
    if (it == cfg_.users.end() || !match) return Status::permanent("invalid username or password");
    auth.principal.assign(user);
    auth.attributes = {{"username", std::string(user)}, {"raw", std::string(*encoded)}};
    return Status::ok();
  }

  std::string challenge() const override { return "Basic realm=\"otlpd\", charset=\"UTF-8\""; }

 private:
  BasicAuthConfig cfg_;
};

class BasicAuthClient final : public Extension, public ClientAuthenticator {
 public:
  explicit BasicAuthClient(const ClientAuth& c)
      : cfg_(c),
        user_file_(c.username_file.empty() ? nullptr : new WatchedFile(c.username_file, "the username file")),
        password_file_(c.password_file.empty() ? nullptr : new WatchedFile(c.password_file, "the password file")) {}

  Status client_headers(std::vector<std::pair<std::string, std::string>>& out) const override {
    std::string user = cfg_.username, password = cfg_.password;
    if (user_file_)
      if (Status st = user_file_->value(user); !st.is_ok()) return st;
    if (password_file_)
      if (Status st = password_file_->value(password); !st.is_ok()) return st;
    out.emplace_back("authorization", "Basic " + base64_encode(user + ":" + password));
    return Status::ok();
  }

 private:
  ClientAuth cfg_;
  std::unique_ptr<WatchedFile> user_file_, password_file_;
};

class BasicAuthFactory final : public ExtensionFactory {
 public:
  std::string_view type() const override { return "basicauth"; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExtensionPtr create(const CreateSettings&, const ComponentConfig& c) const override {
    const auto& cfg = config_as<BasicAuthConfig>(c);
    if (cfg.client) return std::make_unique<BasicAuthClient>(*cfg.client);
    return std::make_unique<BasicAuth>(cfg);
  }
};

}  // namespace

}  // namespace otlpd::basicauth

using otlpd::basicauth::BasicAuthFactory;
OTLPD_REGISTER_FACTORY(BasicAuthFactory)
