// Finding limiter extensions among the started extensions.
#include "core/limiter.h"

#include <stdexcept>

namespace otlpd {

RateLimiter& find_limiter(const Host& host, const std::string& id) {
  ComponentId cid;
  if (!ComponentId::parse(id, cid)) throw std::runtime_error("limiter '" + id + "' is not a valid component id");
  Extension* e = host.extension(cid);
  if (!e) throw std::runtime_error("extension '" + id + "' is not configured in service.extensions");
  auto* limiter = dynamic_cast<RateLimiter*>(e);
  if (!limiter) throw std::runtime_error("extension '" + id + "' is not a limiter");
  return *limiter;
}

}  // namespace otlpd
