// Attribute-list rewriting on the wire: two passes per message that holds a list (collect it, then copy the
// message with the edited list in its place), and a one-pass copy of everything else.
#include "codec/attribute_edit.h"

#include <deque>
#include <utility>

#include "codec/wire_reader.h"

namespace otlpd::otlp_wire {

namespace {

// Field numbers (OTLP common/v1, resource/v1, trace/v1, logs/v1, collector/*/v1). Traces and logs share the
// outer shape: request.1 = Resource{Spans,Logs}, which hold resource = 1 and Scope{Spans,Logs} = 2, which
// hold scope = 1 and the items = 2.
constexpr uint32_t kRequestResourceSpans = 1;
constexpr uint32_t kResourceSpansResource = 1, kResourceSpansScopeSpans = 2;
constexpr uint32_t kScopeSpansScope = 1, kScopeSpansSpans = 2;
constexpr uint32_t kLogBody = 5, kLogAttributes = 6;
constexpr uint32_t kResourceAttributes = 1, kScopeAttributes = 3, kSpanAttributes = 9, kSpanEvents = 11,
                   kSpanLinks = 13, kEventAttributes = 3, kLinkAttributes = 4;
constexpr uint32_t kKeyValueKey = 1, kKeyValueValue = 2;

class Rewriter {
 public:
  enum class Items { spans, logs };
  Rewriter(AttributeEditor& editor, Items items) : editor_(editor), items_(items) {}

  RewriteResult run(std::string_view request) {
    RewriteResult r;
    if (editor_.has_keeps()) {
      // A read-only pass first: nothing is written unless a list would change.
      reading_ = true;
      bool ok = request_(request);
      reading_ = false;
      if (ok && !changed_) {
        r.ok = true;
        return r;
      }
      out_.clear();
      changed_ = false;
    }
    out_.reserve(request.size() + request.size() / 8 + 64);
    if (!request_(request)) {
      r.error = "attribute rewrite: the request does not read as OTLP protobuf, or an editor could not read a list";
      return r;
    }
    r.ok = true;
    r.changed = changed_;
    if (changed_) r.bytes = std::move(out_);
    return r;
  }

 private:
  bool request_(std::string_view body) {
    return copy_with(body, [&](const Field& f) -> int {
      if (f.number != kRequestResourceSpans || f.type != WireType::len) return 0;
      return nested(f, [&](std::string_view b) { return resource_spans(b); });
    });
  }

  bool resource_spans(std::string_view body) {
    return outer(body, kResourceAttributes, AttributesOf::resource, [&](std::string_view b) { return scope_spans(b); });
  }

  bool scope_spans(std::string_view body) {
    return outer(body, kScopeAttributes, AttributesOf::scope,
                 [&](std::string_view b) { return items_ == Items::spans ? span(b) : log_record(b); });
  }

  // Resource{Spans,Logs} and Scope{Spans,Logs}: field 1 is a Resource or InstrumentationScope holding the
  // attribute list `list_field`, field 2 the repeated children. A singular message field given twice is one
  // message to a parser (the occurrences merge, their lists concatenate); editing each occurrence alone could
  // differ from editing the merged list, so the rewrite leaves such requests to the decoded path.
  template <typename Child>
  bool outer(std::string_view body, uint32_t list_field, AttributesOf where, Child&& child) {
    static_assert(kResourceSpansResource == kScopeSpansScope && kResourceSpansScopeSpans == kScopeSpansSpans);
    const bool edit_holder = editor_.wants(where);
    bool seen = false;
    return copy_with(body, [&](const Field& f) -> int {
      if (f.type != WireType::len) return 0;
      if (f.number == kResourceSpansResource && edit_holder) {
        if (std::exchange(seen, true)) return -1;
        return nested(f, [&](std::string_view b) { return with_list(b, list_field, where); });
      }
      if (f.number == kResourceSpansScopeSpans) return nested(f, child);
      return 0;
    });
  }

