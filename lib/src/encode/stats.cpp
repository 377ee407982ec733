#include "encode/stats.hpp"

#include <limits>
#include <unordered_map>

#include "encode/dtoon.hpp"
#include "encode/writers.hpp"

namespace deepcompress {
namespace {

// Code point at s[i] (advances i); invalid bytes come back as U+FFFD, one byte each.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  std::size_t n = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) {
    ++i;
    return 0xfffd;
  }
  char32_t cp = n == 1 ? lead : lead & (0xff >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) {
      ++i;
      return 0xfffd;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  i += n;
  return cp;
}

bool is_word_char(char32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
  if (cp == 0xfffd) return false;
  if (cp >= 0xa0 && cp <= 0xbf) return false;      // Latin-1 punctuation and symbols
  if (cp == 0xd7 || cp == 0xf7) return false;      // x, division sign
  if (cp >= 0x2000 && cp <= 0x2bff) return false;  // punctuation, arrows, math, shapes (bullets)
  if (cp >= 0x3000 && cp <= 0x303f) return false;  // CJK punctuation
  if (cp >= 0xff00 && cp <= 0xff0f) return false;  // full-width punctuation
  return true;
}

std::unordered_map<std::string, std::size_t> bag_of(std::string_view text) {
  std::unordered_map<std::string, std::size_t> bag;
  for (std::string& w : words_of(text)) ++bag[std::move(w)];
  return bag;
}

double ratio_of(std::size_t compact, std::size_t faithful) {
  return faithful == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(compact) / faithful;
}

}  // namespace

WordRecall& WordRecall::operator+=(const WordRecall& o) {
  n_words += o.n_words;
  n_recalled += o.n_recalled;
  return *this;
}

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    const char32_t cp = next_code_point(text, i);
    if (is_word_char(cp)) {
      for (std::size_t k = start; k < i; ++k) {
        const char c = text[k];
        word.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
      }
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

WordRecall word_recall(std::string_view reference, std::string_view candidate) {
  const auto ref = bag_of(reference);
  const auto cand = bag_of(candidate);
  WordRecall out;
  for (const auto& [word, n] : ref) {
    out.n_words += n;
    if (auto it = cand.find(word); it != cand.end()) out.n_recalled += std::min(n, it->second);
  }
  return out;
}

std::string faithful_body(const PageResult& page, const PageStructure& structure) {
  std::vector<std::string> lines;
  std::size_t f = 0;
  for (std::size_t i = 0; i < page.lines.size(); ++i) {
    while (f < structure.furniture_lines.size() && structure.furniture_lines[f] < i) ++f;
    if (f < structure.furniture_lines.size() && structure.furniture_lines[f] == i) continue;
    lines.push_back(page.lines[i].text);
  }
  return join_lines(lines);
}

double PageStats::ratio() const { return ratio_of(n_tokens_compact, n_tokens_faithful); }
double DocumentStats::ratio() const { return ratio_of(n_tokens_compact, n_tokens_faithful); }

DocumentStats compute_stats(const DocumentResult& document, const DocumentStructure& structure,
                            const Tokenizer& tokenizer) {
  DocumentStats out;
  out.tokenizer = tokenizer.name();
  out.n_tokens_faithful = tokenizer.count(to_txt(document));
  out.n_tokens_compact = tokenizer.count(to_dtoon(structure));
  for (std::size_t p = 0; p < document.pages.size() && p < structure.pages.size(); ++p) {
    const PageResult& page = document.pages[p];
    const PageStructure& page_structure = structure.pages[p];
    PageStats& s = out.pages.emplace_back();
    s.page_number = page.page_number;
    s.n_tokens_faithful = tokenizer.count(txt_page(page));
    const std::string compact = dtoon_page(page_structure, p == 0);
    s.n_tokens_compact = tokenizer.count(compact);
    s.words = word_recall(faithful_body(page, page_structure), compact);
    out.words += s.words;
  }
  return out;
}

}  // namespace deepcompress
