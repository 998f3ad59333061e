// Components (receivers, processors, exporters, connectors, extensions), their ids and their factories.
#pragma once

#include <chrono>
#include <compare>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/component_config.h"
#include "model/consumer.h"
#include "platform/signal.h"

namespace otlpd {

class ConfigNode;

// `type` or `type/name`, as in the Collector.
struct ComponentId {
  std::string type;
  std::string name;

  // Parses "type" or "type/name"; returns false when malformed (empty type, empty name after '/').
  static bool parse(std::string_view text, ComponentId& out);
  std::string str() const { return name.empty() ? type : type + "/" + name; }
  auto operator<=>(const ComponentId&) const = default;
};

using Deadline = std::chrono::steady_clock::time_point;

class Extension;
class Telemetry;

// What a component may ask of the running service when it starts.
class Host {
 public:
  virtual ~Host() = default;
  // The started extension with this id, or null.
  virtual Extension* extension(const ComponentId& id) const = 0;
};

class Component {
 public:
  virtual ~Component() = default;
  // Throws std::runtime_error when the component cannot start (e.g. a port is taken).
  virtual void start(Host& host) { (void)host; }
  // Checks, before anything starts, what start() will need from the host (e.g. an authenticator extension), so
  // that `otlpd validate` reports it. Throws std::runtime_error naming what is missing.
  virtual void check(const Host& host) const { (void)host; }
  // Stops accepting, flushes what is buffered, and returns by `deadline`.
  virtual void shutdown(Deadline deadline) { (void)deadline; }
};

class Receiver : public Component {};

class Extension : public Component {
 public:
  // Told when every pipeline is running, and again before shutdown starts (health checks use these).
  virtual void ready() {}
  virtual void not_ready() {}
};

// A processor belongs to one pipeline and so to one signal; consumers() holds its entry for that signal.
class Processor : public Component {
 public:
  virtual Consumers consumers() = 0;
};

// An exporter is one instance shared by every pipeline that lists it; consumers() has an entry per
// signal it supports.
class Exporter : public Component {
 public:
  virtual Consumers consumers() = 0;
  // The storage extension its sending queue is kept in (sending_queue.storage), or empty for memory.
  virtual std::string queue_storage() const { return {}; }
};

// A connector is an exporter of one pipeline and a receiver of another (the Collector's connectors): one instance
// per id. consumers() has an entry per signal it takes from the pipelines that export to it; what it produces goes
// to the `next` it was created with, synchronously, so that backpressure and errors flow back to the caller.
class Connector : public Component {
 public:
  virtual Consumers consumers() = 0;
};

using ReceiverPtr = std::unique_ptr<Receiver>;
using ConnectorPtr = std::unique_ptr<Connector>;
using ProcessorPtr = std::unique_ptr<Processor>;
using ExporterPtr = std::unique_ptr<Exporter>;
using ExtensionPtr = std::unique_ptr<Extension>;

struct CreateSettings {
  ComponentId id;
  std::string pipeline;  // processors only: the pipeline id ("traces/name")
  // Where the component's self-metrics go; null: the process's (Telemetry::global()). Tests hand in their own.
  Telemetry* telemetry_sink = nullptr;

  Telemetry& telemetry() const;
};

class Factory {
 public:
  virtual ~Factory() = default;
  virtual Kind kind() const = 0;
  virtual std::string_view type() const = 0;
  // Other type names accepted for this component (e.g. "otlp_grpc" for "otlp").
  virtual std::vector<std::string_view> aliases() const { return {}; }
  virtual bool supports(Signal s) const = 0;
  // Why the component, configured as `c`, cannot serve a pipeline of `s` although its type supports it (e.g. a
  // routing key that does not apply to the signal), or empty. Checked for every pipeline that lists it.
  virtual std::string signal_error(const ComponentConfig& c, Signal s) const {
    (void)c;
    (void)s;
    return {};
  }
  // Reads and validates the component's YAML; throws ConfigError naming the path and line.
  virtual ComponentConfigPtr parse(const ConfigNode& node) const = 0;
};

class ReceiverFactory : public Factory {
 public:
  Kind kind() const final { return Kind::receiver; }
  // `next` has a consumer for every signal some pipeline takes from this receiver.
  virtual ReceiverPtr create(const CreateSettings& s, const ComponentConfig& c, Consumers next) const = 0;
};

class ProcessorFactory : public Factory {
 public:
  Kind kind() const final { return Kind::processor; }
  // `next` has a consumer for `signal` only.
  virtual ProcessorPtr create(const CreateSettings& s, const ComponentConfig& c, Signal signal,
                              Consumers next) const = 0;
};

class ExporterFactory : public Factory {
 public:
  Kind kind() const final { return Kind::exporter; }
  virtual ExporterPtr create(const CreateSettings& s, const ComponentConfig& c) const = 0;
};

class ConnectorFactory : public Factory {
 public:
  Kind kind() const final { return Kind::connector; }
  // Whether data of signal `from` (the pipeline it exports from) can become data of `to` (the pipeline it
  // receives into): forward supports traces to traces, spanmetrics traces to metrics.
  virtual bool supports(Signal from, Signal to) const = 0;
  // A signal it takes or produces.
  bool supports(Signal s) const final {
    for (Signal o : kAllSignals)
      if (supports(s, o) || supports(o, s)) return true;
    return false;
  }
  // `next` has a consumer for every signal some pipeline receives from this connector.
  virtual ConnectorPtr create(const CreateSettings& s, const ComponentConfig& c, Consumers next) const = 0;
};

class ExtensionFactory : public Factory {
 public:
  Kind kind() const final { return Kind::extension; }
  bool supports(Signal) const final { return false; }
  virtual ExtensionPtr create(const CreateSettings& s, const ComponentConfig& c) const = 0;
};

}  // namespace otlpd
