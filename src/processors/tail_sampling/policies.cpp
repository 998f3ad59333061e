// The sampling policies and the Collector's rules for combining their decisions.
#include "processors/tail_sampling/policies.h"

#include <re2/re2.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <list>
#include <optional>
#include <unordered_map>

#include "codec/wire_reader.h"

namespace otlpd::tail_sampling {

namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Status;
using Attributes = google::protobuf::RepeatedPtrField<KeyValue>;

const AnyValue* find_attribute(const Attributes& attrs, std::string_view key) {
  for (const auto& kv : attrs)
    if (kv.key() == key) return &kv.value();
  return nullptr;
}

// Calls f(resource attributes) for each resource, then f(span attributes) for each span, until f returns true.
template <typename F>
bool any_attributes(const TraceData& t, F&& f) {
  const auto& spans = t.spans();
  for (const auto& rs : spans.resource_spans())
    if (f(rs.resource().attributes())) return true;
  for (const auto& rs : spans.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& span : ss.spans())
        if (f(span.attributes())) return true;
  return false;
}

// Policies that look at a few scalar span fields read them from the trace's bytes: no decoding.
using otlp_wire::Field;
using otlp_wire::Reader;
using otlp_wire::WireType;

// Calls f(body) for each length-delimited field `number` of a message's bytes, until f returns true.
template <typename F>
bool any_len_field(const TraceData& t, std::string_view bytes, uint32_t number, F&& f) {
  Reader r(bytes);
  Field x;
  while (r.next(x))
    if (x.number == number && x.type == WireType::len && f(x.body)) return true;
  if (r.error()) t.mark_unreadable();
  return false;
}

// Calls f(span bytes) for each span (ExportTraceServiceRequest.resource_spans=1 → ResourceSpans.scope_spans=2 →
// ScopeSpans.spans=2), until f returns true.
template <typename F>
bool any_span_bytes(const TraceData& t, F&& f) {
  return any_len_field(t, t.wire, 1, [&](std::string_view rs) {
    return any_len_field(t, rs, 2, [&](std::string_view ss) { return any_len_field(t, ss, 2, f); });
  });
}

// The span fields read from bytes. The last occurrence of a field wins and repeated status messages merge, as
// in a decoder; fields of another wire type than the schema's are unknown fields, as in a decoder.
struct SpanFields {
  uint64_t start = 0, end = 0;   // start_time_unix_nano=7, end_time_unix_nano=8 (fixed64)
  int32_t status_code = 0;       // status=15 → Status.code=3 (enum)
  std::string_view trace_state;  // trace_state=3
};

SpanFields read_span(const TraceData& t, std::string_view span) {
  SpanFields out;
  Reader r(span);
  Field f;
  while (r.next(f)) {
    if (f.number == 7 && f.type == WireType::i64) {
      out.start = f.value;
    } else if (f.number == 8 && f.type == WireType::i64) {
      out.end = f.value;
    } else if (f.number == 3 && f.type == WireType::len) {
      out.trace_state = f.body;
    } else if (f.number == 15 && f.type == WireType::len) {
      Reader status(f.body);
      Field sf;
      while (status.next(sf))
        if (sf.number == 3 && sf.type == WireType::varint) out.status_code = static_cast<int32_t>(sf.value);
      if (status.error()) t.mark_unreadable();
    }
  }
  if (r.error()) t.mark_unreadable();
  return out;
}

template <typename F>
bool any_span(const TraceData& t, F&& f) {
  return any_span_bytes(t, [&](std::string_view span) { return f(read_span(t, span)); });
}

Decision plain(bool matched) { return matched ? Decision::sampled : Decision::not_sampled; }
// With invert_match a match means "do not sample" and no match "sample", as inverted decisions.
Decision inverted(bool matched) { return matched ? Decision::inverted_not_sampled : Decision::inverted_sampled; }

// Sub-policies of and/composite report plain decisions.
bool samples(Decision d) { return d == Decision::sampled || d == Decision::inverted_sampled; }

class AlwaysSample final : public Policy {
 public:
  Decision evaluate(const TraceData&, Clock::time_point) override { return Decision::sampled; }
};

class Latency final : public Policy {
 public:
  explicit Latency(LatencyConfig c) : c_(c) {}
  Decision evaluate(const TraceData& t, Clock::time_point) override {
    uint64_t start = UINT64_MAX, end = 0;
    any_span(t, [&](const SpanFields& s) {
      start = std::min(start, s.start);
      end = std::max(end, s.end);
      return false;
    });
    if (start == UINT64_MAX || end < start) return Decision::not_sampled;
    auto ms = static_cast<int64_t>((end - start) / 1000000);
    if (c_.upper_threshold_ms == 0) return plain(ms >= c_.threshold_ms);
    return plain(c_.threshold_ms < ms && ms <= c_.upper_threshold_ms);
  }

