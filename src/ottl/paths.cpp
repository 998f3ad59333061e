// The paths of each OTTL context (pkg/ottl/contexts/*/README.md): fields of the item and of its parents, with
// `["key"]` / `[index]` into attribute maps, the log body and the cache.
#include <algorithm>

#include "ottl/internal.h"

// The field tables below build Accessors as aggregates and leave the fast-read members (peek, text) out.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace otlpd::ottl {

namespace {

enum class Obj { resource, scope, span, event, metric, datapoint, log };

pb::Resource* resource_of(Item& i) { return i.resource; }
pb::InstrumentationScope* scope_of(Item& i) { return i.scope; }
pb::Span* span_of(Item& i) { return i.span; }
pb::SpanEvent* event_of(Item& i) { return i.event; }
pb::Metric* metric_of(Item& i) { return i.metric; }
pb::LogRecord* log_of(Item& i) { return i.log; }

// Calls f with the item's data point, whichever kind it is; `none` when there is none.
template <typename F, typename R>
R with_point(Item& i, F f, R none) {
  if (i.number) return f(*i.number);
  if (i.histogram) return f(*i.histogram);
  if (i.exp_histogram) return f(*i.exp_histogram);
  if (i.summary) return f(*i.summary);
  return none;
}

struct FieldDef {
  Accessor acc;
  std::function<Attributes*(Item&)> map;  // keyable as a map (attributes)
  // Keyable as a value (body); `create`: for a write, else null when the item has none (a read changes nothing).
  std::function<AnyValue*(Item&, bool create)> any;
};

using Table = std::map<std::string, FieldDef, std::less<>>;

FieldDef with_text(FieldDef d, std::function<const std::string*(Item&)> text) {
  d.acc.text = std::move(text);
  return d;
}

#define OTTL_STR(OBJ, F)                                                           \
  with_text(FieldDef{Accessor{[](Item& i) -> Value {                               \
                                auto* o = OBJ(i);                                  \
                                return o ? Value(o->F()) : Value();                \
                              },                                                   \
                              [](Item& i, const Value& v) {                        \
                                auto* o = OBJ(i);                                  \
                                if (o && v.is_string()) o->set_##F(v.as_string()); \
                              },                                                   \
                              nullptr, VType::string, #F},                         \
                     nullptr, nullptr},                                            \
            [](Item& i) -> const std::string* {                                    \
              auto* o = OBJ(i);                                                    \
              return o ? &o->F() : nullptr;                                        \
            })

#define OTTL_INT(OBJ, F, CAST)                                                 \
  FieldDef {                                                                   \
    Accessor{[](Item& i) -> Value {                                            \
               auto* o = OBJ(i);                                               \
               return o ? Value(static_cast<int64_t>(o->F())) : Value();       \
             },                                                                \
             [](Item& i, const Value& v) {                                     \
               auto* o = OBJ(i);                                               \
               if (o && v.is_int()) o->set_##F(static_cast<CAST>(v.as_int())); \
             },                                                                \
             nullptr, VType::integer, #F},                                     \
        nullptr, nullptr                                                       \
  }

#define OTTL_TIME(OBJ, F)                                                                      \
  FieldDef {                                                                                   \
    Accessor{[](Item& i) -> Value {                                                            \
               auto* o = OBJ(i);                                                               \
               return o ? Value(Time{static_cast<int64_t>(o->F())}) : Value();                 \
             },                                                                                \
             [](Item& i, const Value& v) {                                                     \
               auto* o = OBJ(i);                                                               \
               if (o && v.is_time()) o->set_##F(static_cast<uint64_t>(v.as_time().unix_nano)); \
             },                                                                                \
             nullptr, VType::time, #F},                                                        \
        nullptr, nullptr                                                                       \
  }

#define OTTL_ATTRS(OBJ)                                                            \
  FieldDef {                                                                       \
    Accessor{[](Item& i) -> Value {                                                \
               auto* o = OBJ(i);                                                   \
               return o ? map_value(o->attributes()) : Value();                    \
             },                                                                    \
             [](Item& i, const Value& v) {                                         \
               auto* o = OBJ(i);                                                   \
               if (o && v.is_map()) map_assign(*o->mutable_attributes(), v.any()); \
             },                                                                    \
             [](Item& i) -> Attributes* {                                          \
               auto* o = OBJ(i);                                                   \
               return o ? o->mutable_attributes() : nullptr;                       \
             },                                                                    \
             VType::map, "attributes"},                                            \
        [](Item& i) -> Attributes* {                                               \
          auto* o = OBJ(i);                                                        \
          return o ? o->mutable_attributes() : nullptr;                            \
        },                                                                         \
        nullptr                                                                    \
  }

// A trace or span id as bytes, and `.string` as lower-case hex.
template <typename Get, typename Set>
void add_id(Table& t, const std::string& name, Get get, Set set, size_t size) {
  t[name] = FieldDef{Accessor{[get](Item& i) -> Value {
                                const std::string* s = get(i);
                                return s ? Value(Bytes{*s}) : Value();
                              },
                              [set, size](Item& i, const Value& v) {
                                if (v.is_bytes() && (v.as_bytes().size() == size || v.as_bytes().empty()))
                                  set(i, v.as_bytes());
                              },
                              nullptr, VType::bytes, name},
                     nullptr, nullptr};
  t[name + ".string"] = FieldDef{Accessor{[get](Item& i) -> Value {
                                            const std::string* s = get(i);
                                            return s ? Value(hex_encode(*s)) : Value();
                                          },
                                          [set, size](Item& i, const Value& v) {
                                            if (!v.is_string() || v.as_string().size() != size * 2) return;
                                            std::string out;
                                            for (size_t k = 0; k < size; ++k) {
                                              auto digit = [](char c) -> int {
                                                if (c >= '0' && c <= '9') return c - '0';
                                                if (c >= 'a' && c <= 'f') return c - 'a' + 10;
                                                if (c >= 'A' && c <= 'F') return c - 'A' + 10;
                                                return -1;
                                              };
                                              const int hi = digit(v.as_string()[2 * k]);
                                              const int lo = digit(v.as_string()[2 * k + 1]);
                                              if (hi < 0 || lo < 0) return;
                                              out += static_cast<char>(hi * 16 + lo);
                                            }
                                            set(i, out);
                                          },
                                          nullptr, VType::string, name + ".string"},
                                 nullptr, nullptr};
}

const Table& resource_fields() {
  static const Table t = {
      {"attributes", OTTL_ATTRS(resource_of)},
      {"dropped_attributes_count", OTTL_INT(resource_of, dropped_attributes_count, uint32_t)},
  };
  return t;
}

const Table& scope_fields() {
  static const Table t = {
      {"name", OTTL_STR(scope_of, name)},
      {"version", OTTL_STR(scope_of, version)},
      {"attributes", OTTL_ATTRS(scope_of)},
      {"dropped_attributes_count", OTTL_INT(scope_of, dropped_attributes_count, uint32_t)},
  };
  return t;
}

// A span event or link as an OTTL map, for the read-only `events` and `links` paths.
AnyValue event_value(const pb::SpanEvent& e) {
  AnyValue v;
  auto& m = *v.mutable_kvlist_value()->mutable_values();
  map_put(m, "name").set_string_value(e.name());
  map_put(m, "time_unix_nano").set_int_value(static_cast<int64_t>(e.time_unix_nano()));
  *map_put(m, "attributes").mutable_kvlist_value()->mutable_values() = e.attributes();
  map_put(m, "dropped_attributes_count").set_int_value(e.dropped_attributes_count());
  return v;
}

AnyValue link_value(const pb::Span::Link& l) {
  AnyValue v;
  auto& m = *v.mutable_kvlist_value()->mutable_values();
  map_put(m, "trace_id").set_bytes_value(l.trace_id());
  map_put(m, "span_id").set_bytes_value(l.span_id());
  map_put(m, "trace_state").set_string_value(l.trace_state());
  *map_put(m, "attributes").mutable_kvlist_value()->mutable_values() = l.attributes();
  map_put(m, "dropped_attributes_count").set_int_value(l.dropped_attributes_count());
  map_put(m, "flags").set_int_value(l.flags());
  return v;
}

template <typename Items, typename ToAny>
Value list_of(const Items& items, ToAny to_any) {
  AnyValue v;
  auto* list = v.mutable_array_value();
  for (const auto& x : items) *list->add_values() = to_any(x);
  return Value::from_any(v);
}

// W3C tracestate ("k1=v1,k2=v2") as Go's go.opentelemetry.io/otel/trace.TraceState reads and writes it, which the
// Collector's trace_state["key"] uses: at most 32 members, no duplicate keys, keys `[a-z][_0-9a-z-*/]{0,255}` or
// `tenant@system`, values of 1-256 printable characters without ',' and '=' that do not end in a space.
using TraceStateMembers = std::vector<std::pair<std::string, std::string>>;
constexpr size_t kMaxTraceStateMembers = 32;

bool trace_state_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' || c == '/';
}

bool trace_state_key_part(std::string_view k, size_t max, bool digit_first) {
  if (k.empty() || k.size() > max) return false;
  if (!((k[0] >= 'a' && k[0] <= 'z') || (digit_first && k[0] >= '0' && k[0] <= '9'))) return false;
  return std::all_of(k.begin(), k.end(), trace_state_key_char);
}

bool valid_trace_state_key(std::string_view k) {
  const size_t at = k.find('@');
  if (at == std::string_view::npos) return trace_state_key_part(k, 256, false);
  return trace_state_key_part(k.substr(0, at), 241, true) && trace_state_key_part(k.substr(at + 1), 14, false);
}

bool valid_trace_state_value(std::string_view v) {
  if (v.empty() || v.size() > 256 || v.back() == ' ') return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c <= 0x7e && c != ',' && c != '='; });
}

std::optional<TraceStateMembers> parse_trace_state(std::string_view s) {
  TraceStateMembers out;
  while (!s.empty()) {
    const size_t comma = s.find(',');
    std::string_view m = s.substr(0, comma);
    s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
    if (m.empty()) continue;
    const size_t eq = m.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view key = m.substr(0, eq), value = m.substr(eq + 1);
    while (!key.empty() && (key.front() == ' ' || key.front() == '\t')) key.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (!valid_trace_state_key(key) || !valid_trace_state_value(value)) return std::nullopt;
    for (const auto& [k, v] : out)
      if (k == key) return std::nullopt;
    out.emplace_back(key, value);
    if (out.size() > kMaxTraceStateMembers) return std::nullopt;
  }
  return out;
}

// `span.trace_state["key"]`: the member's value ("" when missing, nil when the trace state does not parse); set
// moves the member, new or updated, to the front, and leaves an invalid key or value or a full list alone.
Accessor trace_state_member(Compiler& c, const std::vector<ast::Key>& keys, std::string name) {
  if (keys.size() != 1) throw ParseError(keys.back().pos, "must provide exactly 1 key when accessing trace_state");
  if (keys[0].index) throw ParseError(keys[0].pos, "trace_state indexing type must be a string");
  Eval key_expr = keys[0].expr ? c.value(*keys[0].expr) : Eval();
  auto key_of = [key = keys[0].string, key_expr](Item& i) -> std::string {
    if (!key_expr) return *key;
    Value k = key_expr(i);
    if (!k.is_string()) throw EvalError("trace_state indexing type must be a string");
    return k.as_string();
  };
  Accessor a;
  a.name = std::move(name);
  a.type = VType::string;
  a.get = [key_of](Item& i) -> Value {
    if (!i.span) return Value();
    auto members = parse_trace_state(i.span->trace_state());
    if (!members) return Value();
    const std::string key = key_of(i);
    for (const auto& [k, v] : *members)
      if (k == key) return Value(v);
    return Value(std::string());
  };
  a.set = [key_of](Item& i, const Value& v) {
    if (!i.span || !v.is_string()) return;
    auto members = parse_trace_state(i.span->trace_state());
    const std::string key = key_of(i);
    if (!members || !valid_trace_state_key(key) || !valid_trace_state_value(v.as_string())) return;
    std::erase_if(*members, [&](const auto& m) { return m.first == key; });
    if (members->size() >= kMaxTraceStateMembers) return;
    std::string out = key;
    out += '=';
    out += v.as_string();
    for (const auto& [k, val] : *members) {
      out += ',';
      out += k;
      out += '=';
      out += val;
    }
    i.span->set_trace_state(std::move(out));
  };
  return a;
}

const Table& span_fields() {
  static const Table t = [] {
    Table t = {
        {"name", OTTL_STR(span_of, name)},
        {"trace_state", OTTL_STR(span_of, trace_state)},
        {"kind", OTTL_INT(span_of, kind, pb::Span::SpanKind)},
        {"start_time_unix_nano", OTTL_INT(span_of, start_time_unix_nano, uint64_t)},
        {"end_time_unix_nano", OTTL_INT(span_of, end_time_unix_nano, uint64_t)},
        {"start_time", OTTL_TIME(span_of, start_time_unix_nano)},
        {"end_time", OTTL_TIME(span_of, end_time_unix_nano)},
        {"attributes", OTTL_ATTRS(span_of)},
        {"dropped_attributes_count", OTTL_INT(span_of, dropped_attributes_count, uint32_t)},
        {"dropped_events_count", OTTL_INT(span_of, dropped_events_count, uint32_t)},
        {"dropped_links_count", OTTL_INT(span_of, dropped_links_count, uint32_t)},
        {"flags", OTTL_INT(span_of, flags, uint32_t)},
    };
    t["status.code"] = FieldDef{
        Accessor{
            [](Item& i) -> Value { return i.span ? Value(static_cast<int64_t>(i.span->status().code())) : Value(); },
            [](Item& i, const Value& v) {
              if (i.span && v.is_int() && v.as_int() >= 0 && v.as_int() <= 2)
                i.span->mutable_status()->set_code(
                    static_cast<opentelemetry::proto::trace::v1::Status::StatusCode>(v.as_int()));
            },
            nullptr, VType::integer, "status.code"},
        nullptr, nullptr};
    t["status.message"] =
        FieldDef{Accessor{[](Item& i) -> Value { return i.span ? Value(i.span->status().message()) : Value(); },
                          [](Item& i, const Value& v) {
                            if (i.span && v.is_string()) i.span->mutable_status()->set_message(v.as_string());
                          },
                          nullptr, VType::string, "status.message"},
                 nullptr, nullptr};
    t["events"] =
        FieldDef{Accessor{[](Item& i) -> Value { return i.span ? list_of(i.span->events(), event_value) : Value(); },
                          nullptr, nullptr, VType::list, "events"},
                 nullptr, nullptr};
    t["links"] =
        FieldDef{Accessor{[](Item& i) -> Value { return i.span ? list_of(i.span->links(), link_value) : Value(); },
                          nullptr, nullptr, VType::list, "links"},
                 nullptr, nullptr};
    t["kind.string"] = FieldDef{Accessor{[](Item& i) -> Value {
                                           if (!i.span) return Value();
                                           static const char* names[] = {"Unspecified", "Internal", "Server",
                                                                         "Client",      "Producer", "Consumer"};
                                           const int k = static_cast<int>(i.span->kind());
                                           return Value(k >= 0 && k < 6 ? names[k] : "");
                                         },
                                         nullptr, nullptr, VType::string, "kind.string"},
                                nullptr, nullptr};
    t["duration"] = FieldDef{Accessor{[](Item& i) -> Value {
                                        if (!i.span) return Value();
                                        return Value(Dur{static_cast<int64_t>(i.span->end_time_unix_nano() -
                                                                              i.span->start_time_unix_nano())});
                                      },
                                      nullptr, nullptr, VType::duration, "duration"},
                             nullptr, nullptr};
    auto id = [&](const std::string& name, std::string* (pb::Span::*mut)(), const std::string& (pb::Span::*get)() const,
                  size_t size) {
      add_id(
          t, name, [get](Item& i) -> const std::string* { return i.span ? &(i.span->*get)() : nullptr; },
          [mut](Item& i, const std::string& v) {
            if (i.span) *(i.span->*mut)() = v;
          },
          size);
    };
    id("trace_id", &pb::Span::mutable_trace_id, &pb::Span::trace_id, 16);
    id("span_id", &pb::Span::mutable_span_id, &pb::Span::span_id, 8);
    id("parent_span_id", &pb::Span::mutable_parent_span_id, &pb::Span::parent_span_id, 8);
    return t;
  }();
  return t;
}

const Table& event_fields() {
  static const Table t = {
      {"name", OTTL_STR(event_of, name)},
      {"time_unix_nano", OTTL_INT(event_of, time_unix_nano, uint64_t)},
      {"time", OTTL_TIME(event_of, time_unix_nano)},
      {"attributes", OTTL_ATTRS(event_of)},
      {"dropped_attributes_count", OTTL_INT(event_of, dropped_attributes_count, uint32_t)},
  };
  return t;
}

int64_t metric_type(const pb::Metric& m) {
  // METRIC_DATA_TYPE_NONE 0, GAUGE 1, SUM 2, HISTOGRAM 3, EXPONENTIAL_HISTOGRAM 4, SUMMARY 5 (pmetric.MetricType).
  switch (m.data_case()) {
    case pb::Metric::kGauge:
      return 1;
    case pb::Metric::kSum:
      return 2;
    case pb::Metric::kHistogram:
      return 3;
    case pb::Metric::kExponentialHistogram:
      return 4;
    case pb::Metric::kSummary:
      return 5;
    default:
      return 0;
  }
}

int64_t temporality(const pb::Metric& m) {
  switch (m.data_case()) {
    case pb::Metric::kSum:
      return m.sum().aggregation_temporality();
    case pb::Metric::kHistogram:
      return m.histogram().aggregation_temporality();
    case pb::Metric::kExponentialHistogram:
      return m.exponential_histogram().aggregation_temporality();
    default:
      return 0;
  }
}

const Table& metric_fields() {
  static const Table t = [] {
    Table t = {
        {"name", OTTL_STR(metric_of, name)},
        {"description", OTTL_STR(metric_of, description)},
        {"unit", OTTL_STR(metric_of, unit)},
    };
    t["type"] = FieldDef{Accessor{[](Item& i) -> Value { return i.metric ? Value(metric_type(*i.metric)) : Value(); },
                                  nullptr, nullptr, VType::integer, "type"},
                         nullptr, nullptr};
    t["aggregation_temporality"] =
        FieldDef{Accessor{[](Item& i) -> Value { return i.metric ? Value(temporality(*i.metric)) : Value(); },
                          [](Item& i, const Value& v) {
                            if (!i.metric || !v.is_int() || v.as_int() < 0 || v.as_int() > 2) return;
                            auto t = static_cast<opentelemetry::proto::metrics::v1::AggregationTemporality>(v.as_int());
                            if (i.metric->has_sum()) i.metric->mutable_sum()->set_aggregation_temporality(t);
                            if (i.metric->has_histogram())
                              i.metric->mutable_histogram()->set_aggregation_temporality(t);
                            if (i.metric->has_exponential_histogram())
                              i.metric->mutable_exponential_histogram()->set_aggregation_temporality(t);
                          },
                          nullptr, VType::integer, "aggregation_temporality"},
                 nullptr, nullptr};
    t["is_monotonic"] = FieldDef{Accessor{[](Item& i) -> Value {
                                            if (!i.metric) return Value();
                                            return Value(i.metric->has_sum() && i.metric->sum().is_monotonic());
                                          },
                                          [](Item& i, const Value& v) {
                                            if (i.metric && v.is_bool() && i.metric->has_sum())
                                              i.metric->mutable_sum()->set_is_monotonic(v.as_bool());
                                          },
                                          nullptr, VType::boolean, "is_monotonic"},
                                 nullptr, nullptr};
    t["metadata"] =
        FieldDef{Accessor{[](Item& i) -> Value { return i.metric ? map_value(i.metric->metadata()) : Value(); },
                          [](Item& i, const Value& v) {
                            if (i.metric && v.is_map()) map_assign(*i.metric->mutable_metadata(), v.any());
                          },
                          [](Item& i) -> Attributes* { return i.metric ? i.metric->mutable_metadata() : nullptr; },
                          VType::map, "metadata"},
                 [](Item& i) -> Attributes* { return i.metric ? i.metric->mutable_metadata() : nullptr; }, nullptr};
    return t;
  }();
  return t;
}

const Table& datapoint_fields() {
  static const Table t = [] {
    Table t;
    auto attrs = [](Item& i) -> Attributes* {
      return with_point(
          i, [](auto& p) -> Attributes* { return p.mutable_attributes(); }, static_cast<Attributes*>(nullptr));
    };
    t["attributes"] = FieldDef{Accessor{[attrs](Item& i) -> Value {
                                          auto* a = attrs(i);
                                          return a ? map_value(*a) : Value();
                                        },
                                        [attrs](Item& i, const Value& v) {
                                          auto* a = attrs(i);
                                          if (a && v.is_map()) map_assign(*a, v.any());
                                        },
                                        attrs, VType::map, "attributes"},
                               attrs, nullptr};
    auto time_field = [&](const std::string& name, bool start, bool as_time) {
      t[name] = FieldDef{
          Accessor{[start, as_time](Item& i) -> Value {
                     return with_point(
                         i,
                         [&](auto& p) -> Value {
                           const auto ns = static_cast<int64_t>(start ? p.start_time_unix_nano() : p.time_unix_nano());
                           return as_time ? Value(Time{ns}) : Value(ns);
                         },
                         Value());
                   },
                   [start, as_time](Item& i, const Value& v) {
                     if (as_time ? !v.is_time() : !v.is_int()) return;
                     const auto ns = static_cast<uint64_t>(as_time ? v.as_time().unix_nano : v.as_int());
                     with_point(
                         i,
                         [&](auto& p) {
                           if (start)
                             p.set_start_time_unix_nano(ns);
                           else
                             p.set_time_unix_nano(ns);
                           return 0;
                         },
                         0);
                   },
                   nullptr, as_time ? VType::time : VType::integer, name},
          nullptr, nullptr};
    };
    time_field("start_time_unix_nano", true, false);
    time_field("time_unix_nano", false, false);
    time_field("start_time", true, true);
    time_field("time", false, true);
    t["flags"] = FieldDef{Accessor{[](Item& i) -> Value {
                                     return with_point(
                                         i, [](auto& p) { return Value(static_cast<int64_t>(p.flags())); }, Value());
                                   },
                                   nullptr, nullptr, VType::integer, "flags"},
                          nullptr, nullptr};
    t["value_int"] = FieldDef{Accessor{[](Item& i) -> Value {
                                         if (!i.number) return Value();
                                         return Value(static_cast<int64_t>(i.number->as_int()));
                                       },
                                       [](Item& i, const Value& v) {
                                         if (i.number && v.is_int()) i.number->set_as_int(v.as_int());
                                       },
                                       nullptr, VType::integer, "value_int"},
                              nullptr, nullptr};
    t["value_double"] = FieldDef{Accessor{[](Item& i) -> Value {
                                            if (!i.number) return Value();
                                            return Value(i.number->as_double());
                                          },
                                          [](Item& i, const Value& v) {
                                            if (i.number && v.is_double()) i.number->set_as_double(v.as_double());
                                          },
                                          nullptr, VType::floating, "value_double"},
                                 nullptr, nullptr};
    t["count"] = FieldDef{Accessor{[](Item& i) -> Value {
                                     if (i.histogram) return Value(static_cast<int64_t>(i.histogram->count()));
                                     if (i.exp_histogram) return Value(static_cast<int64_t>(i.exp_histogram->count()));
                                     if (i.summary) return Value(static_cast<int64_t>(i.summary->count()));
                                     return Value();
                                   },
                                   nullptr, nullptr, VType::integer, "count"},
                          nullptr, nullptr};
    t["sum"] = FieldDef{Accessor{[](Item& i) -> Value {
                                   if (i.histogram) return Value(i.histogram->sum());
                                   if (i.exp_histogram) return Value(i.exp_histogram->sum());
                                   if (i.summary) return Value(i.summary->sum());
                                   return Value();
                                 },
                                 nullptr, nullptr, VType::floating, "sum"},
                        nullptr, nullptr};
    return t;
  }();
  return t;
}

const Table& log_fields() {
  static const Table t = [] {
    Table t = {
        {"time_unix_nano", OTTL_INT(log_of, time_unix_nano, uint64_t)},
        {"observed_time_unix_nano", OTTL_INT(log_of, observed_time_unix_nano, uint64_t)},
        {"time", OTTL_TIME(log_of, time_unix_nano)},
        {"observed_time", OTTL_TIME(log_of, observed_time_unix_nano)},
        {"severity_number", OTTL_INT(log_of, severity_number, opentelemetry::proto::logs::v1::SeverityNumber)},
        {"severity_text", OTTL_STR(log_of, severity_text)},
        {"event_name", OTTL_STR(log_of, event_name)},
        {"attributes", OTTL_ATTRS(log_of)},
        {"dropped_attributes_count", OTTL_INT(log_of, dropped_attributes_count, uint32_t)},
        {"flags", OTTL_INT(log_of, flags, uint32_t)},
    };
    auto body = [](Item& i, bool create) -> AnyValue* {
      return i.log && (create || i.log->has_body()) ? i.log->mutable_body() : nullptr;
    };
    t["body"] = FieldDef{Accessor{[](Item& i) -> Value { return i.log ? Value::from_any(i.log->body()) : Value(); },
                                  [](Item& i, const Value& v) {
                                    if (i.log) v.to_any(*i.log->mutable_body());
                                  },
                                  [](Item& i) -> Attributes* {
                                    if (!i.log || !i.log->body().has_kvlist_value()) return nullptr;
                                    return i.log->mutable_body()->mutable_kvlist_value()->mutable_values();
                                  },
                                  VType::any, "body"},
                         nullptr, body};
    t["body.string"] = FieldDef{Accessor{[](Item& i) -> Value {
                                           if (!i.log) return Value();
                                           return Value(Value::from_any(i.log->body()).to_text());
                                         },
                                         [](Item& i, const Value& v) {
                                           if (i.log && v.is_string())
                                             i.log->mutable_body()->set_string_value(v.as_string());
                                         },
                                         nullptr, VType::string, "body.string"},
                                nullptr, nullptr};
    auto id = [&](const std::string& name, std::string* (pb::LogRecord::*mut)(),
                  const std::string& (pb::LogRecord::*get)() const, size_t size) {
      add_id(
          t, name, [get](Item& i) -> const std::string* { return i.log ? &(i.log->*get)() : nullptr; },
          [mut](Item& i, const std::string& v) {
            if (i.log) *(i.log->*mut)() = v;
          },
          size);
    };
    id("trace_id", &pb::LogRecord::mutable_trace_id, &pb::LogRecord::trace_id, 16);
    id("span_id", &pb::LogRecord::mutable_span_id, &pb::LogRecord::span_id, 8);
    return t;
  }();
  return t;
}

const Table& fields(Obj o) {
  switch (o) {
    case Obj::resource:
      return resource_fields();
    case Obj::scope:
      return scope_fields();
    case Obj::span:
      return span_fields();
    case Obj::event:
      return event_fields();
    case Obj::metric:
      return metric_fields();
    case Obj::datapoint:
      return datapoint_fields();
    case Obj::log:
      break;
  }
  return log_fields();
}

Obj own_object(ContextKind c) {
  switch (c) {
    case ContextKind::resource:
      return Obj::resource;
    case ContextKind::scope:
      return Obj::scope;
    case ContextKind::span:
      return Obj::span;
    case ContextKind::spanevent:
      return Obj::event;
    case ContextKind::metric:
      return Obj::metric;
    case ContextKind::datapoint:
      return Obj::datapoint;
    case ContextKind::log:
      break;
  }
  return Obj::log;
}

// Prefixes a context's paths may start with, and the object each names.
std::vector<std::pair<std::string, Obj>> prefixes(ContextKind c) {
  std::vector<std::pair<std::string, Obj>> out = {{"resource", Obj::resource}};
  if (c == ContextKind::resource) return out;
  out.push_back({"instrumentation_scope", Obj::scope});
  out.push_back({"scope", Obj::scope});
  switch (c) {
    case ContextKind::span:
      out.push_back({"span", Obj::span});
      break;
    case ContextKind::spanevent:
      out.push_back({"span", Obj::span});
      out.push_back({"spanevent", Obj::event});
      break;
    case ContextKind::metric:
      out.push_back({"metric", Obj::metric});
      break;
    case ContextKind::datapoint:
      out.push_back({"metric", Obj::metric});
      out.push_back({"datapoint", Obj::datapoint});
      break;
    case ContextKind::log:
      out.push_back({"log", Obj::log});
      break;
    default:
      break;
  }
  return out;
}

struct CompiledKey {
  size_t pos = 0;
  std::optional<std::string> name;
  std::optional<int64_t> index;
  Eval expr;
};

// Steps one key into `v`: a map key or a list index. Null when a map key is missing (and not created).
AnyValue* step(AnyValue* v, const CompiledKey& k, Item& item, bool create) {
  std::optional<std::string> name = k.name;
  std::optional<int64_t> index = k.index;
  if (k.expr) {
    Value key = k.expr(item);
    if (key.is_string())
      name = key.as_string();
    else if (key.is_int())
      index = key.as_int();
    else
      throw EvalError("a key must be a string or an int64, got " + key.type_name());
  }
  if (name) {
    if (!v->has_kvlist_value()) {
      if (!create) {
        if (v->value_case() == AnyValue::VALUE_NOT_SET) return nullptr;
        throw EvalError("type " + Value::from_any(*v).type_name() + " does not support string indexing");
      }
      v->mutable_kvlist_value();
    }
    auto& m = *v->mutable_kvlist_value()->mutable_values();
    AnyValue* found = map_find(m, *name);
    if (found || !create) return found;
    return &map_put(m, *name);
  }
  if (!v->has_array_value()) {
    if (!create && v->value_case() == AnyValue::VALUE_NOT_SET) return nullptr;
    throw EvalError("type " + Value::from_any(*v).type_name() + " does not support int indexing");
  }
  auto& list = *v->mutable_array_value()->mutable_values();
  if (*index < 0 || *index >= list.size())
    throw EvalError(std::string("index ") + std::to_string(*index) + " out of bounds");
  return list.Mutable(static_cast<int>(*index));
}

std::vector<CompiledKey> compile_keys(Compiler& c, const std::vector<ast::Key>& keys) {
  std::vector<CompiledKey> out;
  for (const auto& k : keys) {
    CompiledKey ck;
    ck.pos = k.pos;
    ck.name = k.string;
    ck.index = k.index;
    if (k.expr) {
      const VType t = c.type_of(*k.expr);
      if (t != VType::any && t != VType::string && t != VType::integer)
        throw ParseError(k.expr->pos, "a key must be a string or an int64");
      ck.expr = c.value(*k.expr);
    }
    out.push_back(std::move(ck));
  }
  return out;
}

// Keys applied to a map (attributes) or a value (body, cache): read as nil when missing, set creating maps.
Accessor keyed(std::function<Attributes*(Item&)> map, std::function<AnyValue*(Item&, bool)> any,
               std::vector<CompiledKey> keys, std::string name) {
  auto slot = std::make_shared<std::function<AnyValue*(Item&, bool)>>(
      [map, any, keys = std::move(keys)](Item& i, bool create) -> AnyValue* {
        AnyValue* v = nullptr;
        size_t first = 0;
        if (map) {
          Attributes* m = map(i);
          if (!m) return nullptr;
          const auto& k = keys.front();
          std::optional<std::string> key = k.name;
          if (k.expr) {
            Value kv = k.expr(i);
            if (!kv.is_string()) throw EvalError("a map key must be a string, got " + kv.type_name());
            key = kv.as_string();
          }
          if (!key) throw EvalError("a map cannot be indexed by an int64");
          v = map_find(*m, *key);
          if (!v) {
            if (!create) return nullptr;
            v = &map_put(*m, *key);
          }
          first = 1;
        } else {
          v = any(i, create);
          if (!v) return nullptr;
        }
        for (size_t k = first; k < keys.size() && v; ++k) v = step(v, keys[k], i, create);
        return v;
      });
  Accessor a;
  a.name = std::move(name);
  a.get = [slot](Item& i) -> Value {
    const AnyValue* v = (*slot)(i, false);
    return v ? Value::from_any(*v) : Value();
  };
  a.set = [slot](Item& i, const Value& v) {
    if (AnyValue* out = (*slot)(i, true)) v.to_any(*out);
  };
  a.map = [slot](Item& i) -> Attributes* {
    AnyValue* v = (*slot)(i, false);
    if (!v || !v->has_kvlist_value()) return nullptr;
    return v->mutable_kvlist_value()->mutable_values();
  };
  a.peek = [slot](Item& i) -> const AnyValue* { return (*slot)(i, false); };
  return a;
}

// Keys into a read-only list path (`events[0]["name"]`): applied to a copy of the value.
Accessor read_only_keyed(Eval get, std::vector<CompiledKey> keys, std::string name) {
  Accessor a;
  a.name = std::move(name);
  a.get = [get, keys = std::move(keys)](Item& i) -> Value {
    Value v = get(i);
    if (v.is_nil()) return v;
    AnyValue* at = &v.any();
    for (size_t k = 0; k < keys.size() && at; ++k) at = step(at, keys[k], i, false);
    return at ? Value::from_any(*at) : Value();
  };
  return a;
}

std::string joined(const std::vector<ast::Field>& fields, size_t from) {
  std::string out;
  for (size_t k = from; k < fields.size(); ++k) {
    if (!out.empty()) out += '.';
    out += fields[k].name;
  }
  return out;
}

}  // namespace

