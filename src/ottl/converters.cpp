// OTTL converters (pkg/ottl/ottlfuncs/README.md): functions that compute values (IsMatch, Concat, Split, Int,
// ParseJSON, Time, Duration, URL, Format...). Each checks its literal arguments (patterns, formats) when it is
// compiled.
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

namespace {

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

template <typename F>
FunctionDef converter(std::vector<std::string> params, VType result, F build) {
  FunctionDef d;
  d.editor = false;
  d.params = std::move(params);
  d.result = result;
  d.build = build;
  return d;
}

}  // namespace

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

}  // namespace otlpd::ottl
