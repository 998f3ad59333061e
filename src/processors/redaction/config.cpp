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

using Cfg = RedactionConfig;

// A list of RE2 patterns, each compiled once here so that a bad one names its item's path and line.
Schema<Cfg>::Reader regex_list(std::vector<std::string> Cfg::*member) {
  return [member](const ConfigNode& n, Cfg& c) {
    auto& out = c.*member;
    out.clear();
    RE2::Options o;
    o.set_log_errors(false);
    for (const auto& item : n.items()) {
      std::string p = item.as<std::string>();
      RE2 re(p, o);
      if (!re.ok()) item.fail("invalid regular expression '" + p + "': " + re.error());
      out.push_back(std::move(p));
    }
  };
}

const std::vector<std::pair<std::string, HashFunction>> kHashFunctions = {{"none", HashFunction::none},
                                                                          {"md5", HashFunction::md5},
                                                                          {"sha1", HashFunction::sha1},
                                                                          {"sha3", HashFunction::sha3},
                                                                          {"sha256", HashFunction::sha256},
                                                                          {"hmac-sha256", HashFunction::hmac_sha256},
                                                                          {"hmac-sha512", HashFunction::hmac_sha512}};

const std::vector<std::pair<std::string, Summary>> kSummaries = {
    {"debug", Summary::debug}, {"info", Summary::info}, {"silent", Summary::silent}};

// An enum whose empty value means its default, as in the Collector.
template <typename E>
Schema<Cfg>::Reader choice_or_empty(E Cfg::*member, const std::vector<std::pair<std::string, E>>& choices, E empty) {
  return [member, &choices, empty](const ConfigNode& n, Cfg& c) {
    c.*member = n.is_scalar() && n.as<std::string>().empty() ? empty : parse_choice(n, choices);
  };
}

std::string names_of(const auto& choices) {
  std::vector<std::string> names;
  for (const auto& [name, value] : choices) names.push_back(name);
  return "one of: " + join(names);
}

void read_detectors(const ConfigNode& n, Cfg& c) {
  std::vector<std::pair<std::string, bool>> valid;
  for (const auto& d : all_detectors()) valid.emplace_back(std::string(d.name), true);
  c.detectors.clear();
  for (const auto& item : n.items()) {
    parse_choice(item, valid);
    c.detectors.push_back(item.as<std::string>());
  }
}

void read_hash_key(const ConfigNode& n, Cfg& c) { c.hmac_key = n.as<std::string>(); }

void check(Cfg& c, const SchemaInput& in) {
  if (in.has("hmac_key") && in.has("hash_key")) in.fail("hash_key", "set either hmac_key or hash_key, not both");
  const bool is_hmac = c.hash_function == HashFunction::hmac_sha256 || c.hash_function == HashFunction::hmac_sha512;
  if (is_hmac) {
    // The Collector's minimum key lengths: a short key makes the HMAC of short values guessable.
    const size_t min = c.hash_function == HashFunction::hmac_sha256 ? 32 : 64;
    if (c.hmac_key.size() < min)
      in.fail("hash_function", std::string(to_string(c.hash_function)) + " needs hmac_key (or hash_key) of at least " +
                                   std::to_string(min) + " bytes");
  } else if (!c.hmac_key.empty()) {
    in.fail(in.has("hmac_key") ? "hmac_key" : "hash_key",
            "hmac_key is set but hash_function is not hmac-sha256 or hmac-sha512");
  }
}

}  // namespace

const Schema<Cfg>& schema() {
  static const auto s =
      Schema<Cfg>()
          .key("allow_all_keys", &Cfg::allow_all_keys, "keep every attribute key (allowed_keys is then ignored)")
          .key("allowed_keys", &Cfg::allowed_keys, "keys kept; any other key is deleted (fails closed when empty)")
          .key("ignored_keys", &Cfg::ignored_keys, "exact keys that pass untouched, never deleted nor masked")
          .custom("ignored_key_patterns", "list of regexes", "[]", "key regexes (searched) that pass untouched",
                  regex_list(&Cfg::ignored_key_patterns))
          .custom("blocked_key_patterns", "list of regexes", "[]", "key regexes (searched) whose whole value is masked",
                  regex_list(&Cfg::blocked_key_patterns))
          .key("default_sensitive_keys", &Cfg::default_sensitive_keys,
               "otlpd: also mask password, token, authorization, cookie, ... keys (docs/redaction.md)")
          .custom("blocked_values", "list of regexes", "[]", "value regexes: each match is masked",
                  regex_list(&Cfg::blocked_values))
          .custom("allowed_values", "list of regexes", "[]", "value regexes: a value with a match is left unchanged",
                  regex_list(&Cfg::allowed_values))
          .key("redact_all_types", &Cfg::redact_all_types,
               "also scan int, double, bool and bytes values through their string form")
          .custom("hash_function", names_of(kHashFunctions), "none",
                  "none masks with ****; otherwise the hex digest of what is masked",
                  choice_or_empty(&Cfg::hash_function, kHashFunctions, HashFunction::none))
          .key("hmac_key", &Cfg::hmac_key, "key of hmac-sha256 (at least 32 bytes) or hmac-sha512 (at least 64)")
          .custom("hash_key", "string", "", "another name of hmac_key", read_hash_key)
          .custom("summary", names_of(kSummaries), "silent", "diagnostic attributes added where something was redacted",
                  choice_or_empty(&Cfg::summary, kSummaries, Summary::silent))
          .custom("detectors", "list of detector names", schema_detail::show(kDefaultDetectors),
                  "otlpd: built-in detectors (docs/redaction.md); [] turns them off", read_detectors)
          .key("max_value_size", &Cfg::max_value_size,
               "otlpd: longer values are scanned in windows of this size overlapping by 1 KiB",
               at_least(ByteSize{4 * kWindowOverlap}))
          .validate(check);
  return s;
}

std::unique_ptr<Cfg> parse_redaction_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::redaction

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::processor, "redaction", ::otlpd::redaction::schema)
