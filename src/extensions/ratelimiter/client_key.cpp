// Client addresses behind trusted proxies, and composite keys, for the ratelimiter extension.
#include "extensions/ratelimiter/client_key.h"

#include <boost/asio/ip/address.hpp>

#include <charconv>

#include "platform/text.h"

namespace otlpd::ratelimiter {

namespace ip = boost::asio::ip;

namespace {

std::vector<std::string_view> split_view(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (size_t start = 0;;) {
    auto end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

std::optional<ip::address_v6> to_v6(std::string_view text) {
  boost::system::error_code ec;
  auto a = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return a.is_v4() ? ip::make_address_v6(ip::v4_mapped, a.to_v4()) : a.to_v6();
}

// The address of one hop as a proxy wrote it: quotes, brackets and a port removed.
std::string_view strip_hop(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    return close == std::string_view::npos ? s : s.substr(1, close - 1);
  }
  // "1.2.3.4:80": one colon is a port; several are an IPv6 address without brackets.
  if (auto colon = s.find(':'); colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos)
    return s.substr(0, colon);
  return s;
}

// The hops of `Forwarded` (the for= of each element) or `X-Forwarded-For`, left (client) to right.
std::vector<std::string_view> forwarded_hops(const RequestHeaders& h) {
  std::vector<std::string_view> hops;
  if (auto fwd = h.get("forwarded")) {
    for (std::string_view element : split_view(*fwd, ',')) {
      for (std::string_view pair : split_view(element, ';')) {
        pair = trim(pair);
        if (pair.size() > 4 && ascii_lower(pair.substr(0, 4)) == "for=") hops.push_back(strip_hop(pair.substr(4)));
      }
    }
    if (!hops.empty()) return hops;
  }
  if (auto xff = h.get("x-forwarded-for"))
    for (std::string_view hop : split_view(*xff, ',')) hops.push_back(strip_hop(hop));
  return hops;
}

bool trusted_by(const std::vector<Cidr>& trusted, const std::optional<ip::address_v6>& a) {
  if (!a) return false;
  for (const auto& c : trusted)
    if (c.contains(*a)) return true;
  return false;
}

std::string text_of(const ip::address_v6& a) {
  return a.is_v4_mapped() ? ip::make_address_v4(ip::v4_mapped, a).to_string() : a.to_string();
}

}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text) {
  text = trim(text);
  Cidr c;
  auto slash = text.find('/');
  auto addr = to_v6(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const bool v4 = addr->is_v4_mapped();
  c.network = *addr;
  c.prefix = 128;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    unsigned n = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
    if (ec != std::errc() || end != p.data() + p.size() || n > (v4 ? 32u : 128u)) return std::nullopt;
    c.prefix = v4 ? n + 96 : n;
  }
  return c;
}

bool Cidr::contains(const ip::address_v6& a) const {
  auto x = network.to_bytes(), y = a.to_bytes();
  unsigned bits = prefix;
  for (size_t i = 0; i < x.size() && bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
    const unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((x[i] & mask) != (y[i] & mask)) return false;
  }
  return true;
}

std::optional<ip::address_v6> parse_ip(std::string_view text) { return to_v6(strip_hop(text)); }

std::string client_address(std::string_view peer, const RequestHeaders* headers, const std::vector<Cidr>& trusted) {
  auto peer_ip = parse_ip(peer);
  if (!peer_ip) return std::string(peer);  // "unix", or empty
  if (trusted.empty() || !headers || !trusted_by(trusted, peer_ip)) return text_of(*peer_ip);
  auto hops = forwarded_hops(*headers);
  // Right to left: the first hop that is not a trusted proxy is the client; all trusted: the leftmost.
  for (size_t i = hops.size(); i-- > 0;) {
    auto a = to_v6(hops[i]);
    if (!a) return std::string(hops[i]);  // written by a trusted proxy, but not an address: taken as it is
    if (!trusted_by(trusted, a) || i == 0) return text_of(*a);
  }
  return text_of(*peer_ip);
}

KeySource KeySource::parse(std::string_view name) {
  KeySource k;
  std::string lower = ascii_lower(trim(name));
  if (lower == "client.address") {
    k.kind = Kind::client_address;
  } else if (lower == "auth.principal") {
    k.kind = Kind::principal;
  } else if (lower.starts_with("auth.")) {
    k.kind = Kind::auth;
    k.name = lower.substr(5);
  } else {
    k.name = lower.starts_with("metadata.") ? lower.substr(9) : std::move(lower);
  }
  return k;
}

std::string KeySource::value(const LimitRequest& r, const std::vector<Cidr>& trusted) const {
  switch (kind) {
    case Kind::client_address:
      return client_address(r.peer, r.headers, trusted);
    case Kind::principal:
      return std::string(r.principal);
    case Kind::auth:
      return r.auth ? std::string(r.auth->attribute(name)) : std::string();
    case Kind::header:
      break;
  }
  std::optional<std::string_view> v = r.headers ? r.headers->get(name) : std::nullopt;
  return std::string(v.value_or(std::string_view()));
}

void append_key_part(std::string& key, std::string_view value) {
  key += std::to_string(value.size());
  key += ':';
  key += value;
}

}  // namespace otlpd::ratelimiter
