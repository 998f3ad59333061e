// bearertokenauth: "<scheme> <token>" in the authorization header, inline or from a file; config errors.
#include "extensions/auth/helpers.h"
#include "support/daemon.h"

namespace otlpd::test {

using Catch::Matchers::Contains;
using Headers = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("bearertokenauth accepts exactly '<scheme> <token>'", "[auth]") {
  auto ext = start_extension("bearertokenauth", "token: s3cret-token");
  const auto& auth = as_authenticator(ext);
  AuthData who{"stale", {}};

  CHECK(auth.authenticate({{"authorization", "Bearer s3cret-token"}}, who).is_ok());
  CHECK(who.principal.empty());  // a shared token names no one

  auto wrong = auth.authenticate({{"authorization", "Bearer s3cret-tokeN"}}, who);
  CHECK(wrong.is_permanent());
  CHECK_THAT(wrong.message(), !Contains("s3cret"));
  CHECK_FALSE(auth.authenticate({{"authorization", "Bearer s3cret-token "}}, who).is_ok());
  CHECK_FALSE(auth.authenticate({{"authorization", "Bearer s3cret"}}, who).is_ok());
  CHECK_FALSE(auth.authenticate({{"authorization", "Basic s3cret-token"}}, who).is_ok());
  CHECK_FALSE(auth.authenticate({{"authorization", "s3cret-token"}}, who).is_ok());
  CHECK_FALSE(auth.authenticate({{"authorization", ""}}, who).is_ok());
  auto missing = auth.authenticate({{"x-other", "Bearer s3cret-token"}}, who);
  CHECK_THAT(missing.message(), Contains("missing"));
}

TEST_CASE("bearertokenauth: scheme, bearer_token alias, tokens list and custom header", "[auth]") {
  AuthData p;
  auto custom = start_extension("bearertokenauth", "scheme: Token\nbearer_token: abc");
  CHECK(as_authenticator(custom).authenticate({{"authorization", "Token abc"}}, p).is_ok());
  CHECK_FALSE(as_authenticator(custom).authenticate({{"authorization", "Bearer abc"}}, p).is_ok());

  auto bare = start_extension("bearertokenauth", "scheme: ''\ntoken: abc");
  CHECK(as_authenticator(bare).authenticate({{"authorization", "abc"}}, p).is_ok());

  auto many = start_extension("bearertokenauth", "tokens: [one, two]\nheader: X-API-Key");
  CHECK(as_authenticator(many).authenticate({{"x-api-key", "Bearer two"}}, p).is_ok());
  CHECK(as_authenticator(many).authenticate({{"x-api-key", "Bearer one"}}, p).is_ok());
  CHECK_FALSE(as_authenticator(many).authenticate({{"authorization", "Bearer one"}}, p).is_ok());
}

TEST_CASE("bearertokenauth reads its token from 'filename' at start", "[auth]") {
  TempDir dir;
  auto path = dir.write("token", "from-file\n");
  auto ext = start_extension("bearertokenauth", "filename: " + path);
  AuthData p;
  CHECK(as_authenticator(ext).authenticate({{"authorization", "Bearer from-file"}}, p).is_ok());
  CHECK_FALSE(as_authenticator(ext).authenticate({{"authorization", "Bearer from-file\n"}}, p).is_ok());

  auto empty = dir.write("empty", "\n");
  CHECK_THROWS_WITH(start_extension("bearertokenauth", "filename: " + empty), Contains("is empty"));
  CHECK_THROWS_WITH(start_extension("bearertokenauth", "filename: " + dir.file("absent")),
                    Contains("cannot read the token file"));
}

TEST_CASE("bearertokenauth config errors name the problem", "[auth]") {
  CHECK_THROWS_AS(start_extension("bearertokenauth", "scheme: Bearer"), ConfigError);
  CHECK_THROWS_WITH(start_extension("bearertokenauth", "scheme: Bearer"), Contains("needs a token"));
  CHECK_THROWS_WITH(start_extension("bearertokenauth", "token: a\nfilename: /x"), Contains("not both"));
  CHECK_THROWS_WITH(start_extension("bearertokenauth", "token: a\nbearer_token: b"), Contains("not both"));
  CHECK_THROWS_WITH(start_extension("bearertokenauth", "token: ''"), Contains("must not be empty"));
  CHECK_THROWS_WITH(start_extension("bearertokenauth", "token: a\ntypo: 1"), Contains("typo"));
}

TEST_CASE("constant_time_equal compares every presented byte and the lengths", "[auth]") {
  CHECK(constant_time_equal("Bearer abc", "Bearer abc"));
  CHECK_FALSE(constant_time_equal("Bearer abc", "Bearer abd"));
  CHECK_FALSE(constant_time_equal("Bearer abc", "bearer abc"));
  // A prefix, and a presented value that repeats the secret cyclically, must not match.
  CHECK_FALSE(constant_time_equal("abc", "ab"));
  CHECK_FALSE(constant_time_equal("abc", "abcabc"));
  CHECK_FALSE(constant_time_equal("abc", ""));
  CHECK_FALSE(constant_time_equal("", "a"));
  CHECK(constant_time_equal("", ""));
  CHECK_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace otlpd::test
