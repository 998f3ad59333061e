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
#include "config/node.h"
#include "core/registry.h"
#include "processors/common/processor_helper.h"
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

// What include/exclude look at for one item.
struct Subject {
  const Attributes* resource = nullptr;
  const InstrumentationScope* scope = nullptr;
  const Attributes* attributes = nullptr;
  const Span* span = nullptr;
  const LogRecord* log = nullptr;
  const Metric* metric = nullptr;
};

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

bool matches(const MatchProperties& m, const Subject& s) {
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

bool selected(const AttributesConfig& cfg, const Subject& s) {
  if (cfg.include && !matches(*cfg.include, s)) return false;
  if (cfg.exclude && matches(*cfg.exclude, s)) return false;
  return true;
}

// The Collector's hash action: SHA-1 of the value's bytes (strings as is, bools as one byte, numbers as
// 8 little-endian bytes), as lower-case hex; other types hash to "".
void hash_value(processors::AnyValue& v) {
  std::string bytes;
  auto le64 = [&](uint64_t x) {
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
  };
  switch (v.value_case()) {
    case processors::AnyValue::kStringValue:
      bytes = v.string_value();
      break;
    case processors::AnyValue::kBoolValue:
      bytes.push_back(v.bool_value() ? 1 : 0);
      break;
    case processors::AnyValue::kIntValue:
      le64(static_cast<uint64_t>(v.int_value()));
      break;
    case processors::AnyValue::kDoubleValue:
      le64(std::bit_cast<uint64_t>(v.double_value()));
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
  v.set_string_value(std::move(hex));
}

void convert_value(processors::AnyValue& v, Action::Convert to) {
  using V = processors::AnyValue;
  switch (to) {
    case Action::Convert::to_int:
      switch (v.value_case()) {
        case V::kDoubleValue: {
          double d = v.double_value();
          // Out-of-range doubles (and NaN) would be undefined behaviour to convert: left unchanged.
          if (std::isfinite(d) && d >= -9.2233720368547758e18 && d < 9.2233720368547758e18)
            v.set_int_value(static_cast<int64_t>(d));
          break;
        }
        case V::kBoolValue:
          v.set_int_value(v.bool_value() ? 1 : 0);
          break;
        case V::kStringValue: {
          const auto& s = v.string_value();
          int64_t n = 0;
          std::string_view t = s;
          if (!t.empty() && t.front() == '+') t.remove_prefix(1);
          auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
          if (!t.empty() && ec == std::errc() && p == t.data() + t.size()) v.set_int_value(n);
          break;
        }
        default:
          break;
      }
      break;
    case Action::Convert::to_double:
      switch (v.value_case()) {
        case V::kIntValue:
          v.set_double_value(static_cast<double>(v.int_value()));
          break;
        case V::kBoolValue:
          v.set_double_value(v.bool_value() ? 1.0 : 0.0);
          break;
        case V::kStringValue: {
          const auto& s = v.string_value();
          double d = 0;
          std::string_view t = s;
          if (!t.empty() && t.front() == '+') t.remove_prefix(1);
          auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
          if (!t.empty() && ec == std::errc() && p == t.data() + t.size()) v.set_double_value(d);
          break;
        }
        default:
          break;
      }
      break;
    case Action::Convert::to_string:
      if (v.value_case() != V::kStringValue) v.set_string_value(as_string(v));
      break;
  }
}

// "10.0.0.1:5000" → "10.0.0.1", "[::1]:80" → "::1", as the Collector's client.address holds the IP only.
std::string host_of(std::string_view addr) {
  if (!addr.empty() && addr.front() == '[') {
    auto close = addr.find(']');
    return std::string(close == std::string_view::npos ? addr.substr(1) : addr.substr(1, close - 1));
  }
  auto colon = addr.find(':');
  if (colon != std::string_view::npos && addr.find(':', colon + 1) == std::string_view::npos)
    return std::string(addr.substr(0, colon));
  return std::string(addr);
}

// Keys of `attrs` that `m` matches (collected first: actions change the set).
std::vector<std::string> matching_keys(const Attributes& attrs, const StringMatcher& m) {
  std::vector<std::string> keys;
  for (const auto& kv : attrs)
    if (m.matches(kv.key())) keys.push_back(kv.key());
  return keys;
}

}  // namespace

void AttributeActions::apply(Attributes& attrs, const RequestContext& ctx) const {
  for (const auto& a : cfg_.actions) {
    switch (a.type) {
      case Action::Type::insert:
      case Action::Type::update:
      case Action::Type::upsert: {
        const bool exists = find_attribute(attrs, a.key) != nullptr;
        if ((a.type == Action::Type::insert && exists) || (a.type == Action::Type::update && !exists)) break;
        switch (a.source) {
          case Action::Source::value:
            processors::set_any_value(put_attribute(attrs, a.key), a.value);
            break;
          case Action::Source::from_attribute: {
            const auto* src = find_attribute(attrs, a.from);
            if (!src) break;
            if (a.from == a.key) break;  // copying a value onto itself changes nothing
            processors::AnyValue copy(*src);
            put_attribute(attrs, a.key) = std::move(copy);
            break;
          }
          case Action::Source::metadata: {
            std::string joined;
            bool found = false;
            for (const auto& [k, v] : ctx.metadata) {
              if (k != a.from) continue;
              if (found) joined += ';';
              joined += v;
              found = true;
            }
            if (found) put_attribute(attrs, a.key).set_string_value(std::move(joined));
            break;
          }
          case Action::Source::client_address:
            if (!ctx.client_address.empty()) put_attribute(attrs, a.key).set_string_value(host_of(ctx.client_address));
            break;
          case Action::Source::none:
            break;
        }
        break;
      }
      case Action::Type::remove:
        if (!a.key.empty()) processors::remove_attribute(attrs, a.key);
        if (a.pattern)
          for (const auto& k : matching_keys(attrs, *a.pattern)) processors::remove_attribute(attrs, k);
        break;
      case Action::Type::hash:
        if (!a.key.empty())
          if (auto* v = find_attribute(attrs, a.key)) hash_value(*v);
        if (a.pattern)
          for (const auto& k : matching_keys(attrs, *a.pattern))
            if (k != a.key)
              if (auto* v = find_attribute(attrs, k)) hash_value(*v);
        break;
      case Action::Type::extract: {
        const auto* v = find_attribute(attrs, a.key);
        if (!v || v->value_case() != processors::AnyValue::kStringValue) break;
        const auto& re = *a.pattern->re();
        std::vector<re2::StringPiece> groups(a.extract_groups.size() + 1);
        const auto& text = v->string_value();
        if (!re.Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size()))) break;
        std::vector<std::pair<std::string, std::string>> found;
        for (size_t i = 0; i < a.extract_groups.size(); ++i)
          if (!a.extract_groups[i].empty())
            found.emplace_back(a.extract_groups[i], std::string(groups[i + 1].data(), groups[i + 1].size()));
        for (auto& [k, val] : found) put_attribute(attrs, k).set_string_value(std::move(val));
        break;
      }
      case Action::Type::convert:
        if (auto* v = find_attribute(attrs, a.key)) convert_value(*v, a.converted_type);
        break;
    }
  }
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

