#include "encode/redact.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>

#include "deepcompress/error.hpp"

// Hand-written scanners, one per value shape, run from the positions where a value can
// start (a digit, '+', '(' or letter at a word start, or an '@'). Candidates of all types
// are collected first, then overlaps are resolved, then the text is rebuilt once.
// Values start and end on ASCII characters (or whole non-ASCII characters inside emails),
// so multibyte characters are never split.

namespace deepcompress {
namespace {

constexpr std::size_t npos = std::string_view::npos;

constexpr std::array<std::string_view, kNumPiiTypes> kNames = {"email", "phone", "card", "iban",
                                                               "ssn",   "ipv4",  "dob"};
constexpr std::array<std::string_view, kNumPiiTypes> kPlaceholders = {
    "[EMAIL]", "[PHONE]", "[CARD]", "[IBAN]", "[SSN]", "[IPV4]", "[DOB]"};

// Overlap resolution, indexed by PiiType: lower wins (email, iban, card, ssn, ipv4, dob, phone).
constexpr std::array<int, kNumPiiTypes> kStrength = {0, 6, 2, 1, 3, 4, 5};
int strength(PiiType type) { return kStrength[static_cast<std::size_t>(type)]; }

// ---- Characters -------------------------------------------------------------------

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
bool is_ascii(char c) { return static_cast<unsigned char>(c) < 0x80; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
int digit_value(char c) { return c - '0'; }

struct CodePoint {
  char32_t cp = 0;
  std::size_t n_bytes = 1;
};
constexpr char32_t kInvalid = 0xFFFD;

// The code point starting at i (< s.size()); an invalid or truncated sequence is one
// kInvalid byte.
CodePoint decode_at(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return {b0, 1};
  std::size_t n = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4;
    cp = b0 & 0x07;
  } else {
    return {kInvalid, 1};
  }
  if (i + n > s.size()) return {kInvalid, 1};
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return {kInvalid, 1};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, n};
}

// The code point ending at i (> 0).
CodePoint decode_before(std::string_view s, std::size_t i) {
  if (is_ascii(s[i - 1])) return {static_cast<unsigned char>(s[i - 1]), 1};
  std::size_t start = i - 1;
  while (start > 0 && i - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  const CodePoint c = decode_at(s, start);
  return start + c.n_bytes == i ? c : CodePoint{kInvalid, 1};
}

// Letters and digits of any script, and '_': what a value must not touch. Without Unicode
// tables this is approximate: a non-ASCII code point is a letter unless it is in Latin-1's
// punctuation/symbols, General Punctuation through Misc Symbols and Arrows, CJK
// punctuation, or the fullwidth/small-form punctuation blocks.
bool is_word_cp(char32_t cp) {
  if (cp < 0x80) return is_alnum(static_cast<char>(cp)) || cp == '_';
  if (cp <= 0xBF || cp == 0xD7 || cp == 0xF7 || cp == kInvalid) return false;
  if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F)) return false;
  if (cp >= 0xFE10 && cp <= 0xFE6F) return false;
  if ((cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
      (cp >= 0xFF5B && cp <= 0xFF65)) {
    return false;
  }
  return true;
}

bool word_before(std::string_view s, std::size_t i) { return i > 0 && is_word_cp(decode_before(s, i).cp); }
bool word_after(std::string_view s, std::size_t i) { return i < s.size() && is_word_cp(decode_at(s, i).cp); }

bool is_joiner(char c, bool space_joins) {
  return c == '-' || c == '.' || c == '/' || (space_joins && c == ' ');
}
// Another number ends just before i, joined by '-', '.', '/' (or a space): "7-" at i - 2.
bool number_before(std::string_view s, std::size_t i, bool space_joins) {
  return i >= 2 && is_digit(s[i - 2]) && is_joiner(s[i - 1], space_joins);
}
// Another number starts just after i, joined the same way: "-7" at i.
bool number_after(std::string_view s, std::size_t i, bool space_joins) {
  return i + 1 < s.size() && is_digit(s[i + 1]) && is_joiner(s[i], space_joins);
}

// Number of digits at s[i...].
std::size_t digits_at(std::string_view s, std::size_t i) {
  std::size_t p = i;
  while (p < s.size() && is_digit(s[p])) ++p;
  return p - i;
}
int number_at(std::string_view s, std::size_t i, std::size_t n) {
  int v = 0;
  for (std::size_t k = 0; k < n; ++k) v = v * 10 + digit_value(s[i + k]);
  return v;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }
std::size_t skip_spaces(std::string_view s, std::size_t p) {
  while (p < s.size() && is_space(s[p])) ++p;
  return p;
}

// Case-insensitive comparison of one folded unit at s[p] with the label at l[k]: ASCII
// letters, and Latin-1 letters in UTF-8 (0xC3 0x80-0x9E fold to 0xC3 0xA0-0xBE).
// Returns the bytes consumed in both, 0 if they differ.
std::size_t fold_equal(std::string_view s, std::size_t p, std::string_view l, std::size_t k) {
  if (p >= s.size()) return 0;
  if (static_cast<unsigned char>(l[k]) == 0xC3 && k + 1 < l.size()) {
    if (p + 1 >= s.size() || static_cast<unsigned char>(s[p]) != 0xC3) return 0;
    auto b = static_cast<unsigned char>(s[p + 1]);
    if (b >= 0x80 && b <= 0x9E && b != 0x97) b = static_cast<unsigned char>(b + 0x20);
    return b == static_cast<unsigned char>(l[k + 1]) ? 2 : 0;
  }
  return lower(s[p]) == l[k] ? 1 : 0;
}

// The end of `word` (lower case; a space matches one or more spaces/tabs) at s[i], or npos.
// A word ending in a letter must not be followed by another letter or digit.
std::size_t match_word(std::string_view s, std::size_t i, std::string_view word) {
  std::size_t p = i;
  for (std::size_t k = 0; k < word.size();) {
    if (word[k] == ' ') {
      if (p >= s.size() || !is_space(s[p])) return npos;
      while (p < s.size() && is_space(s[p])) ++p;
      ++k;
      continue;
    }
    const std::size_t n = fold_equal(s, p, word, k);
    if (n == 0) return npos;
    p += n;
    k += n;
  }
  const char last = word.back();
  if ((is_alpha(last) || !is_ascii(last)) && word_after(s, p)) return npos;
  return p;
}

// ---- Card numbers ------------------------------------------------------------------
// 13-19 digits, plain or in groups joined by one space or one dash (the same throughout):
// 4-4-4-4(-1..4) style groups of four with a shorter last group, or 4-6-4 / 4-6-5. The
// digits must be Luhn-valid and start with a card network's prefix, at a length that
// network issues. A plain or dash-joined number must be the whole digit run; in a
// space-joined run the card is the longest run of leading groups that qualifies (the
// groups after it are other numbers: "4111 1111 1111 1111 12/27"). Either way the card
// starts the run: "12 4111 1111 1111 1111" is not recognised.

constexpr std::size_t kMaxCardDigits = 19;

bool luhn_valid(const char* d, std::size_t n) {
  int sum = 0;
  for (std::size_t k = 0; k < n; ++k) {
    int v = d[n - 1 - k] - '0';
    if (k % 2 == 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
  }
  return sum % 10 == 0;
}

// Visa 4; Mastercard 51-55, 2221-2720; Amex 34, 37; Diners 300-305, 3095, 36, 38, 39;
// JCB 3528-3589; Maestro 50, 56-58; Discover, UnionPay and Maestro 6.
bool card_prefix_valid(const char* d, std::size_t n) {
  auto prefix = [d](int k) {
    int v = 0;
    for (int j = 0; j < k; ++j) v = v * 10 + (d[j] - '0');
    return v;
  };
  const int p1 = prefix(1), p2 = prefix(2), p3 = prefix(3), p4 = prefix(4);
  if (p1 == 4) return n == 13 || n == 16 || n == 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16;
  if (p2 == 34 || p2 == 37) return n == 15;
  if ((p3 >= 300 && p3 <= 305) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39) return n >= 14;
  if (p4 >= 3528 && p4 <= 3589) return n >= 16;
  return p2 == 50 || (p2 >= 56 && p2 <= 58) || p1 == 6;
}

// The first n_groups group lengths form a card layout.
bool card_layout_valid(const std::size_t* group_len, std::size_t n_groups) {
  if (n_groups == 1) return true;
  if (n_groups == 3 && group_len[0] == 4 && group_len[1] == 6 && (group_len[2] == 4 || group_len[2] == 5)) {
    return true;
  }
  for (std::size_t g = 0; g + 1 < n_groups; ++g) {
    if (group_len[g] != 4) return false;
  }
  return group_len[n_groups - 1] <= 4;
}

std::size_t match_card(std::string_view s, std::size_t i) {
  if (number_before(s, i, false)) return npos;
  std::array<std::size_t, kMaxCardDigits> group_len{};
  std::array<std::size_t, kMaxCardDigits> group_end{};
  std::array<char, kMaxCardDigits> digits{};
  std::size_t n_groups = 0;
  std::size_t n_digits = 0;
  char sep = 0;
  std::size_t p = i;
  while (true) {
    const std::size_t n = digits_at(s, p);
    if (n_digits + n > kMaxCardDigits) {
      if (sep != ' ') return npos;  // the whole run would have to be the number
      break;
    }
    std::copy_n(s.data() + p, n, digits.data() + n_digits);
    n_digits += n;
    p += n;
    group_len[n_groups] = n;
    group_end[n_groups++] = p;
    if (p + 1 < s.size() && (s[p] == ' ' || s[p] == '-') && is_digit(s[p + 1]) && (sep == 0 || s[p] == sep)) {
      sep = s[p];
      // A space-joined run must start here: "12 4111 ..." is one run of which this is a part.
      if (n_groups == 1 && sep == ' ' && number_before(s, i, true)) return npos;
      ++p;
    } else {
      break;
    }
  }
  const std::size_t min_groups = sep == ' ' ? 1 : n_groups;
  for (std::size_t k = n_groups; k >= min_groups && k >= 1; n_digits -= group_len[--k]) {
    const std::size_t end = group_end[k - 1];
    if (n_digits < 13) break;
    if (!card_layout_valid(group_len.data(), k) || word_after(s, end) || number_after(s, end, false))
      continue;
    if (end + 1 < s.size() && s[end] == ',' && is_digit(s[end + 1])) continue;
    if (card_prefix_valid(digits.data(), n_digits) && luhn_valid(digits.data(), n_digits)) return end;
  }
  return npos;
}

// ---- IBAN ----------------------------------------------------------------------------
// Country code + 2 check digits + the country's BBAN length of letters/digits, either
// compact or with one space after every 4 characters; case-insensitive; ISO 7064 mod 97
// of the rearranged number must be 1. Only countries in the table below are recognised.

struct IbanCountry {
  char code[3];
  int length;
};
// SWIFT IBAN registry lengths.
constexpr IbanCountry kIbanCountries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27},
    {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20},
    {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24},
    {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24}, {"SC", 31},
    {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24},
    {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
};
constexpr std::size_t kMaxIbanLength = 34;

int iban_length(char a, char b) {
  for (const IbanCountry& c : kIbanCountries) {
    if (c.code[0] == a && c.code[1] == b) return c.length;
  }
  return 0;
}

bool iban_checksum_valid(const char* c, std::size_t n) {
  int r = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const char ch = c[(k + 4) % n];  // the first four characters move to the end
    r = is_digit(ch) ? (r * 10 + (ch - '0')) % 97 : (r * 100 + (ch - 'A' + 10)) % 97;
  }
  return r == 1;
}