std::vector<std::string> path_names(ContextKind ctx) {
  std::vector<std::string> out = {"cache"};
  for (const auto& [name, def] : fields(own_object(ctx))) out.push_back(name);
  for (const auto& [prefix, obj] : prefixes(ctx))
    for (const auto& [name, def] : fields(obj)) out.push_back(prefix + "." + name);
  return out;
}

Accessor resolve_path(Compiler& c, const ast::Expr& path) {
  const ContextKind ctx = c.context();
  // `cache` and `cache["k"]...`, in every context; `span.cache` names the same map.
  std::vector<ast::Field> stripped;
  if (path.path.size() == 2 && path.path[1].name == "cache" && path.path[0].name == context_name(ctx) &&
      path.path[0].keys.empty()) {
    ast::Field only;
    only.pos = path.path[1].pos;
    only.name = "cache";
    for (const auto& k : path.path[1].keys) {
      ast::Key copy;
      copy.pos = k.pos;
      copy.string = k.string;
      copy.index = k.index;
      if (k.expr) throw ParseError(k.pos, "cache keys must be literals");
      only.keys.push_back(std::move(copy));
    }
    stripped.push_back(std::move(only));
  }
  const auto& f = stripped.empty() ? path.path : stripped;
  if (f.size() == 1 && f[0].name == "cache") {
    auto any = [](Item& i, bool create) -> AnyValue* {
      if (!i.cache) {
        if (!create) return nullptr;
        i.cache = std::make_unique<AnyValue>();
        i.cache->mutable_kvlist_value();
      }
      return i.cache.get();
    };
    if (!f[0].keys.empty()) return keyed(nullptr, any, compile_keys(c, f[0].keys), "cache");
    Accessor a;
    a.name = "cache";
    a.type = VType::map;
    a.get = [](Item& i) -> Value { return i.cache ? Value::from_any(*i.cache) : Value::map(AnyValue()); };
    a.set = [any](Item& i, const Value& v) {
      if (v.is_map()) any(i, true)->CopyFrom(v.any());
    };
    a.map = [any](Item& i) -> Attributes* { return any(i, true)->mutable_kvlist_value()->mutable_values(); };
    return a;
  }
  Obj obj = own_object(ctx);
  size_t from = 0;
  if (f.size() > 1) {
    for (const auto& [prefix, o] : prefixes(ctx)) {
      if (f[0].name == prefix) {
        if (!f[0].keys.empty()) throw ParseError(f[0].keys.front().pos, "'" + prefix + "' cannot be indexed");
        obj = o;
        from = 1;
        break;
      }
    }
  }
  if (from == 0 && f.size() > 1 && f[0].name == context_name(ctx)) from = 1;
  for (size_t k = from; k + 1 < f.size(); ++k)
    if (!f[k].keys.empty()) throw ParseError(f[k].keys.front().pos, "only the last field of a path may be indexed");
  const std::string name = joined(f, from);
  const auto& table = fields(obj);
  auto it = table.find(name);
  if (it == table.end()) {
    const std::string written = joined(f, 0);
    std::string msg = "unknown path '" + written + "' in the " + std::string(context_name(ctx)) + " context";
    auto close = close_names(written, path_names(ctx));
    if (!close.empty()) msg += "; did you mean " + close.front() + "?";
    throw ParseError(path.pos, msg);
  }
  const auto& keys = f.back().keys;
  if (keys.empty()) {
    Accessor a = it->second.acc;
    a.name = joined(f, 0);
    return a;
  }
  if (obj == Obj::span && name == "trace_state") return trace_state_member(c, keys, joined(f, 0));
  if (!it->second.map && !it->second.any && it->second.acc.type == VType::list)
    return read_only_keyed(it->second.acc.get, compile_keys(c, keys), joined(f, 0));
  if (!it->second.map && !it->second.any) throw ParseError(keys.front().pos, "path '" + name + "' cannot be indexed");
  return keyed(it->second.map, it->second.any, compile_keys(c, keys), joined(f, 0));
}

