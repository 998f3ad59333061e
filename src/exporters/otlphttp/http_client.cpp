// The libcurl HTTP client of the exporters that POST (see http_client.h).
#include "exporters/otlphttp/http_client.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <mutex>

#include "core/auth.h"
#include "exporters/otlphttp/libcurl.h"
#include "platform/text.h"

namespace otlpd::otlphttp_exporter {

namespace {

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

}  // namespace

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

HttpClient::HttpClient(exporter_helper::HttpClientSettings settings)
    : pool_(std::make_shared<CurlPool>()),
      settings_(std::move(settings)),
      ciphers_(openssl_cipher_lists(settings_.tls.cipher_suites)) {}

HttpClient::~HttpClient() = default;

void HttpClient::start(const Host& host) {
  if (!settings_.authenticator.empty()) authenticator_ = &find_client_authenticator(host, settings_.authenticator);
}

void HttpClient::check(const Host& host) const {
  if (!settings_.authenticator.empty()) find_client_authenticator(host, settings_.authenticator);
}

HttpResult HttpClient::post(const std::string& url, const std::vector<std::string>& header_lines,
                            const std::string& body, Deadline deadline, const RequestContext* origin) {
  HttpResult out;
  auto fail = [&](std::string msg) {
    out.transport_error = true;
    out.error = std::move(msg);
    return out;
  };
  if (cancelled_.load()) return fail("exporter is shutting down");
  const LibCurl& curl = libcurl();
  std::vector<std::string> lines = header_lines;
  lines.push_back("Expect:");  // no 100-continue round trip
  if (!authenticator_)
    for (const auto& [k, v] : settings_.headers) lines.push_back(k + ": " + v);
  if (authenticator_) {
    // The configured headers, then the authenticator's (which may change the configured ones: headers_setter).
    std::vector<std::pair<std::string, std::string>> credentials;
    for (const auto& [k, v] : settings_.headers) credentials.emplace_back(ascii_lower(k), v);
    if (Status st = origin ? authenticator_->client_headers_for(*origin, credentials)
                           : authenticator_->client_headers(credentials);
        !st.is_ok())
      return fail("no credentials from " + settings_.authenticator + ": " + st.message());
    for (const auto& [k, v] : credentials) lines.push_back(k + ": " + v);
  }

  SlistPtr headers;
  for (const auto& h : lines) {
    curl_slist* next = curl.slist_append(headers.get(), h.c_str());
    if (!next) return fail("out of memory building headers");
    (void)headers.release();
    headers.reset(next);
  }

  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  long timeout_ms = static_cast<long>(std::max<int64_t>(left.count(), 1));

  CurlPtr h = pool_->acquire();
  CURL* c = h.get();
  curl.easy_reset(c);  // keeps live connections
  Response resp;
  curl.easy_setopt(c, CURLOPT_URL, url.c_str());
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
  if (!settings_.proxy_url.empty()) curl.easy_setopt(c, CURLOPT_PROXY, settings_.proxy_url.c_str());
  if (settings_.disable_keep_alives) curl.easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
  if (settings_.idle_conn_timeout)
    curl.easy_setopt(c, CURLOPT_MAXAGE_CONN,
                     static_cast<long>(std::max<int64_t>(
                         1, std::chrono::duration_cast<std::chrono::seconds>(*settings_.idle_conn_timeout).count())));
  const auto& tls = settings_.tls;
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
    out.permanent = rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL;
    return fail("POST " + url + ": " + curl.easy_strerror(rc));
  }
  out.status = code;
  out.body = std::move(resp.body);
  out.truncated = resp.truncated;
  out.content_type = std::move(resp.content_type);
  out.retry_after = parse_retry_after(resp.retry_after);
  return out;
}

}  // namespace otlpd::otlphttp_exporter
