// Span and log record filtering on the wire: ExportTraceServiceRequest{1: ResourceSpans{1: Resource, 2: ScopeSpans{
// 1: scope, 2: Span}}} and ExportLogsServiceRequest{1: ResourceLogs{1: Resource, 2: ScopeLogs{1: scope,
// 2: LogRecord}}} have the same shape and field numbers, so one walk serves both; unknown fields are kept in place.
#include "processors/filter/wire_filter.h"

#include "codec/wire_reader.h"
#include "processors/common/wire_parts.h"

namespace otlpd::filter_processor {

namespace {

using otlp_wire::Field;
using otlp_wire::Reader;
using otlp_wire::WireType;

// `Leaf` is the item type (Span, LogRecord); `slot` the Item field it is judged through.
template <typename Leaf>
struct Walk {
  const ItemVerdict& drop;
  Leaf* ottl::Item::*slot;
  ottl::Item item;
  ottl::pb::Resource resource;
  ottl::pb::InstrumentationScope scope;
  Leaf leaf;
  size_t dropped = 0;
  bool bad = false;

  void read_singular(std::string_view msg, uint32_t number, google::protobuf::MessageLite& out) {
    if (!processors::read_message_field(msg, number, out)) bad = true;
  }

  // ScopeSpans / ScopeLogs: appends what stays to `out`; returns the number of items kept.
  size_t scope_spans(std::string_view body, std::string& out, bool& changed) {
    read_singular(body, 1, scope);
    item.scope = &scope;
    Reader r(body);
    Field f;
    size_t kept = 0;
    while (r.next(f)) {
      if (f.number == 2 && f.type == WireType::len) {
        if (!leaf.ParseFromArray(f.body.data(), static_cast<int>(f.body.size()))) {
          bad = true;
          return 0;
        }
        item.*slot = &leaf;
        item.clear_cache();
        if (drop(item)) {
          ++dropped;
          changed = true;
          continue;
        }
        ++kept;
      }
      out.append(f.raw);
    }
    if (r.error()) bad = true;
    return kept;
  }

  // ResourceSpans / ResourceLogs: appends what stays; returns the number of items kept.
  size_t resource_spans(std::string_view body, std::string& out, bool& changed) {
    read_singular(body, 1, resource);
    item.resource = &resource;
    Reader r(body);
    Field f;
    size_t kept = 0;
    while (r.next(f)) {
      if (f.number == 2 && f.type == WireType::len) {
        std::string inner;
        bool inner_changed = false;
        const size_t n = scope_spans(f.body, inner, inner_changed);
        if (bad) return 0;
        kept += n;
        if (!inner_changed && n > 0) {
          out.append(f.raw);
        } else if (n > 0) {
          changed = true;
          otlp_wire::LenField lf(out, 2, inner.size());
          out.append(inner);
          lf.end();
        } else {
          changed = true;  // a scope left without items goes
        }
        continue;
      }
      out.append(f.raw);
    }
    if (r.error()) bad = true;
    return kept;
  }
};

template <typename Leaf>
WireFilterResult filter_on_wire(std::string_view request, const ItemVerdict& drop, Leaf* ottl::Item::*slot) {
  WireFilterResult out;
  Walk<Leaf> w{drop, slot, {}, {}, {}, {}, 0, false};
  std::string bytes;
  bool changed = false;
  Reader r(request);
  Field f;
  while (r.next(f)) {
    if (f.number == 1 && f.type == WireType::len) {
      std::string inner;
      bool inner_changed = false;
      const size_t kept = w.resource_spans(f.body, inner, inner_changed);
      if (w.bad) return out;
      out.kept += kept;
      if (!inner_changed && kept > 0) {
        bytes.append(f.raw);
      } else if (kept > 0) {
        changed = true;
        otlp_wire::LenField lf(bytes, 1, inner.size());
        bytes.append(inner);
        lf.end();
      } else {
        changed = true;  // a resource left without items goes
      }
      continue;
    }
    bytes.append(f.raw);
  }
  if (r.error()) return out;
  out.rewrite.ok = true;
  out.rewrite.changed = changed;
  if (changed) out.rewrite.bytes = std::move(bytes);
  out.dropped = w.dropped;
  return out;
}

}  // namespace

WireFilterResult filter_spans_on_wire(std::string_view request, const ItemVerdict& drop) {
  return filter_on_wire(request, drop, &ottl::Item::span);
}

WireFilterResult filter_logs_on_wire(std::string_view request, const ItemVerdict& drop) {
  return filter_on_wire(request, drop, &ottl::Item::log);
}

}  // namespace otlpd::filter_processor
