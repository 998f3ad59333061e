// The loadbalancing exporter's DNS resolver: a name's A and AAAA records through c-ares, as backend endpoints.
#pragma once

#include <string>
#include <vector>

#include "exporters/loadbalancing/config.h"

namespace otlpd::loadbalancing_exporter {

// One resolution of settings.hostname, bounded by settings.timeout: "ip:port" endpoints (IPv6 in brackets),
// sorted and unique. Returns false and `error` when the name cannot be resolved or has no address.
bool resolve_backends(const DnsResolverSettings& settings, std::vector<std::string>& endpoints, std::string& error);

}  // namespace otlpd::loadbalancing_exporter
