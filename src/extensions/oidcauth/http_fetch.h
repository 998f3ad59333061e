// A small libcurl request for the auth extensions that talk to an identity provider (oidc's discovery and JWKS,
// oauth2client's token endpoint): one GET or form POST, a bounded answer, TLS as a client `tls:` block says.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/tls.h"

namespace otlpd::oidcauth {

struct FetchRequest {
  std::string url;
  bool post = false;
  std::string form;                  // the body of a POST (application/x-www-form-urlencoded)
  std::vector<std::string> headers;  // "Name: value"
  TlsSettings tls;                   // ca_file, cert_file, key_file, insecure_skip_verify, versions
  std::chrono::milliseconds timeout{10000};
  size_t max_body = 1024 * 1024;  // a longer answer is an error
};

struct FetchResult {
  std::string error;  // no usable answer: why (transport error, too long); then status is 0
  long status = 0;
  std::string body;
};

// Performs the request; libcurl is loaded on first use (a failure to load is an error result).
FetchResult http_fetch(const FetchRequest& request);

// application/x-www-form-urlencoded escaping of one name or value.
std::string form_escape(std::string_view s);

}  // namespace otlpd::oidcauth
