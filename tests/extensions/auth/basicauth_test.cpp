// basicauth: htpasswd entries (plain and {SHA}), inline over file, principal = user; unsupported hashes.
#include "extensions/auth/helpers.h"
#include "support/daemon.h"

namespace otlpd::test {

using Catch::Matchers::Contains;

namespace {
// "Basic " + base64("user:pass"), computed by hand for the fixed cases below.
const std::string kAlice = "Basic YWxpY2U6d29uZGVybGFuZA==";       // alice:wonderland
const std::string kAliceWrong = "Basic YWxpY2U6d29uZGVybGFuZTE=";  // alice:wonderlane1
const std::string kBob = "Basic Ym9iOnBhc3N3b3Jk";                 // bob:password
const std::string kCarol = "Basic Y2Fyb2w6cGFzc3dvcmQ=";           // carol:password
}  // namespace

TEST_CASE("basicauth checks plain-text and {SHA} htpasswd entries, the principal is the user", "[auth]") {
  // {SHA} of "password" is base64(SHA-1("password")).
  auto ext = start_extension("basicauth", R"(
htpasswd:
  inline: |
    # a comment
    alice:wonderland
    bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=
)");
  const auto& auth = as_authenticator(ext);
  AuthData who;
  REQUIRE(auth.authenticate({{"authorization", kAlice}}, who).is_ok());
  CHECK(who.principal == "alice");
  CHECK(who.attribute("username") == "alice");
  CHECK(who.attribute("raw") == std::string_view(kAlice).substr(6));  // the credentials after "Basic "
  REQUIRE(auth.authenticate({{"authorization", kBob}}, who).is_ok());
  CHECK(who.principal == "bob");
  CHECK(auth.authenticate({{"authorization", "basic Ym9iOnBhc3N3b3Jk"}}, who).is_ok());  // scheme: any case

  who = {};
  auto wrong = auth.authenticate({{"authorization", kAliceWrong}}, who);
  CHECK(wrong.is_permanent());
  CHECK(wrong.message() == "invalid username or password");
  CHECK(who.principal.empty());
  CHECK(auth.authenticate({{"authorization", kCarol}}, who).message() == "invalid username or password");
  CHECK_THAT(auth.authenticate({}, who).message(), Contains("missing"));
  CHECK_THAT(auth.authenticate({{"authorization", "Bearer abc"}}, who).message(), Contains("Basic"));
  CHECK_THAT(auth.authenticate({{"authorization", "Basic !!!!"}}, who).message(), Contains("malformed"));
  CHECK_THAT(auth.authenticate({{"authorization", "Basic YWxpY2U="}}, who).message(),  // "alice", no colon
             Contains("malformed"));
}

TEST_CASE("basicauth reads htpasswd.file, inline entries take precedence", "[auth]") {
  TempDir dir;
  auto path = dir.write("htpasswd", "alice:other\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n");
  auto ext = start_extension("basicauth", "htpasswd: {file: " + path + ", inline: 'alice:wonderland'}");
  AuthData p;
  CHECK(as_authenticator(ext).authenticate({{"authorization", kAlice}}, p).is_ok());
  CHECK(as_authenticator(ext).authenticate({{"authorization", kBob}}, p).is_ok());
}

TEST_CASE("basicauth rejects unsupported hash formats and malformed entries at config time", "[auth]") {
  CHECK_THROWS_AS(start_extension("basicauth", "htpasswd: {inline: 'u:$2y$05$abcdefghijklmnopqrstuv'}"), ConfigError);
  CHECK_THROWS_WITH(start_extension("basicauth", "htpasswd: {inline: 'u:$2y$05$abcdefghijklmnopqrstuv'}"),
                    Contains("unsupported format '$2y$'") && Contains("{SHA}") && Contains("user 'u'"));
  CHECK_THROWS_WITH(start_extension("basicauth", "htpasswd: {inline: 'u:$apr1$salt$hash'}"), Contains("'$apr1$'"));
  CHECK_THROWS_WITH(start_extension("basicauth", "htpasswd: {inline: \"ok:x\\nnocolon\"}"),
                    Contains("line 2") && Contains("user:password"));
  CHECK_THROWS_WITH(start_extension("basicauth", "htpasswd: {inline: 'u:{SHA}short'}"), Contains("malformed {SHA}"));
  CHECK_THROWS_WITH(start_extension("basicauth", "htpasswd: {}"), Contains("no user entries"));
  CHECK_THROWS_WITH(start_extension("basicauth", "client_auth: {password: b}"), Contains("needs 'username'"));
  CHECK_THROWS_WITH(start_extension("basicauth", "{}"), Contains("needs 'htpasswd'") && Contains("'client_auth'"));
  CHECK_THROWS_WITH(start_extension("basicauth", "htpasswd: {file: /nonexistent/htpasswd}"),
                    Contains("cannot read the htpasswd file"));
}

}  // namespace otlpd::test
