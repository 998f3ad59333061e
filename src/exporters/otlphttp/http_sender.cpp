// OTLP/HTTP senders on libcurl (loaded at run time, see libcurl.h): a pool of easy handles (each keeps its connection
// alive between requests), bodies in protobuf or OTLP/JSON, compressed as configured (codec/compression.h).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <ctime>
#include <mutex>
#include <vector>

#include "codec/compression.h"
#include "codec/otlp_json.h"
#include "core/auth.h"
#include "exporters/helper/partial_success.h"
#include "exporters/otlphttp/http_sender.h"
#include "exporters/otlphttp/libcurl.h"
#include "google/rpc/status.pb.h"

namespace otlpd::otlphttp_exporter {

namespace {

using exporter_helper::SendOutcome;

constexpr size_t kMaxResponseBody = 1024 * 1024;  // a backend's answer beyond this is cut off

struct CurlDeleter {
  void operator()(CURL* c) const { libcurl().easy_cleanup(c); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
struct SlistDeleter {
  void operator()(curl_slist* l) const { libcurl().slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// CURLOPT_SSLVERSION for tls.min_version and max_version: libcurl numbers TLS 1.0-1.3 consecutively, and a
// maximum is the same number shifted left by 16.
long curl_ssl_version(const TlsSettings& tls) {
  static_assert(CURL_SSLVERSION_TLSv1_3 - CURL_SSLVERSION_TLSv1_0 == 3 &&
                CURL_SSLVERSION_MAX_TLSv1_3 == (CURL_SSLVERSION_TLSv1_3 << 16));
  auto curl = [](TlsVersion v) {
    return static_cast<long>(CURL_SSLVERSION_TLSv1_0 + (static_cast<int>(v) - static_cast<int>(TlsVersion::v1_0)));
  };
  return curl(tls.min_version) |
         (tls.max_version ? curl(*tls.max_version) << 16 : static_cast<long>(CURL_SSLVERSION_MAX_DEFAULT));
}

// Idle easy handles, reused so that connections (and TLS sessions) survive between requests.
class CurlPool {
 public:
  CurlPool() { libcurl(); }  // loads the library (or throws) when the exporter is created
  CurlPtr acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CurlPtr h = std::move(idle_.back());
        idle_.pop_back();
        return h;
      }
    }
    CurlPtr h(libcurl().easy_init());
    if (!h) throw std::runtime_error("curl_easy_init failed");
    return h;
  }
  void release(CurlPtr h) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(h));
  }

 private:
  std::mutex mu_;
  std::vector<CurlPtr> idle_;
};

// Retry-After: delay-seconds or an HTTP date.
std::chrono::milliseconds parse_retry_after(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n'))
    v.remove_suffix(1);
  if (v.empty()) return std::chrono::milliseconds(0);
  int64_t secs = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
  if (ec == std::errc() && p == v.data() + v.size()) return std::chrono::seconds(std::clamp<int64_t>(secs, 0, 86400));
  std::string date(v);
  time_t when = libcurl().getdate(date.c_str(), nullptr);
  if (when < 0) return std::chrono::milliseconds(0);
  return std::chrono::seconds(std::clamp<int64_t>(when - std::time(nullptr), 0, 86400));
}

struct Response {
  std::string body;
  std::string content_type;
  std::string retry_after;
  bool truncated = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Response*>(user);
  size_t len = size * n;
  size_t room = kMaxResponseBody - std::min(kMaxResponseBody, r->body.size());
  if (len > room) r->truncated = true;
  r->body.append(data, std::min(len, room));
  return len;  // keep reading (and discarding) so that the connection stays usable
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Response*>(user);
  std::string_view line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    if (name == "content-type") r->content_type = value;
    if (name == "retry-after") r->retry_after = value;
  }
  return size * n;
}

int on_progress(void* cancelled, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(cancelled)->load() ? 1 : 0;
}

bool is_json(const std::string& content_type) { return content_type.find("json") != std::string::npos; }

