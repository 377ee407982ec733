#include "encode/structure.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/geometry.hpp"

namespace deepcompress {
namespace {

// Thresholds (line heights h are box heights in page px):
constexpr float kFurnitureBand = 0.08f;    // top/bottom share of the page holding furniture
constexpr int kFurnitureMinPages = 2;      // repeated text must be on this many pages
constexpr float kHeadingHeight = 1.3f;     // heading: box height >= this x median h
constexpr float kTitleHeight = 1.8f;       // ... and a level-1 heading at this x median h
constexpr std::size_t kHeadingMaxWords = 10;
// Paragraph break: this much more whitespace (x median h) than the page's usual line gap.
// Finer than layout/reading_order.cpp's blank-line rule (0.9 h), which keeps the txt
// output's blocks: on tests/fixtures/sample.pdf lines of a paragraph are 5-15 px apart
// and paragraphs 25-31 px, at h = 40 px.
constexpr float kBlockExtraGap = 0.3f;

using Box = BoxF;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

std::size_t n_words(std::string_view text) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : text) {
    if (is_space(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++n;
    }
  }
  return n;
}

// Furniture key: lower-case ASCII, each digit run -> '#'.
std::string furniture_key(std::string_view text) {
  std::string key;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_digit(c)) {
      if (key.empty() || key.back() != '#') key.push_back('#');
      continue;
    }
    key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return key;
}

// "12", "- 12 -", "Page 12", "page 3 of 10", "3/10", "xii".
bool is_page_number(std::string_view text) {
  std::string t;
  for (char c : text) t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  const auto strip = [&](std::string_view chars) {
    while (!t.empty() && chars.find(t.front()) != std::string_view::npos) t.erase(0, 1);
    while (!t.empty() && chars.find(t.back()) != std::string_view::npos) t.pop_back();
  };
  strip(" -|\xe2\x80\x93\x94");  // '-', '|', and the bytes of en/em dashes
  if (t.empty()) return false;
  if (t.size() <= 6 && t.find_first_not_of("ivxlc") == std::string::npos) return true;
  for (std::string_view prefix : {"page", "p."}) {
    if (t.starts_with(prefix)) {
      t.erase(0, prefix.size());
      strip(" ");
      break;
    }
  }
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t start = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    return i > start;
  };
  const auto spaces = [&] {
    while (i < t.size() && t[i] == ' ') ++i;
  };
  if (!digits()) return false;
  spaces();
  if (i == t.size()) return true;
  if (t.compare(i, 2, "of") == 0) {
    i += 2;
  } else if (t[i] == '/') {
    ++i;
  } else {
    return false;
  }
  spaces();
  return digits() && i == t.size();
}

// "1. ", "2) " (ordered list marker followed by text); returns the marker length or 0.
std::size_t ordered_marker(std::string_view t) {
  std::size_t i = 0;
  while (i < t.size() && is_digit(t[i])) ++i;
  if (i == 0 || i > 3 || i + 1 >= t.size()) return 0;
  if ((t[i] != '.' && t[i] != ')') || t[i + 1] != ' ') return 0;
  return i + 1;
}

// Bullet marker length ("• ", "•", "- ", "* ", "· ", "▪ ") or 0.
std::size_t bullet_marker(std::string_view t) {
  for (std::string_view b : {"\xe2\x80\xa2", "\xc2\xb7", "\xe2\x96\xaa", "\xe2\x97\x8f"}) {  // • · ▪ ●
    if (t.starts_with(b) && t.size() > b.size()) return b.size() + (t[b.size()] == ' ' ? 1 : 0);
  }
  if (t.size() > 2 && (t[0] == '-' || t[0] == '*') && t[1] == ' ') return 2;
  return 0;
}

