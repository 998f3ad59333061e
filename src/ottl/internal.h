// Inside the OTTL compiler: closures, path accessors, the function table and the argument reader builders use.
#pragma once

#include <google/protobuf/repeated_ptr_field.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ottl/ottl.h"

namespace re2 {
class RE2;
}

namespace otlpd::ottl {

using Attributes = google::protobuf::RepeatedPtrField<KeyValue>;
using Eval = std::function<Value(Item&)>;
using Pred = std::function<bool(Item&)>;

// What a path or expression is known to produce at compile time (any: only known when it runs).
enum class VType { any, nil, boolean, integer, floating, string, bytes, map, list, time, duration };

// A compiled path: read it, and where the path allows, write it or edit it as a map in place.
struct Accessor {
  Eval get;
  std::function<void(Item&, const Value&)> set;  // empty: read-only
  std::function<Attributes*(Item&)> map;         // a map the editors change in place (null when not a map now)
  VType type = VType::any;
  std::string name;  // as written, for errors
  // Fast reads for comparisons, without building a Value: the AnyValue a keyed path points at (null: missing),
  // or a string field's text. Either may be empty.
  std::function<const AnyValue*(Item&)> peek;
  std::function<const std::string*(Item&)> text;
};

class Compiler;

// Compiles the arguments of one call, by parameter position (named arguments already placed).
class Args {
 public:
  Args(Compiler& c, const ast::Expr& call, std::vector<const ast::Expr*> exprs)
      : c_(c), call_(call), exprs_(std::move(exprs)) {}

  bool has(size_t i) const { return i < exprs_.size() && exprs_[i] != nullptr; }
  const ast::Expr& expr(size_t i) const { return *exprs_.at(i); }
  [[noreturn]] void fail(size_t i, const std::string& why) const;

  Eval value(size_t i);                                    // anything
  Eval string(size_t i);                                   // a string at run time (else EvalError)
  Eval string_like(size_t i);                              // strings, numbers and bools as text; nil stays nil
  Eval integer(size_t i);                                  // an int64 (else EvalError)
  Eval number(size_t i);                                   // int64 or float64, as given
  Accessor target(size_t i);                               // a path that can be set
  std::function<Attributes*(Item&)> map_target(size_t i);  // a path that is a map
  std::string string_literal(size_t i);
  int64_t int_literal(size_t i);
  bool bool_literal(size_t i);
  double number_literal(size_t i);                  // an int64 or float64 literal
  std::vector<std::string> string_list(size_t i);   // a literal list of strings
  std::vector<Eval> value_list(size_t i);           // a literal list of values
  std::string function_name(size_t i);              // a bare converter name (replace_pattern's `function`)
  std::shared_ptr<const re2::RE2> regex(size_t i);  // a literal pattern, compiled now
  ContextKind context() const;

 private:
  Compiler& c_;
  const ast::Expr& call_;
  std::vector<const ast::Expr*> exprs_;
};

struct FunctionDef {
  bool editor = false;
  std::vector<std::string> params;  // names; a trailing '?' marks an optional one
  std::function<Eval(Args&)> build;
  VType result = VType::any;
  std::vector<ContextKind> contexts = {};  // where it may be used; empty: everywhere
};

using Table = std::map<std::string, FunctionDef, std::less<>>;
const Table& functions();
// The editors (editors.cpp) and converters (converters.cpp), added to the table.
void editors(Table& t);
void converters(Table& t);
// The transform processor's metric functions (metric_functions.cpp), added to the table.
void metric_functions(Table& t);

class Compiler {
 public:
  explicit Compiler(ContextKind ctx) : ctx_(ctx) {}

  Eval value(const ast::Expr& e);
  Pred boolean(const ast::Expr& e);
  Accessor path(const ast::Expr& e);
  Eval call(const ast::Expr& e, bool as_editor);
  // What an expression produces, as far as the compiler knows.
  VType type_of(const ast::Expr& e);
  ContextKind context() const { return ctx_; }

 private:
  ContextKind ctx_;
};

// Paths of each context (paths.cpp).
Accessor resolve_path(Compiler& c, const ast::Expr& path);
// Every valid path of a context, for "did you mean" and docs.
std::vector<std::string> path_names(ContextKind ctx);
// Enum symbols (SPAN_KIND_SERVER...) and their values.
const std::map<std::string, int64_t, std::less<>>& enums();

// Helpers shared by functions and paths.
const KeyValue* map_entry(const Attributes& m, std::string_view key);  // null: no such key
// The value of `key`, null when the key is missing or has no value: reading never gives an entry a value, so a
// condition leaves the item as it was (the transform on received bytes copies what no statement changed).
AnyValue* map_find(Attributes& m, std::string_view key);
AnyValue& map_put(Attributes& m, std::string_view key);  // existing entry or a new one
Value map_value(const Attributes& m);                    // a copy as a map Value
void map_assign(Attributes& m, const AnyValue& kvlist);  // replaces the contents
std::string hex_encode(std::string_view bytes);
// Hex digests, for the SHA256/SHA1/MD5/SHA512 converters and the replace editors' `function`.
using Hash = std::string (*)(std::string_view);
std::string sha256(std::string_view s);
std::string sha1(std::string_view s);
std::string md5(std::string_view s);
std::string sha512(std::string_view s);

}  // namespace otlpd::ottl
