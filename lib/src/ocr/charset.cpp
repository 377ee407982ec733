#include "ocr/charset.hpp"

#include <fmt/format.h>

#include "deepcompress/error.hpp"

namespace deepcompress {
namespace {

// The code point of a one-character UTF-8 string; -1 for anything else.
long single_code_point(const std::string& s) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  if (s.size() == 1 && b[0] < 0x80) return b[0];
  if (s.size() == 2 && (b[0] & 0xE0) == 0xC0) return ((b[0] & 0x1F) << 6) | (b[1] & 0x3F);
  if (s.size() == 3 && (b[0] & 0xF0) == 0xE0) return ((b[0] & 0x0F) << 12) | ((b[1] & 0x3F) << 6) | (b[2] & 0x3F);
  return -1;
}

bool is_latin_class(long cp) {
  return (cp >= 0 && cp < 0x250)           // Basic Latin .. Latin Extended-B
         || (cp >= 0x370 && cp < 0x400)    // Greek
         || (cp >= 0x2000 && cp < 0x2070)  // general punctuation: dashes, quotes, bullets
         || (cp >= 0x20A0 && cp < 0x20D0)  // currency
         || (cp >= 0x2100 && cp < 0x2300); // letterlike, number forms, arrows, math
}

}  // namespace

std::vector<int> charset_classes(const std::vector<std::string>& dictionary, const std::string& charset) {
  std::vector<int> ids;
  if (charset != "all" && charset != "latin") {
    throw Error(ErrorKind::kConfig, fmt::format("unknown charset '{}' (expected latin or all)", charset));
  }
  for (std::size_t i = 0; i < dictionary.size(); ++i) {
    const bool keep = charset == "all" || i == 0 || i + 1 == dictionary.size() ||
                      is_latin_class(single_code_point(dictionary[i]));
    if (keep) ids.push_back(static_cast<int>(i));
  }
  return ids;
}

std::vector<std::string> subset_dictionary(const std::vector<std::string>& dictionary, const std::vector<int>& ids) {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const int id : ids) out.push_back(dictionary.at(static_cast<std::size_t>(id)));
  return out;
}

}  // namespace deepcompress