namespace {

// Actions the wire form does by itself.
bool done_on_wire(const Action& a) {
  switch (a.type) {
    case Action::Type::remove:
      return true;
    case Action::Type::insert:
    case Action::Type::update:
    case Action::Type::upsert:
      return a.source == Action::Source::value || a.source == Action::Source::from_attribute;
    default:
      return false;
  }
}

}  // namespace

AttributeActions::AttributeActions(AttributesConfig cfg) : cfg_(std::move(cfg)) {
  for (const auto& a : cfg_.actions) {
    encoded_values_.push_back(a.source == Action::Source::value ? processors::to_any_value(a.value).SerializeAsString()
                                                                : std::string());
    wire_plain_ &= done_on_wire(a);
  }
}

bool AttributeActions::wire_editable() const { return !cfg_.include && !cfg_.exclude; }

namespace {

using otlp_wire::Edit;
using otlp_wire::WireAttribute;

// Span or log record attributes edited on the wire. insert/update/upsert from a value or another attribute, and
// delete, work on the attributes as received; any other action decodes the list (only the list) and runs
// apply().
class WireActions final : public otlp_wire::AttributeEditor {
 public:
  WireActions(otlp_wire::AttributesOf items, const AttributeActions& actions, const RequestContext& ctx)
      : items_(items), actions_(actions), ctx_(ctx) {}