std::size_t match_iban(std::string_view s, std::size_t i) {
  if (i + 4 > s.size() || !is_alpha(s[i + 1]) || !is_digit(s[i + 2]) || !is_digit(s[i + 3])) return npos;
  const auto length = static_cast<std::size_t>(iban_length(upper(s[i]), upper(s[i + 1])));
  if (length == 0) return npos;
  std::array<char, kMaxIbanLength> c{};
  for (std::size_t k = 0; k < 4; ++k) c[k] = upper(s[i + k]);
  std::size_t p = i + 4;
  const bool spaced = p < s.size() && s[p] == ' ';
  for (std::size_t n = 4; n < length; ++n) {
    if (spaced && n % 4 == 0) {
      if (p >= s.size() || s[p] != ' ') return npos;
      ++p;
    }
    if (p >= s.size() || !is_alnum(s[p])) return npos;
    c[n] = upper(s[p++]);
  }
  if (word_after(s, p) || !iban_checksum_valid(c.data(), length)) return npos;
  return p;
}

// ---- US SSN --------------------------------------------------------------------------
// ddd-dd-dddd or ddd dd dddd (one separator throughout), area not 000, 666 or 9xx, group
// not 00, serial not 0000, not part of a longer number. Nine plain digits only after an
// SSN label (see the labels below).