  bool log_record(std::string_view body) {
    if (editor_.wants(AttributesOf::log_body)) {
      Reader r(body);
      Field f;
      bool seen = false;
      while (r.next(f))
        if (f.number == kLogBody && f.type == WireType::len) {
          if (std::exchange(seen, true) || !editor_.body_unchanged(f.body)) return false;  // twice: they merge
        }
      if (r.error()) return false;
    }
    if (!editor_.wants(AttributesOf::log_record)) return copy_with(body, [](const Field&) { return 0; });
    return with_list(body, kLogAttributes, AttributesOf::log_record);
  }

  bool span(std::string_view body) {
    const bool events = editor_.wants(AttributesOf::span_event), links = editor_.wants(AttributesOf::span_link);
    auto children = [&](const Field& f) -> int {
      if (f.type != WireType::len) return 0;
      if (f.number == kSpanEvents && events)
        return nested(f, [&](std::string_view b) { return with_list(b, kEventAttributes, AttributesOf::span_event); });
      if (f.number == kSpanLinks && links)
        return nested(f, [&](std::string_view b) { return with_list(b, kLinkAttributes, AttributesOf::span_link); });
      return 0;
    };
    if (!editor_.wants(AttributesOf::span)) return copy_with(body, children);
    return with_list(body, kSpanAttributes, AttributesOf::span, children);
  }

  // Copies a message's fields; `handle` returns 0 to copy a field as it is, 1 when it wrote it, -1 on error.
  template <typename Handle>
  bool copy_with(std::string_view body, Handle&& handle) {
    Reader r(body);
    Field f;
    while (r.next(f)) {
      int h = handle(f);
      if (h < 0) return false;
      if (h == 0 && !reading_) out_.append(f.raw);
    }
    return !r.error();
  }

  // Writes a length-delimited field whose body `write` produces (only reads it in the read-only pass).
  template <typename Write>
  int nested(const Field& f, Write&& write) {
    if (changed_ && reading_) return 1;  // the verdict is in: skip the rest
    if (++depth_ > kMaxNesting) return -1;
    if (reading_) {
      bool ok = write(f.body);
      --depth_;
      return ok ? 1 : -1;
    }
    LenField lf(out_, f.number, f.body.size());
    bool ok = write(f.body);
    lf.end();
    --depth_;
    return ok ? 1 : -1;
  }

  bool with_list(std::string_view body, uint32_t list_field, AttributesOf where) {
    return with_list(body, list_field, where, [](const Field&) { return 0; });
  }

  // A message holding an attribute list: the list is collected, edited, and written where it first was.
  template <typename Children>
  bool with_list(std::string_view body, uint32_t list_field, AttributesOf where, Children&& children) {
    // Lists nest (spans hold events); each level keeps its own collection.
    size_t level = lists_used_++;
    if (level == lists_.size()) lists_.emplace_back();
    struct Release {
      size_t& n;
      ~Release() { --n; }
    } release{lists_used_};
    ListScratch& s = lists_[level];
    s.in.clear();
    s.wire.clear();
    s.list.Clear();
    {
      Reader r(body);
      Field f;
      while (r.next(f))
        if (f.number == list_field && f.type == WireType::len) {
          WireAttribute a;
          a.raw = f.body;
          if (!read_key_value(f.body, a)) return false;
          s.in.push_back(a);
        }
      if (r.error()) return false;
    }
    if (reading_) {
      // Only the verdict matters; the children (a span's events and links) are still looked at.
      if (!editor_.keeps(where, s.in)) {
        changed_ = true;
        return true;
      }
      return copy_with(body, [&](const Field& f) -> int {
        return f.number == list_field && f.type == WireType::len ? 1 : children(f);
      });
    }
    Edit e = editor_.edit(where, s.in, s.wire, s.list);
    if (e == Edit::fail) return false;
    if (e != Edit::keep) changed_ = true;
    bool written = false;
    auto write_list = [&] {
      written = true;
      if (e == Edit::keep) {
        for (const auto& a : s.in) write_attribute(list_field, a);
      } else if (e == Edit::wire) {
        for (const auto& a : s.wire) write_attribute(list_field, a);
      } else {
        for (const auto& kv : s.list) {
          size_t n = kv.ByteSizeLong();
          append_varint(out_, uint64_t(list_field) << 3 | 2);
          append_varint(out_, n);
          size_t at = out_.size();
          out_.resize(at + n);
          kv.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(out_.data() + at));
        }
      }
    };
    bool ok = copy_with(body, [&](const Field& f) -> int {
      if (f.number == list_field && f.type == WireType::len) {
        if (!written) write_list();
        return 1;
      }
      return children(f);
    });
    if (ok && !written) write_list();
    return ok;
  }

