// Server-side authentication: the interface an extension implements so that receivers can check requests.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/component.h"
#include "model/auth_data.h"
#include "model/batch_fwd.h"
#include "platform/status.h"

namespace otlpd {

// An extension that decides whether a request may enter (the Collector's configauth.ServerAuthenticator).
// authenticate() is called concurrently from the receivers' threads, so it must not change the object.
class ServerAuthenticator : public Extension {
 public:
  // `headers`: HTTP headers or gRPC metadata, names lower-cased. Returns ok and fills `auth` (who the caller is,
  // e.g. a user name, and what else the credentials say; may stay empty), or a non-ok Status whose message says
  // why — never a secret. `auth` arrives empty.
  virtual Status authenticate(const std::vector<std::pair<std::string, std::string>>& headers,
                              AuthData& auth) const = 0;
  // The WWW-Authenticate challenge that HTTP sends with a 401 (RFC 9110 §11.6.1), e.g. `Basic realm="otlpd"`.
  virtual std::string challenge() const = 0;
};

// The started authenticator extension `id` ("type" or "type/name"). Throws std::runtime_error naming it when
// it is not among the service's started extensions or is not an authenticator.
const ServerAuthenticator& find_authenticator(const Host& host, const std::string& id);

// Client side (the Collector's configauth client authenticator, an exporter's `auth.authenticator`): the
// credentials an exporter adds to every request it sends. An extension implements it beside Extension (and
// beside ServerAuthenticator when it can do both). client_headers() is called concurrently from the exporters'
// threads before every request, so credentials that change (a re-read file, a refreshed token) take effect on the
// next request.
class ClientAuthenticator {
 public:
  virtual ~ClientAuthenticator() = default;
  // Appends the headers (gRPC metadata) to send, names lower-case; or a Status saying why there are no
  // credentials now (a file that cannot be read): the request then fails retryable, and is not sent without them.
  virtual Status client_headers(std::vector<std::pair<std::string, std::string>>& out) const = 0;
  // The headers for one request that exports data which came with `origin` (the batch's RequestContext: who
  // sent it, its metadata), for authenticators that forward what came in (headers_setter's from_context). By
  // default those of client_headers().
  virtual Status client_headers_for(const RequestContext& origin,
                                    std::vector<std::pair<std::string, std::string>>& out) const {
    (void)origin;
    return client_headers(out);
  }
};

// The started extension `id` as a client authenticator; throws std::runtime_error naming it otherwise.
const ClientAuthenticator& find_client_authenticator(const Host& host, const std::string& id);

// The credentials after `scheme` in an Authorization-style value ("Bearer abc" → "abc"): the scheme matches
// case-insensitively (RFC 9110 §11.1) and the spaces after it are skipped. Nothing when another scheme is
// used.
std::optional<std::string_view> credentials_after_scheme(std::string_view value, std::string_view scheme);

// Whether `expected` == `presented`, in a time that depends only on presented.size() (not on where they
// differ), so that a caller cannot guess a secret byte by byte from response times.
bool constant_time_equal(std::string_view expected, std::string_view presented);

}  // namespace otlpd
