// libFuzzer target: PII redaction on arbitrary bytes (OCR text is untrusted).
// Contract: never throws or crashes; matches are ascending and disjoint, inside
// the text, never cut a (valid) UTF-8 character; replacing each match
// with its placeholder rebuilds exactly the returned text. A violation aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "encode/redact.hpp"

namespace {
// Starts of characters: each valid UTF-8 sequence is one character, each byte
// of an invalid one its own (a stray continuation byte is not inside anything).
std::vector<bool> character_starts(std::string_view text) {
  std::vector<bool> starts(text.size() + 1, true);
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
    bool valid = i + n <= text.size();
    for (std::size_t k = 1; valid && k < n; ++k) valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (!valid) {
      ++i;
      continue;
    }
    for (std::size_t k = 1; k < n; ++k) starts[i + k] = false;
    i += n;
  }
  return starts;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = deepcompress::redact_text(text, deepcompress::PiiTypes::all());
  const std::vector<bool> starts = character_starts(text);
  std::string rebuilt;
  std::size_t at = 0;
  for (const auto& match : result.matches) {
    const std::size_t end = match.offset_bytes + match.length_bytes;
    if (match.offset_bytes < at || match.length_bytes == 0 || end > text.size()) std::abort();
    if (!starts[match.offset_bytes] || !starts[end]) std::abort();
    rebuilt.append(text.substr(at, match.offset_bytes - at));
    rebuilt.append(deepcompress::pii_placeholder(match.type));
    at = end;
  }
  rebuilt.append(text.substr(at));
  if (rebuilt != result.text) std::abort();
  return 0;
}
