// Splits a batch by routing key over the backends of a hash ring: each part holds whole resources and scopes
// (copied headers) with the items that belong to one backend.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
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
// service.name); service routes every item of a resource by its service.name (missing: the empty name);
// resource by all of the resource's attributes; metric each metric by its name; stream_id each data point by
// its stream (resource, scope, metric name, unit and type, point attributes), a metric's points going to several
// backends as copies of the metric; attributes by the values of `routing_attributes` (looked up in the resource,
// the scope, then the span, log record or data point; span.kind, span.name, log.severity and log.body name the
// item's fields), encoded "name=value|" in order, a missing one as "name=|". The caller refuses a key that
// cannot route the signal (routing_key_error). `ring` must not be empty. trace_id and service route received
// bytes without decoding them; the other keys decode.
std::vector<std::pair<size_t, TraceBatch>> route(TraceBatch batch, const HashRing& ring, RoutingKey key,
                                                 const std::vector<std::string>& routing_attributes = {});
std::vector<std::pair<size_t, LogBatch>> route(LogBatch batch, const HashRing& ring, RoutingKey key,
                                               const std::vector<std::string>& routing_attributes = {});
std::vector<std::pair<size_t, MetricBatch>> route(MetricBatch batch, const HashRing& ring, RoutingKey key,
                                                  const std::vector<std::string>& routing_attributes = {});

// The backend index of a trace id; the routes above use ring.find. Called once per span or log record. It may
// return an index past the ring's endpoints (a backend kept for the traces it had): parts then name it.
using TraceIdRoute = std::function<size_t(std::string_view trace_id)>;
std::vector<std::pair<size_t, TraceBatch>> route(TraceBatch batch, const HashRing& ring, RoutingKey key,
                                                 const TraceIdRoute& by_trace_id);
std::vector<std::pair<size_t, LogBatch>> route(LogBatch batch, const HashRing& ring, RoutingKey key,
                                               const TraceIdRoute& by_trace_id);

}  // namespace otlpd::loadbalancing_exporter
