// The batch types by name only, for headers that pass batches around without looking inside (consumers,
// component interfaces): including this instead of core/batch.h keeps generated protobuf code out of them.
#pragma once

namespace opentelemetry::proto::collector {
namespace trace::v1 {
class ExportTraceServiceRequest;
}
namespace metrics::v1 {
class ExportMetricsServiceRequest;
}
namespace logs::v1 {
class ExportLogsServiceRequest;
}
}  // namespace opentelemetry::proto::collector

namespace otlpd {

namespace otlp_trace = opentelemetry::proto::collector::trace::v1;
namespace otlp_metrics = opentelemetry::proto::collector::metrics::v1;
namespace otlp_logs = opentelemetry::proto::collector::logs::v1;

struct RequestContext;
template <typename Request>
class Batch;

using TraceBatch = Batch<otlp_trace::ExportTraceServiceRequest>;
using MetricBatch = Batch<otlp_metrics::ExportMetricsServiceRequest>;
using LogBatch = Batch<otlp_logs::ExportLogsServiceRequest>;

}  // namespace otlpd
