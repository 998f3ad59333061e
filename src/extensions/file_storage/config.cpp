// The `file_storage` extension's config schema.
#include "extensions/file_storage/config.h"

namespace otlpd::file_storage {

namespace {

using Cfg = FileStorageConfig;

const Schema<Cfg>& compaction_schema() {
  static const std::string why =
      "otlpd's queues are segment files deleted as their data is acknowledged; "
      "there is no database to compact";
  static const auto s = Schema<Cfg>()
                            .ignored("on_start", why)
                            .ignored("on_rebound", why)
                            .ignored("directory", why)
                            .ignored("max_transaction_size", why)
                            .ignored("rebound_needed_threshold_mib", why)
                            .ignored("rebound_trigger_threshold_mib", why)
                            .ignored("check_interval", why)
                            .ignored("cleanup_on_start", why);
  return s;
}

}  // namespace

const Schema<Cfg>& schema() {
  static const auto s =
      Schema<Cfg>()
          .key("directory", &Cfg::directory, "directory that holds the queues (one folder per exporter and signal)")
          .key("timeout", &Cfg::timeout, "how long an exporter waits for a queue folder that another holder has locked")
          .key("fsync", &Cfg::fsync,
               "fdatasync every group of writes before acknowledging: data survives a power loss, not only a "
               "crash of otlpd")
          .key("create_directory", &Cfg::create_directory, "create `directory` (with its parents) when missing")
          .key("directory_permissions", &Cfg::directory_permissions,
               "octal mode of directories otlpd creates (with create_directory)")
          .block("compaction", "map", "the Collector's bbolt compaction; nothing to compact in otlpd",
                 compaction_schema(), [](const ConfigNode& n, Cfg& c) { compaction_schema().parse_into(n, c); })
          .ignored("recreate", "a damaged queue is never discarded whole: damaged records are moved aside and counted")
          .validate([](Cfg& c, const SchemaInput& in) {
            if (c.directory.empty()) in.fail("directory", "directory must not be empty");
            if (c.timeout < Duration::zero()) in.fail("timeout", "timeout must not be negative");
            unsigned mode = 0;
            bool ok = !c.directory_permissions.empty() && c.directory_permissions.size() <= 4;
            for (char ch : c.directory_permissions) {
              ok = ok && ch >= '0' && ch <= '7';
              mode = mode * 8 + static_cast<unsigned>(ch - '0');
            }
            if (!ok) in.fail("directory_permissions", "directory_permissions must be an octal mode such as 0750");
            c.permissions = mode;
          });
  return s;
}

std::unique_ptr<Cfg> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::file_storage

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::extension, "file_storage", ::otlpd::file_storage::schema)
