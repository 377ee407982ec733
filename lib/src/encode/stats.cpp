#include "encode/stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
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

// Scales an image down so that `side` becomes target (< side); other follows, rounded down
// (at least 1 px). Integer arithmetic: no 767.9999 for 768.
void scale_side_to(int target, int& side, int& other) {
  other = std::max(1, static_cast<int>(static_cast<long long>(other) * target / side));
  side = target;
}

// Whole-word fields of one record line; parse_fields("3 4", a, b) fills a = 3, b = 4.
template <typename... T>
bool parse_fields(std::string_view text, T&... fields) {
  bool ok = true;
  const auto next = [&](auto& field) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), field);
    ok = ok && ec == std::errc() && (end == text.data() + text.size() || *end == ' ');
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  };
  (next(fields), ...);
  return ok && text.empty();
}

constexpr std::string_view kRecordHeader = "deepcompress-stats 1";

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

std::string undo_hyphenation(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '-' && i > 0 && i + 2 < text.size() && lower(text[i - 1]) && text[i + 1] == '\n' &&
        lower(text[i + 2])) {
      ++i;  // drops "-\n"
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string faithful_body(const PageResult& page, const PageStructure& structure) {
  const auto trimmed = [](std::string_view t) {  // as the txt writer trims a line
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\n' || t.back() == '\r')) {
      t.remove_suffix(1);
    }
    return t;
  };
  const auto furniture = [&](std::size_t i) {
    return std::binary_search(structure.furniture_lines.begin(), structure.furniture_lines.end(), i);
  };
  // The txt text's lines are the page's non-empty lines, a blank line between blocks: walk both
  // to keep the blank lines. A text that does not match its lines gives the lines alone.
  std::string body;
  std::string_view text = page.text;
  bool matched = !text.empty();
  bool blank = false;
  for (std::size_t i = 0; i < page.lines.size() && matched; ++i) {
    const std::string_view line = trimmed(page.lines[i].text);
    if (line.empty()) continue;
    while (true) {
      const std::size_t end = std::min(text.find('\n'), text.size());
      const std::string_view text_line = text.substr(0, end);
      text.remove_prefix(std::min(end + 1, text.size()));
      if (text_line == line) break;
      if (!trimmed(text_line).empty() || text.empty()) {
        matched = false;
        break;
      }
      blank = true;
    }
    if (!matched || furniture(i)) continue;
    body += blank && !body.empty() ? "\n\n" : body.empty() ? "" : "\n";
    body += line;
    blank = false;
  }
  if (!matched) {
    body.clear();
    for (std::size_t i = 0; i < page.lines.size(); ++i) {
      if (!furniture(i)) body += page.lines[i].text + "\n";
    }
  }
  return undo_hyphenation(body);
}

std::size_t image_tokens(const ImageTokenFormula& f, int width_px, int height_px) {
  if (width_px <= 0 || height_px <= 0) return 0;
  int w = width_px;
  int h = height_px;
  // Scales down so that the longer (longer = true) or the shorter side is at most limit.
  const auto limit_side = [&](int limit, bool longer) {
    int& side = (w >= h) == longer ? w : h;
    int& other = &side == &w ? h : w;
    if (side > limit) scale_side_to(limit, side, other);
  };
  if (f.kind == ImageTokenFormula::Kind::kTiles) {
    limit_side(f.fit_px, true);
    limit_side(f.short_side_px, false);
    const auto tiles = [&](int side) { return (static_cast<std::size_t>(side) + f.tile_px - 1) / f.tile_px; };
    return static_cast<std::size_t>(f.base_tokens) +
           static_cast<std::size_t>(f.tile_tokens) * tiles(w) * tiles(h);
  }
  limit_side(f.long_side_px, true);
  const auto n_px = [&] { return static_cast<std::size_t>(w) * static_cast<std::size_t>(h); };
  const std::size_t max_px = static_cast<std::size_t>(f.max_tokens) * f.px_per_token;
  if (n_px() > max_px) {
    const double factor = std::sqrt(static_cast<double>(max_px) / static_cast<double>(n_px()));
    w = std::max(1, static_cast<int>(w * factor));
    h = std::max(1, static_cast<int>(h * factor));
    while (n_px() > max_px) (w >= h ? w : h) -= 1;  // rounding could leave one pixel row too many
  }
  return (n_px() + f.px_per_token - 1) / f.px_per_token;
}

double PageStats::ratio() const { return ratio_of(n_tokens_compact, n_tokens_faithful); }
double PageStats::ratio_image() const { return ratio_of(n_tokens_compact, n_tokens_image); }
double DocumentStats::ratio() const { return ratio_of(n_tokens_compact, n_tokens_faithful); }
double DocumentStats::ratio_image() const { return ratio_of(n_tokens_compact, n_tokens_image); }

