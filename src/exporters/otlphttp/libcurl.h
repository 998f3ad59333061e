// libcurl, loaded when the first otlphttp exporter is created rather than linked: libcurl and the ~25 libraries
// it pulls in (GnuTLS, Kerberos, LDAP, libssh2, ...) cost every otlpd about 4 MiB of resident memory at start,
// whether or not it exports over HTTP.
#pragma once

#include <curl/curl.h>

namespace otlpd::otlphttp_exporter {

struct LibCurl {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  void (*easy_reset)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  time_t (*getdate)(const char*, const time_t*);
};

// The loaded library (curl_global_init done). Throws std::runtime_error naming the library and the reason when
// it cannot be loaded; a later call tries again.
const LibCurl& libcurl();

}  // namespace otlpd::otlphttp_exporter