bool ssn_parts_valid(int area, int group, int serial) {
  return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

std::size_t match_ssn(std::string_view s, std::size_t i) {
  if (i + 11 > s.size() || digits_at(s, i) != 3) return npos;
  const char sep = s[i + 3];
  if ((sep != '-' && sep != ' ') || digits_at(s, i + 4) != 2 || s[i + 6] != sep || digits_at(s, i + 7) != 4) {
    return npos;
  }
  const std::size_t end = i + 11;
  const bool space = sep == ' ';
  if (number_before(s, i, space) || word_after(s, end) || number_after(s, end, space)) return npos;
  if (!ssn_parts_valid(number_at(s, i, 3), number_at(s, i + 4, 2), number_at(s, i + 7, 4))) return npos;
  return end;
}

// Nine plain digits after a label ("SSN: 123456789"), same validity rules.
std::size_t match_plain_ssn(std::string_view s, std::size_t i) {
  if (digits_at(s, i) != 9) return npos;
  const std::size_t end = i + 9;
  if (word_after(s, end) || number_after(s, end, false)) return npos;
  if (!ssn_parts_valid(number_at(s, i, 3), number_at(s, i + 3, 2), number_at(s, i + 5, 4))) return npos;
  return end;
}

// ---- IPv4 ----------------------------------------------------------------------------
// Four dot-separated decimal octets 0-255 without leading zeros, not part of a longer
// dotted run (1.2.3.4.5, x.1.2.3.4, 1.2.3.4.x), not a European thousands-grouped number
// (1.200.300.400,00), not right after a version/section word ("v1.2.3.4",
// "version 1.2.3.4", "Rev. 1.2.3.4", "section 1.2.3.4", "§ 1.2.3.4"), and not a heading
// number: at the start of a line, octets all 1-99, followed by a title ("1.2.3.4 Scope",
// "2.1.10.3. Results").

bool after_version_word(std::string_view s, std::size_t i) {
  std::size_t p = i;
  while (p > 0 && (is_space(s[p - 1]) || s[p - 1] == ':' || s[p - 1] == '.')) --p;
  if (p >= 2 && s.substr(p - 2, 2) == "\xC2\xA7") return true;  // §
  std::size_t b = p;
  while (b > 0 && is_alpha(s[b - 1])) --b;
  if (b == p || word_before(s, b)) return false;
  std::string word;
  for (std::size_t k = b; k < p; ++k) word.push_back(lower(s[k]));
  static constexpr std::array<std::string_view, 12> kWords = {"v",       "ver", "version",  "rel",
                                                              "release", "rev", "revision", "build",
                                                              "section", "sec", "chapter",  "clause"};
  return std::find(kWords.begin(), kWords.end(), word) != kWords.end();
}

// A line starts at i (only spaces before it) and a title follows the number ending at p.
bool is_heading_number(std::string_view s, std::size_t i, std::size_t p) {
  std::size_t b = i;
  while (b > 0 && is_space(s[b - 1])) --b;
  if (b > 0 && s[b - 1] != '\n') return false;
  if (p < s.size() && s[p] == '.') ++p;
  const std::size_t t = skip_spaces(s, p);
  return t > p && t < s.size() && is_alpha(s[t]);
}

std::size_t match_ipv4(std::string_view s, std::size_t i) {
  if (i > 0 && (s[i - 1] == '.' || number_before(s, i, false))) return npos;
  std::size_t p = i;
  bool small = true;  // all octets 1-99
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (p >= s.size() || s[p] != '.') return npos;
      ++p;
    }
    const std::size_t n = digits_at(s, p);
    if (n == 0 || n > 3 || (n > 1 && s[p] == '0')) return npos;
    const int value = number_at(s, p, n);
    if (value > 255) return npos;
    small = small && value >= 1 && value <= 99;
    p += n;
  }
  if (word_after(s, p)) return npos;
  if (p + 1 < s.size() && (s[p] == '.' || s[p] == ',') && is_alnum(s[p + 1])) return npos;
  if (after_version_word(s, i) || (small && is_heading_number(s, i, p))) return npos;
  return p;
}

