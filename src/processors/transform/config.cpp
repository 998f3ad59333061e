// The `transform` processor's config schema: statement lists per signal, each item a statement (basic form) or a
// group with its own context, conditions and error_mode (advanced form); every statement compiled at load.
#include "processors/transform/config.h"

#include <algorithm>

#include "ottl/ottl.h"

namespace otlpd::transform_processor {

namespace {

const std::vector<std::pair<std::string, ErrorMode>>& error_modes() {
  static const std::vector<std::pair<std::string, ErrorMode>> m = {
      {"ignore", ErrorMode::ignore}, {"silent", ErrorMode::silent}, {"propagate", ErrorMode::propagate}};
  return m;
}

// An advanced-form group as written, compiled once its context is known.
struct RawGroup {
  std::optional<ConfigNode> context;
  std::optional<ErrorMode> error_mode;
  std::vector<ConfigNode> conditions, statements;
};

std::vector<ConfigNode> string_items(const ConfigNode& n) {
  if (n.is_scalar()) return {n};
  if (!n.is_sequence()) n.fail("expected a list of OTTL strings");
  auto items = n.items();
  for (const auto& i : items)
    if (!i.is_scalar()) i.fail("expected an OTTL string");
  return items;
}

const Schema<RawGroup>& group_schema() {
  static const auto s =
      Schema<RawGroup>()
          .custom("context", "one of: resource, scope, span, spanevent, metric, datapoint, log", "",
                  "the context the statements run in; inferred from their path prefixes when left out",
                  [](const ConfigNode& n, RawGroup& g) { g.context = n; })
          .custom("error_mode", "one of: ignore, silent, propagate", "",
                  "overrides the processor's error_mode for this group",
                  [](const ConfigNode& n, RawGroup& g) { g.error_mode = parse_choice(n, error_modes()); })
          .custom("conditions", "list of OTTL conditions", "",
                  "the statements run only on items for which any condition holds",
                  [](const ConfigNode& n, RawGroup& g) { g.conditions = string_items(n); })
          .custom(
              "statements", "list of OTTL statements", "", "run in order on each item",
              [](const ConfigNode& n, RawGroup& g) { g.statements = string_items(n); }, true)
          .ignored("shared_cache",
                   "each group has a cache of its own per item; sharing it between groups is not supported yet");
  return s;
}

std::vector<std::string> texts(const std::vector<ConfigNode>& nodes) {
  std::vector<std::string> out;
  for (const auto& n : nodes) out.push_back(n.as<std::string>());
  return out;
}

// Compiles `nodes` into `g` in its context; errors point at the statement's line and column.
template <typename T, typename Compile>
std::vector<std::shared_ptr<const T>> compile_all(const std::vector<ConfigNode>& nodes, ottl::ContextKind ctx,
                                                  Compile compile) {
  std::vector<std::shared_ptr<const T>> out;
  for (const auto& n : nodes) {
    const auto text = n.as<std::string>();
    try {
      out.push_back(std::make_shared<const T>(compile(text, ctx)));
    } catch (const ottl::ParseError& e) {
      n.fail(ottl::describe_error(text, e));
    }
  }
  return out;
}

std::string context_names(const std::vector<ottl::ContextKind>& valid) {
  std::vector<std::string> names;
  for (auto k : valid) names.emplace_back(ottl::context_name(k));
  return join(names);
}

StatementGroup build(const RawGroup& raw, const ConfigNode& where, const std::vector<ottl::ContextKind>& valid) {
  StatementGroup g;
  g.error_mode = raw.error_mode;
  if (raw.context) {
    const auto name = raw.context->as<std::string>();
    auto k = ottl::parse_context(name);
    if (!k || std::find(valid.begin(), valid.end(), *k) == valid.end())
      raw.context->fail("unknown value '" + name + "'; valid values are: " + context_names(valid));
    g.context = *k;
  } else {
    std::optional<ottl::ContextKind> k;
    try {
      k = ottl::infer_context(texts(raw.statements), texts(raw.conditions));
    } catch (const ottl::ParseError&) {
      // A statement that does not parse: compiled below in the first valid context, which reports it in full.
      k = valid.back();
    }
    if (!k)
      where.fail(
          "cannot infer the context of these statements: prefix their paths with it (span.name, "
          "resource.attributes[\"k\"], log.body...) or give 'context' (" +
          context_names(valid) + ")");
    if (std::find(valid.begin(), valid.end(), *k) == valid.end())
      where.fail("the statements name the " + std::string(ottl::context_name(*k)) +
                 " context, which this signal does not have; valid contexts are: " + context_names(valid));
    g.context = *k;
  }
  g.conditions = compile_all<ottl::Condition>(raw.conditions, g.context, ottl::compile_condition);
  g.statements = compile_all<ottl::Statement>(raw.statements, g.context, ottl::compile_statement);
  return g;
}

// A `*_statements` list: runs of plain statements form one group each (basic form), maps are groups of their own.
Schema<TransformConfig>::Reader statements(std::vector<StatementGroup> TransformConfig::*member,
                                           std::vector<ottl::ContextKind> valid) {
  return [member, valid](const ConfigNode& n, TransformConfig& c) {
    if (!n.is_sequence()) n.fail("expected a list of statements or of {context, conditions, statements} groups");
    RawGroup flat;
    std::optional<ConfigNode> flat_at;
    auto flush = [&] {
      if (flat.statements.empty()) return;
      (c.*member).push_back(build(flat, *flat_at, valid));
      flat = RawGroup();
      flat_at.reset();
    };
    for (const auto& item : n.items()) {
      if (item.is_scalar()) {
        if (!flat_at) flat_at = item;
        flat.statements.push_back(item);
        continue;
      }
      if (!item.is_map()) item.fail("expected an OTTL statement or a {context, conditions, statements} group");
      flush();
      auto raw = group_schema().parse(item);
      (c.*member).push_back(build(*raw, item, valid));
    }
    flush();
  };
}

}  // namespace

const Schema<TransformConfig>& schema() {
  using K = ottl::ContextKind;
  static const auto s =
      Schema<TransformConfig>()
          .custom("error_mode", "one of: ignore, silent, propagate", "propagate",
                  "a statement that fails for an item: propagate refuses the batch, ignore logs and goes on with "
                  "the next statement, silent goes on",
                  [](const ConfigNode& n, TransformConfig& c) { c.error_mode = parse_choice(n, error_modes()); })
          .block("trace_statements", "list of statements or groups", "contexts resource, scope, span, spanevent",
                 group_schema(),
                 statements(&TransformConfig::trace_statements, {K::resource, K::scope, K::span, K::spanevent}))
          .block("metric_statements", "list of statements or groups", "contexts resource, scope, metric, datapoint",
                 group_schema(),
                 statements(&TransformConfig::metric_statements, {K::resource, K::scope, K::metric, K::datapoint}))
          .block("log_statements", "list of statements or groups", "contexts resource, scope, log", group_schema(),
                 statements(&TransformConfig::log_statements, {K::resource, K::scope, K::log}))
          .ignored("flatten_data",
                   "otlpd runs statements on the data as it is grouped; the Collector's flattening is a feature gate")
          .validate([](TransformConfig& c, const SchemaInput&) {
            for (auto* list : {&c.trace_statements, &c.metric_statements, &c.log_statements})
              for (auto& g : *list)
                if (!g.error_mode) g.error_mode = c.error_mode;
          });
  return s;
}

std::unique_ptr<TransformConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::transform_processor

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::processor, "transform", ::otlpd::transform_processor::schema)
