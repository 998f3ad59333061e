// The OTLP/gRPC server: the trace, metrics and logs services on gRPC's asynchronous API, one completion queue
// and thread per usable CPU.
#pragma once

#include <memory>
#include <string>

#include "core/component.h"
#include "model/consumer.h"
#include "platform/telemetry.h"
#include "receivers/otlp/config.h"
#include "receivers/otlp/limiting.h"

namespace otlpd {
class ServerAuthenticator;
struct ServerTls;
}  // namespace otlpd

namespace otlpd::otlp_receiver {

class GrpcServer {
 public:
  // Registers a service only for the signals `next` has a consumer for; the others answer UNIMPLEMENTED.
  GrpcServer(std::string receiver_id, GrpcServerConfig config, Consumers next);
  ~GrpcServer();

  // Binds and starts serving; throws std::runtime_error when the endpoint cannot be bound. With an
  // `authenticator` (which must outlive the server), a call it refuses is answered UNAUTHENTICATED. `tls` is
  // the config's tls loaded already (the receiver loads it once for both servers); null: loaded here when
  // the config has tls. A unix socket is refused when its file exists (as the Collector's listener does) and
  // removed at shutdown.
  void start(const ServerAuthenticator* authenticator = nullptr, std::shared_ptr<const ServerTls> tls = nullptr,
             IngestLimiters limiters = {});
  // Stops accepting; in-flight calls may finish until `deadline`, then they are cancelled.
  void shutdown(Deadline deadline);
  // The bound port (useful with port 0); for a unix socket, nonzero once listening.
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace otlpd::otlp_receiver
