// Attribute actions, match properties and the `attributes` processor factory.
#include "processors/attributes/attributes_processor.h"

#include <openssl/evp.h>
#include <re2/re2.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <span>
#include <type_traits>

#include "codec/attribute_edit.h"
#include "codec/attribute_list.h"
#include "config/node.h"
#include "core/registry.h"
#include "processors/common/processor_helper.h"
#include "processors/common/values.h"
#include "processors/common/wire_parts.h"

namespace otlpd::attributes_processor {

namespace {

using opentelemetry::proto::common::v1::InstrumentationScope;
using opentelemetry::proto::logs::v1::LogRecord;
using opentelemetry::proto::metrics::v1::Metric;
using opentelemetry::proto::trace::v1::Span;
using processors::as_string;
using processors::Attributes;
using processors::find_attribute;
using processors::put_attribute;

using Subject = MatchSubject;

bool any_matches(const std::vector<StringMatcher>& ms, std::string_view s) {
  for (const auto& m : ms)
    if (m.matches(s)) return true;
  return false;
}

bool attributes_match(const std::vector<MatchProperties::Attribute>& rules, const Attributes& attrs) {
  for (const auto& rule : rules) {
    const auto* v = find_attribute(attrs, rule.key);
    if (!v) return false;
    if (rule.value && !processors::values_equal(*v, *rule.value)) return false;
    if (rule.value_re && !rule.value_re->matches(as_string(*v))) return false;
  }
  return true;
}

bool selected(const AttributesConfig& cfg, const Subject& s) {
  if (cfg.include && !matches(*cfg.include, s)) return false;
  if (cfg.exclude && matches(*cfg.exclude, s)) return false;
  return true;
}

using otlp_wire::ValueView;

// The Collector's hash action: SHA-1 of the value's bytes (strings as is, bools as one byte, numbers as
// 8 little-endian bytes), as lower-case hex; other types hash to "".
std::string hash_of(const ValueView& v) {
  std::string bytes;
  auto le64 = [&](uint64_t x) {
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
  };
  switch (v.type) {
    case ValueView::Type::string:
      bytes = v.text;
      break;
    case ValueView::Type::boolean:
      bytes.push_back(v.b ? 1 : 0);
      break;
    case ValueView::Type::integer:
      le64(static_cast<uint64_t>(v.i));
      break;
    case ValueView::Type::floating:
      le64(std::bit_cast<uint64_t>(v.d));
      break;
    default:
      break;
  }
  std::string hex;
  if (!bytes.empty()) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    // Fetched once: an implicit fetch per call (EVP_sha1() in EVP_Digest) costs more than the hash itself.
    static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> sha1(EVP_MD_fetch(nullptr, "SHA1", nullptr),
                                                                      &EVP_MD_free);
    if (sha1 && EVP_Digest(bytes.data(), bytes.size(), md, &len, sha1.get(), nullptr) == 1) {
      static constexpr char kHex[] = "0123456789abcdef";
      for (unsigned int i = 0; i < len; ++i) {
        hex += kHex[md[i] >> 4];
        hex += kHex[md[i] & 15];
      }
    }
  }
  return hex;
}

template <typename List>
void convert_entry(List& attrs, size_t i, Action::Convert to) {
  const ValueView v = attrs.value(i);
  using T = ValueView::Type;
  switch (to) {
    case Action::Convert::to_int:
      switch (v.type) {
        case T::floating:
          // Out-of-range doubles (and NaN) would be undefined behaviour to convert: left unchanged.
          if (std::isfinite(v.d) && v.d >= -9.2233720368547758e18 && v.d < 9.2233720368547758e18)
            attrs.set(i, ValueView::integer(static_cast<int64_t>(v.d)));
          break;
        case T::boolean:
          attrs.set(i, ValueView::integer(v.b ? 1 : 0));
          break;
        case T::string: {
          int64_t n = 0;
          std::string_view t = v.text;
          if (!t.empty() && t.front() == '+') t.remove_prefix(1);
          auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
          if (!t.empty() && ec == std::errc() && p == t.data() + t.size()) attrs.set(i, ValueView::integer(n));
          break;
        }
        default:
          break;
      }
      break;
    case Action::Convert::to_double:
      switch (v.type) {
        case T::integer:
          attrs.set(i, ValueView::floating(static_cast<double>(v.i)));
          break;
        case T::boolean:
          attrs.set(i, ValueView::floating(v.b ? 1.0 : 0.0));
          break;
        case T::string: {
          double d = 0;
          std::string_view t = v.text;
          if (!t.empty() && t.front() == '+') t.remove_prefix(1);
          auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
          if (!t.empty() && ec == std::errc() && p == t.data() + t.size()) attrs.set(i, ValueView::floating(d));
          break;
        }
        default:
          break;
      }
      break;
    case Action::Convert::to_string:
      if (v.type != T::string) {
        std::string text;
        if (attrs.text(i, text)) attrs.set_string(i, std::move(text));
      }
      break;
  }
}

ValueView view_of(const processors::ConfigValue& v) {
  if (v.is_string()) return ValueView::string(v.string_value());
  if (v.is_bool()) return ValueView::boolean(v.bool_value());
  if (v.is_int()) return ValueView::integer(v.int_value());
  return ValueView::floating(v.double_value());
}

// The actions, in order, on one attribute list of either form (codec/attribute_list.h): the one definition of
// each action. On the wire form, an action that needs the decoded list leaves the list not ok().
template <typename List>
void run_actions(const AttributeActions& all, List& attrs, const RequestContext& ctx) {
  const auto& actions = all.actions();
  for (size_t n = 0; n < actions.size(); ++n) {
    const Action& a = actions[n];
    if (!attrs.ok()) return;
    switch (a.type) {
      case Action::Type::insert:
      case Action::Type::update:
      case Action::Type::upsert: {
        const size_t existing = attrs.find(a.key);
        const bool exists = existing != List::npos;
        if ((a.type == Action::Type::insert && exists) || (a.type == Action::Type::update && !exists)) break;
        auto target = [&] { return exists ? existing : attrs.append(a.key); };
        switch (a.source) {
          case Action::Source::value:
            attrs.set(target(), all.value(n));
            break;
          case Action::Source::from_attribute: {
            const size_t src = attrs.find(a.from);
            if (src == List::npos || a.from == a.key) break;  // copying a value onto itself changes nothing
            attrs.copy(target(), src);
            break;
          }
          case Action::Source::context:
            if (auto v = a.context.joined(ctx)) attrs.set_string(target(), std::move(*v));
            break;
          case Action::Source::none:
            break;
        }
        break;
      }
      case Action::Type::remove:
        attrs.keep_if([&](size_t i) {
          const std::string_view k = attrs.key(i);
          return !((!a.key.empty() && k == a.key) || (a.pattern && a.pattern->matches(k)));
        });
        break;
      case Action::Type::hash: {
        auto hash = [&](size_t i) {
          if (i != List::npos) attrs.set_string(i, hash_of(attrs.value(i)));
        };
        if (!a.key.empty()) hash(attrs.find(a.key));
        if (a.pattern) {
          // Keys collected first, then each one's first entry hashed (as the Collector ranges over a map).
          std::vector<std::string_view> keys;
          for (size_t i = 0; i < attrs.size(); ++i)
            if (a.pattern->matches(attrs.key(i))) keys.push_back(attrs.key(i));
          for (auto k : keys)
            if (k != a.key) hash(attrs.find(k));
        }
        break;
      }
      case Action::Type::extract: {
        const size_t i = attrs.find(a.key);
        if (i == List::npos) break;
        const ValueView v = attrs.value(i);
        if (v.type != ValueView::Type::string) break;
        const auto& re = *a.pattern->re();
        std::vector<re2::StringPiece> groups(a.extract_groups.size() + 1);
        if (!re.Match(re2::StringPiece(v.text.data(), v.text.size()), 0, v.text.size(), RE2::UNANCHORED, groups.data(),
                      static_cast<int>(groups.size())))
          break;
        // Copied before any is set: a group may be written over the value it was found in.
        std::vector<std::pair<std::string_view, std::string>> found;
        for (size_t g = 0; g < a.extract_groups.size(); ++g)
          if (!a.extract_groups[g].empty())
            found.emplace_back(a.extract_groups[g], std::string(groups[g + 1].data(), groups[g + 1].size()));
        for (auto& [k, val] : found) attrs.set_string(attrs.put(k), std::move(val));
        break;
      }
      case Action::Type::convert:
        if (const size_t i = attrs.find(a.key); i != List::npos) convert_entry(attrs, i, a.converted_type);
        break;
    }
  }
}

}  // namespace

