// The sampling policies and the Collector's rules for combining their decisions.
#include "processors/tail_sampling/policies.h"

#include <re2/re2.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <list>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "codec/wire_reader.h"
#include "ottl/ottl.h"

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

// Each policy type below: its settings, their schema (keys, defaults, checks), then the policy. policy_types()
// at the end of the file lists them.

constexpr size_t kMaxValues = 4096;

// `values` of string_attribute and trace_state: one at least, not thousands.
void check_values(const std::vector<std::string>& values, const SchemaInput& in) {
  if (values.empty()) in.fail("values", "'values' must list at least one value");
  if (values.size() > kMaxValues)
    in.fail("values", "'values' lists more than " + std::to_string(kMaxValues) + " values");
}

struct AlwaysSampleConfig {};

const Schema<AlwaysSampleConfig>& always_sample_schema() {
  static const auto s = Schema<AlwaysSampleConfig>();
  return s;
}

class AlwaysSample final : public Policy {
 public:
  explicit AlwaysSample(const AlwaysSampleConfig&) {}
  Decision evaluate(const TraceData&, Clock::time_point) override { return Decision::sampled; }
};

struct LatencyConfig {
  int64_t threshold_ms = 0;
  int64_t upper_threshold_ms = 0;  // 0: no upper bound
};

const Schema<LatencyConfig>& latency_schema() {
  using C = LatencyConfig;
  static const auto s =
      Schema<C>()
          .key("threshold_ms", &C::threshold_ms, "traces lasting at least this long sample (above it, with an upper)",
               at_least<int64_t>(0))
          .key("upper_threshold_ms", &C::upper_threshold_ms, "traces lasting at most this long sample; 0: no bound",
               at_least<int64_t>(0))
          .validate([](C& c, const SchemaInput& in) {
            if (c.upper_threshold_ms != 0 && c.upper_threshold_ms < c.threshold_ms)
              in.fail("upper_threshold_ms", "upper_threshold_ms must be greater than threshold_ms");
          });
  return s;
}

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

struct NumericAttributeConfig {
  std::string key;
  int64_t min_value = std::numeric_limits<int64_t>::min();
  int64_t max_value = std::numeric_limits<int64_t>::max();
  bool invert_match = false;
};

const Schema<NumericAttributeConfig>& numeric_attribute_schema() {
  using C = NumericAttributeConfig;
  static const auto s = Schema<C>()
                            .key("key", &C::key, "resource or span attribute (int or double)", required<std::string>())
                            .key("min_value", &C::min_value, "lowest value that samples (inclusive)")
                            .key("max_value", &C::max_value, "highest value that samples (inclusive)")
                            .key("invert_match", &C::invert_match, "a match means do not sample (an inverted decision)")
                            .validate([](C& c, const SchemaInput& in) {
                              if (!in.has("min_value") && !in.has("max_value"))
                                in.node().fail("numeric_attribute: set min_value, max_value or both");
                              if (c.max_value < c.min_value)
                                in.fail("max_value", "numeric_attribute: max_value must not be less than min_value");
                            });
  return s;
}

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

struct ProbabilisticConfig {
  double sampling_percentage = 0;
  std::string hash_salt;
};

const Schema<ProbabilisticConfig>& probabilistic_schema() {
  using C = ProbabilisticConfig;
  static const auto s = Schema<C>()
                            .key("sampling_percentage", &C::sampling_percentage,
                                 "percentage of traces sampled, by trace id hash", between(0.0, 100.0))
                            .key("hash_salt", &C::hash_salt, "salts the hash; collectors of one tier must share it")
                            .validate([](C& c, const SchemaInput& in) {
                              if (!(c.sampling_percentage >= 0 && c.sampling_percentage <= 100))  // NaN
                                in.fail("sampling_percentage", "sampling_percentage must be between 0 and 100");
                            });
  return s;
}

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