DocumentStats& DocumentStats::operator+=(const DocumentStats& o) {
  if (tokenizer.empty()) tokenizer = o.tokenizer;
  n_tokens_faithful += o.n_tokens_faithful;
  n_tokens_compact += o.n_tokens_compact;
  n_tokens_image += o.n_tokens_image;
  words += o.words;
  n_furniture_lines += o.n_furniture_lines;
  for (const auto& [type, n] : o.n_redactions) n_redactions[type] += n;
  return *this;
}

CostEstimate& CostEstimate::operator+=(const CostEstimate& o) {
  n_tokens_image += o.n_tokens_image;
  usd_faithful += o.usd_faithful;
  usd_compact += o.usd_compact;
  usd_image += o.usd_image;
  return *this;
}

std::vector<CostEstimate> estimate_cost(const PriceTable& table, const DocumentStats& stats) {
  std::vector<CostEstimate> out;
  for (const ModelPrice& model : table.models) {
    CostEstimate& c = out.emplace_back();
    c.model = model.name;
    for (const PageStats& page : stats.pages)
      c.n_tokens_image += image_tokens(model.image, page.width_px, page.height_px);
    const double usd_per_token = model.usd_per_1m_input_tokens / 1e6;
    c.usd_faithful = usd_per_token * static_cast<double>(stats.n_tokens_faithful);
    c.usd_compact = usd_per_token * static_cast<double>(stats.n_tokens_compact);
    c.usd_image = usd_per_token * static_cast<double>(c.n_tokens_image);
  }
  return out;
}

std::string to_stats_record(const DocumentStats& stats, const std::vector<Redaction>& redactions) {
  std::string out(kRecordHeader);
  out += fmt::format("\ntokenizer {}\ndocument {} {} {} {} {} {}\n", stats.tokenizer, stats.n_tokens_faithful,
                     stats.n_tokens_compact, stats.n_tokens_image, stats.words.n_words,
                     stats.words.n_recalled, stats.n_furniture_lines);
  for (const PageStats& p : stats.pages) {
    out += fmt::format("page {} {} {} {} {} {} {} {}\n", p.page_number, p.width_px, p.height_px,
                       p.n_tokens_faithful, p.n_tokens_compact, p.n_tokens_image, p.words.n_words,
                       p.words.n_recalled);
  }
  for (const Redaction& r : redactions) {
    out += fmt::format("redaction {} {} {} {} {}\n", r.page_number, r.line_index, r.offset_bytes,
                       r.length_bytes, r.type);
  }
  return out;
}

bool parse_stats_record(std::string_view text, DocumentStats& stats, std::vector<Redaction>& redactions) {
  stats = DocumentStats{};
  redactions.clear();
  bool has_document = false;
  bool first = true;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    if (end == std::string_view::npos) return false;  // every line ends with a newline
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    if (first) {
      if (line != kRecordHeader) return false;
      first = false;
      continue;
    }
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) return false;
    const std::string_view tag = line.substr(0, space);
    const std::string_view rest = line.substr(space + 1);
    if (tag == "tokenizer") {
      stats.tokenizer = rest;
    } else if (tag == "document") {
      has_document = parse_fields(rest, stats.n_tokens_faithful, stats.n_tokens_compact, stats.n_tokens_image,
                                  stats.words.n_words, stats.words.n_recalled, stats.n_furniture_lines);
      if (!has_document) return false;
    } else if (tag == "page") {
      PageStats& p = stats.pages.emplace_back();
      if (!parse_fields(rest, p.page_number, p.width_px, p.height_px, p.n_tokens_faithful, p.n_tokens_compact,
                        p.n_tokens_image, p.words.n_words, p.words.n_recalled)) {
        return false;
      }
    } else if (tag == "redaction") {
      Redaction& r = redactions.emplace_back();
      const std::size_t last = rest.rfind(' ');
      if (last == std::string_view::npos || last + 1 == rest.size()) return false;
      if (!parse_fields(rest.substr(0, last), r.page_number, r.line_index, r.offset_bytes, r.length_bytes)) {
        return false;
      }
      r.type = rest.substr(last + 1);
      ++stats.n_redactions[r.type];
    } else {
      return false;
    }
  }
  return has_document && !stats.tokenizer.empty();
}

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
    s.width_px = page.width_px;
    s.height_px = page.height_px;
    s.n_tokens_faithful = tokenizer.count(txt_page(page));
    const std::string compact = dtoon_page(page_structure, p == 0);
    s.n_tokens_compact = tokenizer.count(compact);
    s.n_tokens_image = image_tokens(kImageBaseline, page.width_px, page.height_px);
    s.words = word_recall(faithful_body(page, page_structure), undo_hyphenation(compact));
    // Level 0 keeps furniture in the compact text: nothing to list then.
    for (std::size_t i : page_structure.furniture_lines) {
      if (structure.level >= 1 && i < page.lines.size()) s.furniture.push_back(page.lines[i].text);
    }
    out.n_tokens_image += s.n_tokens_image;
    out.words += s.words;
    out.n_furniture_lines += s.furniture.size();
  }
  for (const Redaction& r : document.redactions) ++out.n_redactions[r.type];
  return out;
}

}  // namespace deepcompress