 private:
  LatencyConfig c_;
};

class NumericAttribute final : public Policy {
 public:
  explicit NumericAttribute(NumericAttributeConfig c) : c_(std::move(c)) {}
  Decision evaluate(const TraceData& t, Clock::time_point) override {
    bool matched = any_attributes(t, [&](const Attributes& attrs) {
      const AnyValue* v = find_attribute(attrs, c_.key);
      if (!v) return false;
      if (v->value_case() == AnyValue::kIntValue)
        return v->int_value() >= c_.min_value && v->int_value() <= c_.max_value;
      if (v->value_case() == AnyValue::kDoubleValue)
        return v->double_value() >= static_cast<double>(c_.min_value) &&
               v->double_value() <= static_cast<double>(c_.max_value);
      return false;
    });
    return c_.invert_match ? inverted(matched) : plain(matched);
  }

 private:
  NumericAttributeConfig c_;
};

class Probabilistic final : public Policy {
 public:
  explicit Probabilistic(ProbabilisticConfig c) : salt_(std::move(c.hash_salt)) {
    never_ = c.sampling_percentage <= 0;
    long double t = static_cast<long double>(c.sampling_percentage) / 100.0L * 18446744073709551615.0L;
    threshold_ = t >= 18446744073709551615.0L ? UINT64_MAX : static_cast<uint64_t>(t);
  }
  Decision evaluate(const TraceData& t, Clock::time_point) override {
    if (never_) return Decision::not_sampled;
    return plain(trace_id_hash(salt_, t.trace_id) <= threshold_);
  }

 private:
  std::string salt_;
  uint64_t threshold_ = 0;
  bool never_ = false;
};

class StatusCode final : public Policy {
 public:
  explicit StatusCode(const StatusCodeConfig& c) {
    for (const auto& s : c.status_codes) {
      if (s == "OK") codes_[Status::STATUS_CODE_OK] = true;
      if (s == "ERROR") codes_[Status::STATUS_CODE_ERROR] = true;
      if (s == "UNSET") codes_[Status::STATUS_CODE_UNSET] = true;
    }
  }
  Decision evaluate(const TraceData& t, Clock::time_point) override {
    return plain(any_span(t, [&](const SpanFields& s) {
      int code = s.status_code;
      return code >= 0 && code < 3 && codes_[code];
    }));
  }

 private:
  bool codes_[3] = {};
};

// Regex results per attribute value, least recently used evicted first.
class RegexCache {
 public:
  explicit RegexCache(size_t capacity) : capacity_(capacity) {}
  std::optional<bool> get(const std::string& v) {
    auto it = map_.find(v);
    if (it == map_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second.second);
    return it->second.first;
  }
  void put(const std::string& v, bool matched) {
    if (capacity_ == 0) return;
    if (map_.size() >= capacity_) {
      map_.erase(order_.back());
      order_.pop_back();
    }
    order_.push_front(v);
    map_.emplace(v, std::make_pair(matched, order_.begin()));
  }

 private:
  size_t capacity_;
  std::list<std::string> order_;
  std::unordered_map<std::string, std::pair<bool, std::list<std::string>::iterator>> map_;
};

class StringAttribute final : public Policy {
 public:
  explicit StringAttribute(StringAttributeConfig c) : c_(std::move(c)), cache_(static_cast<size_t>(c_.cache_max_size)) {
    if (c_.enabled_regex_matching)
      for (const auto& v : c_.values) regexes_.push_back(std::make_unique<RE2>(v, RE2::Quiet));
  }
  Decision evaluate(const TraceData& t, Clock::time_point) override {
    bool matched = any_attributes(t, [&](const Attributes& attrs) {
      const AnyValue* v = find_attribute(attrs, c_.key);
      return v && v->value_case() == AnyValue::kStringValue && matches(v->string_value());
    });
    return c_.invert_match ? inverted(matched) : plain(matched);
  }

 private:
  bool matches(const std::string& value) {
    if (!c_.enabled_regex_matching) return std::find(c_.values.begin(), c_.values.end(), value) != c_.values.end();
    if (auto hit = cache_.get(value)) return *hit;
    bool m = false;
    for (const auto& re : regexes_)
      if (RE2::PartialMatch(value, *re)) {
        m = true;
        break;
      }
    cache_.put(value, m);
    return m;
  }

  StringAttributeConfig c_;
  std::vector<std::unique_ptr<RE2>> regexes_;
  RegexCache cache_;
};

class BooleanAttribute final : public Policy {
 public:
  explicit BooleanAttribute(BooleanAttributeConfig c) : c_(std::move(c)) {}
  Decision evaluate(const TraceData& t, Clock::time_point) override {
    bool matched = any_attributes(t, [&](const Attributes& attrs) {
      const AnyValue* v = find_attribute(attrs, c_.key);
      return v && v->value_case() == AnyValue::kBoolValue && v->bool_value() == c_.value;
    });
    return c_.invert_match ? inverted(matched) : plain(matched);
  }