const std::map<std::string, int64_t, std::less<>>& enums() {
  static const std::map<std::string, int64_t, std::less<>> e = [] {
    std::map<std::string, int64_t, std::less<>> e = {
        {"SPAN_KIND_UNSPECIFIED", 0},
        {"SPAN_KIND_INTERNAL", 1},
        {"SPAN_KIND_SERVER", 2},
        {"SPAN_KIND_CLIENT", 3},
        {"SPAN_KIND_PRODUCER", 4},
        {"SPAN_KIND_CONSUMER", 5},
        {"STATUS_CODE_UNSET", 0},
        {"STATUS_CODE_OK", 1},
        {"STATUS_CODE_ERROR", 2},
        {"METRIC_DATA_TYPE_NONE", 0},
        {"METRIC_DATA_TYPE_GAUGE", 1},
        {"METRIC_DATA_TYPE_SUM", 2},
        {"METRIC_DATA_TYPE_HISTOGRAM", 3},
        {"METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM", 4},
        {"METRIC_DATA_TYPE_SUMMARY", 5},
        {"AGGREGATION_TEMPORALITY_UNSPECIFIED", 0},
        {"AGGREGATION_TEMPORALITY_DELTA", 1},
        {"AGGREGATION_TEMPORALITY_CUMULATIVE", 2},
        {"FLAG_NONE", 0},
        {"FLAG_NO_RECORDED_VALUE", 1},
        {"SEVERITY_NUMBER_UNSPECIFIED", 0},
    };
    const char* levels[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
    for (int l = 0; l < 6; ++l) {
      const std::string base = std::string("SEVERITY_NUMBER_") + levels[l];
      e[base] = l * 4 + 1;
      for (int k = 2; k <= 4; ++k) e[base + std::to_string(k)] = l * 4 + k;
    }
    return e;
  }();
  return e;
}

}  // namespace otlpd::ottl
