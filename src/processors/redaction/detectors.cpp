// Candidate regexes and validators of the built-in detectors (Luhn, IBAN mod-97, IP address ranges, ...).
#include "processors/redaction/detectors.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>

namespace otlpd::redaction {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_alnum(char c) { return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z'); }
bool is_word(char c) { return is_alnum(c) || c == '_'; }

char before(std::string_view text, size_t pos) { return pos == 0 ? '\0' : text[pos - 1]; }
char at(std::string_view text, size_t pos) { return pos < text.size() ? text[pos] : '\0'; }

// A candidate is a run of digits with single ' ' or '-' between some of them. Groups are the digit runs
// between separators; a card is a sequence of whole groups with 13..19 digits, a plausible first digit and a
// valid Luhn sum. Trying at most 19 digits from each group start keeps this linear in the candidate's length.
void validate_card(std::string_view text, Span c, std::vector<Span>& out) {
  struct Group {
    size_t begin, end;  // in text
  };
  std::vector<Group> groups;
  for (size_t i = c.begin; i < c.end;) {
    size_t j = i;
    while (j < c.end && is_digit(text[j])) ++j;
    if (j > i) groups.push_back({i, j});
    i = j + 1;  // skip the separator
  }
  for (size_t g = 0; g < groups.size();) {
    // Luhn sums kept incrementally while groups are appended: digit i (from the left) of an n-digit number is
    // doubled when i and n have the same parity, so sums split by parity give every prefix's check in O(1).
    int plain[2] = {0, 0}, doubled[2] = {0, 0};
    size_t n = 0;
    size_t best_end_group = SIZE_MAX;
    const char first = text[groups[g].begin];
    for (size_t h = g; h < groups.size() && first >= '2' && first <= '6'; ++h) {
      size_t len = groups[h].end - groups[h].begin;
      if (n + len > 19) break;
      for (size_t k = groups[h].begin; k < groups[h].end; ++k, ++n) {
        int d = text[k] - '0';
        plain[n % 2] += d;
        doubled[n % 2] += d * 2 > 9 ? d * 2 - 9 : d * 2;
      }
      if (n >= 13 && (doubled[n % 2] + plain[1 - n % 2]) % 10 == 0) best_end_group = h;
    }
    if (best_end_group != SIZE_MAX) {
      out.push_back({groups[g].begin, groups[best_end_group].end});
      g = best_end_group + 1;
    } else {
      ++g;
    }
  }
}

void validate_ipv4(std::string_view text, Span c, std::vector<Span>& out) {
  // Not part of a longer dotted sequence such as a version "1.2.3.4.5".
  if (before(text, c.begin) == '.' || (at(text, c.end) == '.' && is_digit(at(text, c.end + 1)))) return;
  if (ipv4_valid(text.substr(c.begin, c.end - c.begin))) out.push_back(c);
}

void validate_ipv6(std::string_view text, Span c, std::vector<Span>& out) {
  while (c.end > c.begin && text[c.end - 1] == '.') --c.end;
  if (c.end - c.begin < 3 || c.end - c.begin > 45) return;
  if (is_word(before(text, c.begin)) || is_word(at(text, c.end))) return;
  std::string_view s = text.substr(c.begin, c.end - c.begin);
  if (std::none_of(s.begin(), s.end(), [](char ch) { return ch != ':' && ch != '.'; })) return;  // "::"
  if (ipv6_valid(s)) out.push_back(c);
}

void validate_ssn(std::string_view text, Span c, std::vector<Span>& out) {
  if (before(text, c.begin) == '-' || at(text, c.end) == '-') return;
  std::string_view s = text.substr(c.begin, c.end - c.begin);  // ddd-dd-dddd
  if (s.size() != 11) return;
  std::string_view area = s.substr(0, 3), group = s.substr(4, 2), serial = s.substr(7, 4);
  if (area == "000" || area == "666" || area[0] == '9' || group == "00" || serial == "0000") return;
  out.push_back(c);
}

// Only the token after "Bearer " is masked.
void validate_bearer(std::string_view text, Span c, std::vector<Span>& out) {
  size_t i = c.begin + 6;  // "bearer"
  while (i < c.end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r' || text[i] == '\f' ||
                       text[i] == '\v'))
    ++i;
  if (i < c.end) out.push_back({i, c.end});
}

// IBAN lengths by country (the IBAN registry); a known country's IBAN has exactly this many characters.
int iban_length(std::string_view country) {
  static constexpr std::pair<std::string_view, int> kLengths[] = {
      {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22},
      {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"DO", 28},
      {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23},
      {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26},
      {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
      {"LV", 21}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18},
      {"NO", 15}, {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24},
      {"SC", 31}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24},
      {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}};
  for (const auto& [c, n] : kLengths)
    if (c == country) return n;
  return 0;
}