// ---- Email ---------------------------------------------------------------------------
// local@domain.tld: the local part is letters/digits (any script) and . _ % + -, not
// starting or ending with a dot, no "..", at most 64 bytes; the domain is dot-separated
// labels of letters/digits/hyphens (not starting or ending with one) whose last label is
// at least 2 letters. A dot after the domain (end of sentence) is not part of it.

bool is_local_ascii(char c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

// Start of the email whose '@' is at a, or npos.
std::size_t email_local_start(std::string_view s, std::size_t a) {
  std::size_t b = a;
  while (b > 0) {
    if (is_ascii(s[b - 1])) {
      if (!is_local_ascii(s[b - 1])) break;
      --b;
    } else {
      const CodePoint c = decode_before(s, b);
      if (!is_word_cp(c.cp)) break;
      b -= c.n_bytes;
    }
  }
  if (b == a || s[a - 1] == '.') return npos;
  const std::size_t dots = s.substr(b, a - b).rfind("..");
  if (dots != npos) b += dots + 2;
  while (b < a && s[b] == '.') ++b;
  if (b == a || a - b > 64) return npos;
  return b;
}

// Length of the domain label at p (letters/digits of any script, '-').
std::size_t label_at(std::string_view s, std::size_t p) {
  std::size_t q = p;
  while (q < s.size()) {
    if (is_ascii(s[q])) {
      if (!is_alnum(s[q]) && s[q] != '-') break;
      ++q;
    } else {
      const CodePoint c = decode_at(s, q);
      if (!is_word_cp(c.cp)) break;
      q += c.n_bytes;
    }
  }
  return q - p;
}

bool is_tld(std::string_view label) {
  if (label.size() < 2) return false;
  return std::none_of(label.begin(), label.end(), [](char c) { return is_digit(c) || c == '-'; });
}

// End of the email whose '@' is at a, or npos.
std::size_t email_domain_end(std::string_view s, std::size_t a) {
  std::size_t p = a + 1;
  std::size_t end = npos;  // after the last label that can be a TLD
  for (int n_labels = 0;; ++n_labels) {
    const std::size_t n = label_at(s, p);
    const std::string_view label = s.substr(p, n);
    if (n == 0 || n > 63 || label.front() == '-' || label.back() == '-') break;
    if (n_labels > 0 && is_tld(label)) end = p + n;
    p += n;
    if (p + 1 < s.size() && s[p] == '.' && label_at(s, p + 1) > 0) {
      ++p;
    } else {
      break;
    }
  }
  return end;
}

// ---- Phone numbers -------------------------------------------------------------------
// International: '+', country code and number, 8-15 digits in all, in groups joined by
// at most one space, '-', '.' or '/', optionally with a parenthesised group ("(0)20").
// North American: (555) 123-4567, 555-123-4567, 555.123.4567, 555 123 4567, optionally
// with a leading "1 " / "1-"; the area code starts with 2-9. After a phone label
// ("Tel:", "Phone", "Fax", "Mobile", ...): 7-15 digits in the international grammar with
// an optional '+', unless it is shaped like a date. Plain digit runs without a label or
// '+' are never phone numbers.

constexpr int kMaxPhoneDigits = 15;

struct PhoneBody {
  std::size_t end = npos;  // after the last digit group taken
  int n_digits = 0;
};

// Digit groups and parenthesised groups from p, joined by at most one of " -./"; stops
// before a group that would make more than 15 digits.
PhoneBody read_phone_body(std::string_view s, std::size_t p) {
  PhoneBody body;
  while (p < s.size()) {
    std::size_t q = p;
    std::size_t n = 0;
    if (s[q] == '(') {
      n = digits_at(s, q + 1);
      if (n == 0 || n > 4 || q + 1 + n >= s.size() || s[q + 1 + n] != ')') break;
      q += n + 2;
    } else {
      n = digits_at(s, q);
      if (n == 0) break;
      q += n;
    }
    if (body.n_digits + static_cast<int>(n) > kMaxPhoneDigits) break;
    body.n_digits += static_cast<int>(n);
    body.end = q;
    // Next group: directly after ')' or before '(', else after one separator.
    p = q;
    if (p < s.size() && (s[p] == ' ' || s[p] == '-' || s[p] == '.' || s[p] == '/')) ++p;
    if (p >= s.size() || !(is_digit(s[p]) || s[p] == '(')) break;
  }
  return body;
}

std::size_t match_international_phone(std::string_view s, std::size_t i) {
  if (i + 1 >= s.size() || !is_digit(s[i + 1]) || s[i + 1] == '0' || word_before(s, i)) return npos;
  const PhoneBody body = read_phone_body(s, i + 1);
  if (body.end == npos || body.n_digits < 8 || word_after(s, body.end)) return npos;
  return body.end;
}

std::size_t match_nanp_phone(std::string_view s, std::size_t i) {
  std::size_t p = i;
  if (s[p] == '1' && p + 1 < s.size() && (s[p + 1] == ' ' || s[p + 1] == '-' || s[p + 1] == '.')) p += 2;
  if (p >= s.size()) return npos;
  char sep = 0;
  std::size_t area = p;
  if (s[p] == '(') {
    if (digits_at(s, p + 1) != 3 || p + 4 >= s.size() || s[p + 4] != ')') return npos;
    area = p + 1;
    p += 5;
    if (p < s.size() && s[p] == ' ') ++p;
    if (digits_at(s, p) != 3 || p + 3 >= s.size()) return npos;
    sep = s[p + 3];
    if (sep != '-' && sep != ' ' && sep != '.') return npos;
    p += 4;
  } else {
    if (digits_at(s, p) != 3 || p + 3 >= s.size()) return npos;
    sep = s[p + 3];
    if ((sep != '-' && sep != ' ' && sep != '.') || digits_at(s, p + 4) != 3 || p + 7 >= s.size() ||
        s[p + 7] != sep) {
      return npos;
    }
    p += 8;
  }
  if (digits_at(s, p) != 4 || s[area] < '2') return npos;
  const std::size_t end = p + 4;
  const bool space = sep == ' ';
  if (number_before(s, i, space) || word_after(s, end) || number_after(s, end, space)) return npos;
  return end;
}

// 2024-03-15, 15.03.2024, 03/15/24: a date, not a phone number.
bool looks_like_date(std::string_view v) {
  const std::size_t a = digits_at(v, 0);
  if (a == 0 || a >= v.size()) return false;
  const char sep = v[a];
  const std::size_t b = digits_at(v, a + 1);
  if (b == 0 || a + 1 + b >= v.size() || v[a + 1 + b] != sep) return false;
  const std::size_t c = digits_at(v, a + 2 + b);
  if (a + 2 + b + c != v.size()) return false;
  if (a == 4) return b <= 2 && c <= 2;
  return a <= 2 && b <= 2 && (c == 2 || c == 4);
}

std::size_t match_labelled_phone(std::string_view s, std::size_t i) {
  const std::size_t start = i < s.size() && s[i] == '+' ? i + 1 : i;
  const PhoneBody body = read_phone_body(s, start);
  if (body.end == npos || body.n_digits < 7 || word_after(s, body.end)) return npos;
  if (number_after(s, body.end, false)) return npos;
  if (start == i && looks_like_date(s.substr(i, body.end - i))) return npos;
  return body.end;
}

// ---- Dates of birth ------------------------------------------------------------------
// Only after a label ("DOB", "D.O.B.", "date of birth", "born (on)", "Geburtsdatum",
// "geb.", "geboren am", "né(e) le", "date de naissance"), and only the date is replaced:
// 1980-02-01, 01/02/1980 (also with '.' or '-', 2-digit years), 1 February 1980,
// 1st Feb. 1980, February 1, 1980, 1er février 1980, 1. Februar 1980.

constexpr std::string_view kMonths[] = {
    // English, full and abbreviated
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec",
    // French (also without accents)
    "janvier", "f\xC3\xA9vrier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "ao\xC3\xBBt", "aout",
    "septembre", "octobre", "novembre",
    "d\xC3\xA9"
    "cembre",
    "decembre",
    // German (those not already above)
    "januar", "j\xC3\xA4nner", "februar", "m\xC3\xA4rz", "maerz", "juni", "juli", "oktober", "dezember"};

// End of a month name at p (with an optional '.' after it), or npos.
std::size_t match_month(std::string_view s, std::size_t p) {
  std::size_t best = npos;
  auto consider = [&](std::string_view m) {
    const std::size_t e = match_word(s, p, m);
    if (e != npos && (best == npos || e > best)) best = e;
  };
  for (std::string_view m : kMonths) consider(m);
  if (best != npos && best < s.size() && s[best] == '.') ++best;
  return best;
}

// After a day number: "st", "nd", "rd", "th", "er" or ".".
std::size_t skip_day_suffix(std::string_view s, std::size_t p) {
  for (std::string_view suffix : {"st", "nd", "rd", "th", "er"}) {
    const std::size_t e = match_word(s, p, suffix);
    if (e != npos) return e;
  }
  return p < s.size() && s[p] == '.' ? p + 1 : p;
}

bool day_month_valid(int day, int month) { return day >= 1 && day <= 31 && month >= 1 && month <= 12; }

// End of a year of 4 digits at p that ends the date, or npos.
std::size_t match_year(std::string_view s, std::size_t p) {
  if (digits_at(s, p) != 4) return npos;
  return p + 4;
}

std::size_t match_date(std::string_view s, std::size_t p) {
  std::size_t end = npos;
  const std::size_t n1 = p < s.size() ? digits_at(s, p) : 0;
  if (n1 == 4 && p + 4 < s.size()) {  // 1980-02-01
    const char sep = s[p + 4];
    const std::size_t n2 = digits_at(s, p + 5);
    const std::size_t q = p + 5 + n2;
    if ((sep == '-' || sep == '/' || sep == '.') && (n2 == 1 || n2 == 2) && q < s.size() && s[q] == sep) {
      const std::size_t n3 = digits_at(s, q + 1);
      if ((n3 == 1 || n3 == 2) && day_month_valid(number_at(s, q + 1, n3), number_at(s, p + 5, n2))) {
        end = q + 1 + n3;
      }
    }
  } else if (n1 == 1 || n1 == 2) {
    const int first = number_at(s, p, n1);
    const std::size_t q = p + n1;
    const char sep = q < s.size() ? s[q] : 0;
    const std::size_t n2 = q < s.size() ? digits_at(s, q + 1) : 0;
    if ((sep == '/' || sep == '.' || sep == '-') && (n2 == 1 || n2 == 2)) {  // 01/02/1980
      const int second = number_at(s, q + 1, n2);
      const std::size_t r = q + 1 + n2;
      const std::size_t n3 = r < s.size() && s[r] == sep ? digits_at(s, r + 1) : 0;
      if ((n3 == 2 || n3 == 4) && (day_month_valid(first, second) || day_month_valid(second, first))) {
        end = r + 1 + n3;
      }
    } else {  // 1 February 1980
      const std::size_t m = skip_spaces(s, skip_day_suffix(s, q));
      const std::size_t after_month = m > q ? match_month(s, m) : npos;
      if (after_month != npos && first >= 1 && first <= 31) {
        std::size_t y = after_month;
        if (y < s.size() && s[y] == ',') ++y;
        const std::size_t y0 = skip_spaces(s, y);
        if (y0 > y || y > after_month) end = match_year(s, y0);
      }
    }
  } else if (n1 == 0) {  // February 1, 1980
    const std::size_t after_month = match_month(s, p);
    const std::size_t d = after_month == npos ? npos : skip_spaces(s, after_month);
    const std::size_t n2 = d != npos && d > after_month ? digits_at(s, d) : 0;
    if ((n2 == 1 || n2 == 2) && number_at(s, d, n2) >= 1 && number_at(s, d, n2) <= 31) {
      std::size_t y = skip_day_suffix(s, d + n2);
      if (y < s.size() && s[y] == ',') ++y;
      const std::size_t y0 = skip_spaces(s, y);
      if (y0 > d + n2) end = match_year(s, y0);
    }
  }
  if (end == npos || word_after(s, end) || number_after(s, end, false)) return npos;
  return end;
}

// ---- Labels ---------------------------------------------------------------------------

enum class LabelKind { kDob, kPhone, kSsn };
struct Label {
  std::string_view word;  // lower case; a space matches one or more spaces
  LabelKind kind;
};
constexpr Label kLabels[] = {
    {"date of birth", LabelKind::kDob},
    {"birth date", LabelKind::kDob},
    {"birthdate", LabelKind::kDob},
    {"dob", LabelKind::kDob},
    {"d.o.b.", LabelKind::kDob},
    {"d.o.b", LabelKind::kDob},
    {"born on", LabelKind::kDob},
    {"born", LabelKind::kDob},
    {"geburtsdatum", LabelKind::kDob},
    {"geb.", LabelKind::kDob},
    {"geboren am", LabelKind::kDob},
    {"n\xC3\xA9 le", LabelKind::kDob},
    {"n\xC3\xA9"
     "e le",
     LabelKind::kDob},
    {"ne le", LabelKind::kDob},
    {"nee le", LabelKind::kDob},
    {"date de naissance", LabelKind::kDob},
    {"phone", LabelKind::kPhone},
    {"telephone", LabelKind::kPhone},
    {"t\xC3\xA9l\xC3\xA9phone", LabelKind::kPhone},
    {"tel", LabelKind::kPhone},
    {"t\xC3\xA9l", LabelKind::kPhone},
    {"telefon", LabelKind::kPhone},
    {"fax", LabelKind::kPhone},
    {"mobile", LabelKind::kPhone},
    {"mob", LabelKind::kPhone},
    {"cell", LabelKind::kPhone},
    {"handy", LabelKind::kPhone},
    {"ssn", LabelKind::kSsn},
    {"social security number", LabelKind::kSsn},
    {"social security no", LabelKind::kSsn},
    {"ss#", LabelKind::kSsn},
};

// What may stand between a label and its value: spaces, ':', '.', '-', '=', '#', an en
// dash, "no"/"nr"/"number", "is", and one short parenthesised note ("(dd/mm/yyyy)").
std::size_t skip_label_tail(std::string_view s, std::size_t p) {
  bool note_seen = false;
  for (int step = 0; step < 16 && p < s.size(); ++step) {
    const char c = s[p];
    if (is_space(c) || c == ':' || c == '.' || c == '-' || c == '=' || c == '#') {
      ++p;
    } else if (s.substr(p, 3) == "\xE2\x80\x93") {  // en dash
      p += 3;
    } else if (c == '(' && !note_seen) {
      const std::size_t close = s.substr(p, 25).find(')');  // relative to p
      if (close == npos) return p;
      // "(030) 123456" is part of a phone number, not a note.
      if (digits_at(s, p + 1) + 1 == close) return p;
      note_seen = true;
      p += close + 1;
    } else {
      std::size_t e = npos;
      for (std::string_view filler : {"number", "no", "nr", "is"}) {
        if ((e = match_word(s, p, filler)) != npos) break;
      }
      if (e == npos) return p;
      p = e;
    }
  }
  return p;
}

// ---- Scanning and resolution -----------------------------------------------------------

struct Candidate {
  std::size_t begin = 0;
  std::size_t end = 0;
  PiiType type = PiiType::kEmail;
};

class Scanner {
 public:
  Scanner(std::string_view s, PiiTypes types) : s_(s), types_(types) {}

  std::vector<Candidate> run() {
    for (std::size_t i = 0; i < s_.size(); ++i) {
      const char c = s_[i];
      if (is_digit(c)) {
        if (!word_before(s_, i)) at_number(i);
      } else if (c == '+') {
        if (types_.has(PiiType::kPhone)) add(i, match_international_phone(s_, i), PiiType::kPhone);
      } else if (c == '(') {
        if (types_.has(PiiType::kPhone) && !word_before(s_, i))
          add(i, match_nanp_phone(s_, i), PiiType::kPhone);
      } else if (c == '@') {
        if (types_.has(PiiType::kEmail)) at_at(i);
      } else if ((is_alpha(c) || !is_ascii(c)) && !word_before(s_, i)) {
        at_word(i);
      }
    }
    return std::move(found_);
  }

 private:
  void add(std::size_t begin, std::size_t end, PiiType type) {
    if (end != npos && end > begin) found_.push_back({begin, end, type});
  }

  void at_number(std::size_t i) {
    if (types_.has(PiiType::kCard)) add(i, match_card(s_, i), PiiType::kCard);
    if (types_.has(PiiType::kSsn)) add(i, match_ssn(s_, i), PiiType::kSsn);
    if (types_.has(PiiType::kIpv4)) add(i, match_ipv4(s_, i), PiiType::kIpv4);
    if (types_.has(PiiType::kPhone)) add(i, match_nanp_phone(s_, i), PiiType::kPhone);
  }

  void at_at(std::size_t a) {
    const std::size_t begin = email_local_start(s_, a);
    if (begin != npos) add(begin, email_domain_end(s_, a), PiiType::kEmail);
  }

  void at_word(std::size_t i) {
    if (types_.has(PiiType::kIban) && is_alpha(s_[i])) add(i, match_iban(s_, i), PiiType::kIban);
    for (const Label& label : kLabels) {
      const PiiType type = label.kind == LabelKind::kDob     ? PiiType::kDob
                           : label.kind == LabelKind::kPhone ? PiiType::kPhone
                                                             : PiiType::kSsn;
      if (!types_.has(type) || lower(s_[i]) != label.word[0]) continue;
      const std::size_t e = match_word(s_, i, label.word);
      if (e == npos) continue;
      const std::size_t v = skip_label_tail(s_, e);
      if (v >= s_.size()) continue;
      switch (label.kind) {
        case LabelKind::kDob:
          add(v, match_date(s_, v), type);
          break;
        case LabelKind::kPhone:
          add(v, match_labelled_phone(s_, v), type);
          break;
        case LabelKind::kSsn:
          add(v, match_plain_ssn(s_, v), type);
          break;
      }
    }
  }

  std::string_view s_;
  PiiTypes types_;
  std::vector<Candidate> found_;
};

std::vector<PiiMatch> resolve(std::vector<Candidate> candidates, std::size_t n_bytes) {
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    const int sa = strength(a.type), sb = strength(b.type);
    if (sa != sb) return sa < sb;
    if (a.end - a.begin != b.end - b.begin) return a.end - a.begin > b.end - b.begin;
    return a.begin < b.begin;
  });
  std::vector<char> taken(candidates.empty() ? 0 : n_bytes, 0);
  std::vector<PiiMatch> matches;
  for (const Candidate& c : candidates) {
    const auto first = taken.begin() + static_cast<std::ptrdiff_t>(c.begin);
    const auto last = taken.begin() + static_cast<std::ptrdiff_t>(c.end);
    if (std::any_of(first, last, [](char t) { return t != 0; })) continue;
    std::fill(first, last, 1);
    matches.push_back({c.begin, c.end - c.begin, c.type});
  }
  std::sort(matches.begin(), matches.end(),
            [](const PiiMatch& a, const PiiMatch& b) { return a.offset_bytes < b.offset_bytes; });
  return matches;
}

