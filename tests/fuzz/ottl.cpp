// Fuzz target: the OTTL parser and compiler (src/ottl) as the filter and transform processors run them at load,
// then the compiled statement on a small item of its context.
//
// Input: one option byte (context: bits 0-2 modulo 7; bit 3: a statement, else a condition), then the text.
//
// Checks: any text compiles or is refused with a ParseError whose column lies within the text (or just past
// it); a compiled statement runs or fails with an EvalError; no other exception escapes, nothing crashes.
#include <exception>
#include <string>
#include <typeinfo>

#include "fuzz/support/fuzz.h"
#include "ottl/ottl.h"

namespace {

using namespace otlpd::ottl;

// A span with an event, a gauge point and a log record under one resource and scope, each with attributes.
struct Fixture {
  pb::Resource resource;
  pb::InstrumentationScope scope;
  pb::Span span;
  pb::SpanEvent event;
  pb::Metric metric;
  pb::LogRecord log;

  Fixture() {
    auto put = [](auto* attrs, const char* k, const char* v) {
      auto* kv = attrs->Add();
      kv->set_key(k);
      kv->mutable_value()->set_string_value(v);
    };
    put(resource.mutable_attributes(), "service.name", "api");
    scope.set_name("lib");
    span.set_name("GET /users/42");
    span.set_trace_id(std::string(16, '\x01'));
    span.set_span_id(std::string(8, '\x02'));
    put(span.mutable_attributes(), "http.route", "/users");
    auto* nested = span.mutable_attributes()->Add();
    nested->set_key("obj");
    nested->mutable_value()->mutable_kvlist_value()->add_values()->set_key("k");
    event.set_name("exception");
    metric.set_name("m");
    auto* dp = metric.mutable_gauge()->add_data_points();
    dp->set_as_int(3);
    put(dp->mutable_attributes(), "host", "h");
    log.mutable_body()->set_string_value("{\"a\": [1, 2]}");
    put(log.mutable_attributes(), "level", "info");
  }

  Item item(ContextKind k) {
    Item i;
    i.resource = &resource;
    if (k == ContextKind::resource) return i;
    i.scope = &scope;
    switch (k) {
      case ContextKind::span:
        i.span = &span;
        break;
      case ContextKind::spanevent:
        i.span = &span;
        i.event = &event;
        break;
      case ContextKind::metric:
        i.metric = &metric;
        break;
      case ContextKind::datapoint:
        i.metric = &metric;
        i.number = metric.mutable_gauge()->mutable_data_points(0);
        break;
      case ContextKind::log:
        i.log = &log;
        break;
      default:
        break;
    }
    return i;
  }
};

constexpr ContextKind kContexts[] = {ContextKind::resource,  ContextKind::scope,  ContextKind::span,
                                     ContextKind::spanevent, ContextKind::metric, ContextKind::datapoint,
                                     ContextKind::log};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  otlpd::fuzz::Input in(data, size);
  const uint8_t option = in.byte();
  const ContextKind ctx = kContexts[(option & 7) % 7];
  const bool statement = (option & 8) != 0;
  const std::string text(in.rest());
  Fixture f;
  try {
    Item item = f.item(ctx);
    try {
      if (statement)
        compile_statement(text, ctx).exec(item);
      else
        compile_condition(text, ctx).eval(item);
    } catch (const EvalError&) {
      // a run-time failure: the processor's error_mode handles it
    }
  } catch (const ParseError& e) {
    if (e.column() < 1 || e.column() > text.size() + 1)
      otlpd::fuzz::check_failed(__FILE__, __LINE__, "the error's column lies within the text",
                                std::string("column ") + std::to_string(e.column()) + std::string(" of ") +
                                    std::to_string(text.size()) + " characters: " + e.what());
  } catch (const std::exception& e) {
    otlpd::fuzz::check_failed(__FILE__, __LINE__, "only ParseError or EvalError escapes",
                              std::string(typeid(e).name()) + ": " + e.what());
  }
  return 0;
}
