// Move-only batches of one signal: decoded Export*ServiceRequests that each live on their own arena.
#pragma once

#include <google/protobuf/arena.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/auth_data.h"
#include "model/batch_fwd.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "platform/signal.h"

namespace otlpd {

// What the receiver knew about where a batch came from.
struct RequestContext {
  std::string client_address;  // "ip:port" of the peer, empty when unknown
  AuthData auth;               // empty when no authenticator ran
  std::string tenant;
  // Request headers / gRPC metadata, names lower-cased. Only what a component asked to keep is kept.
  std::vector<std::pair<std::string, std::string>> metadata;

  // The first value of a metadata key (lower-case), or empty.
  std::string_view metadata_value(std::string_view key) const {
    for (const auto& [k, v] : metadata)
      if (k == key) return v;
    return {};
  }
  bool operator==(const RequestContext&) const = default;
};

// Per-signal facts used by the generic batch code.
template <typename Request>
struct SignalTraits;

template <>
struct SignalTraits<otlp_trace::ExportTraceServiceRequest> {
  static constexpr Signal signal = Signal::traces;
  static size_t count_items(const otlp_trace::ExportTraceServiceRequest& r);
};
template <>
struct SignalTraits<otlp_metrics::ExportMetricsServiceRequest> {
  static constexpr Signal signal = Signal::metrics;
  static size_t count_items(const otlp_metrics::ExportMetricsServiceRequest& r);  // data points
};
template <>
struct SignalTraits<otlp_logs::ExportLogsServiceRequest> {
  static constexpr Signal signal = Signal::logs;
  static size_t count_items(const otlp_logs::ExportLogsServiceRequest& r);
};

// A batch owns one or more requests ("parts"): as received (checked wire bytes and item count), decoded (a
// message on its own arena), or both while the message is unchanged. Parts decode on first access (read_parts(),
// mutable_parts()): a pipeline that only batches and exports never builds messages; exporters send unchanged bytes as
// they came. Merging moves parts, never copies. Every Export*ServiceRequest's top-level field is repeated, so
// concatenated parts form one valid request (serialize()). A batch belongs to one thread at a time (const access may
// decode in place); fan-out hands each consumer its own clone().
template <typename Request>
class Batch {
 public:
  using RequestType = Request;
  static constexpr Signal signal = SignalTraits<Request>::signal;
  static constexpr size_t kUnknownItems = static_cast<size_t>(-1);

  struct Part {
    std::unique_ptr<google::protobuf::Arena> arena;
    Request* request = nullptr;  // lives on `arena`; null until decoded
    // The part's bytes as received (checked by otlp_wire::check); null once the message may have been changed.
    // Shared, never written: clones of a batch share them.
    std::shared_ptr<const std::string> wire;
    size_t items = kUnknownItems;  // cached item count, when known
    // The receiver's share of the memory budget for these bytes (core/memory_budget.h), shared by clones and
    // kept while the part lives, decoded or not: the bytes count as admitted until the last holder is gone.
    std::shared_ptr<const void> hold;

    size_t item_count() const {
      return items != kUnknownItems ? items : request ? SignalTraits<Request>::count_items(*request) : 0;
    }
    // Decodes the wire bytes if that has not happened yet.
    void decode();
    // New bytes for the part, edited on the wire (same items): any decoded message is dropped.
    void replace_wire(std::string bytes) {
      wire = std::make_shared<const std::string>(std::move(bytes));
      request = nullptr;
      arena.reset();
    }
  };

  Batch() = default;
  Batch(Batch&&) noexcept = default;
  Batch& operator=(Batch&&) noexcept = default;
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // A batch of one empty request on a fresh arena, to be filled by the caller (decoders, tests).
  static Batch make(RequestContext context = {});
  // Takes a request that lives on `arena`.
  static Batch adopt(std::unique_ptr<google::protobuf::Arena> arena, Request* request, RequestContext context = {},
                     size_t wire_bytes = 0);
  // Takes serialised bytes that otlp_wire::check accepted, with the item count it found.
  static Batch adopt_wire(std::string bytes, size_t items, RequestContext context = {});

  bool empty() const { return parts_.empty(); }
  // Every part decoded, for reading: the received bytes are kept, so an unchanged batch is exported as it came.
  const std::vector<Part>& read_parts() const;
  // Every part decoded, for changing the messages: the received bytes (and cached counts) are forgotten, since
  // they would no longer match. Named apart from read_parts() so that constness never chooses the semantics.
  std::vector<Part>& mutable_parts();
  // The parts as they are, decoded or not, received bytes included: for code that moves parts or edits bytes.
  std::vector<Part>& raw_parts() { return parts_; }
  const std::vector<Part>& raw_parts() const { return parts_; }
  // The first part's request (creating an empty one if there is none), for changing.
  Request& first();

  // Spans, metric data points or log records over all parts: cached counts, else a walk over resources and scopes.
  size_t item_count() const;
  // Serialised size of the request as received (0 when not known).
  size_t wire_bytes() const { return wire_bytes_; }
  void set_wire_bytes(size_t n) { wire_bytes_ = n; }

  RequestContext& context() { return context_; }
  const RequestContext& context() const { return context_; }

  // Moves every part of `other` into this batch; the context of this batch is kept.
  void append(Batch&& other);
  // A copy for fan-out to several pipelines: received bytes are shared, decoded-only parts are copied.
  Batch clone() const;
  // All parts as one serialised request: received bytes as they came, decoded parts serialised.
  std::string serialize() const;
  // All parts merged into one decoded request on a new arena (copies; for exporters that need one message).
  Batch merged() const;

 private:
  mutable std::vector<Part> parts_;  // const access decodes in place
  RequestContext context_;
  size_t wire_bytes_ = 0;
};

extern template class Batch<otlp_trace::ExportTraceServiceRequest>;
extern template class Batch<otlp_metrics::ExportMetricsServiceRequest>;
extern template class Batch<otlp_logs::ExportLogsServiceRequest>;

// Arena options for request decoding: a first block large enough for a typical request.
google::protobuf::ArenaOptions request_arena_options();

}  // namespace otlpd
