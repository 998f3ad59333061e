// The `file` exporter: appends every request to a file as OTLP/JSON, one request per line.
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "codec/otlp_json.h"
#include "core/registry.h"
#include "exporters/file/config.h"
#include "model/batch.h"

namespace otlpd::file_exporter {

namespace {

class FileExporter final : public Exporter, TraceConsumer, MetricConsumer, LogConsumer {
 public:
  FileExporter(std::string id, FileConfig cfg) : id_(std::move(id)), cfg_(std::move(cfg)) {}
  ~FileExporter() override { close(); }

  void start(Host&) override {
    file_ = std::fopen(cfg_.path.c_str(), cfg_.append ? "ab" : "wb");
    if (!file_) throw std::runtime_error("cannot open " + cfg_.path + ": " + std::strerror(errno));
    spdlog::info("exporter {} writing OTLP/JSON to {}", id_, cfg_.path);
  }
  void shutdown(Deadline) override { close(); }

  Consumers consumers() override { return {this, this, this}; }
  Status consume(TraceBatch b) override { return write(b); }
  Status consume(MetricBatch b) override { return write(b); }
  Status consume(LogBatch b) override { return write(b); }

 private:
  template <typename B>
  Status write(const B& b) {
    // Encode outside the lock; each request is one line.
    std::string text;
    for (const auto& p : b.read_parts()) {
      otlp_json::encode(*p.request, text);
      text += '\n';
    }
    std::lock_guard lock(mu_);
    if (!file_) return Status::retryable("file exporter " + id_ + " is not running");
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0)
      return Status::retryable("cannot write " + cfg_.path + ": " + std::strerror(errno));
    return Status::ok();
  }

  void close() {
    std::lock_guard lock(mu_);
    if (file_) {
      std::fclose(file_);
      file_ = nullptr;
    }
  }

  std::string id_;
  FileConfig cfg_;
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

class FileExporterFactory final : public ExporterFactory {
 public:
  std::string_view type() const override { return "file"; }
  bool supports(Signal) const override { return true; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExporterPtr create(const CreateSettings& s, const ComponentConfig& c) const override {
    return std::make_unique<FileExporter>(s.id.str(), config_as<FileConfig>(c));
  }
};

}  // namespace

}  // namespace otlpd::file_exporter

using otlpd::file_exporter::FileExporterFactory;
OTLPD_REGISTER_FACTORY(FileExporterFactory)