// The candidate may run on into following upper-case words ("DE89... AND"). For a known country the IBAN is
// the prefix of that country's length; otherwise the longest prefix of 15..34 characters that passes. Either
// way it must end at a word edge and pass mod-97.
void validate_iban(std::string_view text, Span c, std::vector<Span>& out) {
  std::string compact;
  std::vector<size_t> end_of;  // end_of[k]: text position after the k+1-th character
  for (size_t i = c.begin; i < c.end && compact.size() < 34; ++i) {
    if (text[i] == ' ') continue;
    compact.push_back(text[i]);
    end_of.push_back(i + 1);
  }
  const size_t known = static_cast<size_t>(iban_length(std::string_view(compact).substr(0, 2)));
  size_t longest = known ? std::min(known, compact.size()) : compact.size();
  size_t shortest = known ? known : 15;
  for (size_t len = longest; len >= shortest && len > 0; --len) {
    size_t end = end_of[len - 1];
    if (is_alnum(at(text, end))) continue;
    if (iban_checksum_valid(std::string_view(compact).substr(0, len))) {
      out.push_back({c.begin, end});
      return;
    }
  }
}

}  // namespace

bool luhn_valid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    if (!is_digit(digits[i])) return false;
    int d = digits[i] - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool iban_checksum_valid(std::string_view s) {
  if (s.size() < 15 || s.size() > 34) return false;
  if (!is_upper(s[0]) || !is_upper(s[1]) || !is_digit(s[2]) || !is_digit(s[3])) return false;
  // Move the first four characters to the end, letters become 10..35, and the number mod 97 must be 1.
  uint32_t rem = 0;
  auto feed = [&rem](char ch) {
    if (is_digit(ch)) {
      rem = (rem * 10 + static_cast<uint32_t>(ch - '0')) % 97;
    } else {
      uint32_t v = static_cast<uint32_t>(ch - 'A') + 10;
      rem = (rem * 100 + v) % 97;
    }
  };
  for (size_t i = 4; i < s.size(); ++i) {
    if (!is_digit(s[i]) && !is_upper(s[i])) return false;
    feed(s[i]);
  }
  for (size_t i = 0; i < 4; ++i) feed(s[i]);
  return rem == 1;
}

bool ipv4_valid(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = i;
    int value = 0;
    while (j < s.size() && is_digit(s[j]) && j - i < 3) value = value * 10 + (s[j++] - '0');
    if (j == i || value > 255) return false;
    ++parts;
    if (j == s.size()) break;
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return parts == 4;
}

bool ipv6_valid(std::string_view s) {
  if (s.size() > 45) return false;
  char buf[46];
  std::copy(s.begin(), s.end(), buf);
  buf[s.size()] = '\0';
  unsigned char addr[16];
  return inet_pton(AF_INET6, buf, addr) == 1;
}

const std::vector<Detector>& all_detectors() {
  static const std::vector<Detector> detectors = {
      {"credit_card", R"(\b\d(?:[ -]?\d){12,}\b)", validate_card},
      {"email", R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b)", nullptr},
      {"ipv4", R"(\b(?:\d{1,3}\.){3}\d{1,3}\b)", validate_ipv4},
      {"ipv6", R"([0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)", validate_ipv6},
      {"jwt", R"(\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)", nullptr},
      {"bearer_token", R"((?i)\bbearer\s+[A-Za-z0-9._~+/-]{8,}=*)", validate_bearer},
      {"us_ssn", R"(\b\d{3}-\d{2}-\d{4}\b)", validate_ssn},
      {"iban", R"(\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}\b)", validate_iban},
  };
  return detectors;
}

const Detector* find_detector(std::string_view name) {
  for (const auto& d : all_detectors())
    if (d.name == name) return &d;
  return nullptr;
}

}  // namespace otlpd::redaction