struct StatusCodeConfig {
  std::vector<std::string> status_codes;  // OK, ERROR, UNSET
};

const Schema<StatusCodeConfig>& status_code_schema() {
  using C = StatusCodeConfig;
  static const std::vector<std::pair<std::string, std::string>> kCodes = {
      {"ERROR", "ERROR"}, {"OK", "OK"}, {"UNSET", "UNSET"}};
  static const auto s =
      Schema<C>()
          .custom("status_codes", "list of ERROR, OK, UNSET", "[]", "span status codes that sample the trace; any",
                  [](const ConfigNode& n, C& c) {
                    for (const auto& item : n.items()) c.status_codes.push_back(parse_choice(item, kCodes));
                  })
          .validate([](C& c, const SchemaInput& in) {
            if (c.status_codes.empty())
              in.fail("status_codes", "status_codes must list at least one of: ERROR, OK, UNSET");
          });
  return s;
}

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

struct StringAttributeConfig {
  std::string key;
  std::vector<std::string> values;
  bool enabled_regex_matching = false;
  int cache_max_size = 128;  // regex results remembered per attribute value
  bool invert_match = false;
};

const Schema<StringAttributeConfig>& string_attribute_schema() {
  using C = StringAttributeConfig;
  static const auto s =
      Schema<C>()
          .key("key", &C::key, "resource or span attribute (string)", required<std::string>())
          .key("values", &C::values, "values that sample (or RE2 patterns, partial match)")
          .key("enabled_regex_matching", &C::enabled_regex_matching, "values are RE2 patterns")
          .key("cache_max_size", &C::cache_max_size, "regex results remembered (LRU)", between(0, 1000000))
          .key("invert_match", &C::invert_match, "a match means do not sample (an inverted decision)")
          .validate([](C& c, const SchemaInput& in) {
            check_values(c.values, in);
            if (c.enabled_regex_matching)
              for (const auto& v : c.values) {
                RE2 re(v, RE2::Quiet);
                if (!re.ok()) in.fail("values", "invalid regular expression '" + v + "': " + re.error());
              }
          });
  return s;
}

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

struct BooleanAttributeConfig {
  std::string key;
  bool value = false;
  bool invert_match = false;
};

const Schema<BooleanAttributeConfig>& boolean_attribute_schema() {
  using C = BooleanAttributeConfig;
  static const auto s =
      Schema<C>()
          .key("key", &C::key, "resource or span attribute (bool)", required<std::string>())
          .key("value", &C::value, "the value that samples")
          .key("invert_match", &C::invert_match, "a match means do not sample (an inverted decision)");
  return s;
}

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

// ottl_condition: OTTL conditions on spans and span events (the Collector's ottlcondition policy).
enum class OttlErrorMode { ignore, silent, propagate };

struct OttlConditionConfig {
  OttlErrorMode error_mode = OttlErrorMode::propagate;
  std::vector<std::shared_ptr<const ottl::Condition>> span, spanevent;
};

std::vector<std::shared_ptr<const ottl::Condition>> compile_conditions(const ConfigNode& n, ottl::ContextKind ctx) {
  if (!n.is_sequence()) n.fail("expected a list of OTTL conditions");
  std::vector<std::shared_ptr<const ottl::Condition>> out;
  for (const auto& item : n.items()) {
    const auto text = item.as<std::string>();
    try {
      out.push_back(std::make_shared<const ottl::Condition>(ottl::compile_condition(text, ctx)));
    } catch (const ottl::ParseError& e) {
      item.fail(ottl::describe_error(text, e));
    }
  }
  return out;
}

