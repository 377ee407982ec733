#include "pdf/text_layer.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include <fmt/format.h>

namespace deepcompress {
namespace {

// ---- Grouping words into lines (units: the taller word's height h) --------
// Poppler's word boxes span the font's ascender to descender, about 1.16 em:
// word spaces are ~0.3 h, justified lines stretch them to ~0.5 h, column
// gutters are >= 0.85 h (LaTeX's default 10 pt at 10 pt), mostly 1.5-2 h. A
// line breaks at gaps wider than kMaxWordGap; the layout module rejoins
// pieces that no gutter separates.
constexpr float kMaxWordGap = 0.7f;
// A gap this wide is a space even when Poppler did not mark one.
constexpr float kSpaceGap = 0.15f;
// Kerned or overlapping glyphs: a word may start this far left of the
// previous word's end and still continue the line.
constexpr float kMaxOverlap = 0.3f;

// ---- Garbage thresholds (measured; see docs, "Text layer") -----------------
constexpr double kMaxUnmappedShare = 0.10;
// Vowels are counted in runs of at least kMinRunLetters Latin letters, so
// that formulas (single-letter variables) do not count.
constexpr int kMinRunLetters = 3;
constexpr int kMinLettersForVowels = 60;
constexpr double kMinVowelShare = 0.20;
constexpr int kMinCharsForSymbolWords = 100;
constexpr double kMaxSymbolWordShare = 0.60;

// ---- Coverage (probe pixels darker than kInkLevel are ink) -----------------
constexpr std::uint8_t kInkLevel = 160;
// Blobs of ink this tall (points) may be glyphs, words or lines of text.
constexpr double kMinTextHeightPt = 3;
constexpr double kMaxTextHeightPt = 20;
// Text never fills its bounding box solid (blobs of at least kMinSolidBoxPx
// box pixels are judged; smaller ones are single glyphs at the probe's dpi).
constexpr double kMaxTextFill = 0.8;
constexpr std::int64_t kMinSolidBoxPx = 24;
// More text-like ink outside the text layer than inside it: OCR the page.
constexpr double kMaxTextlikeOutside = 1.0;
// Horizontal rules (footer and header rules, table rules, underlines) are not
// text: the pixels of a run of ink at least kMinRuleLengthPt long, each with at
// most kMaxRuleThicknessPt of ink in its column, do not count as text-like even
// in a text-like blob. At 36 dpi a footer rule touches the page number under it
// and makes one blob, as tall as text, with it. (Blobs stay as they are: cutting
// a plot's grid lines out would leave its curves in pieces as tall as text.)
constexpr double kMinRuleLengthPt = 36;
constexpr double kMaxRuleThicknessPt = 3;

bool same_row(const BoxF& a, const BoxF& b) {
  const float overlap = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
  return overlap > 0.5f * std::min(a.h(), b.h());
}

BoxF unite(const BoxF& a, const BoxF& b) {
  return {std::min(a.x0, b.x0), std::min(a.y0, b.y0), std::max(a.x1, b.x1), std::max(a.y1, b.y1)};
}

// Decodes UTF-8; an invalid or truncated sequence yields U+FFFD per byte.
std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const int n_extra = lead < 0x80             ? 0
                        : (lead & 0xE0) == 0xC0 ? 1
                        : (lead & 0xF0) == 0xE0 ? 2
                        : (lead & 0xF8) == 0xF0 ? 3
                                                : -1;
    char32_t cp = n_extra <= 0 ? lead : lead & (0x3F >> n_extra);
    bool valid = n_extra >= 0 && i + n_extra < s.size();
    for (int k = 1; valid && k <= n_extra; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      valid = (next & 0xC0) == 0x80;
      cp = (cp << 6) | (next & 0x3F);
    }
    if (!valid) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += 1 + n_extra;
  }
  return out;
}

std::size_t count_code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

TextLine make_line(const std::string& text, const BoxF& box) {
  TextLine line;
  line.quad = {PointF{box.x0, box.y0}, PointF{box.x1, box.y0}, PointF{box.x1, box.y1},
               PointF{box.x0, box.y1}};
  line.text = text;
  line.confidence = 1.0f;
  line.char_confidences.assign(count_code_points(text), 1.0f);
  return line;
}