  static bool read_key_value(std::string_view body, WireAttribute& a) {
    Reader r(body);
    Field f;
    int keys = 0, others = 0;
    while (r.next(f)) {
      if (f.type == WireType::len && f.number == kKeyValueKey) {
        a.key = f.body;  // the last one counts, as in a parser
        ++keys;
      } else if (f.type == WireType::len && f.number == kKeyValueValue) {
        // Occurrences of a message field merge; an attribute with one is the case worth a fast path.
        if (a.has_value) return false;
        a.value = f.body;
        a.has_value = true;
      } else {
        ++others;
      }
    }
    a.plain = keys <= 1 && others == 0;
    return !r.error();
  }

  void write_attribute(uint32_t list_field, const WireAttribute& a) {
    append_varint(out_, uint64_t(list_field) << 3 | 2);
    if (!a.raw.empty()) {
      append_varint(out_, a.raw.size());
      out_.append(a.raw);
      return;
    }
    size_t body = 0;
    if (!a.key.empty()) body += 1 + varint_size(a.key.size()) + a.key.size();
    if (a.has_value) body += 1 + varint_size(a.value.size()) + a.value.size();
    append_varint(out_, body);
    if (!a.key.empty()) {
      out_.push_back(static_cast<char>(kKeyValueKey << 3 | 2));
      append_varint(out_, a.key.size());
      out_.append(a.key);
    }
    if (a.has_value) {
      out_.push_back(static_cast<char>(kKeyValueValue << 3 | 2));
      append_varint(out_, a.value.size());
      out_.append(a.value);
    }
  }

  struct ListScratch {
    std::vector<WireAttribute> in, wire;
    KeyValueList list;
  };

  // Deeper than OTLP's traces go (request > resource spans > scope spans > span > event); a guard only.
  static constexpr int kMaxNesting = 8;

  AttributeEditor& editor_;
  const Items items_;
  std::string out_;
  bool changed_ = false;
  bool reading_ = false;  // the read-only pass of an editor with keeps()
  int depth_ = 0;
  std::deque<ListScratch> lists_;  // a deque: a nested level's emplace_back must not move an outer level's
  size_t lists_used_ = 0;
};

}  // namespace

RewriteResult rewrite_trace_attributes(std::string_view request, AttributeEditor& editor) {
  return Rewriter(editor, Rewriter::Items::spans).run(request);
}

RewriteResult rewrite_log_attributes(std::string_view request, AttributeEditor& editor) {
  return Rewriter(editor, Rewriter::Items::logs).run(request);
}

bool parse_attributes(std::span<const WireAttribute> in, KeyValueList& out) {
  out.Clear();
  for (const auto& a : in) {
    auto* kv = out.Add();
    if (!a.raw.empty()) {
      if (!kv->ParseFromArray(a.raw.data(), static_cast<int>(a.raw.size()))) return false;
      continue;
    }
    kv->set_key(std::string(a.key));
    if (a.has_value && !kv->mutable_value()->ParseFromArray(a.value.data(), static_cast<int>(a.value.size())))
      return false;
  }
  return true;
}

std::string string_any_value(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 6);
  out.push_back(static_cast<char>(1 << 3 | 2));
  append_varint(out, s.size());
  out.append(s);
  return out;
}

}  // namespace otlpd::otlp_wire
