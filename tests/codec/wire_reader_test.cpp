// otlp_wire::Reader and LenField: fields read one by one, groups as one field, bad bytes an error, never a
// read past the end.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "codec/wire_reader.h"

using namespace otlpd::otlp_wire;

namespace {

std::vector<Field> read_all(std::string_view bytes, bool& error) {
  Reader r(bytes);
  std::vector<Field> out;
  Field f;
  while (r.next(f)) out.push_back(f);
  error = r.error();
  return out;
}

// Joins byte strings (which may hold NULs).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out.append(p);
  return out;
}

}  // namespace

TEST_CASE("wire Reader reads each wire type with its raw bytes, body and value", "[wire_reader]") {
  // Given: varint 1 = 150, fixed64 2, len 3 = "abc", fixed32 4, and a group 5 holding a nested group 6.
  using namespace std::string_view_literals;
  std::string bytes = cat({"\x08\x96\x01"sv, "\x11\x01\x02\x03\x04\x05\x06\x07\x08"sv,
                           "\x1a\x03"
                           "abc"sv,
                           "\x25\x01\x00\x00\x00"sv, "\x2b\x33\x08\x01\x34\x2c"sv, "\x38\x07"sv});
  bool error = true;
  auto fields = read_all(bytes, error);
  CHECK_FALSE(error);
  REQUIRE(fields.size() == 6);
  CHECK(fields[0].number == 1);
  CHECK(fields[0].type == WireType::varint);
  CHECK(fields[0].value == 150);
  CHECK(fields[0].raw == std::string_view("\x08\x96\x01", 3));
  CHECK(fields[1].type == WireType::i64);
  CHECK(fields[1].value == 0x0807060504030201ull);
  CHECK(fields[2].type == WireType::len);
  CHECK(fields[2].body == "abc");
  CHECK(fields[2].raw ==
        "\x1a\x03"
        "abc");
  CHECK(fields[3].type == WireType::i32);
  CHECK(fields[3].value == 1);
  // Then: the group is one field whose body runs to its own end tag, past the nested group.
  CHECK(fields[4].number == 5);
  CHECK(fields[4].type == WireType::sgroup);
  CHECK(fields[4].body == "\x33\x08\x01\x34");
  CHECK(fields[4].raw == "\x2b\x33\x08\x01\x34\x2c");
  CHECK(fields[5].number == 7);
  CHECK(fields[5].value == 7);
}

TEST_CASE("wire Reader stops with an error on malformed bytes", "[wire_reader]") {
  std::vector<std::pair<const char*, std::string>> cases = {
      {"a length past the end",
       "\x0a\x05"
       "ab"},
      {"a truncated varint", "\x08\xff"},
      {"a varint over ten bytes", cat({"\x08", std::string(11, '\xff'), "\x01"})},
      {"a truncated fixed64", "\x09\x01\x02"},
      {"a truncated fixed32", "\x0d\x01"},
      {"field number 0", std::string("\x00\x01", 2)},
      {"an end-group tag alone", "\x0c"},
      {"a group that never ends", "\x0b\x08\x01"},
      {"a group ended by another number's tag", "\x0b\x14"},
      {"wire type 6", "\x0e"},
      {"groups nested deeper than the limit",
       std::string(Reader::kMaxGroupDepth + 1, '\x0b') + std::string(Reader::kMaxGroupDepth + 1, '\x0c')},
  };
  for (const auto& [what, bytes] : cases) {
    INFO(what);
    bool error = false;
    read_all(bytes, error);
    CHECK(error);
  }
  // Tags of six bytes, which protobuf refuses too.
  bool long_tag = false;
  read_all("\xf8\xff\xff\xff\x8f\x00\x01", long_tag);
  CHECK(long_tag);
  // Groups nested exactly to the limit are fine.
  bool error = true;
  auto fields =
      read_all(std::string(Reader::kMaxGroupDepth, '\x0b') + std::string(Reader::kMaxGroupDepth, '\x0c'), error);
  CHECK_FALSE(error);
  CHECK(fields.size() == 1);
}

TEST_CASE("wire LenField fills in the length, moving the body when the guess was off", "[wire_reader]") {
  for (size_t guess : {size_t{0}, size_t{5}, size_t{200}, size_t{100000}}) {
    for (size_t n : {size_t{0}, size_t{3}, size_t{127}, size_t{128}, size_t{20000}}) {
      INFO("guess " << guess << ", body " << n);
      std::string out = "x";
      LenField field(out, 9, guess);
      out.append(n, 'b');
      field.end();
      bool error = true;
      auto fields = read_all(std::string_view(out).substr(1), error);
      CHECK_FALSE(error);
      REQUIRE(fields.size() == 1);
      CHECK(fields[0].number == 9);
      CHECK(fields[0].body == std::string(n, 'b'));
      CHECK(out.size() == 1 + varint_size(9 << 3 | 2) + varint_size(n) + n);
    }
  }
}

TEST_CASE("wire Reader reads a five-byte tag as protobuf does, dropping the bits past 32", "[wire_reader]") {
  // Given a fixed32 field whose tag's fifth byte sets bits 32-34 (found by fuzzing: protobuf and
  // otlp_wire::check accept it, the Reader refused it) and a field 1 after it
  using namespace std::string_view_literals;
  std::string bytes = cat({"\xad\xa6\xef\xff\x7f\x00\x00\xde\x99"sv, "\x08\x01"sv});
  // When read
  bool error = true;
  auto fields = read_all(bytes, error);
  // Then both fields are there: the first with the number and wire type of the tag's low 32 bits
  CHECK_FALSE(error);
  REQUIRE(fields.size() == 2);
  CHECK(fields[0].number == (0xfffbd32du >> 3));
  CHECK(fields[0].type == WireType::i32);
  CHECK(fields[0].raw.size() == 9);
  CHECK(fields[1].number == 1);
}
