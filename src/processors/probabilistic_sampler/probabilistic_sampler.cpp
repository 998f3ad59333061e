// The `probabilistic_sampler` processor (traces, logs): keeps a percentage of traces or log records by a seeded
// hash of the trace id (or of a log attribute), drops the rest and the containers they leave empty.
#include <algorithm>
#include <array>
#include <charconv>
#include <memory>

#include "config/node.h"
#include "core/registry.h"
#include "model/batch.h"
#include "platform/telemetry.h"
#include "processors/common/processor_helper.h"
#include "processors/common/values.h"
#include "processors/probabilistic_sampler/config.h"
#include "processors/probabilistic_sampler/sampler.h"

namespace otlpd::probabilistic_sampler {

namespace {

using opentelemetry::proto::logs::v1::LogRecord;
using opentelemetry::proto::trace::v1::Span;
using processors::AnyValue;
using processors::erase_if;
using processors::find_attribute;

// A trace id the hash may use: 16 bytes, not all zero (W3C calls all-zero invalid).
bool valid_trace_id(const std::string& id) {
  return id.size() == 16 && std::any_of(id.begin(), id.end(), [](char c) { return c != 0; });
}

// OpenTracing's sampling.priority on a span: 0 forces a drop, > 0 forces a keep, anything else defers.
enum class Priority { defer, keep, drop };

Priority span_priority(const Span& s) {
  const auto* v = find_attribute(s.attributes(), "sampling.priority");
  if (!v) return Priority::defer;
  double d = 0;
  switch (v->value_case()) {
    case AnyValue::kIntValue:
      d = static_cast<double>(v->int_value());
      break;
    case AnyValue::kDoubleValue:
      d = v->double_value();
      break;
    case AnyValue::kStringValue: {
      const auto& t = v->string_value();
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
      if (t.empty() || ec != std::errc() || p != t.data() + t.size()) return Priority::defer;
      break;
    }
    default:
      return Priority::defer;
  }
  if (d == 0) return Priority::drop;
  return d > 0 ? Priority::keep : Priority::defer;
}

// The log record attribute's bytes to hash: raw bytes for a bytes value, else its string form.
std::string attribute_bytes(const AnyValue& v) {
  return v.value_case() == AnyValue::kBytesValue ? v.bytes_value() : processors::as_string(v);
}

enum Policy { trace_id_hash, attribute, sampling_priority, missing_randomness, kPolicies };

// Decisions of one batch, per policy and sampled (1) or not (0).
struct Tally {
  std::array<std::array<uint64_t, 2>, kPolicies> n{};
  void count(Policy p, bool sampled) { ++n[p][sampled ? 1 : 0]; }
};

// Counters per policy (the Collector's `policy` label) and decision (`sampled`), looked up once.
class PolicyCounters {
 public:
  PolicyCounters(Telemetry& telemetry, std::initializer_list<std::string_view> names, const std::string& id,
                 const std::string& attr) {
    static constexpr std::array<std::string_view, kPolicies> kNames = {"trace_id_hash", "", "sampling_priority",
                                                                       "missing_randomness"};
    for (int p = 0; p < kPolicies; ++p) {
      // The Collector names an attribute-hashing policy after the attribute.
      const std::string policy = p == attribute ? (attr.empty() ? "attribute" : attr) : std::string(kNames[p]);
      for (int s = 0; s < 2; ++s)
        for (auto name : names)
          counters_[p][s].push_back(
              &telemetry.counter(name, {{"processor", id}, {"policy", policy}, {"sampled", s ? "true" : "false"}}));
    }
  }

  void add(const Tally& t) const {
    for (int p = 0; p < kPolicies; ++p)
      for (int s = 0; s < 2; ++s)
        if (auto n = t.n[p][s])
          for (auto* c : counters_[p][s]) c->add(n);
  }

 private:
  std::array<std::array<std::vector<Counter*>, 2>, kPolicies> counters_;
};

class TraceSampler final : public processors::ProcessorBase<TraceBatch> {
 public:
  TraceSampler(const CreateSettings& s, const ProbabilisticSamplerConfig& cfg, Consumer<TraceBatch>* next)
      : ProcessorBase(s, next),
        sampler_(cfg.sampling_percentage, cfg.hash_seed),
        fail_closed_(cfg.fail_closed),
        // Both names: count_traces_sampled (deprecated in the Collector 0.161) and its successor.
        counters_(s.telemetry(),
                  {"otelcol_processor_probabilistic_sampler_count_traces_sampled",
                   "otelcol_processor_probabilistic_sampler_count_spans_processed_total"},
                  s.id.str(), "") {}

 private:
  Status process(TraceBatch batch) override {
    Tally counts;
    auto& parts = batch.mutable_parts();
    for (auto& part : parts) {
      erase_if(*part.request->mutable_resource_spans(), [&](auto& rs) {
        erase_if(*rs.mutable_scope_spans(), [&](auto& ss) {
          erase_if(*ss.mutable_spans(), [&](const Span& s) { return !keep(s, counts); });
          return ss.spans().empty();
        });
        return rs.scope_spans().empty();
      });
    }
    counters_.add(counts);
    std::erase_if(parts, [](const auto& p) { return p.request->resource_spans().empty(); });
    // Nothing left: a success with nothing to hand on (the Collector's "skip processing").
    if (parts.empty()) return Status::ok();
    return forward(std::move(batch));
  }

