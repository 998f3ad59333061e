// RE2::Set prefilter, per-pattern RE2 location with the whole value as context, validators, span merging,
// hashing.
#include "processors/redaction/scanner.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <stdexcept>

namespace otlpd::redaction {

namespace {

constexpr int64_t kSetMaxMem = 64 << 20;  // one DFA shared by all patterns: allow more than RE2's default

RE2::Options pattern_options() {
  RE2::Options o;
  o.set_log_errors(false);
  return o;
}

std::string to_hex(const unsigned char* d, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = kHex[d[i] >> 4];
    s[2 * i + 1] = kHex[d[i] & 0xf];
  }
  return s;
}

}  // namespace

// Fetching the algorithm and keying the HMAC once saves most of the per-call cost of OpenSSL 3's one-shot
// calls.
struct Masker::Engine {
  EVP_MD* md = nullptr;          // plain digests
  EVP_MAC* mac = nullptr;        // HMAC
  EVP_MAC_CTX* keyed = nullptr;  // an HMAC context initialised with the key, duplicated per call
  ~Engine() {
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(mac);
    EVP_MD_free(md);
  }
};

Masker::Masker(HashFunction hash, std::string key) : hash_(hash) {
  const char* name = nullptr;
  bool hmac = false;
  switch (hash_) {
    case HashFunction::none:
      return;
    case HashFunction::md5:
      name = "MD5";
      break;
    case HashFunction::sha1:
      name = "SHA1";
      break;
    case HashFunction::sha3:
      name = "SHA3-256";
      break;
    case HashFunction::sha256:
      name = "SHA256";
      break;
    case HashFunction::hmac_sha256:
      name = "SHA256", hmac = true;
      break;
    case HashFunction::hmac_sha512:
      name = "SHA512", hmac = true;
      break;
  }
  auto e = std::make_shared<Engine>();
  if (!hmac) {
    e->md = EVP_MD_fetch(nullptr, name, nullptr);
    if (!e->md) throw std::runtime_error(std::string("OpenSSL has no ") + name);
  } else {
    e->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    e->keyed = e->mac ? EVP_MAC_CTX_new(e->mac) : nullptr;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", const_cast<char*>(name), 0),
                           OSSL_PARAM_construct_end()};
    if (!e->keyed ||
        EVP_MAC_init(e->keyed, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1)
      throw std::runtime_error(std::string("OpenSSL cannot set up HMAC-") + name);
  }
  engine_ = std::move(e);
}

std::string Masker::mask(std::string_view original) const {
  if (hash_ == HashFunction::none) return "****";
  unsigned char out[EVP_MAX_MD_SIZE];
  const auto* data = reinterpret_cast<const unsigned char*>(original.data());
  bool ok = false;
  size_t n = 0;
  if (engine_->md) {
    unsigned int len = 0;
    ok = EVP_Digest(data, original.size(), out, &len, engine_->md, nullptr) == 1;
    n = len;
  } else {
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(engine_->keyed);
    ok = ctx && EVP_MAC_update(ctx, data, original.size()) == 1 && EVP_MAC_final(ctx, out, &n, sizeof out) == 1;
    EVP_MAC_CTX_free(ctx);
  }
  // A digest that cannot be computed must not leak the value.
  return ok ? to_hex(out, n) : std::string("****");
}

struct KeyPatterns::Impl {
  RE2::Set set{pattern_options(), RE2::UNANCHORED};
};

KeyPatterns::KeyPatterns(const std::vector<std::string>& patterns)
    : impl_(std::make_unique<Impl>()), count_(patterns.size()) {
  for (const auto& p : patterns) {
    std::string error;
    if (impl_->set.Add(p, &error) < 0) throw std::invalid_argument("invalid regex '" + p + "': " + error);
  }
  if (count_ > 0 && !impl_->set.Compile()) throw std::invalid_argument("key patterns are too large to compile");
}
KeyPatterns::~KeyPatterns() = default;
KeyPatterns::KeyPatterns(KeyPatterns&&) noexcept = default;

bool KeyPatterns::matches(std::string_view key) const {
  if (count_ == 0) return false;
  RE2::Set::ErrorInfo err{};
  // Without a result vector RE2 allocates nothing and may stop at the first match.
  if (impl_->set.Match(re2::StringPiece(key.data(), key.size()), nullptr, &err)) return true;
  // Out of DFA memory on a huge key: fail closed, the key counts as matched.
  return err.kind != RE2::Set::kNoError;
}

struct ValueScanner::Impl {
  enum class Role { blocked, allowed };
  struct Pattern {
    Role role;
    std::unique_ptr<RE2> re;
    Validator validate = nullptr;
  };
  std::vector<Pattern> patterns;  // index = RE2::Set index
  std::unique_ptr<RE2::Set> set;
  size_t window = 0;

  void add(const std::string& p, Role role, Validator v) {
    std::string error;
    if (set->Add(p, &error) < 0) throw std::invalid_argument("invalid regex '" + p + "': " + error);
    auto re = std::make_unique<RE2>(p, pattern_options());
    if (!re->ok()) throw std::invalid_argument("invalid regex '" + p + "': " + re->error());
    patterns.push_back({role, std::move(re), v});
  }

