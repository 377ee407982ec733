#pragma once
// PII redaction (--redact): finds personal values in OCR text and replaces each with a
// typed placeholder, in one pass over the text. Placeholders (ASCII, one per value):
//
//   email [EMAIL]   phone [PHONE]   card [CARD]   iban [IBAN]
//   ssn   [SSN]     ipv4  [IPV4]    dob  [DOB]
//
// The rules for each type, and what is deliberately not redacted, are in docs (PII
// redaction section); the short version is in redact.cpp next to each scanner. Every
// value starts and ends on a character boundary, so valid UTF-8 stays valid UTF-8.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "deepcompress/types.hpp"

namespace deepcompress {

enum class PiiType { kEmail, kPhone, kCard, kIban, kSsn, kIpv4, kDob };
inline constexpr int kNumPiiTypes = 7;

// "email", "phone", "card", "iban", "ssn", "ipv4", "dob" (the --redact names).
std::string_view pii_type_name(PiiType type);
// "[EMAIL]", "[PHONE]", ...: what redact_text writes in place of a value of this type.
std::string_view pii_placeholder(PiiType type);

// A set of PII types; empty = redact nothing.
class PiiTypes {
 public:
  static PiiTypes all();
  bool has(PiiType type) const { return (bits_ >> static_cast<int>(type)) & 1u; }
  void add(PiiType type) { bits_ |= 1u << static_cast<int>(type); }
  bool empty() const { return bits_ == 0; }

 private:
  unsigned bits_ = 0;
};

// The set named by an --redact value: "" = none, "all" = every type, or a comma list of
// type names (no spaces). Throws Error(kConfig) naming the value for an unknown name.
PiiTypes parse_redact_types(std::string_view value);

// One value found in a text: its bytes [offset_bytes, offset_bytes + length_bytes).
struct PiiMatch {
  std::size_t offset_bytes = 0;
  std::size_t length_bytes = 0;
  PiiType type = PiiType::kEmail;
};

struct RedactedText {
  std::string text;               // the input with each match replaced by its placeholder
  std::vector<PiiMatch> matches;  // in the input's coordinates, ascending, non-overlapping
};

// Finds the values of the given types in text and replaces them. Overlapping candidates
// are resolved before replacing (a value is replaced once): the stronger type wins, in
// the order email, iban, card, ssn, ipv4, dob, phone; then the longer, then the earlier.
// Never throws except std::bad_alloc; invalid UTF-8 is tolerated (left as it is).
// Thread-safe; linear in the text's length.
RedactedText redact_text(std::string_view text, PiiTypes types);

// Redacts each line of page in place: TextLine::text is replaced, char_confidences keeps
// one entry per UTF-8 character of the new text (a placeholder's characters get the
// minimum confidence of the characters they replaced, other characters keep theirs) and
// confidence is their mean again. Lines whose char_confidences do not match their text
// (not one per character) get every entry set to the line's confidence; lines without
// char_confidences keep none. page.text is NOT rebuilt (the caller does). Returns the
// replacements in line, offset order, positions in the ORIGINAL line text.
std::vector<Redaction> redact_page(PageResult& page, PiiTypes types);

}  // namespace deepcompress
