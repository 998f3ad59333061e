// The shared gRPC client: channel arguments, per-call set-up, cancellation, status classification.
#include "exporters/helper/grpc_client.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "core/tls_grpc.h"
#include "google/rpc/status.pb.h"
#include "platform/grpc_code.h"

namespace otlpd::exporter_helper {

namespace {

int clamp_ms(Duration d) {
  return static_cast<int>(
      std::min<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count(), INT32_MAX));
}

// google.rpc.RetryInfo's delay from a status's details, if there is one.
std::optional<std::chrono::milliseconds> retry_info(const grpc::Status& st) {
  if (st.error_details().empty()) return std::nullopt;
  google::rpc::Status details;
  if (!details.ParseFromString(st.error_details())) return std::nullopt;
  for (const auto& any : details.details()) {
    google::rpc::RetryInfo info;
    if (any.Is<google::rpc::RetryInfo>() && any.UnpackTo(&info)) {
      int64_t ms = info.retry_delay().seconds() * 1000 + info.retry_delay().nanos() / 1000000;
      return std::chrono::milliseconds(std::max<int64_t>(ms, 0));
    }
  }
  return std::nullopt;
}

}  // namespace

GrpcClient::GrpcClient(GrpcClientSettings settings) : settings_(std::move(settings)) {
  for (const auto& [k, v] : settings_.headers) {
    std::string key = k;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    metadata_.emplace_back(std::move(key), v);
  }
}

void GrpcClient::connect() {
  if (channel_) return;
  grpc::ChannelArguments args;
  args.SetUserAgentPrefix("otlpd/" OTLPD_VERSION);
  // The exporter's retry loop decides; gRPC's transparent retries would hide attempts from it.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  args.SetMaxSendMessageSize(-1);
  // The retry loop probes a failing backend about once a second. gRPC's own reconnect back-off (1 s growing
  // to 120 s by default) would keep the channel in TRANSIENT_FAILURE, failing those probes at once, long
  // after the backend is back; capped, a connection attempt follows each probe closely.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  if (!settings_.authority.empty()) args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, settings_.authority);
  if (!settings_.balancer_name.empty()) args.SetLoadBalancingPolicyName(settings_.balancer_name);
  if (const auto& k = settings_.keepalive) {
    if (k->time > Duration::zero()) args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, clamp_ms(k->time));
    if (k->timeout > Duration::zero()) args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, clamp_ms(k->timeout));
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, k->permit_without_stream ? 1 : 0);
  }
  channel_ = make_grpc_channel(settings_.target, settings_.tls, args);
}

void GrpcClient::bind(const Host& host) {
  if (!settings_.authenticator.empty())
    authenticator_.store(&find_client_authenticator(host, settings_.authenticator), std::memory_order_release);
}

void GrpcClient::check(const Host& host) const {
  if (!settings_.authenticator.empty()) find_client_authenticator(host, settings_.authenticator);
}

bool GrpcClient::begin(grpc::ClientContext& ctx, Deadline deadline, std::string* error, const RequestContext* origin) {
  // The configured headers, then the authenticator's (which may change the configured ones: headers_setter).
  std::vector<std::pair<std::string, std::string>> credentials = metadata_;
  if (const auto* auth = authenticator_.load(std::memory_order_acquire)) {
    if (Status st = origin ? auth->client_headers_for(*origin, credentials) : auth->client_headers(credentials);
        !st.is_ok()) {
      if (error) *error = "no credentials from " + settings_.authenticator + ": " + st.message();
      return false;
    }
  }
  {
    std::lock_guard lock(active_mu_);
    if (cancelled_) return false;
    active_.insert(&ctx);
  }
  // After UNAVAILABLE (the backend down, the channel likely in TRANSIENT_FAILURE) this call is a retry:
  // connect now rather than when the channel's reconnect back-off ends.
  if (unavailable_.load(std::memory_order_relaxed) && channel_)
    grpc::experimental::ChannelResetConnectionBackoff(channel_.get());
  const auto left = deadline - std::chrono::steady_clock::now();
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::duration_cast<std::chrono::system_clock::duration>(left));
  ctx.set_wait_for_ready(settings_.wait_for_ready);
  if (settings_.compression == ContentEncoding::gzip) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  for (const auto& [k, v] : credentials) ctx.AddMetadata(k, v);
  return true;
}

void GrpcClient::end(grpc::ClientContext& ctx, const grpc::Status& status) {
  {
    std::lock_guard lock(active_mu_);
    active_.erase(&ctx);
  }
  unavailable_.store(status.error_code() == grpc::StatusCode::UNAVAILABLE, std::memory_order_relaxed);
}

void GrpcClient::cancel() {
  std::lock_guard lock(active_mu_);
  cancelled_ = true;
  for (auto* ctx : active_) ctx->TryCancel();
}

SendOutcome classify_grpc_status(const grpc::Status& st) {
  std::string msg = "rpc error: code = " + std::string(grpc_code_name(st.error_code())) + " (" +
                    std::to_string(static_cast<int>(st.error_code())) + "): " + st.error_message();
  auto info = retry_info(st);
  switch (st.error_code()) {
    case grpc::StatusCode::OK:
      return SendOutcome::ok();
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::CANCELLED:
      return SendOutcome::retryable(msg, info.value_or(std::chrono::milliseconds(0)));
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      // Only a server that says when to come back has a recoverable resource problem.
      if (info) return SendOutcome::retryable(msg, *info);
      return SendOutcome::permanent(msg);
    default:
      return SendOutcome::permanent(msg);
  }
}

}  // namespace otlpd::exporter_helper
