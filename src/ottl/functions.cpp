// OTTL functions (pkg/ottl/ottlfuncs/README.md): editors change the item, converters compute values. Each
// checks its literal arguments (patterns, modes, limits) when it is compiled.
#include <openssl/evp.h>
#include <re2/re2.h>
#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>

#include "ottl/internal.h"
#include "platform/go_duration.h"

namespace otlpd::ottl {

AnyValue* map_find(Attributes& m, std::string_view key) {
  for (auto& kv : m)
    if (kv.key() == key) return kv.mutable_value();
  return nullptr;
}

AnyValue& map_put(Attributes& m, std::string_view key) {
  if (AnyValue* v = map_find(m, key)) return *v;
  auto* kv = m.Add();
  kv->set_key(std::string(key));
  return *kv->mutable_value();
}

Value map_value(const Attributes& m) {
  AnyValue out;
  *out.mutable_kvlist_value()->mutable_values() = m;
  return Value::map(std::move(out));
}

void map_assign(Attributes& m, const AnyValue& kvlist) { m = kvlist.kvlist_value().values(); }

std::string hex_encode(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

namespace {

// Removes the entries for which `drop` holds, keeping the order of the others.
template <typename Pred>
void erase_entries(Attributes& m, Pred drop) {
  const int n = m.size();
  int out = 0;
  for (int i = 0; i < n; ++i) {
    if (drop(m.Get(i))) continue;
    if (out != i) m.SwapElements(out, i);
    ++out;
  }
  if (out < n) m.DeleteSubrange(out, n - out);
}

std::string digest(const EVP_MD* md, std::string_view in) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(in.data(), in.size(), out, &n, md, nullptr);
  return hex_encode(std::string_view(reinterpret_cast<const char*>(out), n));
}

using Hash = std::string (*)(std::string_view);
std::string sha256(std::string_view s) { return digest(EVP_sha256(), s); }
std::string sha1(std::string_view s) { return digest(EVP_sha1(), s); }
std::string md5(std::string_view s) { return digest(EVP_md5(), s); }
std::string sha512(std::string_view s) { return digest(EVP_sha512(), s); }

Hash hash_function(const std::string& name) {
  if (name == "SHA256") return sha256;
  if (name == "SHA1") return sha1;
  if (name == "MD5") return md5;
  if (name == "SHA512") return sha512;
  return nullptr;
}

// Go's regexp replacement template ($1, ${1}, ${name}, $$) as an RE2 rewrite string (\1, \\).
std::string re2_rewrite(const std::string& go, const re2::RE2& re) {
  std::string out;
  const auto& named = re.NamedCapturingGroups();
  auto group = [&](const std::string& name) {
    if (name.empty()) return;
    if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      const int n = std::atoi(name.c_str());
      if (n <= re.NumberOfCapturingGroups() && n <= 9) out += std::string("\\") + std::to_string(n);
      return;
    }
    auto it = named.find(name);
    if (it != named.end() && it->second <= 9) out += std::string("\\") + std::to_string(it->second);
  };
  for (size_t i = 0; i < go.size(); ++i) {
    const char c = go[i];
    if (c == '\\') {
      out += "\\\\";
      continue;
    }
    if (c != '$' || i + 1 >= go.size()) {
      out += c;
      continue;
    }
    if (go[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (go[i + 1] == '{') {
      const size_t end = go.find('}', i + 2);
      if (end == std::string::npos) {
        out += c;
        continue;
      }
      group(go.substr(i + 2, end - i - 2));
      i = end;
      continue;
    }
    size_t j = i + 1;
    while (j < go.size() && (std::isalnum(static_cast<unsigned char>(go[j])) || go[j] == '_')) ++j;
    if (j == i + 1) {
      out += c;
      continue;
    }
    group(go.substr(i + 1, j - i - 1));
    i = j - 1;
  }
  return out;
}

// gobwas/glob without separators: * any run, ? one character, [abc] [a-z] [!a] classes, \ escapes.
bool glob_match(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0, star_p = std::string_view::npos, star_s = 0;
  auto one = [&](size_t& pp, char c) -> bool {
    if (p[pp] == '?') {
      ++pp;
      return true;
    }
    if (p[pp] == '\\' && pp + 1 < p.size()) {
      const bool ok = p[pp + 1] == c;
      pp += 2;
      return ok;
    }
    if (p[pp] == '[') {
      size_t k = pp + 1;
      bool neg = k < p.size() && (p[k] == '!' || p[k] == '^');
      if (neg) ++k;
      bool found = false;
      while (k < p.size() && p[k] != ']') {
        if (k + 2 < p.size() && p[k + 1] == '-' && p[k + 2] != ']') {
          if (c >= p[k] && c <= p[k + 2]) found = true;
          k += 3;
        } else {
          if (p[k] == c) found = true;
          ++k;
        }
      }
      pp = k < p.size() ? k + 1 : k;
      return found != neg;
    }
    return p[pp++] == c;
  };
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star_p = pi++;
      star_s = si;
      continue;
    }
    size_t save = pi;
    if (pi < p.size() && one(pi, s[si])) {
      ++si;
      continue;
    }
    pi = save;
    if (star_p == std::string_view::npos) return false;
    pi = star_p + 1;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

// The optional `function` and `replacementFormat` arguments of the replace_* editors: hash the replacement and
// put it into the format's %s.
struct ReplacementTransform {
  Hash hash = nullptr;
  std::string format;
  bool has_format = false;

  std::string apply(std::string s) const {
    if (!hash) return s;
    s = hash(s);
    if (!has_format) return s;
    std::string out = format;
    const size_t at = out.find("%s");
    if (at != std::string::npos) out.replace(at, 2, s);
    return out;
  }
};

ReplacementTransform replacement_transform(Args& a, size_t fn, size_t fmt) {
  ReplacementTransform t;
  if (a.has(fn)) {
    const auto name = a.function_name(fn);
    t.hash = hash_function(name);
    if (!t.hash) a.fail(fn, "invalid function '" + name + "': expected SHA1, SHA256, SHA512 or MD5");
  }
  if (a.has(fmt)) {
    t.format = a.string_literal(fmt);
    t.has_format = true;
    if (t.format.find("%s") == std::string::npos) a.fail(fmt, "the replacement format must contain %s");
  }
  return t;
}

// Every replacement of `re` in `s` (Go's ReplaceAllString), or nullopt when nothing matched.
std::optional<std::string> replace_all(const re2::RE2& re, const std::string& s, const std::string& rewrite,
                                       const ReplacementTransform& t) {
  if (!t.hash) {
    std::string out = s;
    if (RE2::GlobalReplace(&out, re, rewrite) == 0) return std::nullopt;
    return out;
  }
  // With a hash, each match's expansion is transformed on its own.
  std::string out;
  re2::StringPiece in(s);
  const int groups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> m(static_cast<size_t>(groups));
  size_t pos = 0;
  bool any = false;
  while (pos <= s.size() && re.Match(in, pos, s.size(), RE2::UNANCHORED, m.data(), groups)) {
    any = true;
    const size_t start = static_cast<size_t>(m[0].data() - s.data());
    out.append(s, pos, start - pos);
    std::string expanded;
    re.Rewrite(&expanded, rewrite, m.data(), groups);
    out += t.apply(expanded);
    pos = start + m[0].size();
    if (m[0].empty()) {
      if (pos < s.size()) out += s[pos];
      ++pos;
    }
  }
  if (!any) return std::nullopt;
  if (pos < s.size()) out.append(s, pos, std::string::npos);
  return out;
}

void flatten_into(Attributes& out, const std::string& prefix, const AnyValue& v, int depth, int max_depth) {
  if (v.has_kvlist_value() && depth < max_depth) {
    for (const auto& kv : v.kvlist_value().values())
      flatten_into(out, prefix.empty() ? kv.key() : prefix + "." + kv.key(), kv.value(), depth + 1, max_depth);
    return;
  }
  if (v.has_array_value() && depth < max_depth) {
    int k = 0;
    for (const auto& e : v.array_value().values()) {
      flatten_into(out, prefix + std::string(".") + std::to_string(k), e, depth + 1, max_depth);
      ++k;
    }
    return;
  }
  map_put(out, prefix).CopyFrom(v);
}

void json_to_any(simdjson::dom::element e, AnyValue& out, int depth) {
  if (depth > 64) throw EvalError("ParseJSON: nesting too deep");
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      auto& m = *out.mutable_kvlist_value()->mutable_values();
      simdjson::dom::object obj;
      if (e.get(obj) != simdjson::SUCCESS) throw EvalError("ParseJSON: invalid JSON");
      for (auto field : obj) json_to_any(field.value, map_put(m, std::string(field.key)), depth + 1);
      break;
    }
    case simdjson::dom::element_type::ARRAY: {
      auto* list = out.mutable_array_value();
      simdjson::dom::array arr;
      if (e.get(arr) != simdjson::SUCCESS) throw EvalError("ParseJSON: invalid JSON");
      for (auto item : arr) json_to_any(item, *list->add_values(), depth + 1);
      break;
    }
    case simdjson::dom::element_type::STRING:
      out.set_string_value(std::string(e.get_string().value_unsafe()));
      break;
    case simdjson::dom::element_type::INT64:
      out.set_double_value(static_cast<double>(e.get_int64().value_unsafe()));
      break;
    case simdjson::dom::element_type::UINT64:
      out.set_double_value(static_cast<double>(e.get_uint64().value_unsafe()));
      break;
    case simdjson::dom::element_type::DOUBLE:
      out.set_double_value(e.get_double().value_unsafe());
      break;
    case simdjson::dom::element_type::BOOL:
      out.set_bool_value(e.get_bool().value_unsafe());
      break;
    case simdjson::dom::element_type::NULL_VALUE:
      out.Clear();
      break;
  }
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// strptime-style directives as the Collector's Time() reads them (%Y %m %d %H %M %S %L %f %z %Z %b %y %p %I %j
// and literal text); throws EvalError when the text does not match.
Time parse_time(const std::string& s, const std::string& fmt) {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos = 0, offset = 0;
  bool pm = false, twelve = false;
  size_t i = 0;
  auto fail = [&]() -> Time { throw EvalError("Time: \"" + s + "\" does not match the format \"" + fmt + "\""); };
  auto digits = [&](size_t max, int64_t& out) {
    size_t n = 0;
    out = 0;
    while (n < max && i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      out = out * 10 + (s[i] - '0');
      ++i;
      ++n;
    }
    if (n == 0) fail();
    return n;
  };
  static const char* months[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  static const char* long_months[] = {"january", "february", "march",     "april",   "may",      "june",
                                      "july",    "august",   "september", "october", "november", "december"};
  for (size_t f = 0; f < fmt.size(); ++f) {
    if (fmt[f] != '%' || f + 1 >= fmt.size()) {
      if (i >= s.size() || s[i] != fmt[f]) fail();
      ++i;
      continue;
    }
    const char d = fmt[++f];
    switch (d) {
      case 'Y':
        digits(4, year);
        break;
      case 'y':
        digits(2, year);
        year += year < 69 ? 2000 : 1900;
        break;
      case 'm':
        digits(2, month);
        break;
      case 'd':
      case 'e':
        digits(2, day);
        break;
      case 'H':
        digits(2, hour);
        break;
      case 'I':
        digits(2, hour);
        twelve = true;
        break;
      case 'M':
        digits(2, minute);
        break;
      case 'S':
        digits(2, second);
        break;
      case 'j': {
        int64_t doy;
        digits(3, doy);
        day = doy;
        month = 1;
        break;
      }
      case 'L':
      case 'f':
      case 's': {
        int64_t frac;
        const size_t n = digits(9, frac);
        for (size_t k = n; k < 9; ++k) frac *= 10;
        nanos = frac;
        break;
      }
      case 'p': {
        if (i + 2 > s.size()) fail();
        const std::string ap = s.substr(i, 2);
        pm = ap == "PM" || ap == "pm";
        if (!pm && ap != "AM" && ap != "am") fail();
        i += 2;
        break;
      }
      case 'b':
      case 'h':
      case 'B': {
        bool found = false;
        for (int m = 0; m < 12 && !found; ++m) {
          const std::string name = d == 'B' ? long_months[m] : months[m];
          if (i + name.size() <= s.size() &&
              std::equal(name.begin(), name.end(), s.begin() + static_cast<long>(i),
                         [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
            month = m + 1;
            i += name.size();
            found = true;
          }
        }
        if (!found) fail();
        break;
      }
      case 'z': {
        if (i < s.size() && s[i] == 'Z') {
          ++i;
          break;
        }
        if (i >= s.size() || (s[i] != '+' && s[i] != '-')) fail();
        const int sign = s[i] == '-' ? -1 : 1;
        ++i;
        int64_t hh, mm = 0;
        digits(2, hh);
        if (i < s.size() && s[i] == ':') ++i;
        digits(2, mm);
        offset = sign * (hh * 3600 + mm * 60);
        break;
      }
      case 'Z': {
        size_t j = i;
        while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
        const std::string zone = s.substr(i, j - i);
        if (zone != "UTC" && zone != "GMT" && zone != "Z") fail();
        i = j;
        break;
      }
      case '%':
        if (i >= s.size() || s[i] != '%') fail();
        ++i;
        break;
      default:
        throw EvalError(std::string("Time: unsupported directive %") + d);
    }
  }
  if (i != s.size()) fail();
  if (twelve) hour = (hour % 12) + (pm ? 12 : 0);
  if (month < 1 || month > 12 || day < 1 || day > 366 || hour > 23 || minute > 59 || second > 60) fail();
  const int64_t days = days_from_civil(year, static_cast<unsigned>(month), 1) + day - 1;
  const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  // Unix nanoseconds in 64 bits reach from 1677-09-21 to 2262-04-11.
  int64_t ns = 0;
  if (__builtin_mul_overflow(secs, int64_t{1000000000}, &ns) || __builtin_add_overflow(ns, nanos, &ns))
    throw EvalError("Time: '" + s + "' is outside the range of Unix nanoseconds (1677-09-21 to 2262-04-11)");
  return Time{ns};
}

// Go's time.ParseDuration: "1h30m", "1.5s", "300ms", "-2us".
std::optional<int64_t> parse_go_duration(const std::string& s) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  if (s.substr(i) == "0") return 0;
  if (i >= s.size()) return std::nullopt;
  double total = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
    if (j == i) return std::nullopt;
    const double n = std::strtod(s.substr(i, j - i).c_str(), nullptr);
    size_t k = j;
    while (k < s.size() && !std::isdigit(static_cast<unsigned char>(s[k])) && s[k] != '.') ++k;
    const std::string unit = s.substr(j, k - j);
    const auto scale = go_duration_unit_ns(unit);
    if (!scale) return std::nullopt;
    total += n * *scale;
    i = k;
  }
  return static_cast<int64_t>(neg ? -total : total);
}

Value string_list(const std::vector<std::string>& items) {
  AnyValue out;
  auto* list = out.mutable_array_value();
  for (const auto& s : items) list->add_values()->set_string_value(s);
  return Value::from_any(out);
}

// --- The table ----------------------------------------------------------------------------------------------

void editors(Table& t) {
  t["set"] = {true, {"target", "value"}, [](Args& a) -> Eval {
                auto target = a.target(0);
                auto value = a.value(1);
                return [target, value](Item& i) {
                  Value v = value(i);
                  if (!v.is_nil()) target.set(i, v);
                  return Value();
                };
              }};
  t["delete_key"] = {true, {"target", "key"}, [](Args& a) -> Eval {
                       auto target = a.map_target(0);
                       auto key = a.string_literal(1);
                       return [target, key](Item& i) {
                         if (auto* m = target(i))
                           erase_entries(*m, [&](const KeyValue& kv) { return kv.key() == key; });
                         return Value();
                       };
                     }};
  t["delete_matching_keys"] = {true, {"target", "pattern"}, [](Args& a) -> Eval {
                                 auto target = a.map_target(0);
                                 auto re = a.regex(1);
                                 return [target, re](Item& i) {
                                   if (auto* m = target(i))
                                     erase_entries(
                                         *m, [&](const KeyValue& kv) { return RE2::PartialMatch(kv.key(), *re); });
                                   return Value();
                                 };
                               }};
  t["keep_keys"] = {true, {"target", "keys"}, [](Args& a) -> Eval {
                      auto target = a.map_target(0);
                      auto list = a.string_list(1);
                      auto keys = std::make_shared<const std::set<std::string, std::less<>>>(list.begin(), list.end());
                      return [target, keys](Item& i) {
                        if (auto* m = target(i))
                          erase_entries(*m, [&](const KeyValue& kv) { return !keys->count(kv.key()); });
                        return Value();
                      };
                    }};
  t["keep_matching_keys"] = {true, {"target", "pattern"}, [](Args& a) -> Eval {
                               auto target = a.map_target(0);
                               auto re = a.regex(1);
                               return [target, re](Item& i) {
                                 if (auto* m = target(i))
                                   erase_entries(*m,
                                                 [&](const KeyValue& kv) { return !RE2::PartialMatch(kv.key(), *re); });
                                 return Value();
                               };
                             }};
  t["limit"] = {
      true, {"target", "limit", "priority_keys?"}, [](Args& a) -> Eval {
        auto target = a.map_target(0);
        const int64_t limit = a.int_literal(1);
        if (limit < 0)
          a.fail(1, std::string("invalid limit for limit function, ") + std::to_string(limit) + " cannot be negative");
        std::vector<std::string> priority;
        if (a.has(2)) priority = a.string_list(2);
        if (limit < static_cast<int64_t>(priority.size()))
          a.fail(1, "invalid limit, it must be at least the number of priority keys");
        return [target, limit, priority](Item& i) {
          auto* m = target(i);
          if (!m || m->size() <= limit) return Value();
          // Priority keys first, then the others in order, up to `limit`.
          int64_t kept = 0;
          std::set<std::string, std::less<>> keep;
          for (const auto& k : priority)
            if (map_find(*m, k) && kept < limit && keep.insert(k).second) ++kept;
          for (const auto& kv : *m) {
            if (kept >= limit) break;
            if (keep.insert(kv.key()).second) ++kept;
          }
          erase_entries(*m, [&](const KeyValue& kv) { return !keep.count(kv.key()); });
          return Value();
        };
      }};
  t["merge_maps"] = {true, {"target", "source", "strategy"}, [](Args& a) -> Eval {
                       auto target = a.map_target(0);
                       auto source = a.value(1);
                       const auto strategy = a.string_literal(2);
                       if (strategy != "insert" && strategy != "update" && strategy != "upsert")
                         a.fail(2,
                                "invalid value for strategy, \"" + strategy + "\"; must be insert, update or upsert");
                       return [target, source, strategy](Item& i) {
                         Value src = source(i);
                         if (src.is_nil()) return Value();
                         if (!src.is_map()) throw EvalError("merge_maps: expected a map but got " + src.type_name());
                         auto* m = target(i);
                         if (!m) return Value();
                         for (const auto& kv : src.any().kvlist_value().values()) {
                           AnyValue* existing = map_find(*m, kv.key());
                           if (strategy == "insert" && existing) continue;
                           if (strategy == "update" && !existing) continue;
                           map_put(*m, kv.key()).CopyFrom(kv.value());
                         }
                         return Value();
                       };
                     }};
  t["replace_pattern"] = {
      true, {"target", "regex", "replacement", "function?", "replacementFormat?"}, [](Args& a) -> Eval {
        auto target = a.target(0);
        auto re = a.regex(1);
        auto replacement = a.string(2);
        auto tr = replacement_transform(a, 3, 4);
        // A literal replacement is translated to RE2's rewrite form once.
        std::optional<std::string> fixed;
        if (a.expr(2).kind == ast::Kind::string) fixed = re2_rewrite(a.expr(2).text, *re);
        return [target, re, replacement, tr, fixed](Item& i) {
          Value v = target.get(i);
          if (!v.is_string()) return Value();
          const std::string rewrite = fixed ? *fixed : re2_rewrite(replacement(i).as_string(), *re);
          auto out = replace_all(*re, v.as_string(), rewrite, tr);
          if (out) target.set(i, Value(std::move(*out)));
          return Value();
        };
      }};
  t["replace_all_patterns"] = {
      true, {"target", "mode", "regex", "replacement", "function?", "replacementFormat?"}, [](Args& a) -> Eval {
        auto target = a.map_target(0);
        const auto mode = a.string_literal(1);
        if (mode != "key" && mode != "value") a.fail(1, "invalid mode " + mode + ", must be either 'key' or 'value'");
        auto re = a.regex(2);
        auto replacement = a.string(3);
        auto tr = replacement_transform(a, 4, 5);
        return [target, mode, re, replacement, tr](Item& i) {
          auto* m = target(i);
          if (!m) return Value();
          const std::string rewrite = re2_rewrite(replacement(i).as_string(), *re);
          for (auto& kv : *m) {
            if (mode == "value") {
              if (!kv.value().has_string_value()) continue;
              if (auto out = replace_all(*re, kv.value().string_value(), rewrite, tr))
                kv.mutable_value()->set_string_value(std::move(*out));
            } else if (auto out = replace_all(*re, kv.key(), rewrite, tr)) {
              kv.set_key(std::move(*out));
            }
          }
          return Value();
        };
      }};
  t["replace_match"] = {
      true, {"target", "pattern", "replacement", "function?", "replacementFormat?"}, [](Args& a) -> Eval {
        auto target = a.target(0);
        const auto pattern = a.string_literal(1);
        auto replacement = a.string(2);
        auto tr = replacement_transform(a, 3, 4);
        return [target, pattern, replacement, tr](Item& i) {
          Value v = target.get(i);
          if (v.is_string() && glob_match(pattern, v.as_string()))
            target.set(i, Value(tr.apply(replacement(i).as_string())));
          return Value();
        };
      }};
  t["replace_all_matches"] = {
      true, {"target", "pattern", "replacement", "function?", "replacementFormat?"}, [](Args& a) -> Eval {
        auto target = a.map_target(0);
        const auto pattern = a.string_literal(1);
        auto replacement = a.string(2);
        auto tr = replacement_transform(a, 3, 4);
        return [target, pattern, replacement, tr](Item& i) {
          auto* m = target(i);
          if (!m) return Value();
          std::optional<std::string> r;
          for (auto& kv : *m) {
            if (!kv.value().has_string_value() || !glob_match(pattern, kv.value().string_value())) continue;
            if (!r) r = tr.apply(replacement(i).as_string());
            kv.mutable_value()->set_string_value(*r);
          }
          return Value();
        };
      }};
  t["truncate_all"] = {
      true, {"target", "limit"}, [](Args& a) -> Eval {
        auto target = a.map_target(0);
        const int64_t limit = a.int_literal(1);
        if (limit < 0)
          a.fail(1, std::string("invalid limit for truncate_all function, ") + std::to_string(limit) +
                        " cannot be negative");
        return [target, limit](Item& i) {
          if (auto* m = target(i))
            for (auto& kv : *m)
              if (kv.value().has_string_value() && static_cast<int64_t>(kv.value().string_value().size()) > limit)
                kv.mutable_value()->mutable_string_value()->resize(static_cast<size_t>(limit));
          return Value();
        };
      }};
  t["append"] = {true, {"target", "value?", "values?"}, [](Args& a) -> Eval {
                   auto target = a.target(0);
                   if (!a.has(1) && !a.has(2))
                     a.fail(0, "at least one of the optional arguments (value or values) must be provided");
                   Eval value = a.has(1) ? a.value(1) : Eval();
                   std::vector<Eval> values;
                   if (a.has(2)) values = a.value_list(2);
                   return [target, value, values](Item& i) {
                     Value cur = target.get(i);
                     AnyValue out;
                     auto* list = out.mutable_array_value();
                     if (cur.is_list())
                       *list = cur.any().array_value();
                     else if (!cur.is_nil())
                       cur.to_any(*list->add_values());
                     if (value) value(i).to_any(*list->add_values());
                     for (const auto& v : values) v(i).to_any(*list->add_values());
                     target.set(i, Value::from_any(out));
                     return Value();
                   };
                 }};
  t["flatten"] = {true, {"target", "prefix?", "depth?"}, [](Args& a) -> Eval {
                    auto target = a.map_target(0);
                    std::string prefix = a.has(1) ? a.string_literal(1) : "";
                    int64_t depth = a.has(2) ? a.int_literal(2) : 100;
                    if (depth < 0)
                      a.fail(2, std::string("invalid depth for flatten function, ") + std::to_string(depth) +
                                    " cannot be negative");
                    return [target, prefix, depth](Item& i) {
                      auto* m = target(i);
                      if (!m) return Value();
                      AnyValue whole;
                      *whole.mutable_kvlist_value()->mutable_values() = *m;
                      Attributes out;
                      if (prefix.empty()) {
                        for (const auto& kv : whole.kvlist_value().values())
                          flatten_into(out, kv.key(), kv.value(), 0, static_cast<int>(depth));
                      } else {
                        flatten_into(out, prefix, whole, -1, static_cast<int>(depth));
                      }
                      *m = std::move(out);
                      return Value();
                    };
                  }};
}

template <typename F>
FunctionDef converter(std::vector<std::string> params, VType result, F build) {
  FunctionDef d;
  d.editor = false;
  d.params = std::move(params);
  d.result = result;
  d.build = build;
  return d;
}

void converters(Table& t) {
  t["IsMatch"] = converter({"target", "pattern"}, VType::boolean, [](Args& a) -> Eval {
    auto target = a.string_like(0);
    auto re = a.regex(1);
    return [target, re](Item& i) {
      Value v = target(i);
      return Value(v.is_string() && RE2::PartialMatch(v.as_string(), *re));
    };
  });
  t["Concat"] = converter({"vals", "delimiter"}, VType::string, [](Args& a) -> Eval {
    auto vals = a.value_list(0);
    auto delim = a.string_literal(1);
    return [vals, delim](Item& i) {
      std::string out;
      bool first = true;
      for (const auto& v : vals) {
        if (!first) out += delim;
        first = false;
        Value x = v(i);
        if (x.is_map() || x.is_list()) throw EvalError("Concat: expected strings but got " + x.type_name());
        out += x.is_nil() ? "" : x.to_text();
      }
      return Value(std::move(out));
    };
  });
  t["Split"] = converter({"target", "delimiter"}, VType::list, [](Args& a) -> Eval {
    auto target = a.string(0);
    auto delim = a.string_literal(1);
    return [target, delim](Item& i) {
      Value v = target(i);
      std::vector<std::string> parts;
      const std::string& s = v.as_string();
      if (delim.empty()) {
        for (char c : s) parts.emplace_back(1, c);
      } else {
        size_t pos = 0;
        while (true) {
          const size_t at = s.find(delim, pos);
          if (at == std::string::npos) {
            parts.push_back(s.substr(pos));
            break;
          }
          parts.push_back(s.substr(pos, at - pos));
          pos = at + delim.size();
        }
      }
      return string_list(parts);
    };
  });
  t["Substring"] = converter({"target", "start", "length"}, VType::string, [](Args& a) -> Eval {
    auto target = a.string(0);
    auto start = a.integer(1);
    auto length = a.integer(2);
    return [target, start, length](Item& i) {
      const std::string s = target(i).as_string();
      const int64_t st = start(i).as_int(), len = length(i).as_int();
      if (st < 0) throw EvalError(std::string("Substring: invalid start ") + std::to_string(st));
      if (len <= 0) throw EvalError(std::string("Substring: invalid length ") + std::to_string(len));
      if (st + len > static_cast<int64_t>(s.size()))
        throw EvalError(std::string("Substring: start ") + std::to_string(st) + std::string(" + length ") +
                        std::to_string(len) + std::string(" is beyond the string's length ") +
                        std::to_string(s.size()));
      return Value(s.substr(static_cast<size_t>(st), static_cast<size_t>(len)));
    };
  });
  auto casing = [](bool upper) {
    return converter({"target"}, VType::string, [upper](Args& a) -> Eval {
      auto target = a.string(0);
      return [target, upper](Item& i) {
        std::string s = target(i).as_string();
        for (auto& c : s)
          c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                      : std::tolower(static_cast<unsigned char>(c)));
        return Value(std::move(s));
      };
    });
  };
  t["ToLowerCase"] = casing(false);
  t["ToUpperCase"] = casing(true);
  t["Int"] = converter({"value"}, VType::any, [](Args& a) -> Eval {
    auto value = a.value(0);
    return [value](Item& i) -> Value {
      Value v = value(i);
      if (v.is_int()) return v;
      if (v.is_double()) {
        const double d = v.as_double();
        if (!std::isfinite(d) || d >= 9.3e18 || d <= -9.3e18) return Value();
        return Value(static_cast<int64_t>(d));
      }
      if (v.is_bool()) return Value(static_cast<int64_t>(v.as_bool() ? 1 : 0));
      if (v.is_string()) {
        int64_t out;
        const auto& s = v.as_string();
        const char* b = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
        auto [p, ec] = std::from_chars(b, s.data() + s.size(), out);
        if (ec == std::errc() && p == s.data() + s.size() && b != p) return Value(out);
      }
      return Value();
    };
  });
  t["Double"] = converter({"value"}, VType::any, [](Args& a) -> Eval {
    auto value = a.value(0);
    return [value](Item& i) -> Value {
      Value v = value(i);
      if (v.is_double()) return v;
      if (v.is_int()) return Value(static_cast<double>(v.as_int()));
      if (v.is_bool()) return Value(v.as_bool() ? 1.0 : 0.0);
      if (v.is_string() && !v.as_string().empty()) {
        char* end = nullptr;
        const double d = std::strtod(v.as_string().c_str(), &end);
        if (end == v.as_string().c_str() + v.as_string().size()) return Value(d);
      }
      return Value();
    };
  });
  t["String"] = converter({"value"}, VType::string, [](Args& a) -> Eval {
    auto value = a.value(0);
    return [value](Item& i) { return Value(value(i).to_text()); };
  });
  t["Len"] = converter({"target"}, VType::integer, [](Args& a) -> Eval {
    auto target = a.value(0);
    return [target](Item& i) -> Value {
      Value v = target(i);
      if (v.is_string()) return Value(static_cast<int64_t>(v.as_string().size()));
      if (v.is_bytes()) return Value(static_cast<int64_t>(v.as_bytes().size()));
      if (v.is_map()) return Value(static_cast<int64_t>(v.any().kvlist_value().values_size()));
      if (v.is_list()) return Value(static_cast<int64_t>(v.any().array_value().values_size()));
      throw EvalError("Len: unsupported type " + v.type_name());
    };
  });
  auto hash = [](Hash h) {
    return converter({"value"}, VType::string, [h](Args& a) -> Eval {
      auto value = a.string(0);
      return [value, h](Item& i) { return Value(h(value(i).as_string())); };
    });
  };
  t["SHA256"] = hash(sha256);
  t["SHA1"] = hash(sha1);
  t["MD5"] = hash(md5);
  t["SHA512"] = hash(sha512);
  t["ParseJSON"] = converter({"target"}, VType::any, [](Args& a) -> Eval {
    auto target = a.string(0);
    return [target](Item& i) -> Value {
      // Statements run on many threads at once: one parser (and its buffers) per thread.
      thread_local simdjson::dom::parser parser;
      const std::string s = target(i).as_string();
      simdjson::dom::element doc;
      if (parser.parse(s.data(), s.size()).get(doc) != simdjson::SUCCESS) throw EvalError("ParseJSON: invalid JSON");
      if (doc.type() != simdjson::dom::element_type::OBJECT && doc.type() != simdjson::dom::element_type::ARRAY)
        throw EvalError("ParseJSON: expected a JSON object or array");
      AnyValue out;
      json_to_any(doc, out, 0);
      return Value::from_any(out);
    };
  });
  t["ExtractPatterns"] = converter({"target", "pattern"}, VType::map, [](Args& a) -> Eval {
    auto target = a.string(0);
    auto re = a.regex(1);
    if (re->NamedCapturingGroups().empty())
      a.fail(1, "at least 1 named capture group must be supplied in the given regex");
    return [target, re](Item& i) {
      const std::string s = target(i).as_string();
      const int groups = re->NumberOfCapturingGroups() + 1;
      std::vector<re2::StringPiece> m(static_cast<size_t>(groups));
      AnyValue out;
      auto& map = *out.mutable_kvlist_value()->mutable_values();
      if (re->Match(s, 0, s.size(), RE2::UNANCHORED, m.data(), groups))
        for (const auto& [name, idx] : re->NamedCapturingGroups())
          map_put(map, name).set_string_value(std::string(m[static_cast<size_t>(idx)]));
      return Value::map(std::move(out));
    };
  });
  auto is = [](bool (Value::*test)() const) {
    return converter({"value"}, VType::boolean, [test](Args& a) -> Eval {
      auto value = a.value(0);
      return [value, test](Item& i) { return Value((value(i).*test)()); };
    });
  };
  t["IsString"] = is(&Value::is_string);
  t["IsInt"] = is(&Value::is_int);
  t["IsDouble"] = is(&Value::is_double);
  t["IsBool"] = is(&Value::is_bool);
  t["IsMap"] = is(&Value::is_map);
  t["IsList"] = is(&Value::is_list);
  auto id = [](size_t size, const char* name) {
    return converter({"bytes"}, VType::bytes, [size, name](Args& a) -> Eval {
      if (a.expr(0).kind == ast::Kind::bytes && a.expr(0).text.size() != size)
        a.fail(0, std::string(name) + std::string(" needs exactly ") + std::to_string(size) + " bytes");
      auto value = a.value(0);
      return [value, size, name](Item& i) {
        Value v = value(i);
        if (!v.is_bytes() || v.as_bytes().size() != size)
          throw EvalError(std::string(name) + std::string(": expected ") + std::to_string(size) + " bytes");
        return v;
      };
    });
  };
  t["TraceID"] = id(16, "TraceID");
  t["SpanID"] = id(8, "SpanID");
  t["Time"] = converter({"time", "format"}, VType::time, [](Args& a) -> Eval {
    auto target = a.string(0);
    auto format = a.string_literal(1);
    if (format.empty()) a.fail(1, "format cannot be nil");
    return [target, format](Item& i) { return Value(parse_time(target(i).as_string(), format)); };
  });
  t["Now"] = converter({}, VType::time, [](Args&) -> Eval {
    return [](Item&) {
      return Value(
          Time{std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                   .count()});
    };
  });
  t["UnixNano"] = converter({"time"}, VType::integer, [](Args& a) -> Eval {
    auto value = a.value(0);
    return [value](Item& i) {
      Value v = value(i);
      if (!v.is_time()) throw EvalError("UnixNano: expected a time but got " + v.type_name());
      return Value(v.as_time().unix_nano);
    };
  });
  auto unit = [](const char* name, int64_t per) {
    (void)name;
    return converter({"time"}, VType::integer, [per](Args& a) -> Eval {
      auto value = a.value(0);
      return [value, per](Item& i) {
        Value v = value(i);
        if (!v.is_time()) throw EvalError("expected a time but got " + v.type_name());
        return Value(v.as_time().unix_nano / per);
      };
    });
  };
  t["UnixMicro"] = unit("UnixMicro", 1000);
  t["UnixMilli"] = unit("UnixMilli", 1000000);
  t["UnixSeconds"] = unit("UnixSeconds", 1000000000);
  t["Duration"] = converter({"duration"}, VType::duration, [](Args& a) -> Eval {
    auto value = a.string(0);
    return [value](Item& i) {
      const std::string s = value(i).as_string();
      auto d = parse_go_duration(s);
      if (!d) throw EvalError("Duration: invalid duration \"" + s + "\"");
      return Value(Dur{*d});
    };
  });
  t["Hex"] = converter({"value"}, VType::string, [](Args& a) -> Eval {
    auto value = a.value(0);
    return [value](Item& i) -> Value {
      Value v = value(i);
      if (v.is_bytes()) return Value(hex_encode(v.as_bytes()));
      if (v.is_string()) return Value(hex_encode(v.as_string()));
      if (v.is_int() || v.is_double()) {
        uint64_t bits;
        if (v.is_int())
          bits = static_cast<uint64_t>(v.as_int());
        else
          bits = std::bit_cast<uint64_t>(v.as_double());
        std::string be(8, '\0');
        for (int k = 7; k >= 0; --k, bits >>= 8) be[static_cast<size_t>(k)] = static_cast<char>(bits & 0xff);
        return Value(hex_encode(be));
      }
      if (v.is_bool()) return Value(std::string(v.as_bool() ? "01" : "00"));
      throw EvalError("Hex: unsupported type " + v.type_name());
    };
  });
  t["URL"] = converter({"url"}, VType::map, [](Args& a) -> Eval {
    auto value = a.string(0);
    return [value](Item& i) {
      const std::string s = value(i).as_string();
      AnyValue out;
      auto& m = *out.mutable_kvlist_value()->mutable_values();
      map_put(m, "url.original").set_string_value(s);
      std::string rest = s;
      const size_t scheme_end = rest.find("://");
      if (scheme_end == std::string::npos) throw EvalError("URL: \"" + s + "\" has no scheme");
      map_put(m, "url.scheme").set_string_value(rest.substr(0, scheme_end));
      rest = rest.substr(scheme_end + 3);
      if (const size_t hash_at = rest.find('#'); hash_at != std::string::npos) {
        map_put(m, "url.fragment").set_string_value(rest.substr(hash_at + 1));
        rest.resize(hash_at);
      }
      if (const size_t q = rest.find('?'); q != std::string::npos) {
        map_put(m, "url.query").set_string_value(rest.substr(q + 1));
        rest.resize(q);
      }
      const size_t slash = rest.find('/');
      std::string host = rest.substr(0, slash);
      const std::string path = slash == std::string::npos ? "" : rest.substr(slash);
      if (const size_t at = host.rfind('@'); at != std::string::npos) {
        const std::string user = host.substr(0, at);
        host = host.substr(at + 1);
        const size_t colon = user.find(':');
        map_put(m, "user.name").set_string_value(user.substr(0, colon));
        if (colon != std::string::npos) map_put(m, "user.password").set_string_value(user.substr(colon + 1));
      }
      const size_t colon = host.rfind(':');
      if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
        map_put(m, "url.port").set_int_value(std::atoll(host.substr(colon + 1).c_str()));
        host.resize(colon);
      }
      map_put(m, "url.domain").set_string_value(host);
      if (!path.empty()) {
        map_put(m, "url.path").set_string_value(path);
        const size_t dot = path.rfind('.');
        if (dot != std::string::npos && path.find('/', dot) == std::string::npos)
          map_put(m, "url.extension").set_string_value(path.substr(dot + 1));
      }
      return Value::map(std::move(out));
    };
  });
  t["ConvertCase"] = converter({"target", "toCase"}, VType::string, [](Args& a) -> Eval {
    auto target = a.string(0);
    const auto to = a.string_literal(1);
    if (to != "lower" && to != "upper" && to != "snake" && to != "camel")
      a.fail(1, "invalid case: " + to + ", allowed cases are: lower, upper, snake, camel");
    return [target, to](Item& i) {
      const std::string s = target(i).as_string();
      std::string out;
      if (to == "lower" || to == "upper") {
        out = s;
        for (auto& c : out)
          c = static_cast<char>(to == "upper" ? std::toupper(static_cast<unsigned char>(c))
                                              : std::tolower(static_cast<unsigned char>(c)));
      } else if (to == "snake") {
        // camelCase and spaces/dashes to snake_case.
        for (size_t k = 0; k < s.size(); ++k) {
          const unsigned char c = static_cast<unsigned char>(s[k]);
          if (std::isupper(c)) {
            if (k > 0 && !out.empty() && out.back() != '_') out += '_';
            out += static_cast<char>(std::tolower(c));
          } else if (c == ' ' || c == '-') {
            if (!out.empty() && out.back() != '_') out += '_';
          } else {
            out += static_cast<char>(c);
          }
        }
      } else {
        // snake_case, spaces and dashes to CamelCase.
        bool up = true;
        for (char c : s) {
          if (c == '_' || c == ' ' || c == '-') {
            up = true;
            continue;
          }
          out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
          up = false;
        }
      }
      return Value(std::move(out));
    };
  });
  t["Format"] = converter({"format", "vals"}, VType::string, [](Args& a) -> Eval {
    const auto fmt = a.string_literal(0);
    auto vals = a.value_list(1);
    return [fmt, vals](Item& i) {
      // Go's fmt verbs as the Collector's Format uses them: %s %v %d %f %q and %%, one value each.
      std::string out;
      size_t next = 0;
      for (size_t k = 0; k < fmt.size(); ++k) {
        if (fmt[k] != '%' || k + 1 >= fmt.size()) {
          out += fmt[k];
          continue;
        }
        const char verb = fmt[++k];
        if (verb == '%') {
          out += '%';
          continue;
        }
        if (next >= vals.size()) {
          out += "%!";
          out += verb;
          out += "(MISSING)";
          continue;
        }
        Value v = vals[next++](i);
        if (verb == 'q') {
          out += '"';
          out += v.to_text();
          out += '"';
        } else if (verb == 'd' && v.is_int())
          out += std::to_string(v.as_int());
        else if (verb == 'f' && (v.is_double() || v.is_int())) {
          char buf[64];
          std::snprintf(buf, sizeof buf, "%f", v.is_double() ? v.as_double() : static_cast<double>(v.as_int()));
          out += buf;
        } else {
          out += v.is_nil() ? "<nil>" : v.to_text();
        }
      }
      return Value(std::move(out));
    };
  });
  t["ParseKeyValue"] = converter({"target", "delimiter?", "pair_delimiter?"}, VType::map, [](Args& a) -> Eval {
    auto target = a.string(0);
    const std::string delim = a.has(1) ? a.string_literal(1) : "=";
    const std::string pair = a.has(2) ? a.string_literal(2) : " ";
    if (delim.empty() || pair.empty()) a.fail(a.has(1) && delim.empty() ? 1 : 2, "delimiters cannot be empty");
    if (delim == pair) a.fail(2, "pair delimiter cannot be equal to delimiter");
    return [target, delim, pair](Item& i) {
      const std::string s = target(i).as_string();
      if (s.empty()) throw EvalError("ParseKeyValue: cannot parse from empty target");
      // Pairs split at `pair` outside quotes; each pair at its first `delim`; quotes around keys and values go.
      std::vector<std::string> items;
      std::string cur;
      char quote = 0;
      for (size_t k = 0; k < s.size();) {
        const char c = s[k];
        if (quote) {
          if (c == quote) quote = 0;
          cur += c;
          ++k;
        } else if (c == '"' || c == '\'') {
          quote = c;
          cur += c;
          ++k;
        } else if (s.compare(k, pair.size(), pair) == 0) {
          if (!cur.empty()) items.push_back(std::move(cur));
          cur.clear();
          k += pair.size();
        } else {
          cur += c;
          ++k;
        }
      }
      if (!cur.empty()) items.push_back(std::move(cur));
      AnyValue out;
      auto& m = *out.mutable_kvlist_value()->mutable_values();
      auto trim_quotes = [](std::string x) {
        if (x.size() >= 2 && (x.front() == '"' || x.front() == '\'') && x.back() == x.front())
          x = x.substr(1, x.size() - 2);
        return x;
      };
      for (const auto& item : items) {
        const size_t at = item.find(delim);
        if (at == std::string::npos) throw EvalError("ParseKeyValue: cannot split \"" + item + "\" into 2 items");
        map_put(m, trim_quotes(item.substr(0, at))).set_string_value(trim_quotes(item.substr(at + delim.size())));
      }
      return Value::map(std::move(out));
    };
  });
  t["Base64Decode"] = converter({"value"}, VType::string, [](Args& a) -> Eval {
    auto value = a.string(0);
    return [value](Item& i) {
      const std::string s = value(i).as_string();
      auto sextet = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
      };
      std::string out;
      uint32_t acc = 0;
      int bits = 0;
      size_t k = 0;
      for (; k < s.size() && s[k] != '='; ++k) {
        const int v = sextet(s[k]);
        if (v < 0) throw EvalError(std::string("Base64Decode: illegal base64 data at input byte ") + std::to_string(k));
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
          bits -= 8;
          out += static_cast<char>((acc >> bits) & 0xff);
        }
      }
      for (; k < s.size(); ++k)
        if (s[k] != '=')
          throw EvalError(std::string("Base64Decode: illegal base64 data at input byte ") + std::to_string(k));
      return Value(std::move(out));
    };
  });
  t["FNV"] = converter({"value"}, VType::integer, [](Args& a) -> Eval {
    auto value = a.string(0);
    return [value](Item& i) {
      // FNV-1a, 64 bits (Go's hash/fnv New64a), as an int64.
      uint64_t h = 14695981039346656037ull;
      const Value v = value(i);  // a range-for over value(i).as_string() would outlive the temporary
      for (unsigned char c : v.as_string()) {
        h ^= c;
        h *= 1099511628211ull;
      }
      return Value(static_cast<int64_t>(h));
    };
  });
  t["IsRootSpan"] = converter({}, VType::boolean, [](Args&) -> Eval {
    return [](Item& i) { return Value(i.span != nullptr && i.span->parent_span_id().empty()); };
  });
  t["IsRootSpan"].contexts = {ContextKind::span, ContextKind::spanevent};
  // The filter processor's metric-context functions.
  auto has_attr = [](bool with_value) {
    FunctionDef d =
        converter(with_value ? std::vector<std::string>{"key", "value"} : std::vector<std::string>{"key"},
                  VType::boolean, [with_value](Args& a) -> Eval {
                    auto key = a.string_literal(0);
                    std::string value = with_value ? a.string_literal(1) : "";
                    return [key, value, with_value](Item& i) {
                      if (!i.metric) return Value(false);
                      auto check = [&](const auto& points) {
                        for (const auto& p : points) {
                          for (const auto& kv : p.attributes())
                            if (kv.key() == key &&
                                (!with_value || (kv.value().has_string_value() && kv.value().string_value() == value)))
                              return true;
                        }
                        return false;
                      };
                      const auto& m = *i.metric;
                      bool found = false;
                      if (m.has_gauge()) found = check(m.gauge().data_points());
                      if (m.has_sum()) found = check(m.sum().data_points());
                      if (m.has_histogram()) found = check(m.histogram().data_points());
                      if (m.has_exponential_histogram()) found = check(m.exponential_histogram().data_points());
                      if (m.has_summary()) found = check(m.summary().data_points());
                      return Value(found);
                    };
                  });
    d.contexts = {ContextKind::metric};
    return d;
  };
  t["HasAttrKeyOnDatapoint"] = has_attr(false);
  t["HasAttrOnDatapoint"] = has_attr(true);
}

}  // namespace

const Table& functions() {
  static const Table t = [] {
    Table t;
    editors(t);
    converters(t);
    metric_functions(t);
    return t;
  }();
  return t;
}

}  // namespace otlpd::ottl
