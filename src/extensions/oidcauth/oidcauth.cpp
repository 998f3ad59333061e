// The `oidc` extension: a server authenticator that accepts "Bearer <JWT>" tokens signed by an OpenID provider's
// keys (discovered at <issuer_url>/.well-known/openid-configuration → jwks_uri), as the Collector's
// oidcauthextension. The keys are fetched at start, again every jwks_refresh_interval and when a token names an
// unknown key id — never more often than jwks_min_refresh_interval, so that a flood of made-up key ids costs one
// fetch per interval. A start while the issuer is down does not fail: a background thread keeps trying, and
// requests are refused until keys are loaded.
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/auth.h"
#include "core/registry.h"
#include "extensions/oidcauth/config.h"
#include "extensions/oidcauth/http_fetch.h"
#include "extensions/oidcauth/jwt.h"

namespace otlpd::oidcauth {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kFetchTimeout = std::chrono::seconds(5);
// A request whose token names an unknown key id waits this long at most for the refresh it started, and so
// many such requests at most wait at a time: a waiting request holds a receiver thread.
constexpr auto kUnknownKidWait = std::chrono::seconds(2);
constexpr int kMaxWaiters = 4;
constexpr auto kFirstRetry = std::chrono::seconds(1);
constexpr auto kMaxRetry = std::chrono::seconds(60);
constexpr int64_t kLeewaySeconds = 60;  // clock skew allowed on exp and nbf

class OidcAuth final : public ServerAuthenticator {
 public:
  OidcAuth(const CreateSettings& settings, OidcAuthConfig cfg) : id_(settings.id.str()), cfg_(std::move(cfg)) {
    options_.issuer = cfg_.issuer_url;
    options_.audience = cfg_.audience;
    options_.username_claim = cfg_.username_claim;
    options_.groups_claim = cfg_.groups_claim;
    options_.leeway = kLeewaySeconds;
  }
  ~OidcAuth() override { stop(); }

  void start(Host&) override {
    {
      std::lock_guard lock(mu_);
      last_attempt_ = Clock::now();
    }
    fetch_and_publish();  // the first fetch before any request; a failure is retried in the background
    worker_ = std::thread([this] { run(); });
  }

  void shutdown(Deadline) override { stop(); }

  Status authenticate(const std::vector<std::pair<std::string, std::string>>& headers, AuthData& auth) const override {
    const std::string* value = nullptr;
    for (const auto& [k, v] : headers)
      if (k == cfg_.attribute) {
        value = &v;
        break;
      }
    if (!value || value->empty()) return Status::permanent("missing or empty " + cfg_.attribute + " header");
    auto token = credentials_after_scheme(*value, "Bearer");
    if (!token) return Status::permanent(cfg_.attribute + " header does not use the Bearer scheme");
    if (token->size() > kMaxTokenBytes)
      return Status::permanent("token longer than " + std::to_string(kMaxTokenBytes) + " bytes");

    std::shared_ptr<const KeySet> keys = current_keys();
    if (!keys) {
      request_refresh(false);
      return Status::permanent("the issuer's signing keys are not loaded (yet)");
    }
    VerifyOptions options = options_;
    options.now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    Verified v = verify_jwt(*token, *keys, options);
    if (v.unknown_kid && request_refresh(true)) {
      if (auto fresh = current_keys(); fresh && fresh != keys) v = verify_jwt(*token, *fresh, options);
    }
    if (!v.ok) return Status::permanent(v.error);
    auth = {};
    auth.principal = v.subject;
    auth.attributes.emplace_back("subject", v.subject);
    for (auto& g : v.groups) auth.attributes.emplace_back("membership", std::move(g));
    auth.attributes.emplace_back("raw", std::string(*token));
    return Status::ok();
  }

  std::string challenge() const override { return "Bearer realm=\"otlpd\""; }

 private:
  std::shared_ptr<const KeySet> current_keys() const {
    std::lock_guard lock(mu_);
    return keys_;
  }

  // Asks the worker for a fetch (at the earliest jwks_min_refresh_interval after the last one). With `wait`:
  // when a fetch is running or may start now and fewer than kMaxWaiters wait, waits (bounded) for it and returns
  // whether it finished; otherwise returns false at once, so that requests within the interval cost nothing more.
  bool request_refresh(bool wait) const {
    std::unique_lock lock(mu_);
    refresh_requested_ = true;
    cv_.notify_all();
    if (!wait) return false;
    const bool may_start_now = Clock::now() >= last_attempt_ + cfg_.jwks_min_refresh_interval;
    if ((!fetching_ && !may_start_now) || waiters_ >= kMaxWaiters) return false;
    const uint64_t before = generation_;
    ++waiters_;
    const bool done = cv_.wait_for(lock, kUnknownKidWait, [&] { return stop_ || generation_ != before; });
    --waiters_;
    return done && !stop_;
  }

