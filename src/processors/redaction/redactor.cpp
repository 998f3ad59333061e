// Walks spans, events, links, log records, bodies and data points; deletes, masks and summarises attributes.
#include "processors/redaction/redactor.h"

#include "model/any_value.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "codec/attribute_list.h"
#include "processors/redaction/scanner.h"

namespace otlpd::redaction {

namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using Attributes = google::protobuf::RepeatedPtrField<KeyValue>;

// The Collector's summary attribute names, for attributes and (on the log record) for the log body.
struct SummaryNames {
  const char* redacted_keys;
  const char* redacted_count;
  const char* masked_keys;
  const char* masked_count;
  const char* allowed_keys;
  const char* allowed_count;
  const char* ignored_count;
};
constexpr SummaryNames kAttributeSummary = {
    "redaction.redacted.keys", "redaction.redacted.count", "redaction.masked.keys",  "redaction.masked.count",
    "redaction.allowed.keys",  "redaction.allowed.count",  "redaction.ignored.count"};
constexpr SummaryNames kBodySummary = {"redaction.body.redacted.keys", "redaction.body.redacted.count",
                                       "redaction.body.masked.keys",   "redaction.body.masked.count",
                                       "redaction.body.allowed.keys",  "redaction.body.allowed.count",
                                       "redaction.body.ignored.count"};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using KeySet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

// What the key rules say about one key.
enum KeyFlags : uint8_t { kIgnored = 1, kRedacted = 2, kBlocked = 4 };

// Key rules are regexes, but keys repeat from span to span, so verdicts are cached. The cache is bounded:
// keys made up by a hostile client only stop it from growing, after which they are matched every time.
class KeyVerdictCache {
 public:
  static constexpr size_t kShards = 16;
  static constexpr size_t kPerShard = 256;

  bool get(std::string_view key, size_t hash, uint8_t& flags) const {
    const Shard& s = shards_[hash % kShards];
    std::shared_lock lock(s.mu);
    auto it = s.map.find(key);
    if (it == s.map.end()) return false;
    flags = it->second;
    return true;
  }
  void put(std::string_view key, size_t hash, uint8_t flags) {
    Shard& s = shards_[hash % kShards];
    std::unique_lock lock(s.mu);
    if (s.map.size() < kPerShard) s.map.emplace(std::string(key), flags);
  }

 private:
  struct Shard {
    mutable std::shared_mutex mu;
    std::unordered_map<std::string, uint8_t, StringHash, std::equal_to<>> map;
  };
  std::array<Shard, kShards> shards_;
};

// What was done to one attribute map (or one log body). Key names are kept only when the summary lists them.
struct Outcome {
  std::vector<std::string> keys;
  int64_t count = 0;
};
struct Tally {
  explicit Tally(bool keep_names) : names(keep_names) {}
  void add(Outcome& o, std::string_view key) {
    ++o.count;
    if (names) o.keys.emplace_back(key);
  }
  bool names;
  Outcome redacted, masked, allowed, ignored;
};

using otlp_wire::ValueView;

// The string form of a scalar (the Collector's AsString); false for arrays, maps and empty values.
bool scalar_text(const ValueView& v, std::string& buf, std::string_view& out) {
  switch (v.type) {
    case ValueView::Type::string:
      out = v.text;
      return true;
    case ValueView::Type::boolean:
      out = v.b ? "true" : "false";
      return true;
    case ValueView::Type::integer:
      buf = std::to_string(v.i);
      break;
    case ValueView::Type::floating: {
      char tmp[64];
      auto r = std::to_chars(tmp, tmp + sizeof tmp, v.d);
      buf.assign(tmp, r.ptr);
      break;
    }
    case ValueView::Type::bytes:
      buf = base64_encode(v.text);
      break;
    default:
      return false;
  }
  out = buf;
  return true;
}

bool scalar_text(const AnyValue& v, std::string& buf, std::string_view& out) {
  return scalar_text(otlp_wire::view_of(v), buf, out);
}

// Joins pieces (instead of operator+ chains, which trip GCC 12's -Wrestrict false positive).
std::string concat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (auto p : parts) s.append(p);
  return s;
}

}  // namespace

