// Text helpers of the OTLP/JSON codec: string escaping, number formatting, hex, base64, error location.
#include "codec/json_text.h"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>
#include <vector>

namespace otlpd::otlp_json::detail {

namespace {

// 0: copy as is; otherwise the character after the backslash ('u' means \u00XX).
constexpr std::array<char, 256> make_escape_table() {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<size_t>(c)] = 'u';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}
constexpr auto kEscape = make_escape_table();
constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 0..63 for both alphabets, 64 for '=', 255 for anything else.
constexpr std::array<uint8_t, 256> make_base64_table() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = 255;
  for (uint8_t i = 0; i < 64; ++i) t[static_cast<uint8_t>(kBase64[i])] = i;
  t['-'] = 62;
  t['_'] = 63;
  t['='] = 64;
  return t;
}
constexpr auto kBase64Value = make_base64_table();

constexpr std::array<int8_t, 256> make_hex_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 10; ++i) t[static_cast<size_t>('0' + i)] = static_cast<int8_t>(i);
  for (int i = 0; i < 6; ++i) {
    t[static_cast<size_t>('a' + i)] = static_cast<int8_t>(10 + i);
    t[static_cast<size_t>('A' + i)] = static_cast<int8_t>(10 + i);
  }
  return t;
}
constexpr auto kHexValue = make_hex_table();

std::string printable(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  char buf[8];
  buf[0] = '0';
  buf[1] = 'x';
  buf[2] = kHexDigits[u >> 4];
  buf[3] = kHexDigits[u & 15];
  return std::string(buf, 4);
}

}  // namespace

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 (overlong forms, surrogates and > U+10FFFF are invalid).
size_t utf8_sequence(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0)) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) >= 0x90)) return 0;
    return 4;
  }
  return 0;
}

// Strings from other sources than a validating parser may hold invalid UTF-8: each bad byte becomes U+FFFD so
// that the output stays valid JSON.
std::string sanitize_utf8(std::string_view s) {
  std::string r;
  r.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence(s, i);
    if (n == 0) {
      r += "\xEF\xBF\xBD";
      ++i;
    } else {
      r.append(s.data() + i, n);
      i += n;
    }
  }
  return r;
}

}  // namespace

void append_quoted(std::string& out, std::string_view s) {
  unsigned char high = 0;
  for (char c : s) high |= static_cast<unsigned char>(c);
  if ((high & 0x80) != 0 && !simdjson::validate_utf8(s.data(), s.size())) {
    std::string clean = sanitize_utf8(s);
    return append_quoted(out, clean);
  }
  out.push_back('"');
  const char* p = s.data();
  const char* end = p + s.size();
  const char* run = p;
  for (; p != end; ++p) {
    char e = kEscape[static_cast<unsigned char>(*p)];
    if (e == 0) [[likely]]
      continue;
    out.append(run, p);
    if (e == 'u') {
      auto u = static_cast<unsigned char>(*p);
      const char esc[6] = {'\\', 'u', '0', '0', kHexDigits[u >> 4], kHexDigits[u & 15]};
      out.append(esc, 6);
    } else {
      const char esc[2] = {'\\', e};
      out.append(esc, 2);
    }
    run = p + 1;
  }
  out.append(run, end);
  out.push_back('"');
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_double(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "\"NaN\"";
  } else if (std::isinf(v)) {
    out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
}

void append_float(std::string& out, float v) {
  if (std::isnan(v) || std::isinf(v)) {
    append_double(out, static_cast<double>(v));
  } else {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
}

void append_hex_quoted(std::string& out, std::string_view bytes) {
  size_t pos = out.size();
  out.resize(pos + 2 + 2 * bytes.size());
  char* p = out.data() + pos;
  *p++ = '"';
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    *p++ = kHexDigits[u >> 4];
    *p++ = kHexDigits[u & 15];
  }
  *p = '"';
}

void append_base64_quoted(std::string& out, std::string_view bytes) {
  size_t pos = out.size();
  out.resize(pos + 2 + (bytes.size() + 2) / 3 * 4);
  char* p = out.data() + pos;
  *p++ = '"';
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{s[i]} << 16) | (uint32_t{s[i + 1]} << 8) | s[i + 2];
    *p++ = kBase64[v >> 18];
    *p++ = kBase64[(v >> 12) & 63];
    *p++ = kBase64[(v >> 6) & 63];
    *p++ = kBase64[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = uint32_t{s[i]} << 16;
    *p++ = kBase64[v >> 18];
    *p++ = kBase64[(v >> 12) & 63];
    *p++ = '=';
    *p++ = '=';
  } else if (n - i == 2) {
    uint32_t v = (uint32_t{s[i]} << 16) | (uint32_t{s[i + 1]} << 8);
    *p++ = kBase64[v >> 18];
    *p++ = kBase64[(v >> 12) & 63];
    *p++ = kBase64[(v >> 6) & 63];
    *p++ = '=';
  }
  *p = '"';
}