 private:
  BooleanAttributeConfig c_;
};

class TraceState final : public Policy {
 public:
  explicit TraceState(TraceStateConfig c) : c_(std::move(c)) {}
  Decision evaluate(const TraceData& t, Clock::time_point) override {
    return plain(any_span(t, [&](const SpanFields& s) {
      std::string_view ts = s.trace_state;
      // W3C tracestate: comma-separated key=value members.
      while (!ts.empty()) {
        auto comma = ts.find(',');
        std::string_view member = ts.substr(0, comma);
        ts = comma == std::string_view::npos ? std::string_view() : ts.substr(comma + 1);
        while (!member.empty() && (member.front() == ' ' || member.front() == '\t')) member.remove_prefix(1);
        auto eq = member.find('=');
        if (eq == std::string_view::npos || member.substr(0, eq) != c_.key) continue;
        std::string_view value = member.substr(eq + 1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
        for (const auto& v : c_.values)
          if (v == value) return true;
      }
      return false;
    }));
  }

 private:
  TraceStateConfig c_;
};

int64_t second_of(Clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

class RateLimiting final : public Policy {
 public:
  explicit RateLimiting(RateLimitingConfig c) : limit_(c.spans_per_second) {}
  Decision evaluate(const TraceData& t, Clock::time_point now) override {
    int64_t s = second_of(now);
    if (s != second_) {
      second_ = s;
      spans_ = 0;
    }
    int64_t next = spans_ + static_cast<int64_t>(t.span_count);
    if (next > limit_) return Decision::not_sampled;
    spans_ = next;
    return Decision::sampled;
  }

 private:
  int64_t limit_;
  int64_t second_ = INT64_MIN;
  int64_t spans_ = 0;
};

// A token bucket of bytes: refilled at bytes_per_second up to burst_capacity.
class BytesLimiting final : public Policy {
 public:
  explicit BytesLimiting(BytesLimitingConfig c)
      : rate_(static_cast<double>(c.bytes_per_second)),
        burst_(static_cast<double>(c.burst_capacity)),
        tokens_(burst_) {}
  Decision evaluate(const TraceData& t, Clock::time_point now) override {
    if (last_ != Clock::time_point{}) {
      double elapsed = std::chrono::duration<double>(now - last_).count();
      if (elapsed > 0) tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    }
    last_ = now;
    double need = static_cast<double>(t.bytes());
    if (need > tokens_) return Decision::not_sampled;
    tokens_ -= need;
    return Decision::sampled;
  }

 private:
  double rate_, burst_, tokens_;
  Clock::time_point last_{};
};

class SpanCount final : public Policy {
 public:
  explicit SpanCount(SpanCountConfig c) : c_(c) {}
  Decision evaluate(const TraceData& t, Clock::time_point) override {
    auto n = static_cast<int64_t>(t.span_count);
    return plain(n >= c_.min_spans && (c_.max_spans == 0 || n <= c_.max_spans));
  }

 private:
  SpanCountConfig c_;
};

std::vector<PolicyPtr> make_all(const std::vector<PolicyConfig>& configs) {
  std::vector<PolicyPtr> out;
  for (const auto& c : configs) out.push_back(make_policy(c));
  return out;
}

class And final : public Policy {
 public:
  explicit And(const AndConfig& c) : subs_(make_all(c.sub_policies)) {}
  Decision evaluate(const TraceData& t, Clock::time_point now) override {
    for (auto& p : subs_)
      if (!samples(p->evaluate(t, now))) return Decision::not_sampled;
    return Decision::sampled;
  }

 private:
  std::vector<PolicyPtr> subs_;
};

class Drop final : public Policy {
 public:
  explicit Drop(const DropConfig& c) : subs_(make_all(c.sub_policies)) {}
  Decision evaluate(const TraceData& t, Clock::time_point now) override {
    for (auto& p : subs_)
      if (!samples(p->evaluate(t, now))) return Decision::not_sampled;
    return Decision::dropped;
  }

 private:
  std::vector<PolicyPtr> subs_;
};

// Sub-policies in policy_order, each with a share of max_total_spans_per_second; the first that samples and
// still has room in its share (and in the total) samples the trace.
class Composite final : public Policy {
 public:
  explicit Composite(const CompositeConfig& c) : max_total_(c.max_total_spans_per_second) {
    int64_t equal_share = max_total_ / static_cast<int64_t>(std::max<size_t>(1, c.sub_policies.size()));
    for (const auto& name : c.policy_order) {
      auto it = std::find_if(c.sub_policies.begin(), c.sub_policies.end(),
                             [&](const PolicyConfig& p) { return p.name == name; });
      Sub s;
      s.policy = make_policy(*it);
      s.allocated = c.rate_allocation.empty() ? max_total_ : equal_share;
      for (const auto& a : c.rate_allocation)
        if (a.policy == name) s.allocated = a.percent > 0 ? a.percent * max_total_ / 100 : equal_share;
      subs_.push_back(std::move(s));
    }
  }
  Decision evaluate(const TraceData& t, Clock::time_point now) override {
    int64_t s = second_of(now);
    if (s != second_) {
      second_ = s;
      total_ = 0;
      for (auto& sub : subs_) sub.spans = 0;
    }
    auto n = static_cast<int64_t>(t.span_count);
    for (auto& sub : subs_) {
      if (!samples(sub.policy->evaluate(t, now))) continue;
      if (sub.spans + n <= sub.allocated && total_ + n <= max_total_) {
        sub.spans += n;
        total_ += n;
        return Decision::sampled;
      }
    }
    return Decision::not_sampled;
  }

 private:
  struct Sub {
    PolicyPtr policy;
    int64_t allocated = 0;
    int64_t spans = 0;
  };
  int64_t max_total_;
  int64_t second_ = INT64_MIN;
  int64_t total_ = 0;
  std::vector<Sub> subs_;
};

}  // namespace

const otlp_trace::ExportTraceServiceRequest& TraceData::spans() const {
  if (!decoded_) {
    decoded_ = true;
    scratch_->Clear();  // keeps its allocations for the next trace
    if (wire.size() > static_cast<size_t>(INT_MAX) ||
        !scratch_->ParseFromArray(wire.data(), static_cast<int>(wire.size()))) {
      scratch_->Clear();
      unreadable_ = true;
    }
  }
  return *scratch_;
}

std::string_view to_string(Decision d) {
  switch (d) {
    case Decision::not_sampled:
      return "not_sampled";
    case Decision::sampled:
      return "sampled";
    case Decision::inverted_sampled:
      return "inverted_sampled";
    case Decision::inverted_not_sampled:
      return "inverted_not_sampled";
    case Decision::dropped:
      return "dropped";
  }
  return "?";
}

uint64_t trace_id_hash(std::string_view salt, std::string_view trace_id) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : salt) h = (h ^ c) * 1099511628211ull;
  for (unsigned char c : trace_id) h = (h ^ c) * 1099511628211ull;
  return h;
}