bool starts_char(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

std::size_t count_code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), starts_char));
}

// Per-character confidences of the redacted text: characters outside the matches keep
// theirs; each placeholder character gets the minimum over the characters it replaced.
// old_conf has one entry per character of old_text.
std::vector<float> redacted_confidences(std::string_view old_text, const std::vector<float>& old_conf,
                                        const std::vector<PiiMatch>& matches) {
  std::vector<float> out;
  std::size_t ci = 0;    // index of the character starting at byte b
  std::size_t next = 0;  // next match
  for (std::size_t b = 0; b < old_text.size();) {
    if (next < matches.size() && b == matches[next].offset_bytes) {
      const PiiMatch& m = matches[next++];
      float lowest = 1.0f;
      for (; b < m.offset_bytes + m.length_bytes; ++b) {
        if (starts_char(old_text[b])) lowest = std::min(lowest, old_conf[ci++]);
      }
      out.insert(out.end(), pii_placeholder(m.type).size(), lowest);
    } else {
      if (starts_char(old_text[b])) out.push_back(old_conf[ci++]);
      ++b;
    }
  }
  return out;
}

}  // namespace

std::string_view pii_type_name(PiiType type) { return kNames[static_cast<std::size_t>(type)]; }
std::string_view pii_placeholder(PiiType type) { return kPlaceholders[static_cast<std::size_t>(type)]; }

