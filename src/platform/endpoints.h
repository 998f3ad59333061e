// Where receivers listen: recorded when a server binds, so that tests, logs and health checks can find
// ports chosen by the system (endpoint port 0).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "platform/net_endpoint.h"

namespace otlpd {

// Records where a component listens and logs "<kind> <id> (<transport>) listening on <host>:<port>".
void record_listening(std::string_view receiver_id, std::string_view transport, std::string_view host, int port,
                      std::string_view kind = "receiver");
// The same for a bound endpoint: its port for TCP, the socket path (port 0) for a unix socket.
void record_listening(std::string_view receiver_id, std::string_view transport, const NetEndpoint& bound,
                      std::string_view kind = "receiver");
// The port last recorded for a receiver and transport ("grpc", "http").
std::optional<int> listening_port(std::string_view receiver_id, std::string_view transport);

}  // namespace otlpd