  bool wants(otlp_wire::AttributesOf where) const override { return where == items_; }

  Edit edit(otlp_wire::AttributesOf, std::span<const WireAttribute> in, std::vector<WireAttribute>& wire,
            otlp_wire::KeyValueList& decoded) override {
    // Attributes with more than a key and a value (unknown fields) keep them only through a decoded edit.
    if (!actions_.wire_plain() || std::any_of(in.begin(), in.end(), [](const WireAttribute& a) { return !a.plain; })) {
      if (!otlp_wire::parse_attributes(in, decoded)) return Edit::fail;
      actions_.apply(decoded, ctx_);
      return Edit::list;
    }
    wire.assign(in.begin(), in.end());
    const auto& list = actions_.actions();
    for (size_t i = 0; i < list.size(); ++i) {
      const Action& a = list[i];
      if (a.type == Action::Type::remove) {
        std::erase_if(wire, [&](const WireAttribute& w) {
          return (!a.key.empty() && w.key == a.key) || (a.pattern && a.pattern->matches(w.key));
        });
        continue;
      }
      auto* existing = find(wire, a.key);
      if ((a.type == Action::Type::insert && existing) || (a.type == Action::Type::update && !existing)) continue;
      std::string_view value;
      if (a.source == Action::Source::value) {
        value = actions_.encoded_value(i);
      } else {  // from_attribute
        const auto* src = find(wire, a.from);
        if (!src || a.from == a.key) continue;
        value = src->value;
      }
      WireAttribute put{existing ? existing->key : std::string_view(a.key), value, {}, true};
      if (existing)
        *existing = put;
      else
        wire.push_back(put);
    }
    return Edit::wire;
  }

 private:
  static WireAttribute* find(std::vector<WireAttribute>& wire, std::string_view key) {
    for (auto& w : wire)
      if (w.key == key) return &w;
    return nullptr;
  }

  const otlp_wire::AttributesOf items_;
  const AttributeActions& actions_;
  const RequestContext& ctx_;
};

template <typename B>
class AttributesProcessor final : public processors::ProcessorBase<B> {
 public:
  AttributesProcessor(const CreateSettings& s, const AttributesConfig& cfg, Consumer<B>* next)
      : processors::ProcessorBase<B>(s, next), actions_(AttributesConfig(cfg)) {}

 private:
  Status process(B batch) override {
    if constexpr (B::signal != Signal::metrics) {
      if (actions_.wire_editable()) {
        constexpr bool traces = B::signal == Signal::traces;
        WireActions editor(traces ? otlp_wire::AttributesOf::span : otlp_wire::AttributesOf::log_record, actions_,
                           batch.context());
        processors::edit_parts(
            batch,
            [&](std::string_view bytes) {
              return traces ? otlp_wire::rewrite_trace_attributes(bytes, editor)
                            : otlp_wire::rewrite_log_attributes(bytes, editor);
            },
            [&](typename B::RequestType& r) { actions_.process(r, batch.context()); });
        return this->forward(std::move(batch));
      }
    }
    for (auto& part : batch.parts()) actions_.process(*part.request, batch.context());
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

}  // namespace otlpd::attributes_processor

using otlpd::attributes_processor::AttributesProcessorFactory;
OTLPD_REGISTER_FACTORY(AttributesProcessorFactory)
