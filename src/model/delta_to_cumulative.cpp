// Delta → cumulative accumulation of OTLP metric streams (see delta_to_cumulative.h).
#include "model/delta_to_cumulative.h"

#include <algorithm>
#include <vector>

namespace otlpd {

namespace {

namespace pm = opentelemetry::proto::metrics::v1;
using KeyValues = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

// Attributes in a stream key: order-independent, length-prefixed.
void append_attributes(std::string& key, const KeyValues& attrs) {
  std::vector<std::string> parts;
  parts.reserve(attrs.size());
  for (const auto& kv : attrs) parts.push_back(kv.SerializeAsString());
  std::sort(parts.begin(), parts.end());
  for (const auto& p : parts) {
    key += std::to_string(p.size());
    key += ':';
    key += p;
  }
  key += '|';
}

void append_text(std::string& key, std::string_view s) {
  key += std::to_string(s.size());
  key += ':';
  key += s;
}

// Removes the points for which `keep` says false, keeping the others' order.
template <typename Points, typename Keep>
void keep_if(Points& points, Keep keep) {
  int out = 0;
  for (int i = 0; i < points.size(); ++i) {
    if (!keep(*points.Mutable(i))) continue;
    if (out != i) points.SwapElements(out, i);
    ++out;
  }
  if (out < points.size()) points.DeleteSubrange(out, points.size() - out);
}

void add_number(pm::NumberDataPoint& total, const pm::NumberDataPoint& delta) {
  if (total.value_case() == pm::NumberDataPoint::kAsInt && delta.value_case() == pm::NumberDataPoint::kAsInt) {
    total.set_as_int(total.as_int() + delta.as_int());
    return;
  }
  auto as_double = [](const pm::NumberDataPoint& p) {
    return p.value_case() == pm::NumberDataPoint::kAsInt ? static_cast<double>(p.as_int()) : p.as_double();
  };
  total.set_as_double(as_double(total) + as_double(delta));
}

void add_histogram(pm::HistogramDataPoint& total, const pm::HistogramDataPoint& delta) {
  for (int i = 0; i < delta.bucket_counts_size() && i < total.bucket_counts_size(); ++i)
    total.set_bucket_counts(i, total.bucket_counts(i) + delta.bucket_counts(i));
  total.set_count(total.count() + delta.count());
  if (delta.has_sum()) total.set_sum(total.sum() + delta.sum());
  if (delta.has_min()) total.set_min(total.has_min() ? std::min(total.min(), delta.min()) : delta.min());
  if (delta.has_max()) total.set_max(total.has_max() ? std::max(total.max(), delta.max()) : delta.max());
}

bool same_bounds(const pm::HistogramDataPoint& a, const pm::HistogramDataPoint& b) {
  return a.bucket_counts_size() == b.bucket_counts_size() &&
         std::equal(a.explicit_bounds().begin(), a.explicit_bounds().end(), b.explicit_bounds().begin(),
                    b.explicit_bounds().end());
}

// Exponential buckets as (offset, counts) at one scale.
struct Buckets {
  int64_t offset = 0;
  std::vector<uint64_t> counts;
};

Buckets buckets_of(const pm::ExponentialHistogramDataPoint::Buckets& b, int shift) {
  Buckets out;
  if (b.bucket_counts().empty()) return out;
  const int64_t first = b.offset(), last = first + b.bucket_counts_size() - 1;
  out.offset = first >> shift;  // arithmetic shift: index floor(i / 2^shift), also for negative indexes
  out.counts.assign(static_cast<size_t>((last >> shift) - out.offset + 1), 0);
  for (int i = 0; i < b.bucket_counts_size(); ++i)
    out.counts[static_cast<size_t>(((first + i) >> shift) - out.offset)] += b.bucket_counts(i);
  return out;
}

void merge_into(pm::ExponentialHistogramDataPoint::Buckets& total, const pm::ExponentialHistogramDataPoint::Buckets& a,
                int a_shift, const pm::ExponentialHistogramDataPoint::Buckets& b, int b_shift) {
  Buckets x = buckets_of(a, a_shift), y = buckets_of(b, b_shift);
  if (x.counts.empty()) std::swap(x, y);
  if (!y.counts.empty()) {
    const int64_t lo = std::min(x.offset, y.offset);
    const int64_t hi =
        std::max(x.offset + static_cast<int64_t>(x.counts.size()), y.offset + static_cast<int64_t>(y.counts.size()));
    std::vector<uint64_t> merged(static_cast<size_t>(hi - lo), 0);
    for (size_t i = 0; i < x.counts.size(); ++i) merged[static_cast<size_t>(x.offset - lo) + i] += x.counts[i];
    for (size_t i = 0; i < y.counts.size(); ++i) merged[static_cast<size_t>(y.offset - lo) + i] += y.counts[i];
    x.offset = lo;
    x.counts = std::move(merged);
  }
  total.set_offset(static_cast<int32_t>(x.offset));
  total.mutable_bucket_counts()->Assign(x.counts.begin(), x.counts.end());
}

// Adds `delta` to `total`, both brought to the smaller of their scales.
void add_exponential(pm::ExponentialHistogramDataPoint& total, const pm::ExponentialHistogramDataPoint& delta) {
  const int scale = std::min(total.scale(), delta.scale());
  const int total_shift = total.scale() - scale, delta_shift = delta.scale() - scale;
  pm::ExponentialHistogramDataPoint::Buckets positive, negative;
  merge_into(positive, total.positive(), total_shift, delta.positive(), delta_shift);
  merge_into(negative, total.negative(), total_shift, delta.negative(), delta_shift);
  *total.mutable_positive() = std::move(positive);
  *total.mutable_negative() = std::move(negative);
  total.set_scale(scale);
  total.set_zero_count(total.zero_count() + delta.zero_count());
  total.set_zero_threshold(std::max(total.zero_threshold(), delta.zero_threshold()));
  total.set_count(total.count() + delta.count());
  if (delta.has_sum()) total.set_sum(total.sum() + delta.sum());
  if (delta.has_min()) total.set_min(total.has_min() ? std::min(total.min(), delta.min()) : delta.min());
  if (delta.has_max()) total.set_max(total.has_max() ? std::max(total.max(), delta.max()) : delta.max());
}

}  // namespace

DeltaToCumulative::Result DeltaToCumulative::accumulate(
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request, Clock::time_point now) {
  Result result;
  bool expired = false;
  // The stream of a point, created when new and there is room; null when the limit refuses it.
  auto stream = [&](const std::string& key, bool& created) -> Stream* {
    auto it = streams_.find(key);
    created = it == streams_.end();
    if (!created) return &it->second;
    if (max_streams_ && streams_.size() >= max_streams_ && !expired) {
      expired = true;
      expire(now);
    }
    if (max_streams_ && streams_.size() >= max_streams_) return nullptr;
    return &streams_[key];
  };
  // One delta point of any kind: its stream's total grows by it and it becomes the total.
  auto accumulate_point = [&](const std::string& metric_key, auto& dp, auto member, auto add, auto compatible) {
    std::string key = metric_key;
    append_attributes(key, dp.attributes());
    bool created = false;
    Stream* s = stream(key, created);
    if (!s) {
      ++result.over_limit;
      return false;
    }
    auto& total = s->*member;
    if (!created && dp.time_unix_nano() <= total.time_unix_nano()) {
      ++result.out_of_order;
      return false;
    }
    s->seen = now;
    if (created || !compatible(total, dp)) {
      total = dp;  // a new stream (or a reset: other buckets) starts at this point
      if (!total.start_time_unix_nano()) total.set_start_time_unix_nano(dp.time_unix_nano());
    } else {
      add(total, dp);
      total.set_time_unix_nano(dp.time_unix_nano());
      total.set_flags(dp.flags());
      *total.mutable_exemplars() = dp.exemplars();
    }
    dp = total;
    ++result.accumulated;
    return true;
  };
  auto always = [](const auto&, const auto&) { return true; };
  constexpr auto kDelta = pm::AGGREGATION_TEMPORALITY_DELTA;
  constexpr auto kCumulative = pm::AGGREGATION_TEMPORALITY_CUMULATIVE;

  for (auto& rm : *request.mutable_resource_metrics()) {
    std::string resource_key;
    append_attributes(resource_key, rm.resource().attributes());
    for (auto& sm : *rm.mutable_scope_metrics()) {
      std::string scope_key = resource_key;
      append_text(scope_key, sm.scope().name());
      append_text(scope_key, sm.scope().version());
      append_attributes(scope_key, sm.scope().attributes());
      for (auto& m : *sm.mutable_metrics()) {
        std::string key = scope_key;
        append_text(key, m.name());
        append_text(key, m.unit());
        key += std::to_string(static_cast<int>(m.data_case()));
        switch (m.data_case()) {
          case pm::Metric::kSum: {
            auto& sum = *m.mutable_sum();
            if (sum.aggregation_temporality() != kDelta) break;
            key += sum.is_monotonic() ? "m" : "n";
            keep_if(*sum.mutable_data_points(), [&](pm::NumberDataPoint& dp) {
              return accumulate_point(key, dp, &Stream::number, add_number, always);
            });
            sum.set_aggregation_temporality(kCumulative);
            break;
          }
          case pm::Metric::kHistogram: {
            auto& h = *m.mutable_histogram();
            if (h.aggregation_temporality() != kDelta) break;
            keep_if(*h.mutable_data_points(), [&](pm::HistogramDataPoint& dp) {
              return accumulate_point(key, dp, &Stream::histogram, add_histogram, same_bounds);
            });
            h.set_aggregation_temporality(kCumulative);
            break;
          }
          case pm::Metric::kExponentialHistogram: {
            auto& h = *m.mutable_exponential_histogram();
            if (h.aggregation_temporality() != kDelta) break;
            keep_if(*h.mutable_data_points(), [&](pm::ExponentialHistogramDataPoint& dp) {
              return accumulate_point(key, dp, &Stream::exponential, add_exponential, always);
            });
            h.set_aggregation_temporality(kCumulative);
            break;
          }
          default:
            break;
        }
      }
    }
  }
  return result;
}

size_t DeltaToCumulative::expire(Clock::time_point now) {
  return std::erase_if(streams_, [&](const auto& kv) { return now - kv.second.seen >= max_stale_; });
}

}  // namespace otlpd
