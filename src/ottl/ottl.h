// OTTL, the Collector's transformation language: statements and conditions compiled once, at load, into closures
// over the decoded OTLP messages of one context (resource, scope, span, span event, metric, data point, log).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/logs/v1/logs.pb.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "ottl/parser.h"
#include "ottl/value.h"

namespace otlpd::ottl {

namespace pb {
using opentelemetry::proto::common::v1::InstrumentationScope;
using opentelemetry::proto::logs::v1::LogRecord;
using opentelemetry::proto::metrics::v1::ExponentialHistogramDataPoint;
using opentelemetry::proto::metrics::v1::HistogramDataPoint;
using opentelemetry::proto::metrics::v1::Metric;
using opentelemetry::proto::metrics::v1::NumberDataPoint;
using opentelemetry::proto::metrics::v1::SummaryDataPoint;
using opentelemetry::proto::resource::v1::Resource;
using opentelemetry::proto::trace::v1::Span;
using SpanEvent = opentelemetry::proto::trace::v1::Span::Event;
}  // namespace pb

enum class ContextKind { resource, scope, span, spanevent, metric, datapoint, log };

// "resource", "scope", "span", "spanevent", "metric", "datapoint", "log".
std::string_view context_name(ContextKind k);
std::optional<ContextKind> parse_context(std::string_view name);

// The item a statement runs on, with its parents: fields below the context are null.
struct Item {
  pb::Resource* resource = nullptr;
  pb::InstrumentationScope* scope = nullptr;
  pb::Span* span = nullptr;
  pb::SpanEvent* event = nullptr;
  pb::Metric* metric = nullptr;
  // One of the data point kinds, by the metric's type.
  pb::NumberDataPoint* number = nullptr;
  pb::HistogramDataPoint* histogram = nullptr;
  pb::ExponentialHistogramDataPoint* exp_histogram = nullptr;
  pb::SummaryDataPoint* summary = nullptr;
  pb::LogRecord* log = nullptr;
  // The metrics of the metric's scope, where functions that make metrics (copy_metric, extract_sum_metric...) add
  // them; null where the caller does not take new metrics (those functions then do nothing).
  google::protobuf::RepeatedPtrField<pb::Metric>* metrics = nullptr;
  // `cache`: a map that lives while one item's statements run; created on first use.
  std::unique_ptr<AnyValue> cache;

  void clear_cache() { cache.reset(); }

  // The data point, one of the kinds (the others null); clear_point(): none.
  void set_point(pb::NumberDataPoint& p) {
    clear_point();
    number = &p;
  }
  void set_point(pb::HistogramDataPoint& p) {
    clear_point();
    histogram = &p;
  }
  void set_point(pb::ExponentialHistogramDataPoint& p) {
    clear_point();
    exp_histogram = &p;
  }
  void set_point(pb::SummaryDataPoint& p) {
    clear_point();
    summary = &p;
  }
  void clear_point() {
    number = nullptr;
    histogram = nullptr;
    exp_histogram = nullptr;
    summary = nullptr;
  }
};

class Program;

// A compiled condition (a boolean expression). eval() throws EvalError when the expression cannot be evaluated
// for this item (the caller's error_mode decides).
class Condition {
 public:
  bool eval(Item& item) const { return fn_(item); }
  const std::string& text() const { return text_; }
  // In the metric context: whether the condition reads the metric's data points (HasAttrOnDatapoint,
  // HasAttrKeyOnDatapoint); the other paths read the metric's own fields. For code that decodes a metric without
  // its points when no condition reads them (the filter on received bytes).
  bool reads_points() const { return reads_points_; }

 private:
  friend Condition compile_condition(std::string_view, ContextKind);
  std::function<bool(Item&)> fn_;
  std::string text_;
  bool reads_points_ = false;
};

// What a statement's editor may change, as a mask: the item's resource, its scope, the item itself (a span with its
// events, a metric with its points, a log record); 0 when it writes only `cache`. Found from the path the editor
// targets, for code that re-encodes only what changed (the transform processor on received bytes).
struct Writes {
  static constexpr unsigned resource = 1, scope = 2, item = 4, all = 7;
};

// A compiled statement: an editor with an optional where clause. exec() returns whether the editor ran.
class Statement {
 public:
  bool exec(Item& item) const;
  const std::string& text() const { return text_; }
  unsigned writes() const { return writes_; }

 private:
  friend Statement compile_statement(std::string_view, ContextKind);
  std::function<void(Item&)> editor_;
  std::function<bool(Item&)> where_;  // empty: always
  std::string text_;
  unsigned writes_ = Writes::all;
};

// Both throw ParseError (1-based column in `text`) for syntax errors, unknown paths, functions and enums (with the
// closest valid names), wrong argument counts or types, and bad regular expressions.
Condition compile_condition(std::string_view text, ContextKind ctx);
Statement compile_statement(std::string_view text, ContextKind ctx);

// `statement "<text>": column N: <why>`, the text of a config error for one statement.
std::string describe_error(std::string_view text, const ParseError& e);

// The context prefixes the paths of `texts` name (`span.name` → span): the lowest of them, as the Collector
// infers a context for a flat list of statements (`conditions` are conditions, not statements); nullopt when no
// path has a prefix. Throws ParseError naming the text that does not parse.
std::optional<ContextKind> infer_context(const std::vector<std::string>& statements,
                                         const std::vector<std::string>& conditions = {});

// `s` as an OTTL string literal (double-quoted, Go escapes), for building statement text.
std::string quote(std::string_view s);

// Names of every function, for docs and tests.
std::vector<std::string> function_names();

// The closest of `candidates` to `name` by edit distance (at most 3 edits, or a third of the name), best first.
std::vector<std::string> close_names(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace otlpd::ottl
