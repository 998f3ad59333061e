// Sampling policies: each looks at one complete trace and returns a decision; and how decisions combine.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "model/batch.h"
#include "processors/tail_sampling/config.h"

namespace otlpd::tail_sampling {

// The Collector's decisions. The inverted ones come from invert_match at the top level; inside and/composite
// they count as their plain counterparts.
enum class Decision { not_sampled, sampled, inverted_sampled, inverted_not_sampled, dropped };

std::string_view to_string(Decision d);

// One trace as the policies see it: its spans as the serialisation of an ExportTraceServiceRequest (grouped by
// resource and scope), counts, and the decoded request only for the policies that need it.
class TraceData {
 public:
  // `scratch` receives the decoded spans if a policy asks for them: the caller reuses it across traces.
  TraceData(std::string_view wire_bytes, size_t spans, std::string_view id,
            otlp_trace::ExportTraceServiceRequest& scratch)
      : wire(wire_bytes), span_count(spans), trace_id(id), scratch_(&scratch) {}

  std::string_view wire;
  size_t span_count = 0;
  std::string_view trace_id;                    // 16 bytes
  size_t bytes() const { return wire.size(); }  // serialised size

  // The spans decoded, once per trace at most. Bytes that do not parse give an empty request and unreadable().
  const otlp_trace::ExportTraceServiceRequest& spans() const;
  // For policies that read the bytes themselves and find them malformed.
  void mark_unreadable() const { unreadable_ = true; }
  // The bytes did not read: no decision about this trace holds (its bytes were checked, so this is a bug).
  bool unreadable() const { return unreadable_; }

 private:
  otlp_trace::ExportTraceServiceRequest* scratch_;
  mutable bool decoded_ = false;
  mutable bool unreadable_ = false;
};

using Clock = std::chrono::steady_clock;

class Policy {
 public:
  virtual ~Policy() = default;
  // Called from one thread at a time (the decision thread); `now` drives the rate-based policies.
  virtual Decision evaluate(const TraceData& trace, Clock::time_point now) = 0;
};

// Builds the policy a validated config describes.
PolicyPtr make_policy(const PolicyConfig& config);

// The final decision from every policy's decision, as the Collector combines them: any dropped → not sampled;
// any inverted-not-sampled → not sampled; any sampled → sampled; any inverted-sampled (and no not-sampled) →
// sampled; otherwise not sampled.
class DecisionCombiner {
 public:
  void add(Decision d) { seen_[static_cast<int>(d)] = true; }
  bool sampled() const;

 private:
  bool seen_[5] = {};
};

// FNV-1a 64 of salt + trace id: the deterministic hash behind the probabilistic policy.
uint64_t trace_id_hash(std::string_view salt, std::string_view trace_id);

}  // namespace otlpd::tail_sampling
