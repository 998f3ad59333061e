// The tail_sampling processor's config schema and the policy lists; each policy type's settings are declared
// with the policy (policies.cpp).
#include "processors/tail_sampling/config.h"

#include <algorithm>
#include <set>

namespace otlpd::tail_sampling {

namespace {

constexpr size_t kMaxPolicies = 256;

const PolicyType* find_type(std::string_view name) {
  for (const auto& t : policy_types())
    if (t.name == name) return &t;
  return nullptr;
}

std::vector<std::string> type_names(bool top_level) {
  std::vector<std::string> out;
  for (const auto& t : policy_types())
    if (top_level || !t.combining) out.push_back(t.name);
  return out;
}

// The Collector's types that otlpd refuses, with why.
const std::vector<std::pair<std::string, std::string>> kRefusedTypes = {
    {"not", "invert a policy with its invert_match instead"}};

void read_type(const ConfigNode& n, PolicyConfig& p, bool top_level) {
  p.type = n.as<std::string>();
  const auto* t = find_type(p.type);
  for (const auto& [name, why] : kRefusedTypes)
    if (!t && p.type == name) n.fail("value '" + name + "' is not supported by otlpd: " + why);
  if (!t) n.fail("unknown value '" + p.type + "'; valid values are: " + join(type_names(top_level)));
  if (!top_level && t->combining)
    n.fail("policy type '" + p.type + "' is not valid for a sub-policy; valid values are: " + join(type_names(false)));
}

// `{name, type, <type>: {settings}}`: a settings block of another type than `type` is an error.
Schema<PolicyConfig> make_policy_schema(bool top_level) {
  Schema<PolicyConfig> s;
  s.key("name", &PolicyConfig::name, "unique among its siblings; labels the policy's metrics", required<std::string>());
  std::vector<std::string> names = type_names(top_level);
  for (const auto& [name, why] : kRefusedTypes) names.push_back(name + " (not supported)");
  s.custom(
      "type", "one of: " + join(names), "", "the policy type; its settings go under the key of that name",
      [top_level](const ConfigNode& n, PolicyConfig& p) { read_type(n, p, top_level); }, true);
  // Leaf types first, so that describe prints their keys at the top level and refers to them below.
  std::vector<const PolicyType*> types;
  for (const auto& t : policy_types())
    if (!t.combining) types.push_back(&t);
  for (const auto& t : policy_types())
    if (top_level && t.combining) types.push_back(&t);
  for (const auto* type : types) {
    const auto& t = *type;
    s.block(t.name, "map", t.doc, t.schema(), [&t](const ConfigNode& n, PolicyConfig& p) {
      if (p.type != t.name) n.fail("'" + t.name + "' settings in a policy of type '" + p.type + "'");
      p.settings = t.read(n);
    });
  }
  s.validate([](PolicyConfig& p, const SchemaInput& in) {
    // A type without its block: the settings' defaults (and their checks).
    if (!p.settings.has_value())
      p.settings = find_type(p.type)->read(ConfigNode(YAML::Node(), in.node().path() + "::" + p.type));
  });
  return s;
}

const Schema<PolicyConfig>& policy_schema() {
  static const auto s = make_policy_schema(true);
  return s;
}

const Schema<DecisionCacheConfig>& decision_cache_schema() {
  using D = DecisionCacheConfig;
  constexpr uint64_t kMaxCache = 1ull << 28;  // 4 GiB of ids: anything larger is a typo
  static const auto s =
      Schema<D>()
          .key("sampled_cache_size", &D::sampled_cache_size,
               "trace ids remembered as sampled, so that late spans follow; 0: off", between<uint64_t>(0, kMaxCache))
          .key("non_sampled_cache_size", &D::non_sampled_cache_size, "trace ids remembered as not sampled; 0: off",
               between<uint64_t>(0, kMaxCache));
  return s;
}

}  // namespace

const ConfigSchema& sub_policy_schema() {
  static const auto s = make_policy_schema(false);
  return s;
}

std::vector<PolicyConfig> parse_policies(const ConfigNode& list, bool top_level) {
  const auto& schema = top_level ? policy_schema() : static_cast<const Schema<PolicyConfig>&>(sub_policy_schema());
  std::vector<PolicyConfig> out;
  auto items = list.items();
  if (items.size() > kMaxPolicies) list.fail("more than " + std::to_string(kMaxPolicies) + " policies");
  std::set<std::string> names;
  for (const auto& item : items) {
    out.push_back(std::move(*schema.parse(item)));
    if (!names.insert(out.back().name).second) item.fail("duplicate policy name '" + out.back().name + "'");
  }
  return out;
}

const Schema<TailSamplingConfig>& schema() {
  using C = TailSamplingConfig;
  static const auto s =
      Schema<C>()
          .key("decision_wait", &C::decision_wait, "time from a trace's first span to its decision; above 0")
          .key("num_traces", &C::num_traces, "traces held at once; beyond it the oldest are decided early",
               at_least<uint64_t>(1))
          .key("expected_new_traces_per_sec", &C::expected_new_traces_per_sec, "sizes the trace tables up front")
          .block("decision_cache", "map", "trace ids remembered per decision, so that late spans follow it",
                 decision_cache_schema(),
                 [](const ConfigNode& n, C& c) { decision_cache_schema().parse_into(n, c.decision_cache); })
          .key("sample_on_first_match", &C::sample_on_first_match,
               "stop evaluating policies at the first one that samples")
          .key("drop_pending_traces_on_shutdown", &C::drop_pending_traces_on_shutdown,
               "on shutdown drop pending traces (counted) instead of deciding them")
          .block(
              "policies", "list of policies", "{name, type, <type>: {settings}}; combined as the Collector does",
              policy_schema(),
              [](const ConfigNode& n, C& c) {
                c.policies = parse_policies(n, true);
                if (c.policies.empty()) n.fail("'policies' must list at least one sampling policy");
              },
              true)
          .key("max_memory_mib", &C::max_memory_mib,
               "otlpd: bound on pending trace memory; reached, the oldest traces are decided early; 0: off",
               between<uint64_t>(0, 1ull << 30))
          .key("decision_wait_after_root_received", &C::decision_wait_after_root_received,
               "otlpd: decide this long after the root span arrived, if sooner than decision_wait; 0: off",
               at_least(Duration::zero()))
          .key("num_shards", &C::num_shards, "otlpd: trace-id shards, a mutex each; 0: 8 x CPUs, at most 256",
               between<uint32_t>(0, 4096))
          .unsupported("block_on_overflow",
                       "otlpd decides the oldest traces early instead, and refuses (retryable) when that cannot keep "
                       "up")
          .validate([](C& c, const SchemaInput& in) {
            if (c.decision_wait <= Duration::zero()) in.fail("decision_wait", "decision_wait must be positive");
          });
  return s;
}

std::unique_ptr<TailSamplingConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::tail_sampling

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::processor, "tail_sampling", ::otlpd::tail_sampling::schema)
