// The `file_storage` extension: where exporters' persistent sending queues live.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "core/registry.h"
#include "core/storage.h"
#include "extensions/file_storage/config.h"

namespace otlpd::file_storage {

namespace {

// A folder name for a component id and signal, as the Collector names its files: exporter_<type>_<name>_<signal>,
// with anything but [A-Za-z0-9._-] replaced by '~' and its hex code so that two ids never share a folder.
std::string folder_name(const ComponentId& id, Signal s) {
  std::string raw = "exporter_" + id.type;
  if (!id.name.empty()) raw += "_" + id.name;
  raw += "_";
  raw += to_string(s);
  std::string out;
  for (unsigned char c : raw) {
    if (std::isalnum(c) || c == '_' || c == '-' || c == '.') {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789abcdef";
      out += '~';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

class FileStorage final : public StorageExtension {
 public:
  explicit FileStorage(FileStorageConfig cfg) : cfg_(std::move(cfg)) {}

  void start(Host&) override {
    namespace fs = std::filesystem;
    fs::path dir(cfg_.directory);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      if (!cfg_.create_directory)
        throw std::runtime_error("file_storage directory " + cfg_.directory +
                                 " does not exist (create it, or set create_directory: true)");
      fs::create_directories(dir, ec);
      if (ec) throw std::runtime_error("cannot create file_storage directory " + cfg_.directory + ": " + ec.message());
      ::chmod(dir.c_str(), cfg_.permissions);
    }
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
      throw std::runtime_error("file_storage directory " + cfg_.directory +
                               " is not writable: " + std::strerror(errno));
  }

  QueueStorage queue_storage(const ComponentId& exporter, Signal signal) const override {
    QueueStorage q;
    q.directory = std::filesystem::path(cfg_.directory) / folder_name(exporter, signal);
    q.fsync = cfg_.fsync;
    q.lock_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.timeout);
    return q;
  }

 private:
  FileStorageConfig cfg_;
};

class FileStorageFactory final : public ExtensionFactory {
 public:
  std::string_view type() const override { return "file_storage"; }
  ComponentConfigPtr parse(const ConfigNode& node) const override { return parse_config(node); }
  ExtensionPtr create(const CreateSettings&, const ComponentConfig& c) const override {
    return std::make_unique<FileStorage>(config_as<FileStorageConfig>(c));
  }
};

}  // namespace

}  // namespace otlpd::file_storage

using otlpd::file_storage::FileStorageFactory;
OTLPD_REGISTER_FACTORY(FileStorageFactory)
