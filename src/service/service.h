// The running service: the pipeline graph built from a Config, started, reloaded and shut down in order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/component.h"

namespace otlpd {

// What a reload kept, created, removed and rebuilt, by kind. Processors are named "<pipeline>: <id>".
struct ReloadSummary {
  struct Changes {
    std::vector<std::string> kept;     // the running instance stays
    std::vector<std::string> added;    // new id
    std::vector<std::string> removed;  // id gone
    std::vector<std::string> rebuilt;  // same id, new instance (its config, or what it depends on, changed)
  };
  Changes receivers, processors, exporters, extensions, connectors;
  // An extension changed: every component was rebuilt, as at a restart (docs/reload.md says why).
  bool full_rebuild = false;
  // service.telemetry.metrics.address changed and the endpoint moved.
  bool metrics_endpoint_moved = false;
  // Failures after the new graph was switched in (a replacement that could not start); the rest runs.
  std::vector<std::string> errors;

  size_t unchanged() const;
  bool nothing_changed() const;
  // "3 unchanged, receivers +0 -0 ~1, processors +1 -0 ~2, exporters +1 -0 ~0, extensions +0 -0 ~0" (and
  // ", connectors +0 -0 ~1" when the configuration has connectors)
  std::string str() const;
};

// Built as the Collector builds it: a receiver used by several pipelines is one instance that fans out;
// processors are created per pipeline, in order; an exporter used by several pipelines is one instance; a
// connector is one instance that the pipelines exporting to it call, and that calls the pipelines receiving from
// it (built downstream first: the config has no cycles).
//
// Every receiver feeds, per signal, a switch (model/switch_consumer.h) whose downstream a reload replaces while
// requests run; docs/reload.md describes what a reload keeps and the order it follows.
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

  // Replaces the running graph by the one `config` describes, keeping every component whose config (and whose
  // dependencies) did not change. Throws ConfigError, with nothing changed, when a new component cannot be
  // created or one of them (or a receiver that must listen anew) cannot start before the switch.
  // `drain`: how long a component that goes away may take to shut down (flush, send its queue).
  ReloadSummary reload(const Config& config, Duration drain);

  Extension* extension(const ComponentId& id) const override;

  // For tests: the number of instances of each kind that were created.
  size_t receiver_count() const;
  size_t processor_count() const;
  size_t exporter_count() const;
  size_t connector_count() const;

  struct Impl;
  struct Graph;

 private:
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace otlpd