// "1. Introduction", "2.3 Results", "4 . Methods": a section number, then text.
// Returns the number of components (1 for "1.", 2 for "2.3"), or 0.
int section_number(std::string_view t) {
  std::size_t i = 0;
  int n_parts = 0;
  bool dotted = false;
  while (true) {
    const std::size_t start = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i == start || i - start > 3) return 0;
    ++n_parts;
    if (i < t.size() && t[i] == '.') {
      dotted = true;
      ++i;
      if (i < t.size() && is_digit(t[i])) continue;
    }
    break;
  }
  if (!dotted || i >= t.size() || t[i] != ' ') return 0;
  while (i < t.size() && t[i] == ' ') ++i;
  return i < t.size() ? n_parts : 0;
}

bool ends_sentence(std::string_view t) {
  return !t.empty() && (t.back() == '.' || t.back() == '!' || t.back() == '?' || t.back() == ':');
}

struct Line {
  std::size_t index;
  Box box;
  std::string text;  // collapsed
};

// Per page: the lines with text and which of them sit in the furniture bands.
struct PageLines {
  std::vector<Line> lines;
  std::vector<int> band;  // per line: -1 top, +1 bottom, 0 body
};

PageLines page_lines(const PageResult& page) {
  PageLines out;
  for (std::size_t i = 0; i < page.lines.size(); ++i) {
    std::string text = collapse_whitespace(page.lines[i].text);
    if (text.empty()) continue;
    const Box box = bounds(page.lines[i]);
    int band = 0;
    if (page.height_px > 0) {
      if (box.cy() < kFurnitureBand * page.height_px) band = -1;
      if (box.cy() > (1.0f - kFurnitureBand) * page.height_px) band = 1;
    }
    out.lines.push_back({i, box, std::move(text)});
    out.band.push_back(band);
  }
  return out;
}

void add_block(PageStructure& page, BlockKind kind, int level, bool ordered, std::vector<std::string>& lines) {
  if (lines.empty()) return;
  std::string text = join_lines(lines);
  lines.clear();
  if (text.empty()) return;
  page.blocks.push_back({kind, level, ordered, std::move(text)});
}

// Blocks of one page from its non-furniture lines (reading order kept).
void build_blocks(const std::vector<Line>& lines, PageStructure& out) {
  if (lines.empty()) return;
  std::vector<float> heights;
  for (const Line& l : lines) heights.push_back(l.box.h());
  const float h = std::max(median(heights), 1.0f);
  std::vector<float> gaps;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const Box& a = lines[i - 1].box;
    const Box& b = lines[i].box;
    if (b.cy() > a.cy() && std::min(a.x1, b.x1) - std::max(a.x0, b.x0) > 0) gaps.push_back(b.y0 - a.y1);
  }
  const float usual_gap = gaps.empty() ? 0.0f : std::min(median(gaps), h);
  const float break_gap = usual_gap + kBlockExtraGap * h;
  const auto new_block = [&](const Box& a, const Box& b) {
    return b.cy() <= a.cy() || std::min(a.x1, b.x1) - std::max(a.x0, b.x0) <= 0 || b.y0 - a.y1 > break_gap;
  };

  // Split into blocks of consecutive lines with normal spacing.
  std::vector<std::vector<const Line*>> blocks;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i == 0 || new_block(lines[i - 1].box, lines[i].box)) blocks.emplace_back();
    blocks.back().push_back(&lines[i]);
  }

  for (const auto& block : blocks) {
    BlockKind kind = BlockKind::kParagraph;
    int level = 0;
    bool ordered = false;
    std::vector<std::string> current;
    for (std::size_t k = 0; k < block.size(); ++k) {
      const Line& line = *block[k];
      const std::string& t = line.text;
      const bool short_line = n_words(t) <= kHeadingMaxWords && t.back() != '.';
      const float ratio = line.box.h() / h;
      // A heading has a letter: a column of tall page numbers is not one.
      const bool has_letter = std::any_of(t.begin(), t.end(), [](char c) {
        return std::isalpha(static_cast<unsigned char>(c)) != 0 || static_cast<unsigned char>(c) >= 0x80;
      });
      const bool tall = short_line && has_letter && ratio >= kHeadingHeight;
      const bool last = k + 1 == block.size();
      const bool after_item = !current.empty() && kind == BlockKind::kListItem;
      const int section = short_line && last && !after_item && (k == 0 || ends_sentence(block[k - 1]->text))
                              ? section_number(t)
                              : 0;
      if (tall) {
        const int line_level = ratio >= kTitleHeight ? 1 : 2;
        // Consecutive tall lines form one (multi-line) heading.
        if (kind != BlockKind::kHeading || current.empty()) {
          add_block(out, kind, level, ordered, current);
          kind = BlockKind::kHeading;
          level = line_level;
          ordered = false;
        }
        level = std::min(level, line_level);
        current.push_back(t);
        continue;
      }
      if (section > 0) {
        add_block(out, kind, level, ordered, current);
        current.push_back(t);
        add_block(out, BlockKind::kHeading, std::min(section + 1, 3), false, current);
        kind = BlockKind::kParagraph;
        continue;
      }
      if (const std::size_t n = bullet_marker(t); n > 0) {
        add_block(out, kind, level, ordered, current);
        kind = BlockKind::kListItem;
        ordered = false;
        current.push_back(t.substr(n));
        continue;
      }
      if (ordered_marker(t) > 0) {
        add_block(out, kind, level, ordered, current);
        kind = BlockKind::kListItem;
        ordered = true;
        current.push_back(t);
        continue;
      }
      if (kind == BlockKind::kHeading) add_block(out, kind, level, ordered, current);
      if (current.empty()) {
        kind = BlockKind::kParagraph;
        ordered = false;
      }
      current.push_back(t);  // continues a paragraph or a list item
    }
    add_block(out, kind, level, ordered, current);
  }
}

}  // namespace

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (is_space(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& raw : lines) {
    std::string line = collapse_whitespace(raw);
    if (line.empty()) continue;
    if (out.empty()) {
      out = std::move(line);
      continue;
    }
    const std::size_t n = out.size();
    if (n >= 2 && out[n - 1] == '-' && is_lower(out[n - 2]) && is_lower(line.front())) {
      out.pop_back();
    } else {
      out.push_back(' ');
    }
    out += line;
  }
  return out;
}

