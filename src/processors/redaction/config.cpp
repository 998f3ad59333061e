// Parsing and validation of the `redaction` processor's configuration.
#include "processors/redaction/config.h"

#include <re2/re2.h>

#include "processors/redaction/detectors.h"

namespace otlpd::redaction {

const char* const kDefaultSensitiveKeyPattern =
    R"((?i)(?:^|[._-])(?:password|passwd|secret|secret_key|token|api_key|apikey|api-key|access_key|private_key|)"
    R"(authorization|cookie|set-cookie)$)";

const std::vector<std::string> kDefaultDetectors = {"credit_card", "email", "jwt", "bearer_token", "us_ssn", "iban"};

std::string_view to_string(HashFunction h) {
  switch (h) {
    case HashFunction::none:
      return "none";
    case HashFunction::md5:
      return "md5";
    case HashFunction::sha1:
      return "sha1";
    case HashFunction::sha3:
      return "sha3";
    case HashFunction::sha256:
      return "sha256";
    case HashFunction::hmac_sha256:
      return "hmac-sha256";
    case HashFunction::hmac_sha512:
      return "hmac-sha512";
  }
  return "?";
}

namespace {

// Every regex of a list must compile; the error names the item's path and line.
void check_regexes(MapReader& r, std::string_view key, std::vector<std::string>& out) {
  auto n = r.child(key);
  if (!n || n->is_null()) return;
  out.clear();
  RE2::Options o;
  o.set_log_errors(false);
  for (const auto& item : n->items()) {
    std::string p = item.as<std::string>();
    RE2 re(p, o);
    if (!re.ok()) item.fail("invalid regular expression '" + p + "': " + re.error());
    out.push_back(std::move(p));
  }
}

}  // namespace

std::unique_ptr<RedactionConfig> parse_redaction_config(const ConfigNode& node) {
  auto cfg = std::make_unique<RedactionConfig>();
  MapReader r(node);
  r.get("allow_all_keys", cfg->allow_all_keys);
  r.get("allowed_keys", cfg->allowed_keys);
  r.get("ignored_keys", cfg->ignored_keys);
  check_regexes(r, "ignored_key_patterns", cfg->ignored_key_patterns);
  check_regexes(r, "blocked_key_patterns", cfg->blocked_key_patterns);
  r.get("default_sensitive_keys", cfg->default_sensitive_keys);
  check_regexes(r, "blocked_values", cfg->blocked_values);
  check_regexes(r, "allowed_values", cfg->allowed_values);
  r.get("redact_all_types", cfg->redact_all_types);

  if (auto n = r.child("hash_function"); n && !n->is_null()) {
    std::string h = n->as<std::string>();
    static const std::pair<std::string_view, HashFunction> kNames[] = {{"none", HashFunction::none},
                                                                       {"", HashFunction::none},
                                                                       {"md5", HashFunction::md5},
                                                                       {"sha1", HashFunction::sha1},
                                                                       {"sha3", HashFunction::sha3},
                                                                       {"sha256", HashFunction::sha256},
                                                                       {"hmac-sha256", HashFunction::hmac_sha256},
                                                                       {"hmac-sha512", HashFunction::hmac_sha512}};
    bool found = false;
    for (const auto& [name, value] : kNames)
      if (name == h) cfg->hash_function = value, found = true;
    if (!found)
      n->fail("unknown hash_function '" + h + "'; valid: none, md5, sha1, sha3, sha256, hmac-sha256, hmac-sha512");
  }
  bool has_hmac_key = r.get("hmac_key", cfg->hmac_key);
  std::string alias;
  if (r.get("hash_key", alias)) {
    if (has_hmac_key) r.child("hash_key")->fail("set either hmac_key or hash_key, not both");
    cfg->hmac_key = std::move(alias);
  }
  bool is_hmac = cfg->hash_function == HashFunction::hmac_sha256 || cfg->hash_function == HashFunction::hmac_sha512;
  if (is_hmac) {
    // The Collector's minimum key lengths: a short key makes the HMAC of short values guessable.
    size_t min = cfg->hash_function == HashFunction::hmac_sha256 ? 32 : 64;
    if (cfg->hmac_key.size() < min)
      r.child("hash_function")
          ->fail(std::string(to_string(cfg->hash_function)) + " needs hmac_key (or hash_key) of at least " +
                 std::to_string(min) + " bytes");
  } else if (!cfg->hmac_key.empty()) {
    node.fail("hmac_key is set but hash_function is not hmac-sha256 or hmac-sha512");
  }

  if (auto n = r.child("summary"); n && !n->is_null()) {
    std::string s = n->as<std::string>();
    if (s == "debug")
      cfg->summary = Summary::debug;
    else if (s == "info")
      cfg->summary = Summary::info;
    else if (s == "silent" || s.empty())
      cfg->summary = Summary::silent;
    else
      n->fail("unknown summary '" + s + "'; valid: debug, info, silent");
  }

  cfg->detectors = kDefaultDetectors;
  if (auto n = r.child("detectors"); n && !n->is_null()) {
    cfg->detectors.clear();
    for (const auto& item : n->items()) {
      std::string name = item.as<std::string>();
      if (!find_detector(name)) {
        std::vector<std::string> valid;
        for (const auto& d : all_detectors()) valid.emplace_back(d.name);
        item.fail("unknown detector '" + name + "'; valid: " + join(valid));
      }
      cfg->detectors.push_back(std::move(name));
    }
  }
  if (r.get("max_value_size", cfg->max_value_size) && cfg->max_value_size.bytes < 4 * kWindowOverlap)
    r.child("max_value_size")->fail("max_value_size must be at least " + std::to_string(4 * kWindowOverlap) + " bytes");
  r.finish();
  return cfg;
}

}  // namespace otlpd::redaction
