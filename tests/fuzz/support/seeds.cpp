// Writes the fuzz targets' generated seeds into a corpus folder (tests/fuzz/corpus): real OTLP requests as
// protobuf and OTLP/JSON, compressed bodies, requests with the attributes the wire-edit configurations act
// on, the shipped configuration files; and the dictionaries beside it (tests/fuzz/dicts): OTLP/JSON's keys
// and enum names, configuration keys and component types. Hand-written seeds in the corpus are left alone.
// Run by scripts/fuzz.sh --seeds; the output is committed, so that the corpus does not depend on this
// program.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include "codec/otlp_json.h"
#include "codec/otlp_json_inputs.h"
#include "codec/wire_reader.h"
#include "config/schema.h"
#include "core/registry.h"
#include "processors/transform/transform_wire.h"
#include "processors/wire_traffic.h"
#include "support/compress.h"
#include "support/otlp_client.h"

namespace fs = std::filesystem;
namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
using namespace otlpd;

namespace {

fs::path corpus;

void write(const std::string& target, const std::string& name, std::string_view bytes) {
  fs::create_directories(corpus / target);
  std::ofstream(corpus / target / name, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string with_option(uint8_t option, std::string_view bytes) {
  return std::string(1, static_cast<char>(option)) + std::string(bytes);
}

std::string len_field(uint32_t number, std::string_view body) {
  std::string out;
  otlp_wire::append_varint(out, uint64_t{number} << 3 | 2);
  otlp_wire::append_varint(out, body.size());
  return out.append(body);
}

void set(google::protobuf::RepeatedPtrField<common::KeyValue>& attrs, const std::string& key, const std::string& v) {
  auto* kv = attrs.Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(v);
}

// Attributes the wire-edit configurations act on: inserted, updated, copied, deleted, hashed, extracted,
// masked.
void add_edited(google::protobuf::RepeatedPtrField<common::KeyValue>& attrs) {
  set(attrs, "str", "value-42 in a string");
  attrs.Add()->set_key("int");
  attrs.rbegin()->mutable_value()->set_int_value(1234);
  attrs.Add()->set_key("bool");
  attrs.rbegin()->mutable_value()->set_bool_value(true);
  set(attrs, "k", "old");
  set(attrs, "x-drop", "dropped by pattern");
  set(attrs, "url", "https://example.com/path");
  set(attrs, "secret.token", "s3cr3t");
  set(attrs, "keep", "4111111111111111");
  set(attrs, "contact", "someone@example.com");
  set(attrs, "str", "a key given twice");
}

otlp_trace::ExportTraceServiceRequest edited_traces() {
  otlp_trace::ExportTraceServiceRequest r;
  auto* rs = r.add_resource_spans();
  set(*rs->mutable_resource()->mutable_attributes(), "service.name", "checkout");
  add_edited(*rs->mutable_resource()->mutable_attributes());
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("lib");
  add_edited(*ss->mutable_scope()->mutable_attributes());
  auto* s = ss->add_spans();
  s->set_trace_id(std::string(16, '\x11'));
  s->set_span_id(std::string(8, '\x22'));
  s->set_name("GET /cart");
  add_edited(*s->mutable_attributes());
  auto* e = s->add_events();
  e->set_name("event");
  add_edited(*e->mutable_attributes());
  auto* l = s->add_links();
  l->set_trace_id(std::string(16, '\x33'));
  l->set_span_id(std::string(8, '\x44'));
  add_edited(*l->mutable_attributes());
  return r;
}

otlp_logs::ExportLogsServiceRequest edited_logs() {
  otlp_logs::ExportLogsServiceRequest r;
  auto* rl = r.add_resource_logs();
  set(*rl->mutable_resource()->mutable_attributes(), "service.name", "checkout");
  auto* sl = rl->add_scope_logs();
  auto* rec = sl->add_log_records();
  rec->mutable_body()->set_string_value("card 4111111111111111 paid by someone@example.com, value-7");
  add_edited(*rec->mutable_attributes());
  rec = sl->add_log_records();
  rec->mutable_body()->mutable_kvlist_value()->add_values()->set_key("nested");
  add_edited(*rec->mutable_attributes());
  return r;
}

// Unknown fields, a group among them, at every level of a request: protobuf keeps them, the walk skips them.
std::string with_unknown_fields() {
  const std::string unknown("\xf8\x07\x2a\xfb\x07\x08\x01\xfc\x07", 9);
  std::string span = len_field(1, std::string(16, '\x11')) + len_field(2, std::string(8, '\x22')) + unknown +
                     len_field(9, len_field(1, "k") + unknown + len_field(2, len_field(1, "v")));
  std::string scope_spans = unknown + len_field(2, span) + len_field(1, len_field(1, "lib") + unknown);
  return len_field(1, unknown + len_field(2, scope_spans)) + unknown;
}

// A span attribute nested `levels` kvlists deep: messages 4 + 3 x levels deep (the request is level 0), one
// more with `value`.
std::string nested_kvlists(int levels, bool value) {
  otlp_trace::ExportTraceServiceRequest r;
  auto* kv = r.add_resource_spans()->add_scope_spans()->add_spans()->add_attributes();
  for (int i = 0; i < levels; ++i) {
    kv->set_key("k");
    kv = kv->mutable_value()->mutable_kvlist_value()->add_values();
  }
  if (value) kv->mutable_value()->set_int_value(1);
  return r.SerializeAsString();
}

// A resource and a scope given twice (protobuf merges them), two resources, a span with a parent.
std::string merged_fields() {
  common::KeyValue a, b;
  a.set_key("service.name");
  a.mutable_value()->set_string_value("a");
  b.set_key("host");
  b.mutable_value()->set_string_value("h");
  trace::Span root, child;
  root.set_trace_id(std::string(16, '\x01'));
  root.set_span_id(std::string(8, '\x02'));
  child = root;
  child.set_span_id(std::string(8, '\x03'));
  child.set_parent_span_id(std::string(8, '\x02'));
  std::string scope_spans = len_field(1, len_field(1, "lib")) + len_field(2, root.SerializeAsString()) +
                            len_field(1, len_field(2, "1.0")) + len_field(2, child.SerializeAsString()) +
                            len_field(3, "https://schema/1") + len_field(3, "https://schema/2");
  std::string rs = len_field(1, len_field(1, a.SerializeAsString())) + len_field(2, scope_spans) +
                   len_field(1, len_field(1, b.SerializeAsString())) + len_field(2, scope_spans);
  return len_field(1, rs) + len_field(1, len_field(2, scope_spans));
}

// Spans the Jaeger translation treats specially: a link to the parent marked child_of, invalid ids, an event
// with an `event` attribute, an error status, an end before the start, array and kvlist values.
std::string jaeger_spans() {
  otlp_trace::ExportTraceServiceRequest r = test::full_traces(2, 9);
  auto* ss = r.mutable_resource_spans(0)->mutable_scope_spans(0);
  auto* s = ss->add_spans();
  s->set_trace_id(std::string(16, '\x05'));
  s->set_span_id(std::string(8, '\x06'));
  s->set_parent_span_id(std::string(8, '\x07'));
  s->set_start_time_unix_nano(2000);
  s->set_end_time_unix_nano(1000);
  s->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
  auto* link = s->add_links();
  link->set_trace_id(s->trace_id());
  link->set_span_id(s->parent_span_id());
  set(*link->mutable_attributes(), "opentracing.ref_type", "child_of");
  s->add_links()->set_trace_id("short");
  auto* e = s->add_events();
  e->set_name("ignored");
  set(*e->mutable_attributes(), "event", "named by attribute");
  ss->add_spans()->set_trace_id("not 16 bytes");
  r.add_resource_spans();  // no resource: no service name
  return r.SerializeAsString();
}

std::string zstd_frames() {
  std::string a = test::zstd_compress("first frame "), b = test::zstd_compress("second frame");
  std::string skippable("\x50\x2a\x4d\x18\x03\x00\x00\x00xyz", 11);
  return a + skippable + b;
}

// A zstd frame that does not declare its size (streamed), like many HTTP clients send.
std::string zstd_streamed(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()) + 64, '\0');
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  ZSTD_compressStream2(c, &ob, &in, ZSTD_e_end);
  ZSTD_freeCCtx(c);
  out.resize(ob.pos);
  return out;
}

// decompress: encoding (0 identity, 1 gzip, 2 deflate, 3 zstd), limit (little-endian), cut, body.
std::string body(uint8_t encoding, uint16_t limit, uint8_t cut, std::string_view data) {
  std::string s{static_cast<char>(encoding), static_cast<char>(limit & 0xff), static_cast<char>(limit >> 8),
                static_cast<char>(cut)};
  return s.append(data);
}

// A libFuzzer dictionary: one quoted word a line.
void write_dict(const std::string& target, const std::set<std::string>& words) {
  fs::create_directories(corpus.parent_path() / "dicts");
  std::ofstream out(corpus.parent_path() / "dicts" / (target + ".dict"));
  out << "# Generated by tests/fuzz/support/seeds.cpp (scripts/fuzz.sh --seeds).\n";
  for (const auto& w : words) {
    out << '"';
    for (char c : w) {
      if (c == '"' || c == '\\') out << '\\';
      out << c;
    }
    out << "\"\n";
  }
}

// OTLP/JSON keys (both spellings, quoted as in a document) and enum names of `d` and the messages below it.
void json_words(const google::protobuf::Descriptor* d, std::set<std::string>& words,
                std::set<const google::protobuf::Descriptor*>& seen) {
  if (!seen.insert(d).second) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    words.insert('"' + f->json_name() + "\":");
    words.insert('"' + f->name() + "\":");
    if (f->enum_type())
      for (int v = 0; v < f->enum_type()->value_count(); ++v)
        words.insert('"' + f->enum_type()->value(v)->name() + '"');
    if (f->message_type()) json_words(f->message_type(), words, seen);
  }
}