  bool keep(const Span& s, Tally& counts) const {
    const auto priority = span_priority(s);
    if (priority != Priority::defer) {
      counts.count(sampling_priority, priority == Priority::keep);
      return priority == Priority::keep;
    }
    if (!valid_trace_id(s.trace_id())) {
      counts.count(missing_randomness, !fail_closed_);
      return !fail_closed_;
    }
    const bool sampled = sampler_.sampled(s.trace_id());
    counts.count(trace_id_hash, sampled);
    return sampled;
  }

  HashSampler sampler_;
  bool fail_closed_;
  PolicyCounters counters_;
};

class LogSampler final : public processors::ProcessorBase<LogBatch> {
 public:
  LogSampler(const CreateSettings& s, const ProbabilisticSamplerConfig& cfg, Consumer<LogBatch>* next)
      : ProcessorBase(s, next),
        cfg_(cfg),
        sampler_(cfg.sampling_percentage, cfg.hash_seed),
        counters_(s.telemetry(), {"otelcol_processor_probabilistic_sampler_count_logs_sampled"}, s.id.str(),
                  cfg.from_attribute) {}

 private:
  Status process(LogBatch batch) override {
    Tally counts;
    auto& parts = batch.mutable_parts();
    for (auto& part : parts) {
      erase_if(*part.request->mutable_resource_logs(), [&](auto& rl) {
        erase_if(*rl.mutable_scope_logs(), [&](auto& sl) {
          erase_if(*sl.mutable_log_records(), [&](const LogRecord& l) { return !keep(l, counts); });
          return sl.log_records().empty();
        });
        return rl.scope_logs().empty();
      });
    }
    counters_.add(counts);
    std::erase_if(parts, [](const auto& p) { return p.request->resource_logs().empty(); });
    if (parts.empty()) return Status::ok();
    return forward(std::move(batch));
  }

  bool keep(const LogRecord& l, Tally& counts) const {
    // The randomness: the trace id (traceID source), else the from_attribute value when there is one.
    std::string attr_bytes;
    std::string_view bytes;
    Policy policy = missing_randomness;
    if (cfg_.attribute_source == ProbabilisticSamplerConfig::AttributeSource::trace_id &&
        valid_trace_id(l.trace_id())) {
      bytes = l.trace_id();
      policy = trace_id_hash;
    } else if (!cfg_.from_attribute.empty()) {
      if (const auto* v = find_attribute(l.attributes(), cfg_.from_attribute)) {
        attr_bytes = attribute_bytes(*v);
        bytes = attr_bytes;
        policy = attribute;
      }
    }
    const bool missing = policy == missing_randomness;
    bool sampled = missing ? !cfg_.fail_closed : sampler_.sampled(bytes);
    // A priority attribute can only raise the probability; without randomness any positive priority keeps.
    if (!sampled && !cfg_.sampling_priority.empty()) {
      const double pct = priority_percentage(l);
      if (pct > 0) sampled = missing || sampler_.sampled(bytes, HashSampler::scaled_rate(static_cast<float>(pct)));
    }
    counts.count(policy, sampled);
    return sampled;
  }

  // The sampling_priority attribute as a percentage (int or double), or 0.
  double priority_percentage(const LogRecord& l) const {
    const auto* v = find_attribute(l.attributes(), cfg_.sampling_priority);
    if (!v) return 0;
    if (v->value_case() == AnyValue::kIntValue) return static_cast<double>(v->int_value());
    if (v->value_case() == AnyValue::kDoubleValue) return v->double_value();
    return 0;
  }

  ProbabilisticSamplerConfig cfg_;
  HashSampler sampler_;
  PolicyCounters counters_;
};

class ProbabilisticSamplerFactory final : public ProcessorFactory {
 public:
  std::string_view type() const override { return "probabilistic_sampler"; }
  bool supports(Signal s) const override { return s == Signal::traces || s == Signal::logs; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ProcessorPtr create(const CreateSettings& s, const ComponentConfig& c, Signal signal, Consumers next) const override {
    const auto& cfg = config_as<ProbabilisticSamplerConfig>(c);
    switch (signal) {
      case Signal::traces:
        return std::make_unique<TraceSampler>(s, cfg, next.traces);
      case Signal::logs:
        return std::make_unique<LogSampler>(s, cfg, next.logs);
      case Signal::metrics:
        break;
    }
    return nullptr;
  }
};

}  // namespace

}  // namespace otlpd::probabilistic_sampler

using otlpd::probabilistic_sampler::ProbabilisticSamplerFactory;
OTLPD_REGISTER_FACTORY(ProbabilisticSamplerFactory)
