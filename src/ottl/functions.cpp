// OTTL functions (pkg/ottl/ottlfuncs/README.md): the table of editors (editors.cpp), converters (converters.cpp)
// and metric functions (metric_functions.cpp), and the map and digest helpers they share.
#include <openssl/evp.h>

#include "ottl/internal.h"

namespace otlpd::ottl {

const KeyValue* map_entry(const Attributes& m, std::string_view key) {
  for (const auto& kv : m)
    if (kv.key() == key) return &kv;
  return nullptr;
}

AnyValue* map_find(Attributes& m, std::string_view key) {
  for (auto& kv : m)
    if (kv.key() == key) return kv.has_value() ? kv.mutable_value() : nullptr;
  return nullptr;
}

AnyValue& map_put(Attributes& m, std::string_view key) {
  for (auto& kv : m)
    if (kv.key() == key) return *kv.mutable_value();
  auto* kv = m.Add();
  kv->set_key(std::string(key));
  return *kv->mutable_value();
}

Value map_value(const Attributes& m) {
  AnyValue out;
  *out.mutable_kvlist_value()->mutable_values() = m;
  return Value::map(std::move(out));
}

void map_assign(Attributes& m, const AnyValue& kvlist) { m = kvlist.kvlist_value().values(); }

std::string hex_encode(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

namespace {

std::string digest(const EVP_MD* md, std::string_view in) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(in.data(), in.size(), out, &n, md, nullptr);
  return hex_encode(std::string_view(reinterpret_cast<const char*>(out), n));
}

}  // namespace

std::string sha256(std::string_view s) { return digest(EVP_sha256(), s); }
std::string sha1(std::string_view s) { return digest(EVP_sha1(), s); }
std::string md5(std::string_view s) { return digest(EVP_md5(), s); }
std::string sha512(std::string_view s) { return digest(EVP_sha512(), s); }

const Table& functions() {
  static const Table t = [] {
    Table t;
    editors(t);
    converters(t);
    metric_functions(t);
    return t;
  }();
  return t;
}

}  // namespace otlpd::ottl
