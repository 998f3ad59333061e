// Built-in detectors and the value scanner: what is masked, what is kept, and that the rest of a value
// survives.
#include <catch2/catch.hpp>

#include "processors/redaction/detectors.h"
#include "processors/redaction/scanner.h"

using namespace otlpd::redaction;

namespace {

// Masks `text` with the named detectors only (no user patterns).
std::string redact(std::string_view text, std::vector<std::string> names) {
  std::vector<const Detector*> ds;
  for (const auto& n : names) ds.push_back(find_detector(n));
  ValueScanner scanner({}, {}, ds, 64 * 1024);
  std::string out;
  if (scanner.scan(text, Masker(), out) != ValueScanner::Verdict::masked) return std::string(text);
  return out;
}

}  // namespace

TEST_CASE("checksums: Luhn, IBAN mod-97, IPv4 octets, IPv6", "[redaction]") {
  CHECK(luhn_valid("4111111111111111"));
  CHECK_FALSE(luhn_valid("4111111111111112"));
  CHECK(luhn_valid("378282246310005"));
  CHECK(iban_checksum_valid("DE89370400440532013000"));
  CHECK(iban_checksum_valid("GB82WEST12345698765432"));
  CHECK_FALSE(iban_checksum_valid("DE89370400440532013001"));
  CHECK_FALSE(iban_checksum_valid("GB82WEST1234569876543X"));
  CHECK(ipv4_valid("192.168.0.1"));
  CHECK(ipv4_valid("255.255.255.255"));
  CHECK_FALSE(ipv4_valid("999.1.1.1"));
  CHECK_FALSE(ipv4_valid("1.2.3"));
  CHECK(ipv6_valid("2001:db8::1"));
  CHECK(ipv6_valid("::ffff:192.0.2.1"));
  CHECK_FALSE(ipv6_valid("12:30:45"));
  CHECK_FALSE(ipv6_valid("00:1a:2b:3c:4d:5e"));
}

TEST_CASE("credit_card masks Luhn-valid numbers with spaces or dashes and keeps the rest", "[redaction]") {
  CHECK(redact("4111 1111 1111 1111", {"credit_card"}) == "****");
  CHECK(redact("4111-1111-1111-1111", {"credit_card"}) == "****");
  CHECK(redact("card 4111111111111111 charged", {"credit_card"}) == "card **** charged");
  CHECK(redact("amex 3782 822463 10005.", {"credit_card"}) == "amex ****.");
  // Negatives: a failing Luhn digit, too few digits, an epoch timestamp in ms, a longer number.
  CHECK(redact("4111 1111 1111 1112", {"credit_card"}) == "4111 1111 1111 1112");
  CHECK(redact("4111 1111 1111", {"credit_card"}) == "4111 1111 1111");
  CHECK(redact("ts=1700000000000", {"credit_card"}) == "ts=1700000000000");
  CHECK(redact("id 41111111111111110000", {"credit_card"}) == "id 41111111111111110000");
  // Two cards in one run of digit groups are found apart.
  CHECK(redact("4111 1111 1111 1111 5555 5555 5555 4444", {"credit_card"}) == "**** ****");
  CHECK(redact("ref 1 4111 1111 1111 1111", {"credit_card"}) == "ref 1 ****");
}

TEST_CASE("email is masked inside a sentence, the rest is kept", "[redaction]") {
  CHECK(redact("please contact alice.smith+ops@example.co.uk about it", {"email"}) == "please contact **** about it");
  CHECK(redact("a@b and user at example dot com", {"email"}) == "a@b and user at example dot com");
  CHECK(redact("x@y.z", {"email"}) == "x@y.z");  // one-letter TLD
}

TEST_CASE("ipv4 masks valid dotted quads only", "[redaction]") {
  CHECK(redact("from 10.1.2.3 port 80", {"ipv4"}) == "from **** port 80");
  CHECK(redact("bad 999.1.1.1", {"ipv4"}) == "bad 999.1.1.1");
  CHECK(redact("version 1.2.3.4.5", {"ipv4"}) == "version 1.2.3.4.5");
}

TEST_CASE("ipv6 masks addresses but not times, MACs or C++ scopes", "[redaction]") {
  CHECK(redact("peer 2001:db8:85a3::8a2e:370:7334 closed", {"ipv6"}) == "peer **** closed");
  CHECK(redact("[::1]:8080", {"ipv6"}) == "[****]:8080");
  CHECK(redact("at 12:30:45", {"ipv6"}) == "at 12:30:45");
  CHECK(redact("mac 00:1a:2b:3c:4d:5e", {"ipv6"}) == "mac 00:1a:2b:3c:4d:5e");
  CHECK(redact("std::vector", {"ipv6"}) == "std::vector");
}