void AttributeActions::apply(Attributes& attrs, const RequestContext& ctx) const {
  otlp_wire::DecodedAttributeList list(attrs);
  run_actions(*this, list, ctx);
}

void AttributeActions::process(otlp_trace::ExportTraceServiceRequest& r, const RequestContext& ctx) const {
  for (auto& rs : *r.mutable_resource_spans())
    for (auto& ss : *rs.mutable_scope_spans())
      for (auto& span : *ss.mutable_spans()) {
        Subject s{&rs.resource().attributes(), &ss.scope(), &span.attributes(), &span, nullptr, nullptr};
        if (selected(cfg_, s)) apply(*span.mutable_attributes(), ctx);
      }
}

void AttributeActions::process(otlp_logs::ExportLogsServiceRequest& r, const RequestContext& ctx) const {
  for (auto& rl : *r.mutable_resource_logs())
    for (auto& sl : *rl.mutable_scope_logs())
      for (auto& log : *sl.mutable_log_records()) {
        Subject s{&rl.resource().attributes(), &sl.scope(), &log.attributes(), nullptr, &log, nullptr};
        if (selected(cfg_, s)) apply(*log.mutable_attributes(), ctx);
      }
}

void AttributeActions::process(otlp_metrics::ExportMetricsServiceRequest& r, const RequestContext& ctx) const {
  auto each = [&](auto& points) {
    for (auto& p : points) apply(*p.mutable_attributes(), ctx);
  };
  for (auto& rm : *r.mutable_resource_metrics())
    for (auto& sm : *rm.mutable_scope_metrics())
      for (auto& m : *sm.mutable_metrics()) {
        Subject s{&rm.resource().attributes(), &sm.scope(), nullptr, nullptr, nullptr, &m};
        if (!selected(cfg_, s)) continue;
        switch (m.data_case()) {
          case Metric::kGauge:
            each(*m.mutable_gauge()->mutable_data_points());
            break;
          case Metric::kSum:
            each(*m.mutable_sum()->mutable_data_points());
            break;
          case Metric::kHistogram:
            each(*m.mutable_histogram()->mutable_data_points());
            break;
          case Metric::kExponentialHistogram:
            each(*m.mutable_exponential_histogram()->mutable_data_points());
            break;
          case Metric::kSummary:
            each(*m.mutable_summary()->mutable_data_points());
            break;
          case Metric::DATA_NOT_SET:
            break;
        }
      }
}

