// Transform statements on the wire: ExportTraceServiceRequest{1: ResourceSpans{1: Resource, 2: ScopeSpans{1: scope,
// 2: Span}}}, ExportLogsServiceRequest{1: ResourceLogs{1: Resource, 2: ScopeLogs{1: scope, 2: LogRecord}}} and
// ExportMetricsServiceRequest{1: ResourceMetrics{1: Resource, 2: ScopeMetrics{1: scope, 2: Metric}}} have the same
// shape, so one walk serves the three. Unknown fields, and fields of messages nothing changed, keep their bytes.
#include "processors/transform/wire_transform.h"

#include <google/protobuf/arena.h>

#include "codec/wire_reader.h"
#include "model/batch.h"
#include "model/metric_points.h"
#include "processors/common/wire_parts.h"

namespace otlpd::transform_processor {

namespace {

using otlp_wire::Field;
using otlp_wire::Reader;
using otlp_wire::WireType;
using ottl::ContextKind;
using ottl::Writes;
using processors::append_message_field;

bool is_message(const Field& f, uint32_t number) { return f.number == number && f.type == WireType::len; }

// One resource's items, decoded, and what the groups may have changed. `Leaf` is Span, LogRecord or Metric (with its
// data points: the datapoint context's item); messages live on the walk's arena and are reused from one resource to
// the next.
template <typename Leaf>
class Walk {
 public:
  Walk(const std::vector<StatementGroup>& groups, const GroupRunner& run, Leaf* ottl::Item::*slot)
      : groups_(groups), run_(run), slot_(slot), arena_(request_arena_options()) {
    resource_ = google::protobuf::Arena::CreateMessage<ottl::pb::Resource>(&arena_);
    for (const auto& g : groups)
      if (g.context != ContextKind::resource && g.context != ContextKind::scope) leaves_needed_ = true;
  }

  bool bad() const { return bad_; }

  // A ResourceSpans / ResourceLogs body: appends it, edited, to `out`; false when nothing changed (then `out` is
  // left alone and the caller copies the field).
  bool resource(std::string_view body, std::string& out) {
    if (!read(body)) return false;
    for (const auto& g : groups_) {
      run_group(g);
      if (bad_) return false;
    }
    if (!resource_dirty_ && !any_scope_dirty()) return false;
    std::string inner;
    if (resource_dirty_ && !has_resource_ && resource_->ByteSizeLong() > 0) append_message_field(inner, 1, *resource_);
    bool resource_written = false;
    size_t k = 0;
    Reader r(body);
    Field f;
    while (r.next(f)) {
      if (is_message(f, 1) && resource_dirty_) {
        if (!resource_written) append_message_field(inner, 1, *resource_);
        resource_written = true;
      } else if (is_message(f, 2)) {
        write_scope(scopes_[k++], f, inner);
      } else {
        inner.append(f.raw);
      }
    }
    otlp_wire::LenField lf(out, 1, inner.size());
    out.append(inner);
    lf.end();
    return true;
  }

 private:
  struct LeafSlot {
    std::string_view raw, body;
    Leaf* msg = nullptr;
    bool dirty = false;
  };
  struct ScopeSlot {
    std::string_view body;
    ottl::pb::InstrumentationScope* msg = nullptr;
    bool present = false;
    bool dirty = false;         // the scope message
    bool leaves_dirty = false;  // one of its items
    size_t first = 0, end = 0;  // its items in leaves_
  };

  // Decodes the resource, the scopes and (when a group needs them) the items.
  bool read(std::string_view body) {
    has_resource_ = false;
    resource_dirty_ = false;
    scopes_.clear();
    leaves_.clear();
    Reader r(body);
    Field f;
    while (r.next(f)) {
      if (is_message(f, 1)) has_resource_ = true;
      if (is_message(f, 2)) read_scope(f.body);
    }
    if (r.error() || !processors::read_message_field(body, 1, *resource_)) bad_ = true;
    return !bad_;
  }

  void read_scope(std::string_view body) {
    ScopeSlot s;
    s.body = body;
    s.msg = pooled(scope_pool_, scopes_.size());
    s.first = leaves_.size();
    Reader r(body);
    Field f;
    while (r.next(f)) {
      if (is_message(f, 1)) s.present = true;
      if (!is_message(f, 2)) continue;
      LeafSlot l{f.raw, f.body};
      if constexpr (std::is_same_v<Leaf, ottl::pb::Metric>) {
        if (!processors::single_data_field(f.body)) bad_ = true;
      }
      if (leaves_needed_) {
        l.msg = pooled(leaf_pool_, leaves_.size());
        if (!l.msg->ParseFromArray(f.body.data(), static_cast<int>(f.body.size()))) bad_ = true;
      }
      leaves_.push_back(l);
    }
    s.end = leaves_.size();
    if (r.error() || !processors::read_message_field(body, 1, *s.msg)) bad_ = true;
    scopes_.push_back(s);
  }

  template <typename M>
  M* pooled(std::vector<M*>& pool, size_t k) {
    while (pool.size() <= k) pool.push_back(google::protobuf::Arena::CreateMessage<M>(&arena_));
    return pool[k];
  }