// Characters that a font without a usable Unicode map produces.
bool is_unmapped(char32_t c) {
  return (c < 0x20 && c != '\t') || (c >= 0x7F && c <= 0x9F) || c == 0xFFFD || c == 0xFFFE ||
         c == 0xFFFF || (c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000;
}

bool is_latin_letter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Letters of any script, approximately: ASCII letters, and code points from
// Latin-1 on outside the punctuation and symbol blocks.
bool is_letter(char32_t c) {
  if (c < 0x80) return is_latin_letter(c);
  if (c < 0xC0 || c == 0xD7 || c == 0xF7) return false;  // Latin-1 symbols, x, division
  if (c >= 0x2000 && c <= 0x2BFF) return false;          // punctuation, arrows, math, boxes
  if (c >= 0x3000 && c <= 0x303F) return false;          // CJK punctuation
  if (c >= 0xFF00 && c <= 0xFF0F) return false;          // full-width punctuation
  return !is_unmapped(c);
}

bool is_vowel(char32_t c) {
  switch (c) {
    case 'a': case 'e': case 'i': case 'o': case 'u': case 'y':
    case 'A': case 'E': case 'I': case 'O': case 'U': case 'Y':
      return true;
    default:
      return false;
  }
}

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }

// Punctuation that may open or close a normal word: "(see", "it's.", "[1],".
bool is_edge_punct(char32_t c) {
  constexpr std::u32string_view kEdge = U"([{<\"'`*.,;:!?)]}>\u2018\u2019\u201C\u201D\u00AB\u00BB\u00BF\u00A1";
  return kEdge.find(c) != std::u32string_view::npos;
}

// A word whose core (without opening and closing punctuation) has more
// symbols than letters and digits, or an unmapped character: what glyph ids
// shown as ASCII look like ("'0#$#&/$#"). Dot leaders and lone dashes have
// no core and do not count.
bool is_symbol_word(const std::vector<char32_t>& word) {
  std::size_t begin = 0;
  std::size_t end = word.size();
  while (begin < end && is_edge_punct(word[begin])) ++begin;
  while (end > begin && is_edge_punct(word[end - 1])) --end;
  std::size_t n_alnum = 0;
  for (std::size_t i = begin; i < end; ++i) {
    if (is_unmapped(word[i])) return true;
    n_alnum += is_letter(word[i]) || is_digit(word[i]);
  }
  return end > begin && end - begin - n_alnum > n_alnum;
}

// The pixels of thin horizontal rules in ink (w x h, 1 = ink), as a mask.
std::vector<std::uint8_t> rule_pixels(const std::vector<std::uint8_t>& ink, int w, int h, double px_per_pt) {
  const int max_thickness = std::max(2, static_cast<int>(std::lround(kMaxRuleThicknessPt * px_per_pt)));
  const int min_length = static_cast<int>(std::lround(kMinRuleLengthPt * px_per_pt));
  // thin[i]: pixel i is ink and its column's run of ink through it is at most max_thickness
  // tall; then only rows' runs of thin pixels at least min_length long stay set.
  std::vector<std::uint8_t> thin(ink.size(), 0);
  for (int x = 0; x < w; ++x) {
    int y = 0;
    while (y < h) {
      if (!ink[static_cast<std::size_t>(y) * w + x]) {
        ++y;
        continue;
      }
      int end = y;
      while (end < h && ink[static_cast<std::size_t>(end) * w + x]) ++end;
      if (end - y <= max_thickness) {
        for (int k = y; k < end; ++k) thin[static_cast<std::size_t>(k) * w + x] = 1;
      }
      y = end;
    }
  }
  for (int y = 0; y < h; ++y) {
    const std::size_t row = static_cast<std::size_t>(y) * w;
    int x = 0;
    while (x < w) {
      if (!thin[row + x]) {
        ++x;
        continue;
      }
      int end = x;
      while (end < w && thin[row + end]) ++end;
      if (end - x < min_length) std::fill(thin.begin() + row + x, thin.begin() + row + end, 0);
      x = end;
    }
  }
  return thin;
}

int percent(double share) { return static_cast<int>(std::lround(100.0 * share)); }

}  // namespace

