// The `file` exporter's config schema.
#include "exporters/file/config.h"

namespace otlpd::file_exporter {

const Schema<FileConfig>& schema() {
  static const auto s =
      Schema<FileConfig>()
          .key("path", &FileConfig::path, "file written, one OTLP/JSON request per line", required<std::string>())
          .key("append", &FileConfig::append, "keep what the file holds instead of truncating it at start")
          .choice("format", &FileConfig::format, {{"json", FileConfig::Format::json}}, "encoding of each line",
                  {{"proto", "otlpd's file exporter writes format 'json' only"}});
  return s;
}

std::unique_ptr<FileConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::file_exporter

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::exporter, "file", ::otlpd::file_exporter::schema)
