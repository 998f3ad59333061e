// The running service: the pipeline graph built from a Config, started and shut down in order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/component.h"

namespace otlpd {

// Built as the Collector builds it: a receiver used by several pipelines is one instance that fans out;
// processors are created per pipeline, in order; an exporter used by several pipelines is one instance.
class Service final : public Host {
 public:
  // Creates every component the pipelines use. Throws ConfigError when a component cannot be created.
  static std::unique_ptr<Service> build(const Config& config);
  ~Service() override;

  // Starts extensions, exporters, processors (last first), then receivers. On a failure, what was
  // started is shut down again and the error is rethrown.
  void start();
  // Stops in reverse order: receivers, processors (first first, so buffers flush downstream), exporters,
  // extensions. Idempotent.
  void shutdown(Deadline deadline);

  Extension* extension(const ComponentId& id) const override;

  // For tests: the number of instances of each kind that were created.
  size_t receiver_count() const;
  size_t processor_count() const;
  size_t exporter_count() const;

 private:
  struct Impl;
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace otlpd