// What the backend said about a failure: google.rpc.Status's message, or the (shortened) body.
std::string describe(const Response& r) {
  if (r.body.empty()) return {};
  if (!is_json(r.content_type) && r.content_type.find("protobuf") != std::string::npos) {
    google::rpc::Status st;
    if (st.ParseFromString(r.body)) return st.message();
  }
  std::string text = r.body.substr(0, 256);
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 32) c = ' ';
  return text;
}

template <typename B, typename Resp>
class HttpSender final : public exporter_helper::BatchSender<B> {
 public:
  HttpSender(std::shared_ptr<CurlPool> pool, std::string url, const OtlpHttpConfig& cfg)
      : pool_(std::move(pool)),
        url_(std::move(url)),
        cfg_(cfg),
        ciphers_(openssl_cipher_lists(cfg.client.tls.cipher_suites)) {
    bool json = cfg.encoding == OtlpHttpConfig::Encoding::json;
    header_lines_.push_back(json ? "Content-Type: application/json" : "Content-Type: application/x-protobuf");
    if (cfg.client.compression != ContentEncoding::identity)
      header_lines_.push_back("Content-Encoding: " + std::string(content_encoding_token(cfg.client.compression)));
    header_lines_.push_back("Expect:");  // no 100-continue round trip
    for (const auto& [k, v] : cfg.client.headers) header_lines_.push_back(k + ": " + v);
  }

  void cancel() override { cancelled_.store(true); }

  void start(const Host& host) override {
    if (!cfg_.client.authenticator.empty())
      authenticator_ = &find_client_authenticator(host, cfg_.client.authenticator);
  }

  void check(const Host& host) const override {
    if (!cfg_.client.authenticator.empty()) find_client_authenticator(host, cfg_.client.authenticator);
  }