  void run() {
    std::unique_lock lock(mu_);
    auto retry = std::chrono::duration_cast<Clock::duration>(kFirstRetry);
    while (!stop_) {
      const auto next =
          last_attempt_ +
          (keys_ && last_ok_ ? std::chrono::duration_cast<Clock::duration>(cfg_.jwks_refresh_interval) : retry);
      cv_.wait_until(lock, next, [&] { return stop_ || refresh_requested_; });
      if (stop_) break;
      const auto earliest = last_attempt_ + cfg_.jwks_min_refresh_interval;
      if (Clock::now() < earliest) {
        cv_.wait_until(lock, earliest, [&] { return stop_; });
        if (stop_) break;
      }
      last_attempt_ = Clock::now();
      lock.unlock();
      bool ok = fetch_and_publish();
      lock.lock();
      retry = ok ? std::chrono::duration_cast<Clock::duration>(kFirstRetry)
                 : std::min<Clock::duration>(retry * 2, std::chrono::duration_cast<Clock::duration>(kMaxRetry));
    }
  }

  // One discovery (until it succeeds once) and JWKS fetch; publishes the keys when they parse. Wakes the
  // requests waiting for it either way.
  bool fetch_and_publish() {
    {
      std::lock_guard lock(mu_);
      fetching_ = true;
      refresh_requested_ = false;
    }
    std::string error;
    std::shared_ptr<const KeySet> fresh = fetch(error);
    std::lock_guard lock(mu_);
    fetching_ = false;
    last_ok_ = fresh != nullptr;
    if (fresh) {
      keys_ = std::move(fresh);
      if (warned_) spdlog::info("{}: the issuer's signing keys are loaded again", id_);
      warned_ = false;
    } else if (!warned_ || !keys_) {
      spdlog::warn("{}: cannot load the signing keys of {}: {}{}", id_, cfg_.issuer_url, error,
                   keys_ ? " (the previous keys stay in use)" : " (requests are refused until they load)");
      warned_ = true;
    }
    ++generation_;
    cv_.notify_all();
    return last_ok_;
  }

  std::shared_ptr<const KeySet> fetch(std::string& error) {
    FetchRequest req;
    req.tls.ca_file = cfg_.issuer_ca_path;
    req.timeout = kFetchTimeout;
    req.max_body = kMaxDocumentBytes;
    if (jwks_uri_.empty()) {
      std::string base = cfg_.issuer_url;
      while (base.ends_with('/')) base.pop_back();
      req.url = base + "/.well-known/openid-configuration";
      FetchResult r = http_fetch(req);
      if (!r.error.empty()) return error = r.error, nullptr;
      if (r.status != 200) return error = req.url + ": HTTP " + std::to_string(r.status), nullptr;
      std::string issuer, uri;
      if (std::string e = parse_discovery(r.body, issuer, uri); !e.empty()) return error = req.url + ": " + e, nullptr;
      if (issuer != cfg_.issuer_url)
        return error = req.url + ": its issuer '" + issuer + "' is not issuer_url", nullptr;
      jwks_uri_ = uri;
    }
    req.url = jwks_uri_;
    FetchResult r = http_fetch(req);
    if (!r.error.empty()) return error = r.error, nullptr;
    if (r.status != 200) return error = req.url + ": HTTP " + std::to_string(r.status), nullptr;
    auto keys = std::make_shared<KeySet>();
    if (std::string e = parse_jwks(r.body, *keys); !e.empty()) return error = req.url + ": " + e, nullptr;
    return keys;
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

  const std::string id_;
  const OidcAuthConfig cfg_;
  VerifyOptions options_;
  std::string jwks_uri_;  // the worker's (and start's, before the worker runs)

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::shared_ptr<const KeySet> keys_;
  mutable bool refresh_requested_ = false;
  mutable int waiters_ = 0;  // requests waiting for a fetch
  bool fetching_ = false;
  bool stop_ = false;
  bool last_ok_ = false;
  bool warned_ = false;
  uint64_t generation_ = 0;  // fetches finished
  Clock::time_point last_attempt_{};
  std::thread worker_;
};

class OidcAuthFactory final : public ExtensionFactory {
 public:
  std::string_view type() const override { return "oidc"; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExtensionPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    return std::make_unique<OidcAuth>(s, config_as<OidcAuthConfig>(c));
  }
};

}  // namespace

}  // namespace otlpd::oidcauth

using otlpd::oidcauth::OidcAuthFactory;
OTLPD_REGISTER_FACTORY(OidcAuthFactory)
