// One gRPC client for the exporters (otlp, tempo, jaeger): the channel built from GrpcClientSettings, what every
// call carries (deadline, headers, compression, wait_for_ready), cancellation of the calls in flight, and the
// classification of a call's status. A sender adds only its RPC.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/auth.h"
#include "exporters/helper/client_settings.h"
#include "exporters/helper/queued_exporter.h"

namespace otlpd::exporter_helper {

class GrpcClient {
 public:
  explicit GrpcClient(GrpcClientSettings settings);
  GrpcClient(const GrpcClient&) = delete;
  GrpcClient& operator=(const GrpcClient&) = delete;

  // Builds the channel (reading the TLS files) unless it exists; throws std::runtime_error when a file cannot
  // be read. Channel arguments: no gRPC-internal retries (the exporter's retry loop decides), reconnect back-off
  // capped at 1 s, keepalive, balancer_name, authority, user agent otlpd/VERSION.
  void connect();
  // The channel; null before connect().
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  const GrpcClientSettings& settings() const { return settings_; }

  // The client authenticator of settings().authenticator, found among the started extensions; throws
  // std::runtime_error when it is not there. Nothing when no authenticator is configured.
  void bind(const Host& host);
  // At build and reload: throws std::runtime_error when that authenticator is not among `host`'s extensions.
  void check(const Host& host) const;

  // Sets `ctx` up for one call ending at `deadline` (headers, credentials, compression, wait_for_ready) and
  // registers it for cancel(); after an UNAVAILABLE, it first lets the channel reconnect at once. Returns false,
  // and nothing is registered, once cancel() was called, or when the authenticator has no credentials now (then
  // `error`, when given, says why): the caller makes no call. `origin`: the exported batch's context, for an
  // authenticator that forwards what came in (headers_setter).
  bool begin(grpc::ClientContext& ctx, Deadline deadline, std::string* error = nullptr,
             const RequestContext* origin = nullptr);
  // The call of `ctx` (begun) ended with `status`.
  void end(grpc::ClientContext& ctx, const grpc::Status& status);
  // Cancels the calls in flight; begin() refuses from now on.
  void cancel();

 private:
  GrpcClientSettings settings_;
  std::vector<std::pair<std::string, std::string>> metadata_;  // headers, names lower-cased
  std::shared_ptr<grpc::Channel> channel_;
  std::atomic<const ClientAuthenticator*> authenticator_{nullptr};
  std::atomic<bool> unavailable_{false};  // the last call failed with UNAVAILABLE
  std::mutex active_mu_;
  std::set<grpc::ClientContext*> active_;  // calls in flight, for cancel()
  bool cancelled_ = false;
};

// The OTLP specification's classification of a failed call: UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED,
// OUT_OF_RANGE, DATA_LOSS and CANCELLED are retryable, RESOURCE_EXHAUSTED only when the server sent a
// google.rpc.RetryInfo, the rest permanent; a RetryInfo delay becomes retry_after. The message reads
// "rpc error: code = UNAVAILABLE (14): <the server's message>".
SendOutcome classify_grpc_status(const grpc::Status& status);

}  // namespace otlpd::exporter_helper
