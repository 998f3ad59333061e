// apikeyauth: named API keys in a header (x-api-key by default), inline, as SHA-256 digests or from a file; the
// key's name becomes the principal; missing, wrong and right keys; config errors.
#include "extensions/auth/helpers.h"
#include "support/daemon.h"

namespace otlpd::test {

using Catch::Matchers::Contains;

TEST_CASE("apikeyauth: missing, wrong and right keys, the name as principal", "[auth][apikey]") {
  // sha256("k-bob") given as a digest, so that the key itself is not in the config.
  auto ext = start_extension("apikeyauth", R"(
keys:
  alice: k-alice
  bob: sha256:dc3b2e6c977deebea495ebfecc09fd036765694a52702a8cc4230f246380a281
)");
  const auto& auth = as_authenticator(ext);
  AuthData who{"stale", {}};

  auto missing = auth.authenticate({{"authorization", "k-alice"}}, who);
  CHECK(missing.is_permanent());
  CHECK_THAT(missing.message(), Contains("missing"));
  CHECK_FALSE(auth.authenticate({{"x-api-key", ""}}, who).is_ok());
  auto wrong = auth.authenticate({{"x-api-key", "k-alicE"}}, who);
  CHECK(wrong.is_permanent());
  CHECK_THAT(wrong.message(), !Contains("k-al"));
  CHECK_FALSE(auth.authenticate({{"x-api-key", "k-alice "}}, who).is_ok());
  CHECK_FALSE(auth.authenticate({{"x-api-key", "alice"}}, who).is_ok());
  CHECK(who.principal == "stale");

  REQUIRE(auth.authenticate({{"x-api-key", "k-alice"}}, who).is_ok());
  CHECK(who.principal == "alice");
  // The digest form does not accept the digest itself as a key.
  CHECK_FALSE(
      auth.authenticate({{"x-api-key", "sha256:dc3b2e6c977deebea495ebfecc09fd036765694a52702a8cc4230f246380a281"}}, who)
          .is_ok());
  CHECK_THAT(auth.challenge(), Contains("x-api-key"));
}

TEST_CASE("apikeyauth: keys from a file and another header", "[auth][apikey]") {
  TempDir dir;
  auto file = dir.write("keys", "# team keys\ningest-a: aaaa-1111\n\n  ingest-b : bbbb-2222  \n");
  auto ext = start_extension("apikeyauth", "header: X-Tenant-Key\nkeys_file: " + file);
  const auto& auth = as_authenticator(ext);
  AuthData who;
  REQUIRE(auth.authenticate({{"x-tenant-key", "bbbb-2222"}}, who).is_ok());
  CHECK(who.principal == "ingest-b");
  CHECK_FALSE(auth.authenticate({{"x-api-key", "bbbb-2222"}}, who).is_ok());
  CHECK_FALSE(auth.authenticate({{"x-tenant-key", "cccc-3333"}}, who).is_ok());

  auto bad = dir.write("bad", "just-a-key\n");
  CHECK_THROWS_WITH(start_extension("apikeyauth", "keys_file: " + bad), Contains("line 1: expected 'name:key'"));
  CHECK_THROWS_WITH(start_extension("apikeyauth", "keys_file: " + dir.file("absent")), Contains("absent"));
}

TEST_CASE("apikeyauth config errors", "[auth][apikey]") {
  CHECK_THROWS_WITH(start_extension("apikeyauth", "header: x-api-key"), Contains("needs keys"));
  CHECK_THROWS_WITH(start_extension("apikeyauth", "keys: {a: 'sha256:abc'}"), Contains("64 hex digits"));
  CHECK_THROWS_WITH(start_extension("apikeyauth", "keys: {a: ''}"), Contains("is empty"));
}

}  // namespace otlpd::test