struct Redactor::Impl {
  const bool allow_all_keys;
  const bool redact_all_types;
  const Summary summary;
  const bool has_allowed_values;
  KeySet allowed;  // allowed_keys plus the summary attributes, which must survive a second redaction processor
  KeySet ignored;
  KeyPatterns ignored_patterns;
  KeyPatterns blocked_keys;
  ValueScanner scanner;
  Masker masker;

  explicit Impl(const RedactionConfig& c)
      : allow_all_keys(c.allow_all_keys),
        redact_all_types(c.redact_all_types),
        summary(c.summary),
        has_allowed_values(!c.allowed_values.empty()),
        allowed(c.allowed_keys.begin(), c.allowed_keys.end()),
        ignored(c.ignored_keys.begin(), c.ignored_keys.end()),
        ignored_patterns(c.ignored_key_patterns),
        blocked_keys(blocked_key_list(c)),
        scanner(c.blocked_values, c.allowed_values, detector_list(c), c.max_value_size.bytes),
        masker(c.hash_function, c.hmac_key) {
    for (const SummaryNames* n : {&kAttributeSummary, &kBodySummary})
      for (const char* k : {n->redacted_keys, n->redacted_count, n->masked_keys, n->masked_count, n->allowed_keys,
                            n->allowed_count, n->ignored_count})
        allowed.emplace(k);
  }

  static std::vector<std::string> blocked_key_list(const RedactionConfig& c) {
    std::vector<std::string> v = c.blocked_key_patterns;
    if (c.default_sensitive_keys) v.emplace_back(kDefaultSensitiveKeyPattern);
    return v;
  }
  static std::vector<const Detector*> detector_list(const RedactionConfig& c) {
    std::vector<const Detector*> v;
    for (const auto& name : c.detectors)
      if (const Detector* d = find_detector(name)) v.push_back(d);
    return v;
  }

  mutable KeyVerdictCache cache;

  uint8_t classify(std::string_view key) const {
    size_t h = StringHash{}(key);
    uint8_t f = 0;
    if (cache.get(key, h, f)) return f;
    if (ignored.contains(key) || ignored_patterns.matches(key)) f |= kIgnored;
    if (!allow_all_keys && !allowed.contains(key)) f |= kRedacted;
    if (blocked_keys.matches(key)) f |= kBlocked;
    cache.put(key, h, f);
    return f;
  }
  bool is_blocked(std::string_view key) const { return classify(key) & kBlocked; }

  // The key verdicts of one request's keys, kept without the shared cache's hash and lock: keys repeat from span
  // to span. Bounded: made-up keys fall through to classify(). `Key` is std::string_view where the keys outlive
  // the memo (the wire rewrite's views into the request), std::string where a rule may free them (the entries a
  // decoded list deletes).
  template <typename Key>
  class KeyMemo {
   public:
    explicit KeyMemo(const Impl& impl) : impl_(impl) {}
    uint8_t operator()(std::string_view key) {
      for (const auto& [k, f] : memo_)
        if (k == key) return f;
      const uint8_t f = impl_.classify(key);
      if (memo_.size() < kSize) memo_.emplace_back(key, f);
      return f;
    }

   private:
    static constexpr size_t kSize = 32;
    const Impl& impl_;
    std::vector<std::pair<Key, uint8_t>> memo_;
  };
  using DecodedKeyMemo = KeyMemo<std::string>;

  // Replaces the whole value with its mask (of its string form; arrays and maps by their encoding).
  void mask_whole(AnyValue& v) const {
    std::string buf;
    std::string_view text;
    if (masker.hash() == HashFunction::none) {
      v.set_string_value("****");
      return;
    }
    if (!scalar_text(v, buf, text)) {
      buf = v.SerializeAsString();
      text = buf;
    }
    v.set_string_value(masker.mask(text));
  }

