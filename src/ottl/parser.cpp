// The OTTL lexer and recursive-descent parser: precedence or < and < not < comparison < + - < * / < primary.
#include "ottl/parser.h"

#include <cctype>
#include <charconv>
#include <cstdlib>

namespace otlpd::ottl {

namespace {

using ast::Expr;
using ast::ExprPtr;
using ast::Kind;

enum class Tok {
  end,
  bytes,
  floating,
  integer,
  string,
  lower,  // identifier starting with a lower-case letter (paths, editors, keywords)
  upper,  // identifier starting with an upper-case letter (converters, enums)
  compare,
  plus,
  minus,
  star,
  slash,
  equal,
  lparen,
  rparen,
  lbrace,
  rbrace,
  lbracket,
  rbracket,
  colon,
  comma,
  dot,
};

struct Token {
  Tok type = Tok::end;
  size_t pos = 0;    // 1-based column
  std::string text;  // as written (strings: unquoted)
  CompareOp op = CompareOp::eq;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

void append_utf8(std::string& out, uint32_t cp, size_t pos) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) throw ParseError(pos, "invalid Unicode escape in string");
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Go's strconv.Unquote rules for the escapes in a double-quoted string.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    while (true) {
      while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
      Token t;
      t.pos = i_ + 1;
      if (i_ >= s_.size()) {
        out.push_back(t);
        return out;
      }
      const char c = s_[i_];
      if (c == '0' && i_ + 1 < s_.size() && s_[i_ + 1] == 'x' && i_ + 2 < s_.size() && is_hex(s_[i_ + 2])) {
        size_t j = i_ + 2;
        while (j < s_.size() && is_hex(s_[j])) ++j;
        t.type = Tok::bytes;
        t.text = std::string(s_.substr(i_ + 2, j - i_ - 2));
        if (t.text.size() % 2) throw ParseError(t.pos, "bytes literal needs an even number of hex digits");
        i_ = j;
      } else if (is_digit(c) || (c == '.' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1]))) {
        number(t);
      } else if (c == '"') {
        string(t);
      } else if (is_alpha(c)) {
        size_t j = i_;
        while (j < s_.size() && (is_alpha(s_[j]) || is_digit(s_[j]) || s_[j] == '_')) ++j;
        t.text = std::string(s_.substr(i_, j - i_));
        t.type = std::isupper(static_cast<unsigned char>(c)) ? Tok::upper : Tok::lower;
        i_ = j;
      } else {
        punct(t);
      }
      out.push_back(std::move(t));
    }
  }

 private:
  void number(Token& t) {
    size_t j = i_;
    while (j < s_.size() && is_digit(s_[j])) ++j;
    bool floating = false;
    if (j < s_.size() && s_[j] == '.' && j + 1 < s_.size() && is_digit(s_[j + 1])) {
      floating = true;
      ++j;
      while (j < s_.size() && is_digit(s_[j])) ++j;
      if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
        size_t k = j + 1;
        if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
        if (k < s_.size() && is_digit(s_[k])) {
          while (k < s_.size() && is_digit(s_[k])) ++k;
          j = k;
        }
      }
    }
    t.type = floating ? Tok::floating : Tok::integer;
    t.text = std::string(s_.substr(i_, j - i_));
    i_ = j;
  }

  void string(Token& t) {
    size_t j = i_ + 1;
    std::string out;
    while (true) {
      if (j >= s_.size()) throw ParseError(t.pos, "unterminated string");
      const char c = s_[j];
      if (c == '"') break;
      if (c != '\\') {
        out += c;
        ++j;
        continue;
      }
      const size_t esc = j + 1;
      if (esc >= s_.size()) throw ParseError(t.pos, "unterminated string");
      const char e = s_[esc];
      j = esc + 1;
      switch (e) {
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case '\\':
        case '"':
        case '\'':
          out += e;
          break;
        case 'x':
        case 'u':
        case 'U': {
          const size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (j + n > s_.size()) throw ParseError(esc, "invalid escape in string");
          uint32_t v = 0;
          for (size_t k = 0; k < n; ++k) {
            if (!is_hex(s_[j + k])) throw ParseError(esc, "invalid escape in string");
            v = v * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(s_[j + k]))
                                                   ? s_[j + k] - '0'
                                                   : (std::tolower(static_cast<unsigned char>(s_[j + k])) - 'a' + 10));
          }
          j += n;
          if (e == 'x')
            out += static_cast<char>(v);
          else
            append_utf8(out, v, esc);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            if (j + 2 > s_.size() || !(s_[j] >= '0' && s_[j] <= '7') || !(s_[j + 1] >= '0' && s_[j + 1] <= '7'))
              throw ParseError(esc, "invalid escape in string");
            const int v = (e - '0') * 64 + (s_[j] - '0') * 8 + (s_[j + 1] - '0');
            if (v > 255) throw ParseError(esc, "invalid escape in string");
            out += static_cast<char>(v);
            j += 2;
            break;
          }
          throw ParseError(esc, std::string("invalid escape '\\") + e + "' in string");
      }
    }
    t.type = Tok::string;
    t.text = std::move(out);
    i_ = j + 1;
  }

  void punct(Token& t) {
    const char c = s_[i_];
    const char n = i_ + 1 < s_.size() ? s_[i_ + 1] : '\0';
    auto two = [&](CompareOp op) {
      t.type = Tok::compare;
      t.op = op;
      t.text = std::string(s_.substr(i_, 2));
      i_ += 2;
    };
    auto one = [&](Tok type) {
      t.type = type;
      t.text = std::string(1, c);
      ++i_;
    };
    if (c == '=' && n == '=') return two(CompareOp::eq);
    if (c == '!' && n == '=') return two(CompareOp::ne);
    if (c == '<' && n == '=') return two(CompareOp::le);
    if (c == '>' && n == '=') return two(CompareOp::ge);
    if (c == '<' || c == '>') {
      t.type = Tok::compare;
      t.op = c == '<' ? CompareOp::lt : CompareOp::gt;
      t.text = std::string(1, c);
      ++i_;
      return;
    }
    switch (c) {
      case '=':
        return one(Tok::equal);
      case '+':
        return one(Tok::plus);
      case '-':
        return one(Tok::minus);
      case '*':
        return one(Tok::star);
      case '/':
        return one(Tok::slash);
      case '(':
        return one(Tok::lparen);
      case ')':
        return one(Tok::rparen);
      case '{':
        return one(Tok::lbrace);
      case '}':
        return one(Tok::rbrace);
      case '[':
        return one(Tok::lbracket);
      case ']':
        return one(Tok::rbracket);
      case ':':
        return one(Tok::colon);
      case ',':
        return one(Tok::comma);
      case '.':
        return one(Tok::dot);
      default:
        break;
    }
    const unsigned char u = static_cast<unsigned char>(c);
    std::string shown = (u >= 0x20 && u < 0x7f) ? std::string(1, c) : std::string("\\x") + std::to_string(u);
    throw ParseError(t.pos, "unexpected character '" + shown + "'");
  }

  std::string_view s_;
  size_t i_ = 0;
};