void schema_words(const ConfigSchema& schema, std::set<std::string>& words) {
  for (const auto& k : schema.keys()) {
    words.insert(k.key.substr(k.key.rfind('.') + 1) + ":");
    if (k.nested) schema_words(*k.nested, words);
  }
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: fuzz_seeds CORPUS_DIR SOURCE_DIR\n";
    return 2;
  }
  corpus = argv[1];
  const fs::path source = argv[2];
  const std::string traces = test::full_traces(2, 1).SerializeAsString();
  const std::string metrics = test::full_metrics(2).SerializeAsString();
  const std::string logs = test::full_logs(2, 3).SerializeAsString();

  write("otlp_wire", "traces", with_option(0, traces));
  write("otlp_wire", "metrics", with_option(1, metrics));
  write("otlp_wire", "logs", with_option(2, logs));
  write("otlp_wire", "empty", with_option(0, ""));
  write("otlp_wire", "unknown_fields", with_option(0, with_unknown_fields()));
  write("otlp_wire", "nested_100", with_option(0, nested_kvlists(32, false)));  // protobuf's limit
  write("otlp_wire", "nested_101", with_option(0, nested_kvlists(32, true)));   // one level too deep

  write("otlp_json", "traces", with_option(0, otlp_json::encode(test::full_traces(2, 1))));
  // Every kind of metric, in two documents of a few KB each.
  auto first_metrics = test::full_metrics(2);
  auto last_metrics = first_metrics;
  auto* all = first_metrics.mutable_resource_metrics(0)->mutable_scope_metrics(0)->mutable_metrics();
  all->DeleteSubrange(3, all->size() - 3);
  all = last_metrics.mutable_resource_metrics(0)->mutable_scope_metrics(0)->mutable_metrics();
  all->DeleteSubrange(0, 3);
  write("otlp_json", "metrics", with_option(1, otlp_json::encode(first_metrics)));
  write("otlp_json", "metrics_2", with_option(1, otlp_json::encode(last_metrics)));
  write("otlp_json", "logs", with_option(2, otlp_json::encode(test::full_logs(2, 3))));
  write("otlp_json", "js_exporter", with_option(0, test::kJsExporterTraces));
  write("otlp_json", "js_exporter_depth_8", with_option(4, test::kJsExporterTraces));
  int n = 0;
  for (const auto& input : test::json_inputs()) {
    const std::string& type = input.type->name();
    if (type.find("Trace") != std::string::npos)
      write("otlp_json", "input_" + std::to_string(n++), with_option(0, input.json));
    else if (type.find("Metrics") != std::string::npos)
      write("otlp_json", "input_" + std::to_string(n++), with_option(1, input.json));
  }

  write("decompress", "gzip", body(1, 65535, 7, test::gzip_compress(traces)));
  write("decompress", "gzip_over_limit", body(1, 100, 0, test::gzip_compress(traces)));
  write("decompress", "gzip_two_members", body(1, 4096, 40, test::gzip_compress("one ") + test::gzip_compress("two")));
  write("decompress", "gzip_trailing_bytes", body(1, 4096, 0, test::gzip_compress("data") + "junk"));
  write("decompress", "deflate", body(2, 65535, 200, test::zlib_compress(logs)));
  write("decompress", "zstd", body(3, 65535, 33, test::zstd_compress(metrics)));
  write("decompress", "zstd_frames", body(3, 4096, 20, zstd_frames()));
  write("decompress", "zstd_streamed", body(3, 1000, 0, zstd_streamed(std::string(5000, 'z'))));
  write("decompress", "identity", body(0, 65535, 0, traces));

  for (uint8_t config = 0; config < 4; ++config) {
    write("wire_edits", "traces_" + std::to_string(config), with_option(config, edited_traces().SerializeAsString()));
    write("wire_edits", "logs_" + std::to_string(config), with_option(config | 4, edited_logs().SerializeAsString()));
  }
  write("wire_edits", "traces_full", with_option(2, traces));
  write("wire_edits", "logs_full", with_option(7, logs));

  // The metric wire differentials: each configuration on the differential tests' request (parents present or
  // absent in turn), and on full_metrics.
  for (uint8_t k = 0; k < 4; ++k)
    write("filter_wire_metrics", "metrics_" + std::to_string(k),
          with_option(k, test::wire_metric_traffic(k % 2 == 1).first().SerializeAsString()));
  write("filter_wire_metrics", "metrics_full", with_option(0, metrics));
  for (uint8_t k = 0; k < std::size(test::kMetricStatementSets); ++k)
    write("transform_wire_metrics", "config_" + std::to_string(k),
          with_option(k, test::wire_metric_traffic(k % 2 == 1).first().SerializeAsString()));
  write("transform_wire_metrics", "metrics_full", with_option(0, metrics));

  write("span_index", "traces", test::full_traces(3, 2).SerializeAsString());
  write("span_index", "merged_fields", merged_fields());
  write("span_index", "unknown_fields", with_unknown_fields());

  write("jaeger_translate", "traces", traces);
  write("jaeger_translate", "special_spans", jaeger_spans());

  for (const char* file : {"config/otlpd.yaml", "config/docker.yaml", "deploy/otlpd.yaml"}) {
    std::string name = fs::path(file).parent_path().filename().string() + "_" + fs::path(file).filename().string();
    write("config", name, read_file(source / file));
  }
  std::set<std::string> json;
  std::set<const google::protobuf::Descriptor*> seen;
  for (const auto* d :
       {otlp_trace::ExportTraceServiceRequest::descriptor(), otlp_metrics::ExportMetricsServiceRequest::descriptor(),
        otlp_logs::ExportLogsServiceRequest::descriptor()})
    json_words(d, json, seen);
  json.insert({"\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\\u0000", "\\ud83d\\ude00", "1e308", "-0"});
  write_dict("otlp_json", json);

  std::set<std::string> yaml{"receivers:", "processors:", "exporters:", "extensions:", "connectors:",       "service:",
                             "pipelines:", "telemetry:",  "memory:",    "${env:HOME}", "${env:X:-default}", "$$"};
  for (auto kind : {Kind::receiver, Kind::processor, Kind::exporter, Kind::extension})
    for (const auto& type : Registry::instance().types(kind)) {
      yaml.insert(type + ":");
      if (const auto* schema = find_schema(kind, type)) schema_words(*schema, yaml);
    }
  write_dict("config", yaml);
  std::cout << "seeds written to " << corpus << "\n";
  return 0;
}
