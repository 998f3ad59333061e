// CORS for the OTLP/HTTP receiver: which origins and headers are allowed, and the headers to answer with.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "receivers/otlp/config.h"

namespace otlpd::otlp_receiver {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Follows the Collector (github.com/rs/cors): a preflight is always answered 204, with the Access-Control-*
// headers only when the origin, the method (POST) and every requested header are allowed. A refused origin
// gets no CORS headers, so the browser blocks the request.
class CorsPolicy {
 public:
  explicit CorsPolicy(const CorsConfig& config);

  // Exact origins, "*", or one wildcard per pattern ("https://*.example.com"); case-insensitive.
  bool origin_allowed(std::string_view origin) const;
  // `request_headers`: the Access-Control-Request-Headers value (comma-separated). Always allowed: the
  // CORS-safelisted headers, Content-Type, Content-Encoding, Origin, X-Requested-With; "*" allows any.
  bool headers_allowed(std::string_view request_headers) const;

  // Headers for the answer to a preflight (OPTIONS with Access-Control-Request-Method).
  HeaderList preflight(std::string_view origin, std::string_view request_method,
                       std::string_view request_headers) const;
  // Headers for any other answer to a request that carries `origin` (errors included), with the
  // exposed_headers when the origin is allowed.
  HeaderList actual(std::string_view origin) const;

 private:
  std::string allow_origin_value(std::string_view origin) const;

  bool any_origin_ = false;
  std::vector<std::string> exact_;                              // lower-cased
  std::vector<std::pair<std::string, std::string>> wildcards_;  // prefix, suffix (lower-cased)
  bool any_header_ = false;
  std::vector<std::string> headers_;  // lower-cased
  int max_age_ = 0;
  std::string exposed_;  // the Access-Control-Expose-Headers value; empty: not sent
};

}  // namespace otlpd::otlp_receiver
