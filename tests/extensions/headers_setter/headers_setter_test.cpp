// headers_setter: static values and values from the exported data's request context, the four actions over
// the exporter's own headers, defaults, and config errors.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include "config/node.h"
#include "core/auth.h"
#include "core/registry.h"
#include "model/batch.h"
#include "support/component_config.h"

using namespace otlpd;
using namespace otlpd::test;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

ExtensionPtr make(const std::string& yaml) {
  const auto* f = dynamic_cast<const ExtensionFactory*>(Registry::instance().find(Kind::extension, "headers_setter"));
  REQUIRE(f);
  auto cfg = parse_component(Kind::extension, "headers_setter", yaml);
  return f->create(CreateSettings{ComponentId{"headers_setter", ""}, {}, nullptr}, *cfg);
}

const ClientAuthenticator& client(const ExtensionPtr& e) {
  const auto* c = dynamic_cast<const ClientAuthenticator*>(e.get());
  REQUIRE(c);
  return *c;
}

}  // namespace

TEST_CASE("headers_setter: from_context, defaults and static values", "[auth]") {
  auto e = make(R"(headers:
  - {key: X-Scope-OrgID, from_context: x-tenant, default_value: anonymous}
  - {key: x-user, from_context: auth.username}
  - {key: x-from, from_context: client.address}
  - {key: x-static, value: s1})");
  RequestContext ctx;
  ctx.metadata = {{"x-tenant", "acme"}};
  ctx.auth.attributes = {{"username", "alice"}};
  ctx.client_address = "10.0.0.7:5000";
  Headers out;
  REQUIRE(client(e).client_headers_for(ctx, out).is_ok());
  CHECK(out == Headers{{"x-scope-orgid", "acme"}, {"x-user", "alice"}, {"x-from", "10.0.0.7"}, {"x-static", "s1"}});

  // Nothing in the request: the default, or no header.
  out.clear();
  REQUIRE(client(e).client_headers_for(RequestContext{}, out).is_ok());
  CHECK(out == Headers{{"x-scope-orgid", "anonymous"}, {"x-static", "s1"}});
  // No request at all (client_headers()): the same.
  out.clear();
  REQUIRE(client(e).client_headers(out).is_ok());
  CHECK(out == Headers{{"x-scope-orgid", "anonymous"}, {"x-static", "s1"}});
}

TEST_CASE("headers_setter: insert, update, upsert and delete over the exporter's headers", "[auth]") {
  auto e = make(R"(headers:
  - {key: a, value: new-a, action: insert}
  - {key: b, value: new-b, action: insert}
  - {key: c, value: new-c, action: update}
  - {key: d, value: new-d, action: update}
  - {key: e, value: new-e}
  - {key: f, action: delete})");
  Headers out{{"a", "old-a"}, {"c", "old-c"}, {"e", "old-e"}, {"f", "old-f"}};
  REQUIRE(client(e).client_headers(out).is_ok());
  CHECK(out == Headers{{"a", "old-a"}, {"b", "new-b"}, {"c", "new-c"}, {"e", "new-e"}});
}

TEST_CASE("headers_setter config errors name the key", "[auth][config]") {
  auto err = [](const std::string& yaml) { return component_error(Kind::extension, "headers_setter", yaml); };
  CHECK_THAT(err("headers: []"), Catch::Contains("at least one"));
  CHECK_THAT(err("headers: [{key: a}]"), Catch::Contains("exactly one of 'value' or 'from_context'"));
  CHECK_THAT(err("headers: [{key: a, value: v, from_context: x}]"), Catch::Contains("exactly one of"));
  CHECK_THAT(err("headers: [{key: a, value: v, default_value: d}]"), Catch::Contains("default_value goes with"));
  CHECK_THAT(err("headers: [{key: a, value: v, action: delete}]"), Catch::Contains("delete takes no value"));
  CHECK_THAT(err("headers: [{key: a, from_context: 'auth.'}]"), Catch::Contains("names nothing"));
  CHECK_THAT(err("headers: [{key: a, value: v, action: replace}]"), Catch::Contains("insert, update, upsert, delete"));
  CHECK_THAT(err("headers: [{value: v}]"), Catch::Contains("key"));
}