constexpr int kMaxDepth = 100;
constexpr int kMaxChain = 1000;

class Parser {
 public:
  explicit Parser(std::string_view text) : toks_(Lexer(text).run()) {}

  ast::Statement statement() {
    ast::Statement st;
    const Token& t = peek();
    if (t.type == Tok::upper && peek(1).type == Tok::lparen)
      throw ParseError(t.pos, "editor names must start with a lowercase letter but got '" + t.text + "'");
    if (t.type != Tok::lower || peek(1).type != Tok::lparen)
      throw ParseError(t.pos, "expected an editor call such as set(...), found " + describe(t));
    st.editor = call();
    if (!st.editor->keys.empty())
      throw ParseError(st.editor->keys.front().pos,
                       "only paths and converters may be indexed, not editors, but got " + st.editor->text);
    if (keyword("where")) {
      ++i_;
      st.where = logical_or();
    }
    expect_end();
    return st;
  }

  ExprPtr condition() {
    auto e = logical_or();
    expect_end();
    return e;
  }

  ExprPtr value_only() {
    auto e = logical_or();
    expect_end();
    return e;
  }

 private:
  const Token& peek(size_t ahead = 0) const {
    const size_t k = i_ + ahead;
    return k < toks_.size() ? toks_[k] : toks_.back();
  }
  bool keyword(std::string_view w) const { return peek().type == Tok::lower && peek().text == w; }
  static bool reserved(const std::string& w) {
    return w == "and" || w == "or" || w == "not" || w == "true" || w == "false" || w == "nil" || w == "where";
  }

  static std::string describe(const Token& t) {
    if (t.type == Tok::end) return "the end of the statement";
    if (t.type == Tok::string) return "string \"" + t.text + "\"";
    return "'" + t.text + "'";
  }

