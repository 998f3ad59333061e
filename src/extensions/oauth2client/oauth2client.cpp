// The `oauth2client` extension: a client authenticator that gets an access token with the OAuth 2.0
// client-credentials grant (RFC 6749 §4.4) and sends it as "Authorization: Bearer <token>", as the Collector's
// oauth2clientauthextension. The token is cached and fetched again expiry_buffer before it expires; while a
// fetch runs, the other senders wait for it rather than asking too. A failed fetch fails the request retryable.
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>

#include "core/auth.h"
#include "core/registry.h"
#include "core/watched_file.h"
#include "extensions/oauth2client/config.h"
#include "extensions/oidcauth/http_fetch.h"
#include "extensions/oidcauth/jwt.h"
#include "model/any_value.h"

namespace otlpd::oauth2client {

namespace {

using Clock = std::chrono::steady_clock;
using oidcauth::FetchRequest;
using oidcauth::form_escape;

// A token without expires_in is fetched again after this long.
constexpr auto kNoExpiryLifetime = std::chrono::hours(1);

class OAuth2Client final : public Extension, public ClientAuthenticator {
 public:
  OAuth2Client(const CreateSettings& settings, OAuth2ClientConfig cfg) : id_(settings.id.str()), cfg_(std::move(cfg)) {
    if (!cfg_.client_id_file.empty())
      id_file_ = std::make_unique<WatchedFile>(cfg_.client_id_file, "the client id file");
    if (!cfg_.client_secret_file.empty())
      secret_file_ = std::make_unique<WatchedFile>(cfg_.client_secret_file, "the client secret file");
  }

  Status client_headers(std::vector<std::pair<std::string, std::string>>& out) const override {
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    if (token_.empty() || now >= refresh_at_) {
      Status st = fetch(now);
      if (!st.is_ok()) {
        if (token_.empty() || now >= expires_at_) return st;
        spdlog::warn("{}: {}; the current token is used until it expires", id_, st.message());
      }
    }
    out.emplace_back("authorization", "Bearer " + token_);
    return Status::ok();
  }

 private:
  Status credentials(std::string& id, std::string& secret) const {
    id = cfg_.client_id;
    secret = cfg_.client_secret;
    if (id_file_)
      if (Status st = id_file_->value(id); !st.is_ok()) return st;
    if (secret_file_)
      if (Status st = secret_file_->value(secret); !st.is_ok()) return st;
    return Status::ok();
  }

  // One token request; on success sets token_, refresh_at_ and expires_at_. Called with mu_ held.
  Status fetch(Clock::time_point now) const {
    std::string id, secret;
    if (Status st = credentials(id, secret); !st.is_ok()) return st;
    FetchRequest req;
    req.url = cfg_.token_url;
    req.post = true;
    req.tls = cfg_.tls;
    req.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.timeout);
    req.max_body = oidcauth::kMaxDocumentBytes;
    req.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json", "Expect:"};
    std::string form = "grant_type=client_credentials";
    if (!cfg_.scopes.empty()) {
      std::string scope;
      for (const auto& s : cfg_.scopes) {
        if (!scope.empty()) scope.push_back(' ');
        scope.append(s);
      }
      form.append("&scope=").append(form_escape(scope));
    }
    for (const auto& [k, v] : cfg_.endpoint_params)
      form.append("&").append(form_escape(k)).append("=").append(form_escape(v));
    // The client authenticates with HTTP Basic (RFC 6749 §2.3.1, each part form-encoded); a server that refuses
    // it is asked again with the credentials in the body, and that style is kept (Go's AuthStyleAutoDetect).
    oidcauth::FetchResult r;
    for (int attempt = 0; attempt < 2; ++attempt) {
      req.form = form;
      req.headers.resize(3);
      if (!credentials_in_body_)
        req.headers.push_back("Authorization: Basic " + base64_encode(form_escape(id) + ":" + form_escape(secret)));
      else
        req.form.append("&client_id=").append(form_escape(id)).append("&client_secret=").append(form_escape(secret));
      r = oidcauth::http_fetch(req);
      if (attempt == 0 && !style_known_ && r.error.empty() && (r.status == 400 || r.status == 401)) {
        credentials_in_body_ = !credentials_in_body_;
        continue;
      }
      break;
    }
    if (!r.error.empty()) return Status::retryable("token request failed: " + r.error);
    std::string token;
    int64_t expires_in = 0;
    std::string err = oidcauth::parse_token_response(r.body, token, expires_in);
    if (r.status != 200 || !err.empty())
      return Status::retryable("token request to " + cfg_.token_url + " failed: HTTP " + std::to_string(r.status) +
                               (err.empty() ? "" : ": " + err));
    style_known_ = true;
    const Clock::duration lifetime =
        expires_in > 0 ? Clock::duration(std::chrono::seconds(expires_in)) : Clock::duration(kNoExpiryLifetime);
    const Clock::duration buffer =
        std::min<Clock::duration>(std::chrono::duration_cast<Clock::duration>(cfg_.expiry_buffer), lifetime / 2);
    token_ = std::move(token);
    expires_at_ = now + lifetime;
    refresh_at_ = expires_at_ - buffer;
    return Status::ok();
  }

  const std::string id_;
  const OAuth2ClientConfig cfg_;
  std::unique_ptr<WatchedFile> id_file_, secret_file_;
  mutable std::mutex mu_;  // held during a fetch: concurrent senders wait for its token
  mutable std::string token_;
  mutable Clock::time_point refresh_at_{}, expires_at_{};
  mutable bool credentials_in_body_ = false;
  mutable bool style_known_ = false;
};

class OAuth2ClientFactory final : public ExtensionFactory {
 public:
  std::string_view type() const override { return "oauth2client"; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExtensionPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    return std::make_unique<OAuth2Client>(s, config_as<OAuth2ClientConfig>(c));
  }
};

}  // namespace

}  // namespace otlpd::oauth2client

using otlpd::oauth2client::OAuth2ClientFactory;
OTLPD_REGISTER_FACTORY(OAuth2ClientFactory)
