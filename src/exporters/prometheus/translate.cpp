// OTLP names to Prometheus names.
#include "exporters/prometheus/translate.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <vector>

#include "model/any_value.h"

namespace otlpd::prometheus_exporter {

namespace {

bool name_char(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || (colon && c == ':');
}

// Words of `s` (runs of valid characters) joined by '_'.
std::string joined(std::string_view s, bool colon) {
  std::string out;
  bool gap = false;
  for (char c : s) {
    if (!name_char(c, colon) || c == '_') {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) out.push_back('_');
    gap = false;
    out.push_back(c);
  }
  return out;
}

std::string unit_word(std::string_view u) {
  static const std::map<std::string_view, std::string_view> words{
      {"d", "days"},          {"h", "hours"},         {"min", "minutes"},    {"s", "seconds"},
      {"ms", "milliseconds"}, {"us", "microseconds"}, {"ns", "nanoseconds"}, {"By", "bytes"},
      {"KiBy", "kibibytes"},  {"MiBy", "mebibytes"},  {"GiBy", "gibibytes"}, {"TiBy", "tibibytes"},
      {"KBy", "kilobytes"},   {"MBy", "megabytes"},   {"GBy", "gigabytes"},  {"TBy", "terabytes"},
      {"m", "meters"},        {"V", "volts"},         {"A", "amperes"},      {"J", "joules"},
      {"W", "watts"},         {"g", "grams"},         {"Cel", "celsius"},    {"Hz", "hertz"},
      {"%", "percent"}};
  auto it = words.find(u);
  return it == words.end() ? std::string(u) : std::string(it->second);
}

std::string per_word(std::string_view u) {
  static const std::map<std::string_view, std::string_view> words{
      {"s", "second"}, {"m", "minute"}, {"h", "hour"}, {"d", "day"}, {"w", "week"}, {"mo", "month"}, {"y", "year"}};
  auto it = words.find(u);
  return it == words.end() ? std::string(u) : std::string(it->second);
}

// Drops "{...}" annotations.
std::string without_braces(std::string_view u) {
  std::string out;
  int depth = 0;
  for (char c : u) {
    if (c == '{') ++depth;
    if (depth == 0) out.push_back(c);
    if (c == '}' && depth > 0) --depth;
  }
  return out;
}

bool has_word(const std::string& name, const std::string& word) {
  if (word.empty()) return true;
  size_t at = 0;
  while ((at = name.find(word, at)) != std::string::npos) {
    bool start = at == 0 || name[at - 1] == '_';
    bool end = at + word.size() == name.size() || name[at + word.size()] == '_';
    if (start && end) return true;
    at += word.size();
  }
  return false;
}

}  // namespace

std::string metric_name(std::string_view name, std::string_view unit, bool monotonic_sum, bool gauge, bool suffixes,
                        std::string_view ns) {
  std::string out = joined(name, true);
  if (suffixes) {
    std::string u = without_braces(unit);
    std::string main = u, per;
    if (auto slash = u.find('/'); slash != std::string::npos) {
      main = u.substr(0, slash);
      per = u.substr(slash + 1);
    }
    std::string suffix = main == "1" ? (gauge && per.empty() ? "ratio" : "") : joined(unit_word(main), false);
    if (!per.empty()) {
      std::string p = joined(per_word(per), false);
      if (!p.empty()) suffix = (suffix.empty() ? "" : suffix + "_") + "per_" + p;
    }
    if (monotonic_sum && out.size() >= 6 && out.ends_with("_total")) out.resize(out.size() - 6);
    if (!suffix.empty() && !has_word(out, suffix)) out += "_" + suffix;
    if (monotonic_sum) out += "_total";
  }
  if (!ns.empty()) out = joined(ns, true) + "_" + out;
  if (!out.empty() && out[0] >= '0' && out[0] <= '9') out = "_" + out;
  return out;
}

std::string label_name(std::string_view key) {
  std::string out;
  for (char c : key) out.push_back(name_char(c, false) ? c : '_');
  if (out.empty()) return out;
  if (out[0] >= '0' && out[0] <= '9') return "key_" + out;
  if (out[0] == '_' && !out.starts_with("__")) return "key" + out;
  return out;
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void add_labels(Labels& labels, const KeyValues& attrs) {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_label;
  for (const auto& kv : attrs) by_label[label_name(kv.key())].push_back({kv.key(), any_value_as_string(kv.value())});
  for (auto& [name, values] : by_label) {
    if (name.empty()) continue;
    std::sort(values.begin(), values.end());
    std::string joined;
    for (const auto& [k, v] : values) joined += (joined.empty() ? "" : ";") + v;
    labels[name] = joined;
  }
}

void resource_labels(const opentelemetry::proto::resource::v1::Resource& resource, bool all_attributes,
                     const std::map<std::string, std::string>& extra, Labels& base, Labels& target_info) {
  std::string service_name, service_namespace, instance;
  KeyValues others;
  for (const auto& kv : resource.attributes()) {
    if (kv.key() == "service.name")
      service_name = any_value_as_string(kv.value());
    else if (kv.key() == "service.namespace")
      service_namespace = any_value_as_string(kv.value());
    else if (kv.key() == "service.instance.id")
      instance = any_value_as_string(kv.value());
    else
      *others.Add() = kv;
  }
  base.clear();
  target_info.clear();
  if (all_attributes) add_labels(base, resource.attributes());
  for (const auto& [k, v] : extra) base[label_name(k)] = v;
  std::string job = service_namespace.empty() ? service_name : service_namespace + "/" + service_name;
  if (!job.empty()) base["job"] = job;
  if (!instance.empty()) base["instance"] = instance;
  if (!others.empty() && (!job.empty() || !instance.empty())) {
    add_labels(target_info, others);
    if (!job.empty()) target_info["job"] = job;
    if (!instance.empty()) target_info["instance"] = instance;
    for (const auto& [k, v] : extra) target_info[label_name(k)] = v;
  }
}

double exponential_bound(int32_t scale, int64_t index) {
  // Powers of two by ldexp (exact); at positive scales the fraction of an octave by exp2.
  auto pow2 = [](int64_t e, double mantissa) {
    return std::ldexp(mantissa, static_cast<int>(std::clamp<int64_t>(e, -4000, 4000)));
  };
  if (scale <= 0) return pow2(index * (int64_t{1} << std::min(-scale, 62)), 1.0);
  const int64_t per_octave = int64_t{1} << std::min(scale, 62);
  int64_t octave = index / per_octave, rest = index % per_octave;
  if (rest < 0) rest += per_octave, --octave;
  return pow2(octave, std::exp2(static_cast<double>(rest) / static_cast<double>(per_octave)));
}

ClassicBuckets classic_buckets(const opentelemetry::proto::metrics::v1::ExponentialHistogramDataPoint& dp) {
  // (upper bound, count) from the lowest bucket up.
  std::vector<std::pair<double, uint64_t>> raw;
  const auto& neg = dp.negative();
  if (neg.bucket_counts_size() > 0) {
    const int64_t top = int64_t{neg.offset()} + neg.bucket_counts_size() - 1;
    raw.emplace_back(-exponential_bound(dp.scale(), top + 1), 0);
    for (int i = neg.bucket_counts_size() - 1; i >= 0; --i)
      raw.emplace_back(-exponential_bound(dp.scale(), int64_t{neg.offset()} + i), neg.bucket_counts(i));
  }
  raw.emplace_back(dp.zero_threshold(), dp.zero_count());
  const auto& pos = dp.positive();
  if (pos.bucket_counts_size() > 0) {
    raw.emplace_back(exponential_bound(dp.scale(), pos.offset()), 0);
    for (int i = 0; i < pos.bucket_counts_size(); ++i)
      raw.emplace_back(exponential_bound(dp.scale(), int64_t{pos.offset()} + i + 1), pos.bucket_counts(i));
  }
  ClassicBuckets out;
  uint64_t below = 0, above = 0, total = 0;  // counts of bounds at -inf (to the next bucket) and +inf
  for (const auto& [bound, count] : raw) {
    total += count;
    if (std::isinf(bound) && bound < 0) {
      below += count;
    } else if (std::isinf(bound)) {
      above += count;
    } else if (!out.bounds.empty() && bound <= out.bounds.back()) {
      out.counts.back() += count;
    } else {
      out.bounds.push_back(bound);
      out.counts.push_back(count + below);
      below = 0;
    }
  }
  out.counts.push_back(below + above + (dp.count() > total ? dp.count() - total : 0));
  return out;
}

}  // namespace otlpd::prometheus_exporter