AttributeActions::AttributeActions(AttributesConfig cfg) : cfg_(std::move(cfg)) {
  encoded_values_.resize(cfg_.actions.size());
  for (size_t n = 0; n < cfg_.actions.size(); ++n)
    if (cfg_.actions[n].source == Action::Source::value)
      encoded_values_[n] = processors::to_any_value(cfg_.actions[n].value).SerializeAsString();
}

otlp_wire::ValueView AttributeActions::value(size_t action) const {
  otlp_wire::ValueView v = view_of(cfg_.actions[action].value);
  v.encoded = encoded_values_[action];
  return v;
}

bool AttributeActions::wire_editable() const { return !cfg_.include && !cfg_.exclude; }

namespace {

using otlp_wire::Edit;
using otlp_wire::WireAttribute;

// Span or log record attributes edited on the wire by the same actions; a list the wire form cannot do (see
// codec/attribute_list.h) is decoded, alone, and the actions run on it.
class WireActions final : public otlp_wire::AttributeEditor {
 public:
  WireActions(otlp_wire::AttributesOf items, const AttributeActions& actions, const RequestContext& ctx)
      : items_(items), actions_(actions), ctx_(ctx) {}

  bool wants(otlp_wire::AttributesOf where) const override { return where == items_; }

  Edit edit(otlp_wire::AttributesOf, std::span<const WireAttribute> in, std::vector<WireAttribute>& wire,
            otlp_wire::KeyValueList& decoded) override {
    otlp_wire::WireAttributeList list(in, wire, arena_);
    run_actions(actions_, list, ctx_);
    if (list.ok()) return list.changed() ? Edit::wire : Edit::keep;
    if (!otlp_wire::parse_attributes(in, decoded)) return Edit::fail;
    actions_.apply(decoded, ctx_);
    return Edit::list;
  }