namespace {

std::string font_key(std::string_view name) {
  if (const auto plus = name.find('+'); plus != std::string_view::npos && plus <= 6) name.remove_prefix(plus + 1);
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

bool contains_any(const std::string& key, std::initializer_list<std::string_view> parts) {
  return std::any_of(parts.begin(), parts.end(), [&](std::string_view p) { return key.find(p) != std::string::npos; });
}

}  // namespace

bool font_is_monospace(std::string_view font_name) {
  const std::string key = font_key(font_name);
  return contains_any(key, {"mono", "courier", "consol", "typewriter", "fixed", "menlo", "monaco"}) ||
         key.starts_with("cmtt") || key.starts_with("sftt") || key.starts_with("lmtt") || key.starts_with("ectt") ||
         key.starts_with("txtt") || key.starts_with("rm-lmtt");
}

bool font_is_bold(std::string_view font_name) {
  const std::string key = font_key(font_name);
  return contains_any(key, {"bold", "black", "heavy", "demi"}) || key.starts_with("cmbx") || key.starts_with("sfbx") ||
         key.starts_with("lmbx") || key.starts_with("ecbx");
}

std::vector<TextLine> words_to_lines(const std::vector<PdfWord>& words) {
  std::vector<TextLine> lines;
  std::string text;
  BoxF line_box;
  bool monospace = true;
  bool bold = true;
  const PdfWord* previous = nullptr;
  auto flush = [&] {
    if (!text.empty()) {
      lines.push_back(make_line(text, line_box));
      lines.back().monospace = monospace;
      lines.back().bold = bold;
    }
    text.clear();
    monospace = bold = true;
  };
  for (const PdfWord& word : words) {
    if (word.text.empty()) continue;
    bool continues = false;
    float gap = 0;
    if (previous != nullptr && same_row(previous->box, word.box)) {
      const float h = std::max(previous->box.h(), word.box.h());
      gap = word.box.x0 - previous->box.x1;
      continues = gap >= -kMaxOverlap * h && gap <= kMaxWordGap * h;
      if (continues && (previous->space_after || gap > kSpaceGap * h)) text += ' ';
    }
    if (continues) {
      line_box = unite(line_box, word.box);
    } else {
      flush();
      line_box = word.box;
    }
    text += word.text;
    monospace = monospace && word.monospace;
    bold = bold && word.bold;
    previous = &word;
  }
  flush();
  return lines;
}

GlyphStats glyph_stats(const std::vector<TextLine>& lines) {
  GlyphStats stats;
  int run_letters = 0;  // the current run of Latin letters
  int run_vowels = 0;
  auto end_run = [&] {
    if (run_letters >= kMinRunLetters) {
      stats.n_run_letters += run_letters;
      stats.n_run_vowels += run_vowels;
    }
    run_letters = run_vowels = 0;
  };
  std::vector<char32_t> word;
  auto end_word = [&] {
    if (is_symbol_word(word)) stats.n_symbol_word_chars += static_cast<int>(word.size());
    word.clear();
  };
  for (const TextLine& line : lines) {
    for (char32_t c : code_points(line.text)) {
      if (is_latin_letter(c)) {
        ++run_letters;
        run_vowels += is_vowel(c);
      } else {
        end_run();
      }
      if (c == ' ') {
        end_word();
        continue;
      }
      word.push_back(c);
      ++stats.n_chars;
      stats.n_unmapped += is_unmapped(c);
    }
    end_run();
    end_word();
  }
  return stats;
}

std::string garbage_reason(const GlyphStats& s) {
  const auto share = [](int part, int whole) { return static_cast<double>(part) / whole; };
  if (s.n_chars > 0 && share(s.n_unmapped, s.n_chars) > kMaxUnmappedShare) {
    return fmt::format("text layer is garbage ({}% unmapped glyphs)", percent(share(s.n_unmapped, s.n_chars)));
  }
  if (s.n_chars >= kMinCharsForSymbolWords && share(s.n_symbol_word_chars, s.n_chars) > kMaxSymbolWordShare) {
    return fmt::format("text layer is garbage ({}% of the text is symbol words)",
                       percent(share(s.n_symbol_word_chars, s.n_chars)));
  }
  if (s.n_run_letters >= kMinLettersForVowels && share(s.n_run_vowels, s.n_run_letters) < kMinVowelShare) {
    return fmt::format("text layer is garbage (vowels are {}% of letters)",
                       percent(share(s.n_run_vowels, s.n_run_letters)));
  }
  return {};
}

InkCoverage ink_coverage(const Image& gray, double probe_dpi, double page_dpi,
                         const std::vector<TextLine>& lines) {
  const int w = gray.width_px;
  const int h = gray.height_px;
  InkCoverage c;
  c.n_page_px = static_cast<std::int64_t>(w) * h;
  if (gray.n_channels != 1 || gray.pixels.size() != static_cast<std::size_t>(c.n_page_px)) return c;
  const float scale = static_cast<float>(probe_dpi / page_dpi);
  // Text boxes grown by one pixel: antialiased glyph edges bleed out of them.
  std::vector<std::uint8_t> in_text(gray.pixels.size(), 0);
  // Clamped while still floating point: a corrupt box may hold huge values (or NaN: 0).
  const auto to_px = [](float v, int limit) {
    return v > 0 ? static_cast<int>(std::min(v, static_cast<float>(limit))) : 0;
  };
  for (const TextLine& line : lines) {
    const BoxF b = bounds(line);
    const int x0 = to_px(std::floor(b.x0 * scale) - 1, w);
    const int x1 = to_px(std::ceil(b.x1 * scale) + 1, w);
    const int y0 = to_px(std::floor(b.y0 * scale) - 1, h);
    const int y1 = to_px(std::ceil(b.y1 * scale) + 1, h);
    for (int y = y0; y < y1; ++y) {
      std::fill(in_text.begin() + static_cast<std::ptrdiff_t>(y) * w + x0,
                in_text.begin() + static_cast<std::ptrdiff_t>(y) * w + x1, 1);
    }
  }
  // 1 = ink not yet visited.
  std::vector<std::uint8_t> ink(gray.pixels.size(), 0);
  for (std::size_t i = 0; i < gray.pixels.size(); ++i) {
    ink[i] = gray.pixels[i] < kInkLevel;
    c.n_ink_px += ink[i];
    c.n_ink_in_text_px += ink[i] && in_text[i];
  }
  const std::vector<std::uint8_t> rule = rule_pixels(ink, w, h, probe_dpi / 72.0);
  // 8-connected blobs of ink; text-like ones are as tall as a glyph or a line
  // of text and, when big enough to tell, not filled solid. Their pixels count
  // inside or outside the text boxes by where they lie.
  const double px_per_pt = probe_dpi / 72.0;
  const int min_h = std::max(2, static_cast<int>(std::lround(kMinTextHeightPt * px_per_pt)));
  const int max_h = static_cast<int>(std::lround(kMaxTextHeightPt * px_per_pt));
  std::vector<int> stack;
  for (int start = 0; start < w * h; ++start) {
    if (!ink[start]) continue;
    ink[start] = 0;
    stack.assign(1, start);
    int bx0 = w, by0 = h, bx1 = -1, by1 = -1;
    std::int64_t n_px = 0;
    std::int64_t n_counted_px = 0;  // not rule pixels
    std::int64_t n_counted_in_text_px = 0;
    while (!stack.empty()) {
      const int i = stack.back();
      stack.pop_back();
      const int x = i % w;
      const int y = i / w;
      ++n_px;
      n_counted_px += !rule[i];
      n_counted_in_text_px += !rule[i] && in_text[i];
      bx0 = std::min(bx0, x);
      bx1 = std::max(bx1, x);
      by0 = std::min(by0, y);
      by1 = std::max(by1, y);
      for (int ny = std::max(y - 1, 0); ny <= std::min(y + 1, h - 1); ++ny) {
        for (int nx = std::max(x - 1, 0); nx <= std::min(x + 1, w - 1); ++nx) {
          const int n = ny * w + nx;
          if (ink[n]) {
            ink[n] = 0;
            stack.push_back(n);
          }
        }
      }
    }
    const std::int64_t box_px = static_cast<std::int64_t>(bx1 - bx0 + 1) * (by1 - by0 + 1);
    const bool solid = box_px >= kMinSolidBoxPx && n_px > kMaxTextFill * box_px;
    const int bh = by1 - by0 + 1;
    if (bh >= min_h && bh <= max_h && !solid) {
      c.n_textlike_in_text_px += n_counted_in_text_px;
      c.n_textlike_outside_px += n_counted_px - n_counted_in_text_px;
    }
  }
  return c;
}

std::string coverage_reason(const InkCoverage& coverage) {
  if (coverage.n_textlike_outside_px > kMaxTextlikeOutside * coverage.n_textlike_in_text_px) {
    return fmt::format("text layer covers {}% of the inked page",
                       percent(coverage.ink_in_text_share()));
  }
  return {};
}

}  // namespace deepcompress