  // The same on entry i of an attribute list of either form.
  template <typename List>
  void mask_whole(List& attrs, size_t i) const {
    if (masker.hash() == HashFunction::none) {
      attrs.set_string(i, "****");
      return;
    }
    std::string buf;
    std::string_view text;
    if (!scalar_text(attrs.value(i), buf, text)) {
      if (!attrs.serialized(i, buf)) return;
      text = buf;
    }
    attrs.set_string(i, masker.mask(text));
  }

  // Scans a string (or, when asked, scalar) value in place; arrays and maps are walked down to kMaxDepth.
  ValueScanner::Verdict scan_value(AnyValue& v, bool all_types, int depth) const {
    using V = ValueScanner::Verdict;
    if (depth > kMaxDepth) {
      mask_whole(v);
      return V::masked;
    }
    if (v.has_array_value()) {
      V result = V::clean;
      for (auto& e : *v.mutable_array_value()->mutable_values())
        if (scan_value(e, all_types, depth + 1) == V::masked) result = V::masked;
      return result;
    }
    if (v.has_kvlist_value()) {
      V result = V::clean;
      for (auto& kv : *v.mutable_kvlist_value()->mutable_values()) {
        if (is_blocked(kv.key())) {
          mask_whole(*kv.mutable_value());
          result = V::masked;
        } else if (scan_value(*kv.mutable_value(), all_types, depth + 1) == V::masked) {
          result = V::masked;
        }
      }
      return result;
    }
    if (!v.has_string_value() && !all_types) return V::clean;
    std::string buf, out;
    std::string_view text;
    if (!scalar_text(v, buf, text)) return V::clean;
    V verdict = scanner.scan(text, masker, out);
    if (verdict == V::masked) v.set_string_value(std::move(out));
    return verdict;
  }

  // The Collector's order per attribute: ignored, not allowed (deleted), allowed value, blocked key, blocked
  // values. On an attribute list of either form (codec/attribute_list.h), with key verdicts from `flags`: the
  // one definition of the key and value rules and of the summary.
  template <typename List, typename Flags>
  void process_attributes(List& attrs, Flags&& flags) const {
    if (attrs.size() == 0) return;
    Tally t(summary == Summary::debug);
    attrs.keep_if([&](size_t i) {
      const std::string_view key = attrs.key(i);
      const uint8_t f = flags(key);
      if (f & kIgnored) {
        ++t.ignored.count;
      } else if (f & kRedacted) {
        t.add(t.redacted, key);
        return false;
      } else if (f & kBlocked) {
        if (allowed_value(attrs.value(i))) {
          t.add(t.allowed, key);
        } else {
          mask_whole(attrs, i);
          t.add(t.masked, key);
        }
      } else if (attrs.has_value(i)) {  // without one there is nothing to scan, and no value to add
        auto verdict = scan_entry(attrs, i);
        if (verdict == ValueScanner::Verdict::allowed)
          t.add(t.allowed, key);
        else if (verdict == ValueScanner::Verdict::masked)
          t.add(t.masked, key);
      }
      return true;
    });
    add_summary(attrs, t, kAttributeSummary);
  }

  void process_attributes(Attributes& attrs, DecodedKeyMemo& keys) const {
    otlp_wire::DecodedAttributeList list(attrs);
    process_attributes(list, keys);
  }

