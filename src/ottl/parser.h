// The OTTL grammar (pkg/ottl/grammar.go in the Collector) as a hand-written recursive-descent parser producing
// an AST. Hand-written rather than generated (PEGTL): exact 1-based column positions for every error, messages
// in the Collector's words, and no dependency.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ottl/value.h"

namespace otlpd::ottl {

// A statement or condition that does not parse or compile: `column` is 1-based within the statement text.
class ParseError : public std::runtime_error {
 public:
  ParseError(size_t column, const std::string& what)
      : std::runtime_error(std::string("column ") + std::to_string(column) + ": " + what), column_(column) {}
  size_t column() const { return column_; }

 private:
  size_t column_;
};

namespace ast {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// `["key"]`, `[0]` or (newer OTTL) `[expression]`.
struct Key {
  size_t pos = 0;
  std::optional<std::string> string;
  std::optional<int64_t> index;
  ExprPtr expr;
};

struct Field {
  size_t pos = 0;
  std::string name;
  std::vector<Key> keys;
};

struct Arg {
  size_t pos = 0;
  std::string name;  // named argument (`name = value`), else empty
  ExprPtr value;
};

enum class Kind {
  nil,
  boolean,
  integer,
  floating,
  string,
  bytes,
  ident,  // an upper-case word without a call: an enum symbol, or a function name passed as an argument
  list,
  map,
  path,
  call,  // editor (lower-case) or converter (upper-case); keys index the converter's result
  math,
  compare,
  logical_and,
  logical_or,
  logical_not,
  group,  // parentheses, kept so that `(a == b)` is a boolean value and `(1 + 2)` a math value
};

struct Expr {
  Kind kind = Kind::nil;
  size_t pos = 0;  // 1-based column of the first character
  bool bool_value = false;
  int64_t int_value = 0;
  double float_value = 0;
  std::string text;  // string literal, bytes, ident or function name
  std::vector<Field> path;
  std::vector<Arg> args;              // call arguments
  std::vector<Key> keys;              // call result index
  std::vector<ExprPtr> items;         // list items, map values, operands
  std::vector<std::string> map_keys;  // map
  MathOp math_op = MathOp::add;
  CompareOp compare_op = CompareOp::eq;
};

// `editor(args) [where condition]`.
struct Statement {
  ExprPtr editor;  // Kind::call
  ExprPtr where;   // null when absent
};

}  // namespace ast

// Parses an editor invocation with an optional where clause; throws ParseError.
ast::Statement parse_statement(std::string_view text);
// Parses a boolean expression (a condition); throws ParseError.
ast::ExprPtr parse_condition(std::string_view text);
// Parses a value expression (for tests and map values); throws ParseError.
ast::ExprPtr parse_value(std::string_view text);

}  // namespace otlpd::ottl