const Schema<OttlConditionConfig>& ottl_condition_schema() {
  using C = OttlConditionConfig;
  static const auto s =
      Schema<C>()
          .choice("error_mode", &C::error_mode,
                  {{"ignore", OttlErrorMode::ignore},
                   {"silent", OttlErrorMode::silent},
                   {"propagate", OttlErrorMode::propagate}},
                  "a condition that fails: propagate decides not sampled, ignore logs and goes on, silent goes on")
          .custom("span", "list of OTTL conditions", "", "samples when any holds for any span",
                  [](const ConfigNode& n, C& c) { c.span = compile_conditions(n, ottl::ContextKind::span); })
          .custom("spanevent", "list of OTTL conditions", "", "samples when any holds for any span event",
                  [](const ConfigNode& n, C& c) { c.spanevent = compile_conditions(n, ottl::ContextKind::spanevent); })
          .validate([](C& c, const SchemaInput& in) {
            if (c.span.empty() && c.spanevent.empty()) in.fail("span", "give at least one span or spanevent condition");
          });
  return s;
}

class OttlCondition final : public Policy {
 public:
  explicit OttlCondition(OttlConditionConfig c) : c_(std::move(c)) {}
  Decision evaluate(const TraceData& t, Clock::time_point) override {
    // Conditions only read: the item's pointers are not const because the same Item type serves editors.
    auto& req = const_cast<otlp_trace::ExportTraceServiceRequest&>(t.spans());
    ottl::Item item;
    struct Failed {};
    auto any = [&](const std::vector<std::shared_ptr<const ottl::Condition>>& conds) {
      for (const auto& cond : conds) {
        try {
          item.clear_cache();
          if (cond->eval(item)) return true;
        } catch (const ottl::EvalError& e) {
          if (c_.error_mode == OttlErrorMode::propagate) throw Failed{};
          if (c_.error_mode == OttlErrorMode::ignore)
            spdlog::warn("tail_sampling: ottl_condition \"{}\" failed: {}", cond->text(), e.what());
        }
      }
      return false;
    };
    try {
      for (auto& rs : *req.mutable_resource_spans()) {
        item.resource = rs.mutable_resource();
        for (auto& ss : *rs.mutable_scope_spans()) {
          item.scope = ss.mutable_scope();
          for (auto& span : *ss.mutable_spans()) {
            item.span = &span;
            item.event = nullptr;
            if (!c_.span.empty() && any(c_.span)) return Decision::sampled;
            if (c_.spanevent.empty()) continue;
            for (auto& e : *span.mutable_events()) {
              item.event = &e;
              if (any(c_.spanevent)) return Decision::sampled;
            }
          }
        }
      }
    } catch (const Failed&) {
      return Decision::not_sampled;
    }
    return Decision::not_sampled;
  }

 private:
  OttlConditionConfig c_;
};

struct TraceStateConfig {
  std::string key;
  std::vector<std::string> values;
};

const Schema<TraceStateConfig>& trace_state_schema() {
  using C = TraceStateConfig;
  static const auto s = Schema<C>()
                            .key("key", &C::key, "W3C tracestate member key", required<std::string>())
                            .key("values", &C::values, "member values that sample (at most 256 characters each)")
                            .validate([](C& c, const SchemaInput& in) {
                              check_values(c.values, in);
                              for (const auto& v : c.values)
                                if (v.size() > 256)
                                  in.fail("values", "trace_state values must be at most 256 characters");
                            });
  return s;
}

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

struct RateLimitingConfig {
  int64_t spans_per_second = 0;
};

