// Reading protobuf wire bytes field by field, without decoding messages: for code that looks at or edits a few
// fields of bytes otlp_wire::check accepted, and copies everything else as it came.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace otlpd::otlp_wire {

enum class WireType : uint8_t { varint = 0, i64 = 1, len = 2, sgroup = 3, egroup = 4, i32 = 5 };

// One field as it appears on the wire.
struct Field {
  uint32_t number = 0;
  WireType type = WireType::varint;
  std::string_view raw;   // the whole field: tag, (length,) payload
  std::string_view body;  // len: the payload; i64/i32: the 8 or 4 bytes; varint: empty
  uint64_t value = 0;     // varint: the value; i64/i32: the little-endian value
};

// Reads one message's fields in order. A group (unknown to OTLP, but legal on the wire) is one field: its body
// runs to the matching end-group tag. Bounds and nesting (kMaxGroupDepth) are always checked, so unchecked bytes
// give an error, never a read past the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  // The next field into `f`; false at the end of the message or on an error.
  bool next(Field& f) {
    if (p_ == end_) return false;
    const char* start = p_;
    uint32_t tag = 0;
    if (static_cast<uint8_t>(*p_) < 0x80) {  // one-byte tags: fields 1-15, the common case
      tag = static_cast<uint8_t>(*p_++);
      if (tag < 8) return fail();
    } else if (!read_tag(tag)) {
      return fail();
    }
    f.number = static_cast<uint32_t>(tag >> 3);
    f.type = static_cast<WireType>(tag & 7);
    switch (f.type) {
      case WireType::varint:
        if (!varint(f.value)) return fail();
        f.body = {};
        break;
      case WireType::i64:
      case WireType::i32: {
        size_t n = f.type == WireType::i64 ? 8 : 4;
        if (static_cast<size_t>(end_ - p_) < n) return fail();
        f.value = 0;
        for (size_t i = 0; i < n; ++i) f.value |= uint64_t(static_cast<uint8_t>(p_[i])) << (8 * i);
        f.body = {p_, n};
        p_ += n;
        break;
      }
      case WireType::len: {
        uint64_t n = 0;
        if (p_ != end_ && static_cast<uint8_t>(*p_) < 0x80)
          n = static_cast<uint8_t>(*p_++);
        else if (!varint(n))
          return fail();
        if (n > static_cast<uint64_t>(end_ - p_)) return fail();
        f.body = {p_, static_cast<size_t>(n)};
        p_ += n;
        break;
      }
      case WireType::sgroup: {
        const char* body = p_;
        const char* body_end = nullptr;
        if (!skip_group(f.number, body_end)) return fail();
        f.body = {body, static_cast<size_t>(body_end - body)};
        break;
      }
      default:
        return fail();
    }
    f.raw = {start, static_cast<size_t>(p_ - start)};
    return true;
  }
  bool error() const { return error_; }

  static constexpr int kMaxGroupDepth = 100;

 private:
  // Moves past the group `number` began; `body_end` is where its end-group tag starts.
  bool skip_group(uint32_t number, const char*& body_end) {
    uint32_t open[kMaxGroupDepth];
    int depth = 0;
    open[depth++] = number;
    while (p_ != end_) {
      const char* tag_at = p_;
      uint32_t tag = 0;
      uint64_t v = 0;
      if (!read_tag(tag)) return false;
      const uint32_t n = tag >> 3;
      switch (static_cast<WireType>(tag & 7)) {
        case WireType::varint:
          if (!varint(v)) return false;
          break;
        case WireType::i64:
        case WireType::i32: {
          size_t k = (tag & 7) == 1 ? 8 : 4;
          if (static_cast<size_t>(end_ - p_) < k) return false;
          p_ += k;
          break;
        }
        case WireType::len:
          if (!varint(v) || v > static_cast<uint64_t>(end_ - p_)) return false;
          p_ += v;
          break;
        case WireType::sgroup:
          if (depth == kMaxGroupDepth) return false;
          open[depth++] = n;
          break;
        case WireType::egroup:
          if (open[--depth] != n) return false;
          if (depth == 0) {
            body_end = tag_at;
            return true;
          }
          break;
        default:
          return false;
      }
    }
    return false;
  }

  // A tag as protobuf reads it (and otlp_wire::check): at most five bytes, the bits past 32 dropped, and a
  // field number other than 0.
  bool read_tag(uint32_t& tag) {
    uint64_t v = 0;
    for (int shift = 0; shift < 35 && p_ != end_; shift += 7) {
      uint8_t b = static_cast<uint8_t>(*p_++);
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        tag = static_cast<uint32_t>(v);
        return (tag >> 3) != 0;
      }
    }
    return false;
  }
  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 70 && p_ != end_; shift += 7) {
      uint8_t b = static_cast<uint8_t>(*p_++);
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool fail() {
    error_ = true;
    p_ = end_;
    return false;
  }

  const char* p_;
  const char* end_;
  bool error_ = false;
};

inline size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline void append_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Writes a length-delimited field whose body is written after it: begin() appends the tag and room for the
// length, end() fills the length in (moving the body when its length needs more or fewer bytes than guessed).
class LenField {
 public:
  LenField(std::string& out, uint32_t number, size_t size_guess) : out_(out) {
    append_varint(out_, uint64_t(number) << 3 | 2);
    reserved_ = varint_size(size_guess);
    at_ = out_.size();
    out_.append(reserved_, '\0');
  }
  void end() {
    size_t body = out_.size() - at_ - reserved_;
    size_t need = varint_size(body);
    if (need < reserved_)
      out_.erase(at_, reserved_ - need);
    else if (need > reserved_)
      out_.insert(at_, need - reserved_, '\0');
    char* p = out_.data() + at_;
    uint64_t v = body;
    while (v >= 0x80) {
      *p++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p = static_cast<char>(v);
  }

 private:
  std::string& out_;
  size_t at_ = 0;
  size_t reserved_ = 0;
};

}  // namespace otlpd::otlp_wire
