// Batch ownership, counting and serialisation.
#include "model/batch.h"

#include <spdlog/spdlog.h>

#include <climits>

#include "model/memory_budget.h"

namespace otlpd {

google::protobuf::ArenaOptions request_arena_options() {
  google::protobuf::ArenaOptions o;
  o.start_block_size = 16 * 1024;
  o.max_block_size = 1024 * 1024;
  return o;
}

size_t SignalTraits<otlp_trace::ExportTraceServiceRequest>::count_items(
    const otlp_trace::ExportTraceServiceRequest& r) {
  size_t n = 0;
  for (const auto& rs : r.resource_spans())
    for (const auto& ss : rs.scope_spans()) n += static_cast<size_t>(ss.spans_size());
  return n;
}

size_t SignalTraits<otlp_metrics::ExportMetricsServiceRequest>::count_items(
    const otlp_metrics::ExportMetricsServiceRequest& r) {
  using opentelemetry::proto::metrics::v1::Metric;
  size_t n = 0;
  for (const auto& rm : r.resource_metrics())
    for (const auto& sm : rm.scope_metrics())
      for (const auto& m : sm.metrics()) {
        switch (m.data_case()) {
          case Metric::kGauge:
            n += static_cast<size_t>(m.gauge().data_points_size());
            break;
          case Metric::kSum:
            n += static_cast<size_t>(m.sum().data_points_size());
            break;
          case Metric::kHistogram:
            n += static_cast<size_t>(m.histogram().data_points_size());
            break;
          case Metric::kExponentialHistogram:
            n += static_cast<size_t>(m.exponential_histogram().data_points_size());
            break;
          case Metric::kSummary:
            n += static_cast<size_t>(m.summary().data_points_size());
            break;
          case Metric::DATA_NOT_SET:
            break;
        }
      }
  return n;
}

size_t SignalTraits<otlp_logs::ExportLogsServiceRequest>::count_items(const otlp_logs::ExportLogsServiceRequest& r) {
  size_t n = 0;
  for (const auto& rl : r.resource_logs())
    for (const auto& sl : rl.scope_logs()) n += static_cast<size_t>(sl.log_records_size());
  return n;
}

template <typename Request>
void Batch<Request>::Part::decode() {
  if (request) return;
  arena = std::make_unique<google::protobuf::Arena>(request_arena_options());
  request = google::protobuf::Arena::CreateMessage<Request>(arena.get());
  if (!wire) return;
  // otlp_wire::check accepted these bytes, and it accepts only what protobuf's parser does.
  if (wire->size() > static_cast<size_t>(INT_MAX) ||
      !request->ParseFromArray(wire->data(), static_cast<int>(wire->size()))) {
    spdlog::error("a received {} request passed its check but failed to decode; its {} {} are dropped",
                  to_string(signal), item_count(), item_name(signal));
    request->Clear();
    wire.reset();
    items = 0;
  }
}

template <typename Request>
Batch<Request> Batch<Request>::make(RequestContext context) {
  auto arena = std::make_unique<google::protobuf::Arena>(request_arena_options());
  auto* req = google::protobuf::Arena::CreateMessage<Request>(arena.get());
  return adopt(std::move(arena), req, std::move(context));
}

template <typename Request>
Batch<Request> Batch<Request>::adopt(std::unique_ptr<google::protobuf::Arena> arena, Request* request,
                                     RequestContext context, size_t wire_bytes) {
  Batch b;
  b.parts_.push_back(Part{std::move(arena), request, nullptr, kUnknownItems, nullptr});
  b.context_ = std::move(context);
  b.wire_bytes_ = wire_bytes;
  return b;
}

template <typename Request>
Batch<Request> Batch<Request>::adopt_wire(std::string bytes, size_t items, RequestContext context) {
  Batch b;
  b.wire_bytes_ = bytes.size();
  auto hold = MemoryBudget::hold_received(bytes.size());
  b.parts_.push_back(
      Part{nullptr, nullptr, std::make_shared<const std::string>(std::move(bytes)), items, std::move(hold)});
  b.context_ = std::move(context);
  return b;
}

template <typename Request>
std::vector<typename Batch<Request>::Part>& Batch<Request>::mutable_parts() {
  for (auto& p : parts_) {
    p.decode();
    p.wire.reset();
    p.items = kUnknownItems;
  }
  return parts_;
}

template <typename Request>
const std::vector<typename Batch<Request>::Part>& Batch<Request>::read_parts() const {
  for (auto& p : parts_) p.decode();
  return parts_;
}

template <typename Request>
Request& Batch<Request>::first() {
  if (parts_.empty()) {
    auto arena = std::make_unique<google::protobuf::Arena>(request_arena_options());
    auto* req = google::protobuf::Arena::CreateMessage<Request>(arena.get());
    parts_.push_back(Part{std::move(arena), req, nullptr, kUnknownItems, nullptr});
  }
  Part& p = parts_.front();
  p.decode();
  p.wire.reset();
  p.items = kUnknownItems;
  return *p.request;
}

template <typename Request>
size_t Batch<Request>::item_count() const {
  size_t n = 0;
  for (const auto& p : parts_) n += p.item_count();
  return n;
}

template <typename Request>
void Batch<Request>::append(Batch&& other) {
  if (parts_.empty() && context_ == RequestContext{}) context_ = std::move(other.context_);
  parts_.reserve(parts_.size() + other.parts_.size());
  for (auto& p : other.parts_) parts_.push_back(std::move(p));
  other.parts_.clear();
  wire_bytes_ += other.wire_bytes_;
  other.wire_bytes_ = 0;
}

template <typename Request>
Batch<Request> Batch<Request>::clone() const {
  Batch b;
  b.context_ = context_;
  b.wire_bytes_ = wire_bytes_;
  b.parts_.reserve(parts_.size());
  for (const auto& p : parts_) {
    if (p.wire) {
      b.parts_.push_back(Part{nullptr, nullptr, p.wire, p.items, p.hold});
      continue;
    }
    auto arena = std::make_unique<google::protobuf::Arena>(request_arena_options());
    auto* req = google::protobuf::Arena::CreateMessage<Request>(arena.get());
    req->CopyFrom(*p.request);
    b.parts_.push_back(Part{std::move(arena), req, nullptr, p.items, p.hold});
  }
  return b;
}

template <typename Request>
std::string Batch<Request>::serialize() const {
  size_t total = 0;
  for (const auto& p : parts_) total += p.wire ? p.wire->size() : p.request->ByteSizeLong();
  std::string out;
  out.reserve(total);
  for (const auto& p : parts_) {
    if (p.wire)
      out += *p.wire;
    else
      p.request->AppendToString(&out);
  }
  return out;
}

template <typename Request>
Batch<Request> Batch<Request>::merged() const {
  Batch b = make(context_);
  b.wire_bytes_ = wire_bytes_;
  auto holds = std::make_shared<std::vector<std::shared_ptr<const void>>>();
  for (const auto& p : read_parts()) {
    b.parts_.front().request->MergeFrom(*p.request);
    if (p.hold) holds->push_back(p.hold);
  }
  if (!holds->empty()) b.parts_.front().hold = std::move(holds);  // the copy keeps its sources' bytes counted
  return b;
}

template class Batch<otlp_trace::ExportTraceServiceRequest>;
template class Batch<otlp_metrics::ExportMetricsServiceRequest>;
template class Batch<otlp_logs::ExportLogsServiceRequest>;

}  // namespace otlpd