std::string decode_hex(std::string_view text, size_t expected_bytes, std::string& out) {
  out.clear();
  return append_hex_decoded(text, expected_bytes, out);
}

std::string append_hex_decoded(std::string_view text, size_t expected_bytes, std::string& out) {
  if (text.empty()) return {};
  if (text.size() != 2 * expected_bytes)
    return "expected " + std::to_string(2 * expected_bytes) + " hex digits, got " + std::to_string(text.size());
  size_t start = out.size();
  out.resize(start + expected_bytes);
  char* o = out.data() + start;
  for (size_t i = 0; i < expected_bytes; ++i) {
    int hi = kHexValue[static_cast<unsigned char>(text[2 * i])];
    int lo = kHexValue[static_cast<unsigned char>(text[2 * i + 1])];
    if (hi < 0 || lo < 0) {
      size_t at = hi < 0 ? 2 * i : 2 * i + 1;
      out.resize(start);
      return "invalid hex digit " + printable(text[at]) + " at position " + std::to_string(at);
    }
    o[i] = static_cast<char>((hi << 4) | lo);
  }
  return {};
}

std::string decode_base64(std::string_view text, std::string& out) {
  out.clear();
  return append_base64_decoded(text, out);
}

std::string append_base64_decoded(std::string_view text, std::string& out) {
  // Padding is optional: strip it, then every 4 characters give 3 bytes and a tail of 2 or 3 gives 1 or 2.
  size_t n = text.size();
  size_t pad = 0;
  while (n > 0 && text[n - 1] == '=' && pad < 2) {
    --n;
    ++pad;
  }
  if (n % 4 == 1 || (pad > 0 && (n + pad) % 4 != 0)) return "invalid base64 length " + std::to_string(text.size());
  size_t start = out.size();
  out.resize(start + n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1));
  char* o = out.data() + start;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    uint8_t v = kBase64Value[static_cast<unsigned char>(text[i])];
    if (v >= 64) {
      out.resize(start);
      return "invalid base64 character " + printable(text[i]) + " at position " + std::to_string(i);
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return {};
}

