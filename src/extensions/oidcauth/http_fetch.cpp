// http_fetch on the libcurl the otlphttp exporter loads at run time.
#include "extensions/oidcauth/http_fetch.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>

#include "exporters/otlphttp/libcurl.h"

namespace otlpd::oidcauth {

namespace {

using otlphttp_exporter::LibCurl;

struct Answer {
  std::string body;
  size_t max = 0;
  bool too_long = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* a = static_cast<Answer*>(user);
  size_t len = size * n;
  if (a->body.size() + len > a->max) {
    a->too_long = true;
    return 0;  // aborts the transfer
  }
  a->body.append(data, len);
  return len;
}

}  // namespace

FetchResult http_fetch(const FetchRequest& request) {
  FetchResult out;
  const LibCurl* curl = nullptr;
  try {
    curl = &otlphttp_exporter::libcurl();
  } catch (const std::exception& e) {
    out.error = e.what();
    return out;
  }
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl->easy_init(), curl->easy_cleanup);
  if (!h) {
    out.error = "curl_easy_init failed";
    return out;
  }
  curl_slist* headers = nullptr;
  for (const auto& line : request.headers) {
    curl_slist* next = curl->slist_append(headers, line.c_str());
    if (next) headers = next;
  }
  CURL* c = h.get();
  Answer answer;
  answer.max = request.max_body;
  const long timeout_ms = static_cast<long>(std::max<int64_t>(request.timeout.count(), 1));
  curl->easy_setopt(c, CURLOPT_URL, request.url.c_str());
  if (request.post) {
    curl->easy_setopt(c, CURLOPT_POST, 1L);
    curl->easy_setopt(c, CURLOPT_POSTFIELDS, request.form.c_str());
    curl->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.form.size()));
  }
  curl->easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl->easy_setopt(c, CURLOPT_USERAGENT, "otlpd/" OTLPD_VERSION);
  curl->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl->easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl->easy_setopt(c, CURLOPT_WRITEDATA, &answer);
  curl->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  const auto& tls = request.tls;
  if (!tls.ca_file.empty()) curl->easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) curl->easy_setopt(c, CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) curl->easy_setopt(c, CURLOPT_SSLKEY, tls.key_file.c_str());
  if (tls.insecure_skip_verify) {
    curl->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  // TLS versions: libcurl numbers 1.0-1.3 consecutively, a maximum shifted left by 16.
  auto version = [](TlsVersion v) {
    return static_cast<long>(CURL_SSLVERSION_TLSv1_0 + (static_cast<int>(v) - static_cast<int>(TlsVersion::v1_0)));
  };
  curl->easy_setopt(c, CURLOPT_SSLVERSION,
                    version(tls.min_version) | (tls.max_version ? version(*tls.max_version) << 16
                                                                : static_cast<long>(CURL_SSLVERSION_MAX_DEFAULT)));
  const OpenSslCipherLists ciphers = openssl_cipher_lists(tls.cipher_suites);
  if (!ciphers.tls12.empty()) curl->easy_setopt(c, CURLOPT_SSL_CIPHER_LIST, ciphers.tls12.c_str());
  if (!ciphers.tls13.empty()) curl->easy_setopt(c, CURLOPT_TLS13_CIPHERS, ciphers.tls13.c_str());
  CURLcode rc = curl->easy_perform(c);
  curl->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  curl->slist_free_all(headers);
  if (answer.too_long) {
    out.status = 0;
    out.error = request.url + ": answer longer than " + std::to_string(request.max_body) + " bytes";
  } else if (rc != CURLE_OK) {
    out.status = 0;
    out.error = request.url + ": " + curl->easy_strerror(rc);
  } else {
    out.body = std::move(answer.body);
  }
  return out;
}

std::string form_escape(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
  return out;
}

}  // namespace otlpd::oidcauth