const Schema<RateLimitingConfig>& rate_limiting_schema() {
  using C = RateLimitingConfig;
  static const auto s = Schema<C>().key("spans_per_second", &C::spans_per_second,
                                        "sample while this second's sampled spans stay within it",
                                        Limits<int64_t>{1, std::nullopt, true});
  return s;
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

struct BytesLimitingConfig {
  int64_t bytes_per_second = 0;
  int64_t burst_capacity = 0;  // 0: twice bytes_per_second
};

const Schema<BytesLimitingConfig>& bytes_limiting_schema() {
  using C = BytesLimitingConfig;
  static const auto s =
      Schema<C>()
          .key("bytes_per_second", &C::bytes_per_second, "token bucket rate over the traces' serialised size",
               Limits<int64_t>{1, std::nullopt, true})
          .key("burst_capacity", &C::burst_capacity, "bucket size; 0: twice bytes_per_second", at_least<int64_t>(0))
          .validate([](C& c, const SchemaInput&) {
            if (c.burst_capacity == 0) c.burst_capacity = 2 * c.bytes_per_second;
          });
  return s;
}

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

struct SpanCountConfig {
  int64_t min_spans = 0;
  int64_t max_spans = 0;  // 0: no upper bound
};

const Schema<SpanCountConfig>& span_count_schema() {
  using C = SpanCountConfig;
  static const auto s =
      Schema<C>()
          .key("min_spans", &C::min_spans, "traces with at least this many spans sample", at_least<int64_t>(0))
          .key("max_spans", &C::max_spans, "and at most this many; 0: no bound", at_least<int64_t>(0))
          .validate([](C& c, const SchemaInput& in) {
            if (c.max_spans != 0 && c.max_spans < c.min_spans)
              in.fail("max_spans", "max_spans must not be less than min_spans");
          });
  return s;
}

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

// and: every sub-policy samples. drop: every sub-policy samples -> the trace is dropped.
struct AndConfig {
  std::vector<PolicyConfig> sub_policies;
};
struct DropConfig {
  std::vector<PolicyConfig> sub_policies;
};

// A combining policy's `<key>: [sub-policies]`, at least one.
template <typename C>
Schema<C> sub_policies(const std::string& key, std::string doc) {
  return Schema<C>().block(
      key, "list of policies", std::move(doc), sub_policy_schema(),
      [key](const ConfigNode& n, C& c) {
        c.sub_policies = parse_policies(n, false);
        if (c.sub_policies.empty()) n.fail(key + " must list at least one policy");
      },
      true);
}

const Schema<AndConfig>& and_schema() {
  static const auto s = sub_policies<AndConfig>("and_sub_policy", "samples when every one of these samples");
  return s;
}

const Schema<DropConfig>& drop_schema() {
  static const auto s =
      sub_policies<DropConfig>("drop_sub_policy", "when every one of these samples, the trace is dropped");
  return s;
}

struct RateAllocation {
  std::string policy;
  int64_t percent = 0;
};

struct CompositeConfig {
  int64_t max_total_spans_per_second = 0;
  std::vector<std::string> policy_order;
  std::vector<PolicyConfig> sub_policies;
  std::vector<RateAllocation> rate_allocation;
};

const Schema<RateAllocation>& rate_allocation_schema() {
  static const auto s =
      Schema<RateAllocation>()
          .key("policy", &RateAllocation::policy, "a composite_sub_policy name", required<std::string>())
          .key("percent", &RateAllocation::percent, "its share of max_total_spans_per_second; 0: an equal share",
               between<int64_t>(0, 100));
  return s;
}

void check_composite(CompositeConfig& c, const SchemaInput& in) {
  std::set<std::string> names;
  for (const auto& p : c.sub_policies) names.insert(p.name);
  if (c.policy_order.empty())
    for (const auto& p : c.sub_policies) c.policy_order.push_back(p.name);
  std::set<std::string> ordered;
  for (const auto& n : c.policy_order) {
    if (!names.count(n))
      in.fail("policy_order", "composite: policy_order names '" + n + "', which is not a composite_sub_policy");
    if (!ordered.insert(n).second) in.fail("policy_order", "composite: policy_order lists '" + n + "' twice");
  }
  int64_t total = 0;
  auto items = in.has("rate_allocation") ? in.at("rate_allocation")->items() : std::vector<ConfigNode>{};
  for (size_t i = 0; i < c.rate_allocation.size(); ++i) {
    const auto& a = c.rate_allocation[i];
    if (!names.count(a.policy)) items.at(i).fail("rate_allocation names unknown policy '" + a.policy + "'");
    total += a.percent;
  }
  if (total > 100) in.fail("rate_allocation", "rate_allocation percents add up to more than 100");
}

const Schema<CompositeConfig>& composite_schema() {
  using C = CompositeConfig;
  static const auto s =
      sub_policies<C>("composite_sub_policy", "the policies sharing the rate")
          .key("max_total_spans_per_second", &C::max_total_spans_per_second,
               "spans sampled per second across the sub-policies", Limits<int64_t>{1, std::nullopt, true})
          .key("policy_order", &C::policy_order, "sub-policy names in evaluation order; default: as listed")
          .block("rate_allocation", "list of {policy, percent}", "each sub-policy's share of the total",
                 rate_allocation_schema(),
                 [](const ConfigNode& n, C& c) {
                   for (const auto& item : n.items())
                     c.rate_allocation.push_back(*rate_allocation_schema().parse(item));
                 })
          .validate(check_composite);
  return s;
}

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

namespace {

// A row of the table: the type's settings are read by `schema` and built into a P.
template <typename Settings, typename P>
PolicyType policy(std::string name, std::string doc, const Schema<Settings>& (*schema)(), bool combining = false) {
  return PolicyType{std::move(name),
                    std::move(doc),
                    combining,
                    [schema]() -> const ConfigSchema& { return schema(); },
                    [schema](const ConfigNode& n) { return std::any(std::move(*schema().parse(n))); },
                    [](const std::any& settings) -> PolicyPtr {
                      return std::make_unique<P>(std::any_cast<const Settings&>(settings));
                    }};
}

}  // namespace

const std::vector<PolicyType>& policy_types() {
  static const std::vector<PolicyType> types = {
      policy<AlwaysSampleConfig, AlwaysSample>("always_sample", "samples every trace", always_sample_schema),
      policy<AndConfig, And>("and", "samples when every sub-policy samples", and_schema, true),
      policy<BooleanAttributeConfig, BooleanAttribute>("boolean_attribute", "a bool attribute has a value",
                                                       boolean_attribute_schema),
      policy<BytesLimitingConfig, BytesLimiting>("bytes_limiting", "a token bucket over the traces' bytes",
                                                 bytes_limiting_schema),
      policy<CompositeConfig, Composite>("composite", "sub-policies sharing a rate of spans per second",
                                         composite_schema, true),
      policy<DropConfig, Drop>("drop", "drops the trace when every sub-policy samples", drop_schema, true),
      policy<LatencyConfig, Latency>("latency", "latest end minus earliest start over the spans", latency_schema),
      policy<NumericAttributeConfig, NumericAttribute>("numeric_attribute", "a number attribute within bounds",
                                                       numeric_attribute_schema),
      policy<OttlConditionConfig, OttlCondition>("ottl_condition", "an OTTL condition holds for a span or span event",
                                                 ottl_condition_schema),
      policy<ProbabilisticConfig, Probabilistic>("probabilistic", "a percentage, by trace id hash",
                                                 probabilistic_schema),
      policy<RateLimitingConfig, RateLimiting>("rate_limiting", "spans per second", rate_limiting_schema),
      policy<SpanCountConfig, SpanCount>("span_count", "the trace's span count within bounds", span_count_schema),
      policy<StatusCodeConfig, StatusCode>("status_code", "a span has one of the status codes", status_code_schema),
      policy<StringAttributeConfig, StringAttribute>("string_attribute", "a string attribute has one of the values",
                                                     string_attribute_schema),
      policy<TraceStateConfig, TraceState>("trace_state", "a span's W3C tracestate has key=<one of values>",
                                           trace_state_schema),
  };
  return types;
}

PolicyPtr make_policy(const PolicyConfig& config) {
  for (const auto& t : policy_types())
    if (t.name == config.type) return t.build(config.settings);
  throw std::logic_error("unknown tail_sampling policy type '" + config.type + "'");
}

}  // namespace otlpd::tail_sampling
