// The `basicauth` extension (server side): HTTP Basic credentials checked against htpasswd entries
// (plain-text or {SHA} passwords); the principal is the user name.
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cctype>
#include <map>

#include "config/node.h"
#include "core/any_value.h"
#include "core/auth.h"
#include "core/registry.h"
#include "core/text.h"

namespace otlpd::basicauth {

namespace {

constexpr size_t kMaxHtpasswdBytes = 4 * 1024 * 1024;
constexpr size_t kMaxCredentialsBytes = 4096;  // base64 of "user:password"

struct Entry {
  enum class Kind { plain, sha1 } kind = Kind::plain;
  std::string secret;  // the password, or base64(SHA-1(password))
};

struct BasicAuthConfig : ComponentConfig {
  std::map<std::string, Entry, std::less<>> users;
};

// Adds the entries of htpasswd `text`; a later entry for a user replaces an earlier one. Fails on `where`.
void parse_htpasswd(const ConfigNode& where, const std::string& source, std::string_view text,
                    std::map<std::string, Entry, std::less<>>& users) {
  size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto colon = line.find(':');
    std::string at = source + " line " + std::to_string(line_no);
    if (colon == std::string_view::npos || colon == 0) where.fail(at + ": an entry must be 'user:password'");
    std::string user(line.substr(0, colon));
    std::string_view pass = line.substr(colon + 1);
    Entry e;
    if (pass.starts_with("{SHA}")) {
      e.kind = Entry::Kind::sha1;
      e.secret = pass.substr(5);
      if (e.secret.size() != 28) where.fail(at + ": user '" + user + "' has a malformed {SHA} hash");
    } else if (pass.size() > 2 && pass.front() == '$' && pass.find('$', 1) != std::string_view::npos) {
      // $apr1$ (MD5), $2y$ (bcrypt), $5$/$6$ (SHA-crypt), ...: refused rather than compared as plain text.
      auto scheme = pass.substr(0, pass.find('$', 1) + 1);
      where.fail(at + ": user '" + user + "' has a password hash in an unsupported format '" + std::string(scheme) +
                 "' (supported: plain text and {SHA})");
    } else {
      e.secret = pass;
    }
    users[user] = std::move(e);
  }
}

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

  Status authenticate(const std::vector<std::pair<std::string, std::string>>& headers,
                      std::string& principal) const override {
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
    principal.assign(user);
    return Status::ok();
  }

  std::string challenge() const override { return "Basic realm=\"otlpd\", charset=\"UTF-8\""; }

 private:
  BasicAuthConfig cfg_;
};

std::string read_htpasswd(const ConfigNode& where, const std::string& path) {
  std::string s, error;
  if (!read_small_file(path, kMaxHtpasswdBytes, "the htpasswd file", s, error)) where.fail(error);
  return s;
}

class BasicAuthFactory final : public ExtensionFactory {
 public:
  std::string_view type() const override { return "basicauth"; }
  ComponentConfigPtr parse(const ConfigNode& node) const override {
    auto c = std::make_unique<BasicAuthConfig>();
    MapReader r(node);
    auto htpasswd = r.child("htpasswd");
    if (auto client = r.child("client_auth"))
      client->fail(
          "client_auth (Basic credentials sent by exporters) is not supported; exporters take "
          "credentials in their own settings (e.g. headers). Use htpasswd to authenticate clients");
    r.finish();
    if (!htpasswd || htpasswd->is_null()) node.fail("basicauth needs 'htpasswd' with 'file' and/or 'inline'");
    MapReader hr(*htpasswd);
    std::string file, inline_text;
    hr.get("file", file);
    hr.get("inline", inline_text);
    hr.finish();
    // The file is read now, so that `otlpd validate` reports its bad entries too; inline entries win.
    if (!file.empty())
      parse_htpasswd(*hr.child("file"), "'" + file + "'", read_htpasswd(*hr.child("file"), file), c->users);
    if (!inline_text.empty()) parse_htpasswd(*hr.child("inline"), "inline", inline_text, c->users);
    if (c->users.empty()) htpasswd->fail("htpasswd has no user entries (set 'file' and/or 'inline')");
    return c;
  }
  ExtensionPtr create(const CreateSettings&, const ComponentConfig& c) const override {
    return std::make_unique<BasicAuth>(config_as<BasicAuthConfig>(c));
  }
};

}  // namespace

}  // namespace otlpd::basicauth

using otlpd::basicauth::BasicAuthFactory;
OTLPD_REGISTER_FACTORY(BasicAuthFactory)