  // One group on every item of its context in this resource.
  void run_group(const StatementGroup& g) {
    ottl::Item item;
    item.resource = resource_;
    if (g.context == ContextKind::resource) {
      note(run_(g, item), nullptr, nullptr);
      return;
    }
    for (auto& s : scopes_) {
      item.scope = s.msg;
      if (g.context == ContextKind::scope) {
        note(run_(g, item), &s, nullptr);
        continue;
      }
      for (size_t k = s.first; k < s.end; ++k) {
        LeafSlot& l = leaves_[k];
        item.*slot_ = l.msg;
        if constexpr (std::is_same_v<Leaf, ottl::pb::Span>) {
          if (g.context == ContextKind::spanevent) {
            for (auto& e : *l.msg->mutable_events()) {
              item.event = &e;
              note(run_(g, item), &s, &l);
            }
            item.event = nullptr;
            continue;
          }
        }
        if constexpr (std::is_same_v<Leaf, ottl::pb::Metric>) {
          if (g.context == ContextKind::datapoint) {
            with_points(*l.msg, [&](auto& points) {
              for (auto& p : points) {
                item.set_point(p);
                note(run_(g, item), &s, &l);
              }
              item.clear_point();
            });
            continue;
          }
          // Functions that make metrics (copy_metric, extract_sum_metric...) add them to the scope, where the
          // decoded path runs the group on them too: this walk does not, and gives the request up to it.
          added_.Clear();
          item.metrics = &added_;
          note(run_(g, item), &s, &l);
          item.metrics = nullptr;
          if (!added_.empty()) {
            bad_ = true;
            return;
          }
          continue;
        }
        note(run_(g, item), &s, &l);
      }
    }
  }

  // Marks what a group run may have changed.
  void note(unsigned writes, ScopeSlot* s, LeafSlot* l) {
    if (writes & Writes::resource) resource_dirty_ = true;
    if (s && (writes & Writes::scope)) s->dirty = true;
    if (l && (writes & Writes::item)) {
      l->dirty = true;
      s->leaves_dirty = true;
    }
  }

  bool any_scope_dirty() const {
    for (const auto& s : scopes_)
      if (s.dirty || s.leaves_dirty) return true;
    return false;
  }

  // Appends a ScopeSpans / ScopeLogs field: as it came, or with its changed parts re-encoded.
  void write_scope(const ScopeSlot& s, const Field& field, std::string& out) {
    if (!s.dirty && !s.leaves_dirty) {
      out.append(field.raw);
      return;
    }
    otlp_wire::LenField lf(out, 2, s.body.size() + 64);
    if (s.dirty && !s.present && s.msg->ByteSizeLong() > 0) append_message_field(out, 1, *s.msg);
    bool scope_written = false;
    size_t k = s.first;
    Reader r(s.body);
    Field f;
    while (r.next(f)) {
      if (is_message(f, 1) && s.dirty) {
        if (!scope_written) append_message_field(out, 1, *s.msg);
        scope_written = true;
      } else if (is_message(f, 2)) {
        const LeafSlot& l = leaves_[k++];
        if (l.dirty)
          append_message_field(out, 2, *l.msg);
        else
          out.append(l.raw);
      } else {
        out.append(f.raw);
      }
    }
    lf.end();
  }

  const std::vector<StatementGroup>& groups_;
  const GroupRunner& run_;
  Leaf* ottl::Item::*slot_;
  google::protobuf::Arena arena_;
  bool leaves_needed_ = false;
  bool bad_ = false;
  ottl::pb::Resource* resource_ = nullptr;
  bool has_resource_ = false;
  bool resource_dirty_ = false;
  std::vector<ScopeSlot> scopes_;
  std::vector<LeafSlot> leaves_;
  std::vector<ottl::pb::InstrumentationScope*> scope_pool_;
  std::vector<Leaf*> leaf_pool_;
  google::protobuf::RepeatedPtrField<ottl::pb::Metric> added_;  // metrics a function made (metric context)
};

template <typename Leaf>
otlp_wire::RewriteResult transform_on_wire(std::string_view request, const std::vector<StatementGroup>& groups,
                                           const GroupRunner& run, Leaf* ottl::Item::*slot) {
  otlp_wire::RewriteResult out;
  Walk<Leaf> w(groups, run, slot);
  std::string bytes;
  bool changed = false;
  Reader r(request);
  Field f;
  while (r.next(f)) {
    if (is_message(f, 1)) {
      const bool edited = w.resource(f.body, bytes);
      if (w.bad()) return out;
      if (edited) {
        changed = true;
        continue;
      }
    }
    bytes.append(f.raw);
  }
  if (r.error()) return out;
  out.ok = true;
  out.changed = changed;
  if (changed) out.bytes = std::move(bytes);
  return out;
}

}  // namespace

bool groups_on_wire(const std::vector<StatementGroup>& groups) {
  for (const auto& g : groups)
    if (g.context == ContextKind::metric || g.context == ContextKind::datapoint) return false;
  return !groups.empty();
}

bool metric_groups_on_wire(const std::vector<StatementGroup>& groups) {
  for (const auto& g : groups)
    if (g.context != ContextKind::resource && g.context != ContextKind::scope && g.context != ContextKind::metric &&
        g.context != ContextKind::datapoint)
      return false;
  return !groups.empty();
}

otlp_wire::RewriteResult transform_metrics_on_wire(std::string_view request, const std::vector<StatementGroup>& groups,
                                                   const GroupRunner& run) {
  return transform_on_wire(request, groups, run, &ottl::Item::metric);
}

otlp_wire::RewriteResult transform_spans_on_wire(std::string_view request, const std::vector<StatementGroup>& groups,
                                                 const GroupRunner& run) {
  return transform_on_wire(request, groups, run, &ottl::Item::span);
}

otlp_wire::RewriteResult transform_logs_on_wire(std::string_view request, const std::vector<StatementGroup>& groups,
                                                const GroupRunner& run) {
  return transform_on_wire(request, groups, run, &ottl::Item::log);
}

}  // namespace otlpd::transform_processor