std::string document_name(std::string_view path) {
  const auto slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

DocumentStructure analyze_structure(const DocumentResult& document) {
  DocumentStructure out;
  out.name = document_name(document.path);
  std::vector<PageLines> pages;
  pages.reserve(document.pages.size());
  for (const PageResult& page : document.pages) pages.push_back(page_lines(page));

  // On how many pages each band text (digits normalised) appears.
  std::map<std::string, int> n_pages_with;
  for (const PageLines& p : pages) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < p.lines.size(); ++i) {
      if (p.band[i] == 0) continue;
      seen.insert((p.band[i] < 0 ? "t:" : "b:") + furniture_key(p.lines[i].text));
    }
    for (const std::string& key : seen) ++n_pages_with[key];
  }

  for (std::size_t p = 0; p < pages.size(); ++p) {
    PageStructure& page = out.pages.emplace_back();
    page.page_number = document.pages[p].page_number;
    std::vector<Line> body;
    for (std::size_t i = 0; i < pages[p].lines.size(); ++i) {
      const Line& line = pages[p].lines[i];
      const int band = pages[p].band[i];
      bool furniture = false;
      if (band != 0) {
        const std::string key = (band < 0 ? "t:" : "b:") + furniture_key(line.text);
        furniture = n_pages_with[key] >= kFurnitureMinPages || is_page_number(line.text);
      }
      if (furniture) {
        page.furniture_lines.push_back(line.index);
      } else {
        body.push_back(line);
      }
    }
    build_blocks(body, page);
  }
  // A document whose largest heading is only 1.3x its text still has a title level.
  int top_level = 4;
  for (const PageStructure& page : out.pages) {
    for (const Block& b : page.blocks) {
      if (b.kind == BlockKind::kHeading) top_level = std::min(top_level, b.level);
    }
  }
  if (top_level > 1 && top_level < 4) {
    for (PageStructure& page : out.pages) {
      for (Block& b : page.blocks) {
        if (b.kind == BlockKind::kHeading) b.level -= top_level - 1;
      }
    }
  }
  return out;
}

}  // namespace deepcompress