bool DecisionCombiner::sampled() const {
  auto seen = [&](Decision d) { return seen_[static_cast<int>(d)]; };
  if (seen(Decision::dropped)) return false;
  if (seen(Decision::inverted_not_sampled)) return false;
  if (seen(Decision::sampled)) return true;
  if (seen(Decision::inverted_sampled) && !seen(Decision::not_sampled)) return true;
  return false;
}

PolicyPtr make_policy(const PolicyConfig& config) {
  return std::visit(
      [](const auto& c) -> PolicyPtr {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, AlwaysSampleConfig>)
          return std::make_unique<AlwaysSample>();
        else if constexpr (std::is_same_v<T, LatencyConfig>)
          return std::make_unique<Latency>(c);
        else if constexpr (std::is_same_v<T, NumericAttributeConfig>)
          return std::make_unique<NumericAttribute>(c);
        else if constexpr (std::is_same_v<T, ProbabilisticConfig>)
          return std::make_unique<Probabilistic>(c);
        else if constexpr (std::is_same_v<T, StatusCodeConfig>)
          return std::make_unique<StatusCode>(c);
        else if constexpr (std::is_same_v<T, StringAttributeConfig>)
          return std::make_unique<StringAttribute>(c);
        else if constexpr (std::is_same_v<T, BooleanAttributeConfig>)
          return std::make_unique<BooleanAttribute>(c);
        else if constexpr (std::is_same_v<T, TraceStateConfig>)
          return std::make_unique<TraceState>(c);
        else if constexpr (std::is_same_v<T, RateLimitingConfig>)
          return std::make_unique<RateLimiting>(c);
        else if constexpr (std::is_same_v<T, BytesLimitingConfig>)
          return std::make_unique<BytesLimiting>(c);
        else if constexpr (std::is_same_v<T, SpanCountConfig>)
          return std::make_unique<SpanCount>(c);
        else if constexpr (std::is_same_v<T, AndConfig>)
          return std::make_unique<And>(c);
        else if constexpr (std::is_same_v<T, DropConfig>)
          return std::make_unique<Drop>(c);
        else
          return std::make_unique<Composite>(c);
      },
      config.settings);
}

}  // namespace otlpd::tail_sampling
