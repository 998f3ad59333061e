// The one shared delivery path of every network exporter: a bounded sending queue drained by workers,
// with retry and exponential back-off, around per-signal senders that make one attempt each.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/component.h"
#include "exporters/helper/settings.h"

namespace otlpd::exporter_helper {

// The outcome of one delivery attempt.
struct SendOutcome {
  enum class Kind { ok, retryable, permanent };
  Kind kind = Kind::ok;
  std::string message;
  std::chrono::milliseconds retry_after{0};  // from RetryInfo / Retry-After; 0: none given
  int64_t rejected_items = 0;                // partial_success.rejected_*; logged, not retried
  std::string partial_message;

  static SendOutcome ok() { return {}; }
  static SendOutcome retryable(std::string m, std::chrono::milliseconds after = {}) {
    return {Kind::retryable, std::move(m), after, 0, {}};
  }
  static SendOutcome permanent(std::string m) { return {Kind::permanent, std::move(m), {}, 0, {}}; }
};

// Makes one attempt to deliver a batch before `deadline`. Called from several queue workers at once.
template <typename B>
class BatchSender {
 public:
  virtual ~BatchSender() = default;
  virtual SendOutcome send(const B& batch, Deadline deadline) = 0;
  // Called once when the exporter starts / stops (connect, find the client authenticator among `host`'s
  // extensions, release connections).
  virtual void start(const Host& host) { (void)host; }
  // At build and reload, before anything starts: throws std::runtime_error when what start() would need from
  // `host` is missing (a client authenticator that is not configured).
  virtual void check(const Host& host) const { (void)host; }
  virtual void shutdown() {}
  // Called from another thread when the shutdown deadline passes: send() calls in progress should return
  // promptly (any outcome) and later ones fail fast. Without it an attempt in flight at the deadline may
  // outlive it by up to the exporter's timeout.
  virtual void cancel() {}
};

struct Senders {
  std::unique_ptr<BatchSender<TraceBatch>> traces;
  std::unique_ptr<BatchSender<MetricBatch>> metrics;
  std::unique_ptr<BatchSender<LogBatch>> logs;
};

// An exporter for the signals that have a sender: consume() enqueues (a full queue answers retryable, counted
// in otelcol_exporter_enqueue_failed_*), workers send with retry; counters otelcol_exporter_sent_*,
// otelcol_exporter_send_failed_*, gauges otelcol_exporter_queue_size / _capacity. A request waiting in
// back-off is retried early when another attempt of its signal succeeds, and while the backend fails one
// waiting request probes it about once a second (never before a retry_after). Shutdown retries every request
// in back-off at once, drains until the queues are empty or the deadline passes, and counts and logs what it
// drops. With the queue disabled, consume() sends (with retry) on the caller's thread.
//
// `handoff`: what the exporter would drop at its shutdown deadline — requests still queued, an attempt cut off by
// the deadline, a request waiting to retry — is given to these consumers instead (the loadbalancing exporter
// routes a removed backend's requests to the backends that remain). What they refuse is dropped and counted.
ExporterPtr make_queued_exporter(std::string id, ExporterSettings settings, Senders senders, Consumers handoff = {});

}  // namespace otlpd::exporter_helper
