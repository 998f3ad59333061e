// The key a request is limited by: the client's address (behind trusted proxies), its principal, headers.
#pragma once

#include <boost/asio/ip/address_v6.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/limiter.h"

namespace otlpd::ratelimiter {

// An address range ("10.0.0.0/8", "::1/128", or one address); IPv4 is held as IPv4-mapped IPv6.
struct Cidr {
  boost::asio::ip::address_v6 network;
  unsigned prefix = 128;

  // Nothing when `text` is not an address with an optional /prefix.
  static std::optional<Cidr> parse(std::string_view text);
  bool contains(const boost::asio::ip::address_v6& a) const;
};

// The IP of a peer ("1.2.3.4:5", "[::1]:5", "1.2.3.4", "::1", "[::1]"), as IPv4-mapped IPv6 for IPv4.
std::optional<boost::asio::ip::address_v6> parse_ip(std::string_view text);

// The client's address: the peer's IP, or, when the peer is one of `trusted` proxies, the address those
// proxies recorded — the rightmost address of `Forwarded` (its `for=` parameters) or else `X-Forwarded-For`
// that is not itself a trusted proxy. A value that is not an IP there is taken as it is. Without headers or
// trusted proxies: the peer's IP (its text without the port; "unix" for a unix socket).
std::string client_address(std::string_view peer, const RequestHeaders* headers, const std::vector<Cidr>& trusted);

// One part of a key: `client.address`, `auth.principal`, `auth.<attribute>` (what the authenticator vouched
// for, e.g. auth.username, auth.subject), or a request header (lower-case name, `metadata.` prefix optional).
struct KeySource {
  enum class Kind { client_address, principal, auth, header } kind = Kind::header;
  std::string name;  // auth: the attribute; header: the lower-case header name
  static KeySource parse(std::string_view name);
  // This part's value for `r` (empty when absent); `trusted`: the proxies believed for client.address.
  std::string value(const LimitRequest& r, const std::vector<Cidr>& trusted) const;
};

// Appends one part of a composite key, length-prefixed so that no two lists of values make the same key.
void append_key_part(std::string& key, std::string_view value);

}  // namespace otlpd::ratelimiter