bool parse_int64(std::string_view s, int64_t& v) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_uint64(std::string_view s, uint64_t& v) {
  if (s.empty() || s[0] == '-') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double& v) {
  if (s == "NaN") {
    v = std::nan("");
    return true;
  }
  if (s == "Infinity") {
    v = HUGE_VAL;
    return true;
  }
  if (s == "-Infinity") {
    v = -HUGE_VAL;
    return true;
  }
  if (s.empty()) return false;
  // from_chars also takes "inf" and "nan": allow only the characters of a JSON number.
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

namespace {

// A small iterative JSON checker, run only after the fast parser has rejected a document.
class SyntaxLocator {
 public:
  SyntaxLocator(std::string_view s, size_t max_depth) : s_(s), max_depth_(max_depth) {}

  bool run(size_t& offset, std::string& what) {
    enum State { kValue, kAfterValue, kKeyOrEnd, kKey, kValueOrEnd };
    State st = kValue;
    while (true) {
      skip_ws();
      if (st == kValue || st == kValueOrEnd) {
        if (i_ >= s_.size()) return fail("unexpected end of input, expected a value", offset, what);
        char c = s_[i_];
        if (st == kValueOrEnd && c == ']') {
          ++i_;
          stack_.pop_back();
          st = kAfterValue;
          continue;
        }
        if (c == '{' || c == '[') {
          if (stack_.size() >= max_depth_)
            return fail("nesting deeper than the limit of " + std::to_string(max_depth_), offset, what);
          stack_.push_back(c);
          ++i_;
          st = c == '{' ? kKeyOrEnd : kValueOrEnd;
          continue;
        }
        if (c == '"') {
          if (!string(offset, what)) return true;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
          if (!number()) return fail("invalid number", offset, what);
        } else if (!literal("true") && !literal("false") && !literal("null")) {
          return fail("unexpected character " + printable(c) + ", expected a value", offset, what);
        }
        st = kAfterValue;
        continue;
      }
      if (st == kKeyOrEnd || st == kKey) {
        if (i_ >= s_.size()) return fail("unexpected end of input, expected an object key", offset, what);
        if (st == kKeyOrEnd && s_[i_] == '}') {
          ++i_;
          stack_.pop_back();
          st = kAfterValue;
          continue;
        }
        if (s_[i_] != '"') return fail("expected a quoted object key", offset, what);
        if (!string(offset, what)) return true;
        skip_ws();
        if (i_ >= s_.size() || s_[i_] != ':') return fail("expected ':' after an object key", offset, what);
        ++i_;
        st = kValue;
        continue;
      }
      // kAfterValue
      if (stack_.empty()) {
        if (i_ < s_.size()) return fail("unexpected characters after the JSON value", offset, what);
        return false;
      }
      if (i_ >= s_.size()) return fail("unexpected end of input, unclosed object or array", offset, what);
      char c = s_[i_];
      char open = stack_.back();
      if (c == ',') {
        ++i_;
        st = open == '{' ? kKey : kValue;
      } else if ((open == '{' && c == '}') || (open == '[' && c == ']')) {
        ++i_;
        stack_.pop_back();
      } else {
        return fail(std::string("expected ',' or '") + (open == '{' ? '}' : ']') + "', got " + printable(c), offset,
                    what);
      }
    }
  }

 private:
  bool fail(std::string msg, size_t& offset, std::string& what) {
    offset = i_;
    what = std::move(msg);
    return true;
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool literal(std::string_view lit) {
    if (s_.substr(i_, lit.size()) != lit) return false;
    i_ += lit.size();
    return true;
  }
  bool digits() {
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > start;
  }
  bool number() {
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return false;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    return true;
  }
  // Returns false after recording an error.
  bool string(size_t& offset, std::string& what) {
    ++i_;  // opening quote
    while (true) {
      if (i_ >= s_.size()) return !fail("unterminated string", offset, what);
      auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return !fail("unescaped control character in a string", offset, what);
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) return !fail("unterminated string", offset, what);
        char e = s_[i_ + 1];
        if (e == 'u') {
          for (size_t k = 2; k < 6; ++k)
            if (i_ + k >= s_.size() || kHexValue[static_cast<unsigned char>(s_[i_ + k])] < 0)
              return !fail("invalid \\u escape", offset, what);
          i_ += 6;
        } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
          i_ += 2;
        } else {
          return !fail("invalid escape sequence", offset, what);
        }
        continue;
      }
      if (c < 0x80) {
        ++i_;
        continue;
      }
      size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
      if (len == 0 || i_ + len > s_.size()) return !fail("invalid UTF-8 in a string", offset, what);
      for (size_t k = 1; k < len; ++k)
        if ((static_cast<unsigned char>(s_[i_ + k]) & 0xC0) != 0x80)
          return !fail("invalid UTF-8 in a string", offset, what);
      i_ += len;
    }
  }

  std::string_view s_;
  size_t max_depth_;
  size_t i_ = 0;
  std::vector<char> stack_;
};

}  // namespace

bool locate_syntax_error(std::string_view json, size_t max_depth, size_t& offset, std::string& what) {
  return SyntaxLocator(json, max_depth).run(offset, what);
}

}  // namespace otlpd::otlp_json::detail
