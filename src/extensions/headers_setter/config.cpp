// The `headers_setter` extension's config schema.
#include "extensions/headers_setter/config.h"

#include "platform/text.h"

namespace otlpd::headers_setter {

namespace {

const Schema<HeaderConfig>& header_schema() {
  using H = HeaderConfig;
  static const auto s =
      Schema<H>()
          .key("key", &H::key, "the header (gRPC metadata) to set on every exported request", required<std::string>())
          .key("value", &H::value, "a static value")
          .key("from_context", &H::from_context,
               "the value from the exported data's request: a header of it (metadata.<header> or the bare name; the "
               "receiver's include_metadata), auth.<attribute> or client.address")
          .custom("default_value", "string", "", "from_context: the value when the request has none",
                  [](const ConfigNode& n, H& h) { h.default_value = n.as<std::string>(); })
          .choice("action", &H::action,
                  {{"insert", H::Action::insert},
                   {"update", H::Action::update},
                   {"upsert", H::Action::upsert},
                   {"delete", H::Action::remove}},
                  "insert: only when the exporter does not set the header; update: only when it does; upsert: "
                  "always; delete: remove it")
          .validate([](H& h, const SchemaInput& in) {
            h.key = ascii_lower(trim(h.key));
            const bool has_value = in.has("value"), has_context = in.has("from_context");
            if (h.action == H::Action::remove) {
              if (has_value || has_context || h.default_value)
                in.fail("action", "delete takes no value, from_context or default_value");
              return;
            }
            if (has_value == has_context) in.node().fail("exactly one of 'value' or 'from_context' must be given");
            if (h.default_value && !has_context) in.fail("default_value", "default_value goes with from_context");
            if (has_context) {
              h.source = ContextKey::parse(h.from_context);
              if (!h.source)
                in.fail("from_context", "'" + h.from_context +
                                            "' names nothing; use a header name, metadata.<header>, auth.<attribute> "
                                            "or client.address");
            }
          });
  return s;
}

}  // namespace

const Schema<HeadersSetterConfig>& schema() {
  using C = HeadersSetterConfig;
  static const auto s = Schema<C>()
                            .block("headers", "list of maps",
                                   "headers set on exported requests: {key, value | from_context, "
                                   "default_value, action}",
                                   header_schema(),
                                   [](const ConfigNode& n, C& c) {
                                     if (!n.is_sequence())
                                       n.fail("headers must be a list of {key, value | from_context, action}");
                                     for (const auto& item : n.items())
                                       c.headers.push_back(*header_schema().parse(item));
                                   })
                            .validate([](C& c, const SchemaInput& in) {
                              if (c.headers.empty()) in.fail("headers", "headers must list at least one header");
                            });
  return s;
}

std::unique_ptr<HeadersSetterConfig> parse_config(const ConfigNode& node) { return schema().parse(node); }

}  // namespace otlpd::headers_setter

OTLPD_REGISTER_SCHEMA(::otlpd::Kind::extension, "headers_setter", ::otlpd::headers_setter::schema)