  void expect(Tok type, const char* what) {
    if (peek().type != type)
      throw ParseError(peek().pos, std::string("expected ") + what + ", found " + describe(peek()));
    ++i_;
  }

  void expect_end() {
    if (peek().type != Tok::end) throw ParseError(peek().pos, "unexpected " + describe(peek()));
  }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxDepth) throw ParseError(p_.peek().pos, "expression nested too deeply");
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  // Operator chains build left-deep trees: bounded like nesting, so that no input recurses without limit.
  void chain(int n) const {
    if (n >= kMaxChain) throw ParseError(peek().pos, "expression too long");
  }

  static ExprPtr node(Kind k, size_t pos) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->pos = pos;
    return e;
  }

  ExprPtr logical_or() {
    DepthGuard g(*this);
    auto left = logical_and();
    for (int n = 0; keyword("or"); ++n) {
      chain(n);
      auto e = node(Kind::logical_or, peek().pos);
      ++i_;
      e->items.push_back(std::move(left));
      e->items.push_back(logical_and());
      left = std::move(e);
    }
    return left;
  }

  ExprPtr logical_and() {
    auto left = logical_not();
    for (int n = 0; keyword("and"); ++n) {
      chain(n);
      auto e = node(Kind::logical_and, peek().pos);
      ++i_;
      e->items.push_back(std::move(left));
      e->items.push_back(logical_not());
      left = std::move(e);
    }
    return left;
  }

  ExprPtr logical_not() {
    if (keyword("not")) {
      auto e = node(Kind::logical_not, peek().pos);
      ++i_;
      e->items.push_back(comparison());
      return e;
    }
    return comparison();
  }

  ExprPtr comparison() {
    auto left = additive();
    if (peek().type != Tok::compare) return left;
    auto e = node(Kind::compare, peek().pos);
    e->compare_op = peek().op;
    ++i_;
    e->items.push_back(std::move(left));
    e->items.push_back(additive());
    if (peek().type == Tok::compare) throw ParseError(peek().pos, "comparisons cannot be chained; use 'and'");
    return e;
  }

  ExprPtr additive() {
    auto left = multiplicative();
    for (int n = 0; peek().type == Tok::plus || peek().type == Tok::minus; ++n) {
      chain(n);
      auto e = node(Kind::math, peek().pos);
      e->math_op = peek().type == Tok::plus ? MathOp::add : MathOp::sub;
      ++i_;
      e->items.push_back(std::move(left));
      e->items.push_back(multiplicative());
      left = std::move(e);
    }
    return left;
  }

  ExprPtr multiplicative() {
    auto left = primary();
    for (int n = 0; peek().type == Tok::star || peek().type == Tok::slash; ++n) {
      chain(n);
      auto e = node(Kind::math, peek().pos);
      e->math_op = peek().type == Tok::star ? MathOp::mul : MathOp::div;
      ++i_;
      e->items.push_back(std::move(left));
      e->items.push_back(primary());
      left = std::move(e);
    }
    return left;
  }

  ExprPtr number(bool negative, size_t pos) {
    const Token& t = peek();
    ExprPtr e;
    if (t.type == Tok::integer) {
      e = node(Kind::integer, pos);
      std::string digits = negative ? "-" + t.text : t.text;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), e->int_value);
      if (ec != std::errc() || p != digits.data() + digits.size())
        throw ParseError(t.pos, "integer out of range: " + t.text);
    } else {
      e = node(Kind::floating, pos);
      e->float_value = std::strtod(t.text.c_str(), nullptr);
      if (negative) e->float_value = -e->float_value;
    }
    ++i_;
    return e;
  }

  ExprPtr primary() {
    DepthGuard g(*this);
    const Token& t = peek();
    switch (t.type) {
      case Tok::integer:
      case Tok::floating:
        return number(false, t.pos);
      case Tok::minus:
      case Tok::plus:
        // A sign belongs to the number right after it (OTTL's lexer reads "-1" as one Int).
        if ((peek(1).type == Tok::integer || peek(1).type == Tok::floating) && peek(1).pos == t.pos + 1) {
          const bool neg = t.type == Tok::minus;
          const size_t pos = t.pos;
          ++i_;
          return number(neg, pos);
        }
        break;
      case Tok::string: {
        auto e = node(Kind::string, t.pos);
        e->text = t.text;
        ++i_;
        return e;
      }
      case Tok::bytes: {
        auto e = node(Kind::bytes, t.pos);
        e->text.reserve(t.text.size() / 2);
        for (size_t k = 0; k + 1 < t.text.size(); k += 2)
          e->text += static_cast<char>(std::stoi(t.text.substr(k, 2), nullptr, 16));
        ++i_;
        return e;
      }
      case Tok::lparen: {
        auto e = node(Kind::group, t.pos);
        ++i_;
        e->items.push_back(logical_or());
        expect(Tok::rparen, "')'");
        return e;
      }
      case Tok::lbracket:
        return list();
      case Tok::lbrace:
        return map();
      case Tok::upper:
        if (peek(1).type == Tok::lparen) return call();
        {
          auto e = node(Kind::ident, t.pos);
          e->text = t.text;
          ++i_;
          return e;
        }
      case Tok::lower: {
        if (t.text == "nil") {
          ++i_;
          return node(Kind::nil, t.pos);
        }
        if (t.text == "true" || t.text == "false") {
          auto e = node(Kind::boolean, t.pos);
          e->bool_value = t.text == "true";
          ++i_;
          return e;
        }
        if (reserved(t.text)) break;
        if (peek(1).type == Tok::lparen) {
          auto e = call();
          throw ParseError(e->pos, "converter names must start with an uppercase letter but got '" + e->text + "'");
        }
        return path();
      }
      default:
        break;
    }
    throw ParseError(t.pos, "expected a value, found " + describe(t));
  }

  ExprPtr list() {
    auto e = node(Kind::list, peek().pos);
    ++i_;
    if (peek().type != Tok::rbracket) {
      e->items.push_back(additive());
      while (peek().type == Tok::comma) {
        ++i_;
        e->items.push_back(additive());
      }
    }
    expect(Tok::rbracket, "',' or ']'");
    return e;
  }

  ExprPtr map() {
    auto e = node(Kind::map, peek().pos);
    ++i_;
    while (peek().type != Tok::rbrace) {
      if (peek().type != Tok::string)
        throw ParseError(peek().pos, "expected a string map key or '}', found " + describe(peek()));
      e->map_keys.push_back(peek().text);
      ++i_;
      expect(Tok::colon, "':'");
      e->items.push_back(additive());
      if (peek().type == Tok::comma) ++i_;
    }
    ++i_;
    return e;
  }

  std::vector<ast::Key> keys() {
    std::vector<ast::Key> out;
    while (peek().type == Tok::lbracket) {
      ast::Key k;
      k.pos = peek().pos;
      ++i_;
      const Token& t = peek();
      if (t.type == Tok::string && peek(1).type == Tok::rbracket) {
        k.string = t.text;
        ++i_;
      } else if (t.type == Tok::integer && peek(1).type == Tok::rbracket) {
        k.expr = number(false, t.pos);
        k.index = k.expr->int_value;
        k.expr.reset();
      } else {
        k.expr = additive();
      }
      expect(Tok::rbracket, "']'");
      out.push_back(std::move(k));
    }
    return out;
  }

  ExprPtr call() {
    auto e = node(Kind::call, peek().pos);
    e->text = peek().text;
    i_ += 2;  // name and '('
    if (peek().type != Tok::rparen) {
      while (true) {
        ast::Arg a;
        a.pos = peek().pos;
        if (peek().type == Tok::lower && peek(1).type == Tok::equal) {
          a.name = peek().text;
          i_ += 2;
        }
        a.value = additive();
        e->args.push_back(std::move(a));
        if (peek().type != Tok::comma) break;
        ++i_;
      }
    }
    expect(Tok::rparen, "',' or ')'");
    e->keys = keys();
    return e;
  }

  ExprPtr path() {
    auto e = node(Kind::path, peek().pos);
    while (true) {
      const Token& t = peek();
      if (t.type != Tok::lower || reserved(t.text))
        throw ParseError(t.pos, "expected a path field name, found " + describe(t));
      ast::Field f;
      f.pos = t.pos;
      f.name = t.text;
      ++i_;
      f.keys = keys();
      e->path.push_back(std::move(f));
      if (peek().type != Tok::dot) break;
      ++i_;
    }
    return e;
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

ast::Statement parse_statement(std::string_view text) { return Parser(text).statement(); }
ast::ExprPtr parse_condition(std::string_view text) { return Parser(text).condition(); }
ast::ExprPtr parse_value(std::string_view text) { return Parser(text).value_only(); }

}  // namespace otlpd::ottl