  // scan_value() on entry i; arrays and maps are walked on the decoded form only.
  template <typename List>
  ValueScanner::Verdict scan_entry(List& attrs, size_t i) const {
    using V = ValueScanner::Verdict;
    const ValueView v = attrs.value(i);
    if (v.type == ValueView::Type::array || v.type == ValueView::Type::kvlist) {
      AnyValue* decoded = attrs.decoded(i);
      return decoded ? scan_value(*decoded, redact_all_types, 0) : V::clean;
    }
    if (scanner.empty()) return V::clean;  // no value rule: a scalar stays as it is
    if (v.type != ValueView::Type::string && !redact_all_types) return V::clean;
    std::string buf, out;
    std::string_view text;
    if (!scalar_text(v, buf, text)) return V::clean;
    V verdict = scanner.scan(text, masker, out);
    if (verdict == V::masked) attrs.set_string(i, std::move(out));
    return verdict;
  }

  // An allowed_values match exempts even a blocked key's value, as in the Collector.
  bool allowed_value(const ValueView& v) const {
    if (!has_allowed_values) return false;
    std::string buf;
    std::string_view text;
    if (!(v.type == ValueView::Type::string || redact_all_types) || !scalar_text(v, buf, text)) return false;
    std::vector<Span> spans;
    return scanner.find(text, spans) == ValueScanner::Verdict::allowed;
  }

  // The log body, as the Collector walks it: map keys follow the attribute key rules, with dotted paths.
  void process_body(AnyValue& body, Attributes& log_attrs) const {
    Tally t(summary == Summary::debug);
    if (body.has_kvlist_value()) {
      walk_map(*body.mutable_kvlist_value()->mutable_values(), "", 1, t);
    } else if (body.has_array_value()) {
      auto& values = *body.mutable_array_value()->mutable_values();
      for (int i = 0; i < values.size(); ++i) walk(values[i], concat({"[", std::to_string(i), "]"}), 1, t);
    } else {
      std::string buf, out;
      std::string_view text;
      if (scalar_text(body, buf, text) && scanner.scan(text, masker, out) == ValueScanner::Verdict::masked) {
        body.set_string_value(std::move(out));
        t.add(t.masked, "body");
      }
    }
    add_summary(log_attrs, t, kBodySummary);
  }

  void walk_map(Attributes& map, const std::string& path, int depth, Tally& t) const {
    int w = 0;
    const int n = map.size();
    for (int i = 0; i < n; ++i) {
      KeyValue& kv = map[i];
      std::string key_path = path.empty() ? kv.key() : concat({path, ".", kv.key()});
      const uint8_t f = classify(kv.key());
      bool keep = true;
      if (f & kIgnored) {
        ++t.ignored.count;
      } else if (f & kRedacted) {
        t.add(t.redacted, key_path);
        keep = false;
      } else if (f & kBlocked) {
        mask_whole(*kv.mutable_value());
        t.add(t.masked, key_path);
      } else {
        walk(*kv.mutable_value(), key_path, depth + 1, t);
      }
      if (keep) {
        if (w != i) map.SwapElements(w, i);
        ++w;
      }
    }
    if (w != n) map.DeleteSubrange(w, n - w);
  }

  void walk(AnyValue& v, const std::string& path, int depth, Tally& t) const {
    if (depth > kMaxDepth) {  // deeper than we look: fail closed
      mask_whole(v);
      t.add(t.masked, path);
      return;
    }
    if (v.has_kvlist_value()) {
      walk_map(*v.mutable_kvlist_value()->mutable_values(), path, depth, t);
    } else if (v.has_array_value()) {
      auto& values = *v.mutable_array_value()->mutable_values();
      for (int i = 0; i < values.size(); ++i)
        walk(values[i], concat({path, ".[", std::to_string(i), "]"}), depth + 1, t);
    } else {
      std::string buf, out;
      std::string_view text;
      if (!scalar_text(v, buf, text)) return;
      auto verdict = scanner.scan(text, masker, out);
      if (verdict == ValueScanner::Verdict::allowed) {
        t.add(t.allowed, path);
      } else if (verdict == ValueScanner::Verdict::masked) {
        v.set_string_value(std::move(out));
        t.add(t.masked, path);
      }
    }
  }