PiiTypes PiiTypes::all() {
  PiiTypes t;
  for (int k = 0; k < kNumPiiTypes; ++k) t.add(static_cast<PiiType>(k));
  return t;
}

PiiTypes parse_redact_types(std::string_view value) {
  if (value == "all") return PiiTypes::all();
  PiiTypes types;
  if (value.empty()) return types;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = value.find(',', start);
    const std::string_view item = value.substr(start, comma == npos ? npos : comma - start);
    const auto* it = std::find(kNames.begin(), kNames.end(), item);
    if (it == kNames.end()) {
      throw Error(ErrorKind::kConfig,
                  "--redact: unknown PII type '" + std::string(item) + "' in '" + std::string(value) +
                      "' (use all, or a comma list of email,phone,card,iban,ssn,ipv4,dob)");
    }
    types.add(static_cast<PiiType>(it - kNames.begin()));
    if (comma == npos) return types;
    start = comma + 1;
  }
}

RedactedText redact_text(std::string_view text, PiiTypes types) {
  RedactedText out;
  if (!types.empty()) out.matches = resolve(Scanner(text, types).run(), text.size());
  if (out.matches.empty()) {
    out.text.assign(text);
    return out;
  }
  out.text.reserve(text.size());
  std::size_t p = 0;
  for (const PiiMatch& m : out.matches) {
    out.text.append(text.substr(p, m.offset_bytes - p));
    out.text.append(pii_placeholder(m.type));
    p = m.offset_bytes + m.length_bytes;
  }
  out.text.append(text.substr(p));
  return out;
}

std::vector<Redaction> redact_page(PageResult& page, PiiTypes types) {
  std::vector<Redaction> redactions;
  if (types.empty()) return redactions;
  for (std::size_t li = 0; li < page.lines.size(); ++li) {
    TextLine& line = page.lines[li];
    RedactedText r = redact_text(line.text, types);
    if (r.matches.empty()) continue;
    std::vector<float>& conf = line.char_confidences;
    if (!conf.empty()) {
      const std::size_t n_new = count_code_points(r.text);
      if (conf.size() != count_code_points(line.text)) {
        conf.assign(n_new, line.confidence);
      } else {
        conf = redacted_confidences(line.text, conf, r.matches);
        line.confidence = std::accumulate(conf.begin(), conf.end(), 0.0f) / static_cast<float>(conf.size());
      }
    }
    for (const PiiMatch& m : r.matches) {
      redactions.push_back(
          {page.page_number, li, m.offset_bytes, m.length_bytes, std::string(pii_type_name(m.type))});
    }
    line.text = std::move(r.text);
  }
  return redactions;
}

}  // namespace deepcompress
