// Splits a batch by routing key over the backends of a hash ring: each part holds whole resources and scopes
// (copied headers) with the items that belong to one backend.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "exporters/loadbalancing/config.h"
#include "exporters/loadbalancing/ring.h"
#include "model/batch.h"

namespace otlpd::loadbalancing_exporter {

// The parts of `batch` by backend index (into ring.endpoints()), each non-empty, in the order backends first
// appear. A batch whose items all belong to one backend is handed on as it is (its received bytes unchanged).
// Keys: trace_id routes spans and log records by their trace id (a log record without one by its resource's
// service.name); service routes every item of a resource by its service.name (missing: the empty name).
// Metrics can only be routed by service (the caller refuses trace_id). `ring` must not be empty.
std::vector<std::pair<size_t, TraceBatch>> route(TraceBatch batch, const HashRing& ring, RoutingKey key);
std::vector<std::pair<size_t, LogBatch>> route(LogBatch batch, const HashRing& ring, RoutingKey key);
std::vector<std::pair<size_t, MetricBatch>> route(MetricBatch batch, const HashRing& ring, RoutingKey key);

// The backend index of a trace id; the routes above use ring.find. Called once per span or log record.
using TraceIdRoute = std::function<size_t(std::string_view trace_id)>;
std::vector<std::pair<size_t, TraceBatch>> route(TraceBatch batch, const HashRing& ring, RoutingKey key,
                                                 const TraceIdRoute& by_trace_id);
std::vector<std::pair<size_t, LogBatch>> route(LogBatch batch, const HashRing& ring, RoutingKey key,
                                               const TraceIdRoute& by_trace_id);

}  // namespace otlpd::loadbalancing_exporter
