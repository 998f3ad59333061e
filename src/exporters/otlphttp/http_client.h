// An HTTP client on libcurl for the exporters that POST (otlphttp, prometheusremotewrite): a pool of easy handles
// that keep their connections between requests, configured from confighttp's client settings (TLS, proxy,
// keep-alive, headers, the client authenticator).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/component.h"
#include "core/tls.h"
#include "exporters/helper/client_settings.h"
#include "model/batch_fwd.h"

namespace otlpd {
class ClientAuthenticator;
}

namespace otlpd::otlphttp_exporter {

class CurlPool;

// What one POST came to.
struct HttpResult {
  bool transport_error = false;  // no HTTP answer: `error` says why
  bool permanent = false;        // with transport_error: a malformed URL or unsupported scheme
  std::string error;
  long status = 0;
  std::string body;  // cut off after 1 MiB (truncated)
  bool truncated = false;
  std::string content_type;
  std::chrono::milliseconds retry_after{0};  // Retry-After (seconds or an HTTP date); 0: none
};

class HttpClient {
 public:
  // Loads libcurl (throws std::runtime_error when it cannot be loaded).
  explicit HttpClient(exporter_helper::HttpClientSettings settings);
  ~HttpClient();
  // Finds the client authenticator among `host`'s extensions (auth.authenticator).
  void start(const Host& host);
  // At build and reload: throws std::runtime_error when the authenticator is not among `host`'s extensions.
  void check(const Host& host) const;
  // Makes POSTs in progress return promptly and later ones fail at once.
  void cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

  // POSTs `body` to `url` with `header_lines` ("Name: value"), the configured headers and the authenticator's,
  // before `deadline`. `origin`: the exported batch's context, for an authenticator that forwards what came in.
  HttpResult post(const std::string& url, const std::vector<std::string>& header_lines, const std::string& body,
                  Deadline deadline, const RequestContext* origin = nullptr);

 private:
  std::shared_ptr<CurlPool> pool_;
  exporter_helper::HttpClientSettings settings_;
  const ClientAuthenticator* authenticator_ = nullptr;
  std::atomic<bool> cancelled_{false};
  OpenSslCipherLists ciphers_;  // tls.cipher_suites in OpenSSL's spelling, as libcurl's OpenSSL back end takes them
};

}  // namespace otlpd::otlphttp_exporter
