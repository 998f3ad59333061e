// The keys documented in README.md and docs/*.md match the config schemas, both ways.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "config/schema.h"
#include "core/registry.h"

using namespace otlpd;

namespace {

constexpr Kind kKinds[] = {Kind::receiver, Kind::processor, Kind::exporter, Kind::extension, Kind::connector};
// Registered by tests/support/test_components.cpp for pipeline tests; not part of otlpd.
const std::set<std::string> kTestComponents = {"test_receiver", "tag", "capture", "traces_only", "test_extension"};

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every key a schema declares, blocks' keys as "block.key"; a block schema shared by two keys (include and
// exclude) is listed under the first only.
void all_keys(const ConfigSchema& schema, const std::string& prefix, std::set<std::string>& out,
              std::set<const ConfigSchema*>& seen) {
  for (const auto& k : schema.keys()) {
    out.insert(prefix + k.key);
    if (k.nested && seen.insert(k.nested).second) all_keys(*k.nested, prefix + k.key + ".", out, seen);
  }
}

std::set<std::string> all_keys(const ConfigSchema& schema) {
  std::set<std::string> out;
  std::set<const ConfigSchema*> seen;
  all_keys(schema, "", out, seen);
  return out;
}

// The kind a docs file is about, from its name (exporters.md → exporter); empty: any kind.
std::string kind_of_file(const std::filesystem::path& p) {
  const std::string stem = p.stem().string();
  for (auto kind : kKinds)
    if (stem == std::string(to_string(kind)) + "s") return std::string(to_string(kind));
  return {};
}

// The key tables of docs/*.md: in a section "## <type>", the first cell of each row "| `key` | ...". A file
// named after a kind (exporters.md) documents components of that kind ("exporter otlp"), so that an exporter
// and a receiver of one type name are told apart; other files document a type of any kind.
std::map<std::string, std::set<std::string>> documented_keys() {
  std::map<std::string, std::set<std::string>> out;
  const std::regex heading(R"(^## `?([a-z0-9_]+)`?)"), row(R"(^\| `([a-z0-9_.]+)`)");
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(OTLPD_SOURCE_DIR) / "docs")) {
    if (entry.path().extension() != ".md") continue;
    const std::string kind = kind_of_file(entry.path());
    std::istringstream lines(read_text(entry.path()));
    std::string line, section;
    std::smatch m;
    while (std::getline(lines, line)) {
      if (std::regex_search(line, m, heading)) {
        section = kind.empty() ? std::string(m[1]) : kind + " " + std::string(m[1]);
        out[section];  // a component without keys has a section without rows
      } else if (line.starts_with("## "))
        section.clear();
      else if (!section.empty() && std::regex_search(line, m, row))
        out[section].insert(m[1]);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("every component's keys are documented in a docs/*.md key table, and only those", "[config][schema][docs]") {
  auto documented = documented_keys();
  int converted = 0;
  for (auto kind : kKinds) {
    for (const auto& type : Registry::instance().types(kind)) {
      if (kTestComponents.count(type)) continue;
      const auto* schema = find_schema(kind, type);
      INFO(std::string(to_string(kind)) + " " + type + " reads its config through a registered schema");
      REQUIRE(schema != nullptr);
      ++converted;
      const std::string qualified = std::string(to_string(kind)) + " " + type;
      INFO(qualified);
      const std::string section = documented.count(qualified) ? qualified : type;
      REQUIRE(documented.count(section) == 1);
      CHECK(documented[section] == all_keys(*schema));
    }
  }
  CHECK(converted >= 17);
}

TEST_CASE("keys named in README.md's component table exist in the schemas", "[config][schema][docs]") {
  // A row "| kind | `type` | notes |": every snake_case word of the notes of a converted type is one of its
  // keys.
  const std::regex row(R"(^\| ([a-z]+) \| `([a-z_]+)`[^|]*\|(.*)\|\s*$)"), word(R"([a-z]+(?:_[a-z]+)+)");
  std::istringstream lines(read_text(std::filesystem::path(OTLPD_SOURCE_DIR) / "README.md"));
  std::string line;
  int checked = 0;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    const ConfigSchema* schema = nullptr;
    for (auto kind : kKinds)
      if (m[1].str() == to_string(kind)) schema = find_schema(kind, m[2].str());
    if (!schema) continue;
    auto keys = all_keys(*schema);
    std::set<std::string> bare;  // "actions.key" also answers to "key"
    for (const auto& k : keys) bare.insert(k.substr(k.rfind('.') + 1));
    // Links name files, not keys.
    const std::string notes = std::regex_replace(std::string(m[3]), std::regex(R"(\[[^\]]*\]\([^)]*\))"), "");
    for (auto it = std::sregex_iterator(notes.begin(), notes.end(), word); it != std::sregex_iterator(); ++it) {
      INFO(std::string(m[2]) + ": " + it->str());
      CHECK(bare.count(it->str()) == 1);
      ++checked;
    }
  }
  CHECK(checked > 0);
}