  template <typename List>
  void add_summary(List& attrs, Tally& t, const SummaryNames& names) const {
    if (summary == Summary::silent) return;
    add_summary_pair(attrs, t.redacted, names.redacted_keys, names.redacted_count);
    add_summary_pair(attrs, t.masked, names.masked_keys, names.masked_count);
    add_summary_pair(attrs, t.allowed, names.allowed_keys, names.allowed_count);
    add_summary_pair(attrs, t.ignored, nullptr, names.ignored_count);
  }
  void add_summary(Attributes& attrs, Tally& t, const SummaryNames& names) const {
    otlp_wire::DecodedAttributeList list(attrs);
    add_summary(list, t, names);
  }

  // Merges into values already there (from an earlier redaction processor): key lists sorted, counts added.
  template <typename List>
  void add_summary_pair(List& attrs, Outcome& o, const char* keys_name, const char* count_name) const {
    if (o.count == 0) return;
    int64_t count = o.count;
    std::vector<std::string>& keys = o.keys;
    if (summary == Summary::debug && keys_name) {
      const size_t at = attrs.find(keys_name);
      if (at != List::npos) {
        const ValueView v = attrs.value(at);
        if (v.type == ValueView::Type::string && !v.text.empty()) {
          std::string_view existing = v.text;
          for (size_t pos = 0; pos <= existing.size();) {
            size_t comma = std::min(existing.find(',', pos), existing.size());
            keys.emplace_back(existing.substr(pos, comma - pos));
            pos = comma + 1;
          }
        }
      }
      std::sort(keys.begin(), keys.end());
      std::string joined;
      for (const auto& k : keys) {
        if (!joined.empty()) joined += ',';
        joined += k;
      }
      attrs.set_string(at != List::npos ? at : attrs.append(keys_name), std::move(joined));
    }
    const size_t at = attrs.find(count_name);
    if (at != List::npos) {
      const ValueView v = attrs.value(at);
      if (v.type == ValueView::Type::integer) count += v.i;
    }
    attrs.set(at != List::npos ? at : attrs.append(count_name), ValueView::integer(count));
  }
};

Redactor::Redactor(const RedactionConfig& cfg) : impl_(std::make_unique<Impl>(cfg)) {}
Redactor::~Redactor() = default;

void Redactor::process(otlp_trace::ExportTraceServiceRequest& request) const {
  Impl::DecodedKeyMemo keys(*impl_);
  for (auto& rs : *request.mutable_resource_spans()) {
    if (rs.has_resource()) impl_->process_attributes(*rs.mutable_resource()->mutable_attributes(), keys);
    for (auto& ss : *rs.mutable_scope_spans()) {
      if (ss.has_scope()) impl_->process_attributes(*ss.mutable_scope()->mutable_attributes(), keys);
      for (auto& span : *ss.mutable_spans()) {
        impl_->process_attributes(*span.mutable_attributes(), keys);
        for (auto& ev : *span.mutable_events()) impl_->process_attributes(*ev.mutable_attributes(), keys);
        for (auto& link : *span.mutable_links()) impl_->process_attributes(*link.mutable_attributes(), keys);
      }
    }
  }
}

void Redactor::process(otlp_metrics::ExportMetricsServiceRequest& request) const {
  Impl::DecodedKeyMemo keys(*impl_);
  for (auto& rm : *request.mutable_resource_metrics()) {
    if (rm.has_resource()) impl_->process_attributes(*rm.mutable_resource()->mutable_attributes(), keys);
    for (auto& sm : *rm.mutable_scope_metrics()) {
      if (sm.has_scope()) impl_->process_attributes(*sm.mutable_scope()->mutable_attributes(), keys);
      for (auto& m : *sm.mutable_metrics()) {
        auto each = [&](auto& points) {
          for (auto& p : points) impl_->process_attributes(*p.mutable_attributes(), keys);
        };
        if (m.has_gauge())
          each(*m.mutable_gauge()->mutable_data_points());
        else if (m.has_sum())
          each(*m.mutable_sum()->mutable_data_points());
        else if (m.has_histogram())
          each(*m.mutable_histogram()->mutable_data_points());
        else if (m.has_exponential_histogram())
          each(*m.mutable_exponential_histogram()->mutable_data_points());
        else if (m.has_summary())
          each(*m.mutable_summary()->mutable_data_points());
      }
    }
  }
}

