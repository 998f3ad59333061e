// Compiles OTTL ASTs into closures: values, boolean expressions, calls with their arguments checked at load.
#include <re2/re2.h>

#include <algorithm>

#include "ottl/internal.h"

namespace otlpd::ottl {

namespace {

const char* vtype_name(VType t) {
  switch (t) {
    case VType::any:
      return "any";
    case VType::nil:
      return "nil";
    case VType::boolean:
      return "bool";
    case VType::integer:
      return "int64";
    case VType::floating:
      return "float64";
    case VType::string:
      return "string";
    case VType::bytes:
      return "bytes";
    case VType::map:
      return "map";
    case VType::list:
      return "list";
    case VType::time:
      return "time";
    case VType::duration:
      return "duration";
  }
  return "any";
}

bool is_boolean_expr(const ast::Expr& e) {
  switch (e.kind) {
    case ast::Kind::compare:
    case ast::Kind::logical_and:
    case ast::Kind::logical_or:
    case ast::Kind::logical_not:
    case ast::Kind::boolean:
      return true;
    case ast::Kind::group:
      return is_boolean_expr(*e.items[0]);
    default:
      return false;
  }
}

bool compare_text(std::string_view a, std::string_view b, CompareOp op) { return ordered(a, b, op); }

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                                                std::tolower(static_cast<unsigned char>(b[j - 1]))
                                            ? 0
                                            : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string_view context_name(ContextKind k) {
  switch (k) {
    case ContextKind::resource:
      return "resource";
    case ContextKind::scope:
      return "scope";
    case ContextKind::span:
      return "span";
    case ContextKind::spanevent:
      return "spanevent";
    case ContextKind::metric:
      return "metric";
    case ContextKind::datapoint:
      return "datapoint";
    case ContextKind::log:
      break;
  }
  return "log";
}

std::optional<ContextKind> parse_context(std::string_view name) {
  for (auto k : {ContextKind::resource, ContextKind::scope, ContextKind::span, ContextKind::spanevent,
                 ContextKind::metric, ContextKind::datapoint, ContextKind::log})
    if (context_name(k) == name) return k;
  if (name == "instrumentation_scope") return ContextKind::scope;
  return std::nullopt;
}

std::vector<std::string> close_names(std::string_view name, const std::vector<std::string>& candidates) {
  std::vector<std::pair<size_t, std::string>> scored;
  const size_t limit = std::max<size_t>(3, name.size() / 3);
  for (const auto& c : candidates) {
    const size_t d = edit_distance(name, c);
    if (d <= limit) scored.emplace_back(d, c);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& [d, c] : scored) out.push_back(std::move(c));
  return out;
}

std::string describe_error(std::string_view text, const ParseError& e) {
  return "statement \"" + std::string(text) + "\": " + e.what();
}

std::string quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

// --- Args -------------------------------------------------------------------------------------------------------

void Args::fail(size_t i, const std::string& why) const {
  const size_t pos = has(i) ? exprs_[i]->pos : call_.pos;
  throw ParseError(pos, call_.text + ": " + why);
}

ContextKind Args::context() const { return c_.context(); }

Eval Args::value(size_t i) { return c_.value(expr(i)); }

Eval Args::string(size_t i) {
  const VType t = c_.type_of(expr(i));
  if (t != VType::any && t != VType::string && t != VType::nil)
    fail(i, std::string("expected a string, got ") + vtype_name(t));
  auto get = c_.value(expr(i));
  if (t == VType::string) return get;
  return [get, name = call_.text](Item& item) -> Value {
    Value v = get(item);
    if (!v.is_string()) throw EvalError(name + ": expected a string but got " + v.type_name());
    return v;
  };
}

Eval Args::string_like(size_t i) {
  const VType t = c_.type_of(expr(i));
  if (t == VType::map || t == VType::list) fail(i, std::string("expected a string, got ") + vtype_name(t));
  auto get = c_.value(expr(i));
  if (t == VType::string) return get;
  return [get, name = call_.text](Item& item) -> Value {
    Value v = get(item);
    if (v.is_string() || v.is_nil()) return v;
    // As the Collector's StringLikeGetter: numbers and bools as text, bytes as hex, maps and lists as JSON.
    if (v.is_int() || v.is_double() || v.is_bool() || v.is_bytes() || v.is_map() || v.is_list())
      return Value(v.to_text());
    throw EvalError(name + ": expected a string but got " + v.type_name());
  };
}

Eval Args::integer(size_t i) {
  const VType t = c_.type_of(expr(i));
  if (t != VType::any && t != VType::integer) fail(i, std::string("expected an int64, got ") + vtype_name(t));
  auto get = c_.value(expr(i));
  if (t == VType::integer) return get;
  return [get, name = call_.text](Item& item) -> Value {
    Value v = get(item);
    if (!v.is_int()) throw EvalError(name + ": expected an int64 but got " + v.type_name());
    return v;
  };
}

Eval Args::number(size_t i) {
  const VType t = c_.type_of(expr(i));
  if (t != VType::any && t != VType::integer && t != VType::floating)
    fail(i, std::string("expected a number, got ") + vtype_name(t));
  return c_.value(expr(i));
}

Accessor Args::target(size_t i) {
  if (expr(i).kind != ast::Kind::path) fail(i, "expected a path to set, such as attributes[\"key\"]");
  Accessor a = c_.path(expr(i));
  if (!a.set) fail(i, "path '" + a.name + "' cannot be set");
  return a;
}

std::function<Attributes*(Item&)> Args::map_target(size_t i) {
  if (expr(i).kind != ast::Kind::path) fail(i, "expected a path to a map, such as attributes");
  Accessor a = c_.path(expr(i));
  if (!a.map) fail(i, "path '" + a.name + "' is not a map");
  return a.map;
}

std::string Args::string_literal(size_t i) {
  if (expr(i).kind != ast::Kind::string) fail(i, "expected a string literal");
  return expr(i).text;
}

int64_t Args::int_literal(size_t i) {
  if (expr(i).kind != ast::Kind::integer) fail(i, "expected an int64 literal");
  return expr(i).int_value;
}

bool Args::bool_literal(size_t i) {
  if (expr(i).kind != ast::Kind::boolean) fail(i, "expected true or false");
  return expr(i).bool_value;
}

double Args::number_literal(size_t i) {
  const auto& e = expr(i);
  if (e.kind == ast::Kind::integer) return static_cast<double>(e.int_value);
  if (e.kind != ast::Kind::floating) fail(i, "expected a number literal");
  return e.float_value;
}

std::vector<std::string> Args::string_list(size_t i) {
  const auto& e = expr(i);
  if (e.kind != ast::Kind::list) fail(i, "expected a list of strings, such as [\"a\", \"b\"]");
  std::vector<std::string> out;
  for (const auto& item : e.items) {
    if (item->kind != ast::Kind::string) throw ParseError(item->pos, call_.text + ": expected a string literal");
    out.push_back(item->text);
  }
  return out;
}

std::vector<Eval> Args::value_list(size_t i) {
  const auto& e = expr(i);
  if (e.kind != ast::Kind::list) fail(i, "expected a list, such as [a, b]");
  std::vector<Eval> out;
  for (const auto& item : e.items) out.push_back(c_.value(*item));
  return out;
}

std::string Args::function_name(size_t i) {
  const auto& e = expr(i);
  if (e.kind != ast::Kind::ident) fail(i, "expected a function name such as SHA256");
  if (!functions().count(e.text)) fail(i, "unknown function '" + e.text + "'");
  return e.text;
}

std::shared_ptr<const re2::RE2> Args::regex(size_t i) {
  auto pattern = string_literal(i);
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(pattern, opts);
  if (!re->ok()) fail(i, "invalid regular expression \"" + pattern + "\": " + re->error());
  return re;
}

// --- Compiler ---------------------------------------------------------------------------------------------------

VType Compiler::type_of(const ast::Expr& e) {
  switch (e.kind) {
    case ast::Kind::nil:
      return VType::nil;
    case ast::Kind::boolean:
    case ast::Kind::compare:
    case ast::Kind::logical_and:
    case ast::Kind::logical_or:
    case ast::Kind::logical_not:
      return VType::boolean;
    case ast::Kind::integer:
      return VType::integer;
    case ast::Kind::floating:
      return VType::floating;
    case ast::Kind::string:
      return VType::string;
    case ast::Kind::bytes:
      return VType::bytes;
    case ast::Kind::ident:
      return enums().count(e.text) ? VType::integer : VType::any;
    case ast::Kind::list:
      return VType::list;
    case ast::Kind::map:
      return VType::map;
    case ast::Kind::group:
      return type_of(*e.items[0]);
    case ast::Kind::path:
      try {
        return path(e).type;
      } catch (const ParseError&) {
        return VType::any;
      }
    case ast::Kind::call: {
      if (!e.keys.empty()) return VType::any;
      auto it = functions().find(e.text);
      return it == functions().end() ? VType::any : it->second.result;
    }
    case ast::Kind::math: {
      const VType a = type_of(*e.items[0]), b = type_of(*e.items[1]);
      if (a == VType::integer && b == VType::integer) return VType::integer;
      if ((a == VType::floating || a == VType::integer) && (b == VType::floating || b == VType::integer))
        return VType::floating;
      return VType::any;
    }
  }
  return VType::any;
}

Accessor Compiler::path(const ast::Expr& e) { return resolve_path(*this, e); }

Eval Compiler::value(const ast::Expr& e) {
  switch (e.kind) {
    case ast::Kind::nil:
      return [](Item&) { return Value(); };
    case ast::Kind::boolean: {
      const bool b = e.bool_value;
      return [b](Item&) { return Value(b); };
    }
    case ast::Kind::integer: {
      const int64_t v = e.int_value;
      return [v](Item&) { return Value(v); };
    }
    case ast::Kind::floating: {
      const double v = e.float_value;
      return [v](Item&) { return Value(v); };
    }
    case ast::Kind::string: {
      auto v = std::make_shared<const Value>(e.text);
      return [v](Item&) { return *v; };
    }
    case ast::Kind::bytes: {
      auto v = std::make_shared<const Value>(Bytes{e.text});
      return [v](Item&) { return *v; };
    }
    case ast::Kind::ident: {
      auto it = enums().find(e.text);
      if (it == enums().end()) {
        std::vector<std::string> names;
        for (const auto& [n, v] : enums()) names.push_back(n);
        std::string msg = "unknown enum symbol '" + e.text + "'";
        auto close = close_names(e.text, names);
        if (!close.empty()) msg += "; did you mean " + close.front() + "?";
        if (functions().count(e.text)) msg = "'" + e.text + "' is a function: call it as " + e.text + "(...)";
        throw ParseError(e.pos, msg);
      }
      const int64_t v = it->second;
      return [v](Item&) { return Value(v); };
    }
    case ast::Kind::list: {
      std::vector<Eval> items;
      for (const auto& i : e.items) items.push_back(value(*i));
      return [items](Item& item) {
        AnyValue out;
        auto* list = out.mutable_array_value();
        for (const auto& get : items) get(item).to_any(*list->add_values());
        return Value::from_any(out);
      };
    }
    case ast::Kind::map: {
      std::vector<std::pair<std::string, Eval>> items;
      for (size_t k = 0; k < e.items.size(); ++k) items.emplace_back(e.map_keys[k], value(*e.items[k]));
      return [items](Item& item) {
        AnyValue out;
        auto& m = *out.mutable_kvlist_value()->mutable_values();
        for (const auto& [key, get] : items) get(item).to_any(map_put(m, key));
        return Value::map(std::move(out));
      };
    }
    case ast::Kind::group:
      if (is_boolean_expr(*e.items[0])) {
        auto p = boolean(*e.items[0]);
        return [p](Item& item) { return Value(p(item)); };
      }
      return value(*e.items[0]);
    case ast::Kind::path:
      return path(e).get;
    case ast::Kind::call:
      return call(e, false);
    case ast::Kind::math: {
      for (const auto& operand : e.items) {
        if (is_boolean_expr(*operand)) throw ParseError(operand->pos, "a math operand cannot be a boolean expression");
        const VType t = type_of(*operand);
        if (t == VType::string || t == VType::map || t == VType::list || t == VType::bytes || t == VType::nil)
          throw ParseError(operand->pos, std::string("math is not defined for ") + vtype_name(t));
      }
      auto a = value(*e.items[0]);
      auto b = value(*e.items[1]);
      const MathOp op = e.math_op;
      return [a, b, op](Item& item) { return math(a(item), b(item), op); };
    }
    case ast::Kind::compare:
    case ast::Kind::logical_and:
    case ast::Kind::logical_or:
    case ast::Kind::logical_not:
      throw ParseError(e.pos, "a comparison is not a value here; wrap it in parentheses where a value is expected");
  }
  throw ParseError(e.pos, "unsupported expression");
}

Pred Compiler::boolean(const ast::Expr& e) {
  switch (e.kind) {
    case ast::Kind::boolean: {
      const bool b = e.bool_value;
      return [b](Item&) { return b; };
    }
    case ast::Kind::group:
      return boolean(*e.items[0]);
    case ast::Kind::logical_not: {
      auto p = boolean(*e.items[0]);
      return [p](Item& i) { return !p(i); };
    }
    case ast::Kind::logical_and: {
      auto a = boolean(*e.items[0]), b = boolean(*e.items[1]);
      return [a, b](Item& i) { return a(i) && b(i); };
    }
    case ast::Kind::logical_or: {
      auto a = boolean(*e.items[0]), b = boolean(*e.items[1]);
      return [a, b](Item& i) { return a(i) || b(i); };
    }
    case ast::Kind::compare: {
      for (const auto& operand : e.items)
        if (is_boolean_expr(*operand) && operand->kind != ast::Kind::boolean)
          throw ParseError(operand->pos, "a comparison operand cannot be a boolean expression");
      const CompareOp op = e.compare_op;
      const auto& l = *e.items[0];
      const auto& r = *e.items[1];
      // The common case `path == "literal"` compares without building a Value for the literal each time.
      if (r.kind == ast::Kind::string && l.kind == ast::Kind::path) {
        Accessor acc = path(l);
        auto lit = std::make_shared<const Value>(r.text);
        if (acc.peek)
          return [peek = acc.peek, lit, op](Item& i) {
            const AnyValue* v = peek(i);
            if (v && v->value_case() == AnyValue::kStringValue)
              return compare_text(v->string_value(), lit->as_string(), op);
            return compare(v ? Value::from_any(*v) : Value(), *lit, op);
          };
        if (acc.text)
          return [text = acc.text, lit, op](Item& i) {
            const std::string* s = text(i);
            return s ? compare_text(*s, lit->as_string(), op) : compare(Value(), *lit, op);
          };
        return [get = acc.get, lit, op](Item& i) { return compare(get(i), *lit, op); };
      }
      auto a = value(l), b = value(r);
      return [a, b, op](Item& i) { return compare(a(i), b(i), op); };
    }
    case ast::Kind::call: {
      const VType t = type_of(e);
      if (t != VType::boolean && t != VType::any)
        throw ParseError(e.pos, "converter " + e.text + " returns " + vtype_name(t) + ", not a boolean");
      auto get = call(e, false);
      return [get, name = e.text](Item& i) {
        Value v = get(i);
        if (!v.is_bool()) throw EvalError(name + " did not return a boolean but " + v.type_name());
        return v.as_bool();
      };
    }
    default:
      throw ParseError(e.pos, "expected a boolean expression (a comparison, true, false or a converter), found " +
                                  std::string(e.kind == ast::Kind::path ? "a path" : "a value"));
  }
}

Eval Compiler::call(const ast::Expr& e, bool as_editor) {
  auto it = functions().find(e.text);
  if (it == functions().end() || it->second.editor != as_editor) {
    std::vector<std::string> names;
    for (const auto& [name, def] : functions())
      if (def.editor == as_editor) names.push_back(name);
    std::string msg = std::string("unknown ") + (as_editor ? "editor" : "converter") + " '" + e.text + "'";
    auto close = close_names(e.text, names);
    if (!close.empty()) msg += "; did you mean " + close.front() + "?";
    throw ParseError(e.pos, msg);
  }
  const FunctionDef& def = it->second;
  if (!def.contexts.empty() && std::find(def.contexts.begin(), def.contexts.end(), ctx_) == def.contexts.end())
    throw ParseError(e.pos, e.text + " is not available in the " + std::string(context_name(ctx_)) + " context");
  // Place positional then named arguments by parameter.
  const auto& params = def.params;
  std::vector<const ast::Expr*> placed(params.size(), nullptr);
  bool named_seen = false;
  for (size_t k = 0; k < e.args.size(); ++k) {
    const auto& a = e.args[k];
    size_t slot = k;
    if (!a.name.empty()) {
      named_seen = true;
      slot = params.size();
      for (size_t p = 0; p < params.size(); ++p) {
        std::string pname = params[p];
        if (!pname.empty() && pname.back() == '?') pname.pop_back();
        if (pname == a.name) slot = p;
      }
      if (slot == params.size()) throw ParseError(a.pos, e.text + " has no parameter named '" + a.name + "'");
      if (placed[slot]) throw ParseError(a.pos, e.text + ": parameter '" + a.name + "' given twice");
    } else if (named_seen) {
      throw ParseError(a.pos, e.text + ": positional arguments must come before named ones");
    }
    if (slot >= params.size())
      throw ParseError(a.pos, e.text + std::string(" takes at most ") + std::to_string(params.size()) + " arguments");
    placed[slot] = a.value.get();
  }
  for (size_t p = 0; p < params.size(); ++p)
    if (!placed[p] && (params[p].empty() || params[p].back() != '?'))
      throw ParseError(e.pos, e.text + ": missing argument '" + params[p] + "'");
  Args args(*this, e, std::move(placed));
  Eval fn = def.build(args);
  if (e.keys.empty()) return fn;
  // Converter results may be indexed: Split(...)[0], ParseJSON(body)["a"].
  std::vector<std::pair<std::optional<std::string>, std::optional<int64_t>>> keys;
  std::vector<Eval> key_exprs;
  for (const auto& k : e.keys) {
    keys.emplace_back(k.string, k.index);
    key_exprs.push_back(k.expr ? value(*k.expr) : Eval());
  }
  return [fn, keys, key_exprs](Item& i) -> Value {
    Value v = fn(i);
    for (size_t k = 0; k < keys.size(); ++k) {
      auto [name, index] = keys[k];
      if (key_exprs[k]) {
        Value kv = key_exprs[k](i);
        if (kv.is_string())
          name = kv.as_string();
        else if (kv.is_int())
          index = kv.as_int();
        else
          throw EvalError("a key must be a string or an int64");
      }
      if (v.is_nil()) return v;
      if (name) {
        if (!v.is_map()) throw EvalError("type " + v.type_name() + " does not support string indexing");
        const AnyValue* found = nullptr;
        for (const auto& kv : v.any().kvlist_value().values())
          if (kv.key() == *name) found = &kv.value();
        v = found ? Value::from_any(*found) : Value();
      } else {
        if (!v.is_list()) throw EvalError("type " + v.type_name() + " does not support int indexing");
        const auto& list = v.any().array_value().values();
        if (*index < 0 || *index >= list.size())
          throw EvalError(std::string("index ") + std::to_string(*index) + " out of bounds");
        v = Value::from_any(list.Get(static_cast<int>(*index)));
      }
    }
    return v;
  };
}

// --- Entry points -----------------------------------------------------------------------------------------------

bool Statement::exec(Item& item) const {
  if (where_ && !where_(item)) return false;
  editor_(item);
  return true;
}

namespace {

// Whether `e` calls a function that reads a metric's data points.
bool calls_point_readers(const ast::Expr& e) {
  if (e.kind == ast::Kind::call && (e.text == "HasAttrOnDatapoint" || e.text == "HasAttrKeyOnDatapoint")) return true;
  for (const auto& i : e.items)
    if (calls_point_readers(*i)) return true;
  for (const auto& a : e.args)
    if (calls_point_readers(*a.value)) return true;
  for (const auto& f : e.path)
    for (const auto& k : f.keys)
      if (k.expr && calls_point_readers(*k.expr)) return true;
  for (const auto& k : e.keys)
    if (k.expr && calls_point_readers(*k.expr)) return true;
  return false;
}

}  // namespace

Condition compile_condition(std::string_view text, ContextKind ctx) {
  auto e = parse_condition(text);
  Compiler c(ctx);
  Condition out;
  out.fn_ = c.boolean(*e);
  out.text_ = std::string(text);
  out.reads_points_ = calls_point_readers(*e);
  return out;
}

namespace {

// The levels an editor call may change: those of its `target` argument's path (every editor's first parameter);
// Writes::all when there is none (the metric functions change the scope's metric list).
unsigned target_writes(const ast::Expr& call, ContextKind ctx) {
  const ast::Expr* target = nullptr;
  for (size_t k = 0; k < call.args.size(); ++k)
    if ((k == 0 && call.args[k].name.empty()) || call.args[k].name == "target") target = call.args[k].value.get();
  auto it = functions().find(call.text);
  if (!target || target->kind != ast::Kind::path || it == functions().end() || it->second.params.empty() ||
      it->second.params[0] != "target")
    return Writes::all;
  const auto& f = target->path;
  const std::string& first = f[0].name;
  if (first == "cache" || (f.size() == 2 && f[1].name == "cache" && first == context_name(ctx))) return 0;
  if (f.size() > 1 && first == "resource") return Writes::resource;
  if (f.size() > 1 && ctx != ContextKind::resource && (first == "instrumentation_scope" || first == "scope"))
    return Writes::scope;
  if (ctx == ContextKind::resource) return Writes::resource;
  if (ctx == ContextKind::scope) return Writes::scope;
  return Writes::item;
}

}  // namespace

Statement compile_statement(std::string_view text, ContextKind ctx) {
  auto st = parse_statement(text);
  Compiler c(ctx);
  Statement out;
  auto fn = c.call(*st.editor, true);
  out.editor_ = [fn](Item& i) { fn(i); };
  if (st.where) out.where_ = c.boolean(*st.where);
  out.text_ = std::string(text);
  out.writes_ = target_writes(*st.editor, ctx);
  return out;
}

namespace {

int context_rank(ContextKind k) {
  switch (k) {
    case ContextKind::resource:
      return 0;
    case ContextKind::scope:
      return 1;
    case ContextKind::span:
    case ContextKind::metric:
    case ContextKind::log:
      return 2;
    case ContextKind::spanevent:
    case ContextKind::datapoint:
      return 3;
  }
  return 0;
}

void collect_prefixes(const ast::Expr& e, std::vector<ContextKind>& out) {
  if (e.kind == ast::Kind::path && e.path.size() > 1) {
    if (auto k = parse_context(e.path[0].name)) out.push_back(*k);
  }
  if (e.kind == ast::Kind::call) {
    if (e.text == "HasAttrOnDatapoint" || e.text == "HasAttrKeyOnDatapoint") out.push_back(ContextKind::metric);
    if (e.text == "IsRootSpan") out.push_back(ContextKind::span);
  }
  for (const auto& i : e.items) collect_prefixes(*i, out);
  for (const auto& a : e.args) collect_prefixes(*a.value, out);
  for (const auto& f : e.path)
    for (const auto& k : f.keys)
      if (k.expr) collect_prefixes(*k.expr, out);
  for (const auto& k : e.keys)
    if (k.expr) collect_prefixes(*k.expr, out);
}

}  // namespace

std::optional<ContextKind> infer_context(const std::vector<std::string>& statements,
                                         const std::vector<std::string>& conditions) {
  std::vector<ContextKind> found;
  for (const auto& s : statements) {
    auto st = parse_statement(s);
    collect_prefixes(*st.editor, found);
    if (st.where) collect_prefixes(*st.where, found);
  }
  for (const auto& c : conditions) collect_prefixes(*parse_condition(c), found);
  if (found.empty()) return std::nullopt;
  return *std::max_element(found.begin(), found.end(),
                           [](ContextKind a, ContextKind b) { return context_rank(a) < context_rank(b); });
}

std::vector<std::string> function_names() {
  std::vector<std::string> out;
  for (const auto& [name, def] : functions()) out.push_back(name);
  return out;
}

}  // namespace otlpd::ottl
