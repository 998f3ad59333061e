// OTTL editors (pkg/ottl/ottlfuncs/README.md): functions that change the item (set, delete_key, keep_keys, limit,
// merge_maps, the replace_* family, truncate_all, append, flatten). Each checks its literal arguments (patterns,
// modes, limits) when it is compiled.
#include <re2/re2.h>

#include <algorithm>
#include <set>

#include "ottl/internal.h"

namespace otlpd::ottl {

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

}  // namespace

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
            if (map_entry(*m, k) && kept < limit && keep.insert(k).second) ++kept;
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
                           const bool existing = map_entry(*m, kv.key()) != nullptr;
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

}  // namespace otlpd::ottl
