// Human-readable renderings of batches for the debug exporter (kept apart so they can be unit-tested).
#pragma once

#include <string>
#include <string_view>

#include "model/batch_fwd.h"

namespace otlpd::debug_exporter {

enum class Verbosity { basic, normal, detailed };

std::string format_traces(const TraceBatch& b, Verbosity v);
std::string format_metrics(const MetricBatch& b, Verbosity v);
std::string format_logs(const LogBatch& b, Verbosity v);

// Lower-case hex of raw id bytes.
std::string hex(std::string_view bytes);

}  // namespace otlpd::debug_exporter