  // Appends every (validated) match of pattern `p` inside [begin, end) of `text`.
  void locate(const Pattern& p, std::string_view text, size_t begin, size_t end, std::vector<Span>& spans) const {
    re2::StringPiece whole(text.data(), text.size());
    size_t pos = begin;
    re2::StringPiece m;
    while (pos <= end && p.re->Match(whole, pos, end, RE2::UNANCHORED, &m, 1)) {
      size_t b = static_cast<size_t>(m.data() - text.data());
      size_t e = b + m.size();
      if (e == b) {  // an empty match masks nothing; step over it
        pos = b + 1;
        continue;
      }
      if (p.validate)
        p.validate(text, {b, e}, spans);
      else
        spans.push_back({b, e});
      pos = e;
    }
  }
};

ValueScanner::ValueScanner(const std::vector<std::string>& blocked_values,
                           const std::vector<std::string>& allowed_values,
                           const std::vector<const Detector*>& detectors, size_t window_size)
    : impl_(std::make_unique<Impl>()) {
  RE2::Options so = pattern_options();
  so.set_max_mem(kSetMaxMem);
  impl_->set = std::make_unique<RE2::Set>(so, RE2::UNANCHORED);
  impl_->window = std::max<size_t>(window_size, 2 * kWindowOverlap);
  for (const auto& p : blocked_values) impl_->add(p, Impl::Role::blocked, nullptr);
  for (const Detector* d : detectors) impl_->add(std::string(d->pattern), Impl::Role::blocked, d->validate);
  for (const auto& p : allowed_values) impl_->add(p, Impl::Role::allowed, nullptr);
  if (!impl_->patterns.empty() && !impl_->set->Compile())
    throw std::invalid_argument("value patterns are too large to compile together");
}
ValueScanner::~ValueScanner() = default;
ValueScanner::ValueScanner(ValueScanner&&) noexcept = default;

bool ValueScanner::empty() const { return impl_->patterns.empty(); }

ValueScanner::Verdict ValueScanner::find(std::string_view text, std::vector<Span>& spans) const {
  spans.clear();
  const Impl& im = *impl_;
  if (im.patterns.empty()) return Verdict::clean;
  std::vector<int> hits;
  // Windows of `window` bytes that overlap by kWindowOverlap: each byte is read at most twice by each pass.
  const size_t step = im.window - kWindowOverlap;
  for (size_t off = 0;; off += step) {
    size_t end = std::min(text.size(), off + im.window);
    hits.clear();
    RE2::Set::ErrorInfo err{};
    re2::StringPiece window(text.data() + off, end - off);
    // Most values match nothing: a first pass without a result vector allocates nothing and stops early.
    bool any = im.set->Match(window, nullptr, &err);
    if (!any && err.kind == RE2::Set::kNoError) {
      if (end == text.size()) break;
      continue;
    }
    if (err.kind != RE2::Set::kNoError || (!im.set->Match(window, &hits, &err) && err.kind != RE2::Set::kNoError)) {
      // The shared DFA ran out of memory: look for every pattern one by one (RE2 falls back to its NFA).
      hits.resize(im.patterns.size());
      for (size_t i = 0; i < hits.size(); ++i) hits[i] = static_cast<int>(i);
      for (const auto& p : im.patterns) {
        if (p.role == Impl::Role::allowed &&
            p.re->Match(re2::StringPiece(text.data(), text.size()), off, end, RE2::UNANCHORED, nullptr, 0))
          return Verdict::allowed;
      }
    } else {
      for (int i : hits)
        if (im.patterns[static_cast<size_t>(i)].role == Impl::Role::allowed) return Verdict::allowed;
    }
    for (int i : hits) {
      const auto& p = im.patterns[static_cast<size_t>(i)];
      if (p.role == Impl::Role::blocked) im.locate(p, text, off, end, spans);
    }
    if (end == text.size()) break;
  }
  if (spans.empty()) return Verdict::clean;
  // Union of overlapping ranges, so each masked character is replaced once.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  size_t w = 0;
  for (size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].begin < spans[w].end)
      spans[w].end = std::max(spans[w].end, spans[i].end);
    else
      spans[++w] = spans[i];
  }
  spans.resize(w + 1);
  return Verdict::masked;
}

ValueScanner::Verdict ValueScanner::scan(std::string_view text, const Masker& masker, std::string& out) const {
  std::vector<Span> spans;
  Verdict v = find(text, spans);
  if (v != Verdict::masked) return v;
  out.clear();
  out.reserve(text.size());
  size_t last = 0;
  for (const Span& s : spans) {
    out.append(text.substr(last, s.begin - last));
    out += masker.mask(text.substr(s.begin, s.end - s.begin));
    last = s.end;
  }
  out.append(text.substr(last));
  return Verdict::masked;
}

}  // namespace otlpd::redaction