void Redactor::process(otlp_logs::ExportLogsServiceRequest& request) const {
  Impl::DecodedKeyMemo keys(*impl_);
  for (auto& rl : *request.mutable_resource_logs()) {
    if (rl.has_resource()) impl_->process_attributes(*rl.mutable_resource()->mutable_attributes(), keys);
    for (auto& sl : *rl.mutable_scope_logs()) {
      if (sl.has_scope()) impl_->process_attributes(*sl.mutable_scope()->mutable_attributes(), keys);
      for (auto& lr : *sl.mutable_log_records()) {
        impl_->process_attributes(*lr.mutable_attributes(), keys);
        if (lr.has_body()) impl_->process_body(*lr.mutable_body(), *lr.mutable_attributes());
      }
    }
  }
}

otlp_wire::RewriteResult Redactor::process_wire(Signal signal, std::string_view request) const {
  using otlp_wire::Edit;
  using otlp_wire::WireAttribute;

  // The same rules on the lists as received (Impl::process_attributes over the wire form); a list the wire form
  // cannot do is decoded, alone, and redacted as a message.
  class WireRedactor final : public otlp_wire::AttributeEditor {
   public:
    explicit WireRedactor(const Impl& impl) : impl_(impl), keys_(impl) {}

    bool wants(otlp_wire::AttributesOf) const override { return true; }
    bool has_keeps() const override { return true; }
    bool keeps(otlp_wire::AttributesOf, std::span<const WireAttribute> in) override {
      otlp_wire::WireAttributeList list(in, scratch_list_, arena_);
      redact(list);
      return list.ok() && !list.changed();
    }
    // A body process_body() would leave alone: a string in which nothing is masked. Other scalars (scanned
    // as text), maps and arrays (walked key by key) are left to the decoded path.
    bool body_unchanged(std::string_view body) override {
      std::string_view text;
      if (body.empty()) return true;
      if (otlp_wire::plain_string_value(body, text))
        return impl_.scanner.scan(text, impl_.masker, scratch_) != ValueScanner::Verdict::masked;
      return false;
    }

    Edit edit(otlp_wire::AttributesOf, std::span<const WireAttribute> in, std::vector<WireAttribute>& wire,
              otlp_wire::KeyValueList& list) override {
      otlp_wire::WireAttributeList edited(in, wire, arena_);
      redact(edited);
      if (edited.ok()) return edited.changed() ? Edit::wire : Edit::keep;
      if (!otlp_wire::parse_attributes(in, list)) return Edit::fail;
      otlp_wire::DecodedAttributeList decoded(list);
      redact(decoded);
      return Edit::list;
    }

   private:
    void redact(otlp_wire::WireAttributeList& list) { impl_.process_attributes(list, keys_); }
    void redact(otlp_wire::DecodedAttributeList& list) { impl_.process_attributes(list, keys_); }

    const Impl& impl_;
    // Views into the request, valid for the whole rewrite: a list's wire pass looks up every key it has before
    // the decoded fallback (which parses the same keys) asks, so no view into a parsed list is kept.
    Impl::KeyMemo<std::string_view> keys_;
    std::string scratch_;
    std::vector<WireAttribute> scratch_list_;  // the read-only pass's edits, looked at and dropped
    otlp_wire::ByteArena arena_;               // values the rules wrote, until the rewrite is written
  };

  WireRedactor editor(*impl_);
  return signal == Signal::logs ? otlp_wire::rewrite_log_attributes(request, editor)
                                : otlp_wire::rewrite_trace_attributes(request, editor);
}

}  // namespace otlpd::redaction
