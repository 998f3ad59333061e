// Rate limiting at ingest: the interface a limiter extension implements so that receivers can refuse a request
// before they decompress or decode it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/component.h"
#include "model/auth_data.h"
#include "platform/status.h"

namespace otlpd {

// What a limiter may read of a request to find its key: a header (or gRPC metadata) by lower-case name.
class RequestHeaders {
 public:
  virtual ~RequestHeaders() = default;
  // The first value of header `lower_name`, or nothing when absent.
  virtual std::optional<std::string_view> get(std::string_view lower_name) const = 0;
};

// One request as a limiter sees it, before its body is decompressed or decoded.
struct LimitRequest {
  std::string_view peer;       // the transport peer: "ip:port", "[v6]:port", or "unix"
  std::string_view principal;  // who the authenticator found; empty: none
  const RequestHeaders* headers = nullptr;
  uint64_t cost = 1;               // in the limiter's unit: 1 (requests), wire bytes (bytes) or items (records)
  const AuthData* auth = nullptr;  // what the authenticator vouched for (auth.<name> keys); null: nothing
};

// A limiter extension (in the spirit of the Collector's limiter middlewares). limit() is called concurrently
// from the receivers' threads.
class RateLimiter : public Extension {
 public:
  // What a request costs: one token per request, per wire byte (as received, before decompression), or per
  // record (span, data point, log record) counted by the wire walk, without decoding.
  enum class Strategy { requests, bytes, records };
  virtual Strategy strategy() const = 0;
  // Takes `r.cost` tokens from the request's bucket: ok, or Status::retryable(message, retry_after,
  // exhausted = true) when the bucket is short (receivers answer 429 with Retry-After / RESOURCE_EXHAUSTED
  // with RetryInfo). The message names the limiter, never the key's value.
  virtual Status limit(const LimitRequest& r) = 0;
};

// The started limiter extension `id` ("type" or "type/name"). Throws std::runtime_error naming it when it is
// not among the service's started extensions or is not a limiter.
RateLimiter& find_limiter(const Host& host, const std::string& id);

}  // namespace otlpd
