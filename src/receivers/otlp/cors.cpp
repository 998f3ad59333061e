// CORS origin and header matching, and the response headers for preflight and actual requests.
#include "receivers/otlp/cors.h"

#include <algorithm>
#include <cctype>

#include "platform/text.h"

namespace otlpd::otlp_receiver {

CorsPolicy::CorsPolicy(const CorsConfig& config) : max_age_(config.max_age) {
  for (const auto& h : config.exposed_headers) {
    if (!exposed_.empty()) exposed_ += ", ";
    exposed_ += h;
  }
  for (const auto& o : config.allowed_origins) {
    std::string l = ascii_lower(o);
    if (l == "*") {
      any_origin_ = true;
    } else if (auto star = l.find('*'); star != std::string::npos) {
      wildcards_.emplace_back(l.substr(0, star), l.substr(star + 1));
    } else {
      exact_.push_back(std::move(l));
    }
  }
  headers_ = {"accept",           "accept-language", "content-language", "content-type",
              "content-encoding", "origin",          "x-requested-with"};
  for (const auto& h : config.allowed_headers) {
    if (h == "*")
      any_header_ = true;
    else
      headers_.push_back(ascii_lower(h));
  }
}

bool CorsPolicy::origin_allowed(std::string_view origin) const {
  if (origin.empty()) return false;
  if (any_origin_) return true;
  std::string o = ascii_lower(origin);
  if (std::find(exact_.begin(), exact_.end(), o) != exact_.end()) return true;
  for (const auto& [prefix, suffix] : wildcards_)
    if (o.size() >= prefix.size() + suffix.size() && o.starts_with(prefix) && o.ends_with(suffix)) return true;
  return false;
}

bool CorsPolicy::headers_allowed(std::string_view request_headers) const {
  if (any_header_) return true;
  while (!request_headers.empty()) {
    auto comma = request_headers.find(',');
    std::string name = ascii_lower(trim(request_headers.substr(0, comma)));
    request_headers = comma == std::string_view::npos ? std::string_view() : request_headers.substr(comma + 1);
    if (name.empty()) continue;
    if (std::find(headers_.begin(), headers_.end(), name) == headers_.end()) return false;
  }
  return true;
}

std::string CorsPolicy::allow_origin_value(std::string_view origin) const {
  return any_origin_ ? std::string("*") : std::string(origin);
}

HeaderList CorsPolicy::preflight(std::string_view origin, std::string_view request_method,
                                 std::string_view request_headers) const {
  HeaderList h{{"Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"}};
  if (!origin_allowed(origin)) return h;
  // Only POST is served; browsers send the method upper-case.
  if (trim(request_method) != "POST") return h;
  if (!headers_allowed(request_headers)) return h;
  h.emplace_back("Access-Control-Allow-Origin", allow_origin_value(origin));
  h.emplace_back("Access-Control-Allow-Methods", "POST");
  if (!trim(request_headers).empty())
    h.emplace_back("Access-Control-Allow-Headers", std::string(trim(request_headers)));
  h.emplace_back("Access-Control-Allow-Credentials", "true");
  if (max_age_ > 0) h.emplace_back("Access-Control-Max-Age", std::to_string(max_age_));
  return h;
}

HeaderList CorsPolicy::actual(std::string_view origin) const {
  HeaderList h{{"Vary", "Origin"}};
  if (!origin_allowed(origin)) return h;
  h.emplace_back("Access-Control-Allow-Origin", allow_origin_value(origin));
  h.emplace_back("Access-Control-Allow-Credentials", "true");
  if (!exposed_.empty()) h.emplace_back("Access-Control-Expose-Headers", exposed_);
  return h;
}

}  // namespace otlpd::otlp_receiver