TEST_CASE("jwt and bearer_token mask the token", "[redaction]") {
  std::string jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
  CHECK(redact("token=" + jwt + " end", {"jwt"}) == "token=**** end");
  CHECK(redact("eyJnot a jwt", {"jwt"}) == "eyJnot a jwt");
  CHECK(redact("Authorization: Bearer abcdef0123456789xyz", {"bearer_token"}) == "Authorization: Bearer ****");
  CHECK(redact("bearer   mF_9.B5f-4.1JqM=", {"bearer_token"}) == "bearer   ****");
  CHECK(redact("WWW-Authenticate: Bearer realm", {"bearer_token"}) == "WWW-Authenticate: Bearer realm");
}

TEST_CASE("us_ssn masks valid social security numbers only", "[redaction]") {
  CHECK(redact("ssn 123-45-6789 on file", {"us_ssn"}) == "ssn **** on file");
  CHECK(redact("000-12-3456", {"us_ssn"}) == "000-12-3456");
  CHECK(redact("666-12-3456", {"us_ssn"}) == "666-12-3456");
  CHECK(redact("123-00-6789", {"us_ssn"}) == "123-00-6789");
  CHECK(redact("phone 555-123-4567", {"us_ssn"}) == "phone 555-123-4567");
}

TEST_CASE("iban masks checksum-valid IBANs only", "[redaction]") {
  CHECK(redact("pay to DE89 3704 0044 0532 0130 00 today", {"iban"}) == "pay to **** today");
  CHECK(redact("IBAN GB82WEST12345698765432 AND MORE", {"iban"}) == "IBAN **** AND MORE");
  CHECK(redact("pay to DE89 3704 0044 0532 0130 01 today", {"iban"}) == "pay to DE89 3704 0044 0532 0130 01 today");
  CHECK(redact("NO93 8601 1117 947 ok", {"iban"}) == "**** ok");  // the shortest, 15 characters
  // A valid German IBAN cut short is not one, even if a shorter prefix happened to pass mod-97.
  CHECK(redact("DE89 3704 0044 0532 0130", {"iban"}) == "DE89 3704 0044 0532 0130");
}

TEST_CASE("blocked_values mask every match, allowed_values exempt the whole value", "[redaction]") {
  ValueScanner s({"secret-[0-9]+", "4[0-9]{12}(?:[0-9]{3})?"}, {".+@mycompany\\.com"}, {find_detector("email")},
                 64 * 1024);
  std::string out;
  REQUIRE(s.scan("a secret-1 and secret-22!", Masker(), out) == ValueScanner::Verdict::masked);
  CHECK(out == "a **** and ****!");
  CHECK(s.scan("nothing here", Masker(), out) == ValueScanner::Verdict::clean);
  CHECK(s.scan("ops@mycompany.com secret-1", Masker(), out) == ValueScanner::Verdict::allowed);
  REQUIRE(s.scan("bob@other.org", Masker(), out) == ValueScanner::Verdict::masked);
  CHECK(out == "****");
}

TEST_CASE("matches across a scan window edge of a large value are found", "[redaction]") {
  ValueScanner s({}, {}, {find_detector("email")}, 4096);
  // Windows are [0, 4096) and [3072, 7168): the address crosses the first window's end.
  std::string text = std::string(4090, ' ') + "bob@example.com" + std::string(10000, ' ');
  std::vector<Span> spans;
  REQUIRE(s.find(text, spans) == ValueScanner::Verdict::masked);
  REQUIRE(spans.size() == 1);
  CHECK(spans[0] == Span{4090, 4090 + 15});
}

TEST_CASE("hash functions: hex digests, HMAC deterministic and key-dependent", "[redaction]") {
  CHECK(Masker().mask("x") == "****");
  CHECK(Masker(HashFunction::sha256).mask("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Masker(HashFunction::md5).mask("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(Masker(HashFunction::sha1).mask("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(Masker(HashFunction::sha3).mask("abc") == "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  std::string k1(32, 'k'), k2(32, 'j');
  Masker h1(HashFunction::hmac_sha256, k1), h1b(HashFunction::hmac_sha256, k1), h2(HashFunction::hmac_sha256, k2);
  CHECK(h1.mask("alice@example.com") == h1b.mask("alice@example.com"));
  CHECK(h1.mask("alice@example.com") != h2.mask("alice@example.com"));
  CHECK(h1.mask("alice@example.com") != h1.mask("bob@example.com"));
  CHECK(h1.mask("alice@example.com").size() == 64);
}