 private:
  const otlp_wire::AttributesOf items_;
  const AttributeActions& actions_;
  const RequestContext& ctx_;
  otlp_wire::ByteArena arena_;  // values the actions wrote, until the rewrite is written
};

}  // namespace

otlp_wire::RewriteResult rewrite(Signal signal, std::string_view request, otlp_wire::AttributesOf where,
                                 const AttributeActions& actions, const RequestContext& ctx) {
  WireActions editor(where, actions, ctx);
  if (signal == Signal::traces) return otlp_wire::rewrite_trace_attributes(request, editor);
  if (signal == Signal::logs) return otlp_wire::rewrite_log_attributes(request, editor);
  return {};  // metrics are edited decoded
}

namespace {

template <typename B>
class AttributesProcessor final : public processors::ProcessorBase<B> {
 public:
  AttributesProcessor(const CreateSettings& s, const AttributesConfig& cfg, Consumer<B>* next)
      : processors::ProcessorBase<B>(s, next), actions_(AttributesConfig(cfg)) {}

 private:
  Status process(B batch) override {
    if constexpr (B::signal != Signal::metrics) {
      if (actions_.wire_editable()) {
        constexpr auto items =
            B::signal == Signal::traces ? otlp_wire::AttributesOf::span : otlp_wire::AttributesOf::log_record;
        processors::edit_parts(
            batch, [&](std::string_view bytes) { return rewrite(B::signal, bytes, items, actions_, batch.context()); },
            [&](typename B::RequestType& r) { actions_.process(r, batch.context()); });
        return this->forward(std::move(batch));
      }
    }
    for (auto& part : batch.mutable_parts()) actions_.process(*part.request, batch.context());
    return this->forward(std::move(batch));
  }

  AttributeActions actions_;
};

class AttributesProcessorFactory final : public processors::ProcessorFactoryOf<AttributesConfig, AttributesProcessor> {
 public:
  AttributesProcessorFactory() : ProcessorFactoryOf("attributes", parse_config) {}

 protected:
  void check(const AttributesConfig& cfg, Signal signal) const override { validate_for_signal(cfg, signal); }
};

}  // namespace

bool matches(const MatchProperties& m, const MatchSubject& s) {
  if (!m.services.empty() && !any_matches(m.services, processors::service_name(*s.resource))) return false;
  if (s.span) {
    if (!m.span_names.empty() && !any_matches(m.span_names, s.span->name())) return false;
    if (!m.span_kinds.empty() && !any_matches(m.span_kinds, processors::span_kind_name(s.span->kind()))) return false;
  }
  if (s.metric && !m.metric_names.empty() && !any_matches(m.metric_names, s.metric->name())) return false;
  if (s.log) {
    if (!m.log_bodies.empty() && !any_matches(m.log_bodies, as_string(s.log->body()))) return false;
    if (!m.log_severity_texts.empty() && !any_matches(m.log_severity_texts, s.log->severity_text())) return false;
    if (m.log_severity_min) {
      int sev = s.log->severity_number();
      if (sev == 0 ? !m.log_severity_match_undefined : sev < *m.log_severity_min) return false;
    }
  }
  if (!m.attributes.empty() && (!s.attributes || !attributes_match(m.attributes, *s.attributes))) return false;
  if (!m.resources.empty() && !attributes_match(m.resources, *s.resource)) return false;
  if (!m.libraries.empty()) {
    bool any = false;
    for (const auto& lib : m.libraries)
      any |= lib.name.matches(s.scope->name()) && (!lib.version || lib.version->matches(s.scope->version()));
    if (!any) return false;
  }
  return true;
}

}  // namespace otlpd::attributes_processor

using otlpd::attributes_processor::AttributesProcessorFactory;
OTLPD_REGISTER_FACTORY(AttributesProcessorFactory)