  SendOutcome send(const B& batch, Deadline deadline) override {
    if (cancelled_.load()) return SendOutcome::retryable("exporter is shutting down");
    const LibCurl& curl = libcurl();
    std::vector<std::string> lines = header_lines_;
    if (authenticator_) {
      std::vector<std::pair<std::string, std::string>> credentials;
      if (Status st = authenticator_->client_headers(credentials); !st.is_ok())
        return SendOutcome::retryable("no credentials from " + cfg_.client.authenticator + ": " + st.message());
      for (const auto& [k, v] : credentials) lines.push_back(k + ": " + v);
    }
    std::string body = compress(cfg_.client.compression, encode(batch));

    SlistPtr headers;
    for (const auto& h : lines) {
      curl_slist* next = curl.slist_append(headers.get(), h.c_str());
      if (!next) return SendOutcome::retryable("out of memory building headers");
      (void)headers.release();
      headers.reset(next);
    }

    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    long timeout_ms = static_cast<long>(std::max<int64_t>(left.count(), 1));

    CurlPtr h = pool_->acquire();
    CURL* c = h.get();
    curl.easy_reset(c);  // keeps live connections
    Response resp;
    curl.easy_setopt(c, CURLOPT_URL, url_.c_str());
    curl.easy_setopt(c, CURLOPT_POST, 1L);
    curl.easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl.easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl.easy_setopt(c, CURLOPT_USERAGENT, "otlpd/" OTLPD_VERSION);
    curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl.easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    curl.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl.easy_setopt(c, CURLOPT_HEADERDATA, &resp);
    curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    // Lets cancel() abort a transfer in progress.
    curl.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl.easy_setopt(c, CURLOPT_XFERINFODATA, &cancelled_);
    if (!cfg_.client.proxy_url.empty()) curl.easy_setopt(c, CURLOPT_PROXY, cfg_.client.proxy_url.c_str());
    if (cfg_.client.disable_keep_alives) curl.easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    if (cfg_.client.idle_conn_timeout)
      curl.easy_setopt(
          c, CURLOPT_MAXAGE_CONN,
          static_cast<long>(std::max<int64_t>(
              1, std::chrono::duration_cast<std::chrono::seconds>(*cfg_.client.idle_conn_timeout).count())));
    const auto& tls = cfg_.client.tls;
    if (!tls.ca_file.empty()) curl.easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
    if (!tls.cert_file.empty()) curl.easy_setopt(c, CURLOPT_SSLCERT, tls.cert_file.c_str());
    if (!tls.key_file.empty()) curl.easy_setopt(c, CURLOPT_SSLKEY, tls.key_file.c_str());
    if (tls.insecure_skip_verify) {
      curl.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl.easy_setopt(c, CURLOPT_SSLVERSION, curl_ssl_version(tls));
    if (!ciphers_.tls12.empty()) curl.easy_setopt(c, CURLOPT_SSL_CIPHER_LIST, ciphers_.tls12.c_str());
    if (!ciphers_.tls13.empty()) curl.easy_setopt(c, CURLOPT_TLS13_CIPHERS, ciphers_.tls13.c_str());

    CURLcode rc = curl.easy_perform(c);
    long code = 0;
    curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl.easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);  // `headers` dies with this call
    pool_->release(std::move(h));

    if (rc != CURLE_OK) {
      std::string msg = "POST " + url_ + ": " + curl.easy_strerror(rc);
      if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) return SendOutcome::permanent(msg);
      return SendOutcome::retryable(msg);
    }
    if (code >= 200 && code < 300) return success(resp);
    std::string msg = "POST " + url_ + ": HTTP " + std::to_string(code);
    if (auto d = describe(resp); !d.empty()) msg += ": " + d;
    if (code == 429 || code == 502 || code == 503 || code == 504)
      return SendOutcome::retryable(msg, parse_retry_after(resp.retry_after));
    return SendOutcome::permanent(msg);
  }

 private:
  std::string encode(const B& batch) const {
    if (cfg_.encoding == OtlpHttpConfig::Encoding::proto) return batch.serialize();
    // JSON has no concatenation: several parts become one merged request.
    if (batch.read_parts().size() == 1) return otlp_json::encode(*batch.read_parts().front().request);
    auto one = batch.merged();
    return otlp_json::encode(one.first());
  }

  SendOutcome success(const Response& r) const {
    SendOutcome out = SendOutcome::ok();
    if (r.body.empty() || r.truncated) return out;
    Resp resp;
    bool parsed = is_json(r.content_type) ? otlp_json::decode(r.body, resp).empty() : resp.ParseFromString(r.body);
    if (parsed && resp.has_partial_success()) {
      out.rejected_items = exporter_helper::rejected(resp);
      out.partial_message = resp.partial_success().error_message();
    }
    return out;
  }

  std::shared_ptr<CurlPool> pool_;
  const ClientAuthenticator* authenticator_ = nullptr;
  std::atomic<bool> cancelled_{false};
  std::string url_;
  OtlpHttpConfig cfg_;
  // tls.cipher_suites in OpenSSL's spelling, as libcurl's OpenSSL back end takes them.
  OpenSslCipherLists ciphers_;
  std::vector<std::string> header_lines_;
};

}  // namespace

exporter_helper::Senders make_otlp_http_senders(const OtlpHttpConfig& cfg) {
  auto pool = std::make_shared<CurlPool>();
  exporter_helper::Senders s;
  s.traces =
      std::make_unique<HttpSender<TraceBatch, otlp_trace::ExportTraceServiceResponse>>(pool, cfg.traces_endpoint, cfg);
  s.metrics = std::make_unique<HttpSender<MetricBatch, otlp_metrics::ExportMetricsServiceResponse>>(
      pool, cfg.metrics_endpoint, cfg);
  s.logs = std::make_unique<HttpSender<LogBatch, otlp_logs::ExportLogsServiceResponse>>(pool, cfg.logs_endpoint, cfg);
  return s;
}

}  // namespace otlpd::otlphttp_exporter
