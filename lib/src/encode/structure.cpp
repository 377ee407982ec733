#include "encode/structure.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "common/geometry.hpp"

namespace deepcompress {
namespace {

// Thresholds (line heights h are box heights in page px; "x h" = times the page's median h):
constexpr float kFurnitureBand = 0.08f;    // top/bottom share of the page holding furniture
constexpr int kFurnitureMinPages = 2;      // repeated text must be on this many pages
// A running header that changes per chapter ("Chapter 1: Introduction", "Chapter 2: ...")
// shares its first word with band lines of this many pages, has at most this many words,
// and no other line lies within this x its height on the body side.
constexpr int kRunningMinPages = 3;
constexpr std::size_t kRunningMaxWords = 10;
constexpr float kRunningClearance = 1.0f;
constexpr float kHeadingHeight = 1.3f;     // heading: box height >= this x median h
constexpr float kTitleHeight = 1.8f;       // ... and a level-1 heading at this x median h
constexpr std::size_t kHeadingMaxWords = 10;
// Paragraph break: this much more whitespace (x median h) than the page's usual line gap.
// Finer than layout/reading_order.cpp's blank-line rule (0.9 h), which keeps the txt
// output's blocks: on tests/fixtures/sample.pdf lines of a paragraph are 5-15 px apart
// and paragraphs 25-31 px, at h = 40 px.
constexpr float kBlockExtraGap = 0.3f;
// The usual line gap is a low quantile of the document's gaps between a prose line and the
// next one below it in its column: on pages of short paragraphs (a manual's option list) the median gap
// is the paragraph gap, which would then split nothing.
constexpr float kLineGapQuantile = 0.2f;
// Dot leaders: at least this many leader dots ("....", ". . . .", "····"; '…' counts 3).
constexpr int kLeaderMinDots = 4;
// Tables (geometry): rows with >= 2 cells at most kTableRowGap x h apart; a row with one
// cell joins when at most kTableSingleGap x h below, and continues the cell above it (a
// wrapped cell) when at most kTableWrapGap x h below (in the first column only when the
// rows are set at least three times as far apart).
constexpr float kTableRowGap = 3.0f;
constexpr float kTableSingleGap = 1.0f;
constexpr float kTableWrapGap = 0.8f;
constexpr std::size_t kTableMinRows = 3;       // rows with >= 2 non-empty cells
constexpr float kAlignTolerance = 0.5f;        // a column's left, right or centre edges agree (x h)
constexpr float kAlignedShare = 0.8f;          // ... for this share of its cells
constexpr std::size_t kIndentLevels = 3;       // left edges may step through this many indents
constexpr std::size_t kProseWords = 6;         // median words per cell of a prose column
constexpr float kTableFill = 0.7f;             // share of the grid's cells that hold text
// Tables of contents: pages with this many dot-leader lines; a reference without leader
// belongs to a title at least kTocRefGap x h to its left.
constexpr long kTocMinLeaders = 3;
constexpr float kTocRefGap = 2.0f;
// Code: a monospaced block's widths fit a * n_chars + b within kMonoResidual x a.
constexpr float kMonoResidual = 0.35f;
constexpr float kIndentedCode = 1.5f;          // a block this far (x h) right of the page margin is indented
constexpr float kMonoMatch = 0.08f;            // a line in the same monospaced font: width per character within 8%
constexpr float kCodeJoinGap = 3.0f;           // code blocks at most this far apart (x h) are one listing
// Level 2.
constexpr float kLowConfidence = 0.6f;         // lines recognised below this confidence are dropped
constexpr std::size_t kFigureMinLines = 4;     // figure text: a run of this many label fragments
constexpr std::size_t kFragmentMaxWords = 3;
constexpr std::size_t kFragmentMaxBytes = 24;
constexpr double kFigureTextShare = 0.1;      // ... around an area this much covered by text boxes at most
constexpr std::size_t kLineNumbersMin = 4;     // a listing's line numbers: this many, counting up
constexpr std::size_t kRepeatMinWords = 8;     // shorter repeated paragraphs are kept

using Box = BoxF;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

float h_overlap(const Box& a, const Box& b) { return std::min(a.x1, b.x1) - std::max(a.x0, b.x0); }
float v_overlap(const Box& a, const Box& b) { return std::min(a.y1, b.y1) - std::max(a.y0, b.y0); }
Box unite(const Box& a, const Box& b) {
  return {std::min(a.x0, b.x0), std::min(a.y0, b.y0), std::max(a.x1, b.x1), std::max(a.y1, b.y1)};
}

bool same_row(const Box& a, const Box& b) { return v_overlap(a, b) > 0.5f * std::min(a.h(), b.h()); }

std::size_t count_code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

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

std::string trim(std::string_view t) {
  while (!t.empty() && is_space(t.front())) t.remove_prefix(1);
  while (!t.empty() && is_space(t.back())) t.remove_suffix(1);
  return std::string(t);
}

std::string lower_ascii(std::string_view t) {
  std::string out(t);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
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
  std::string t = lower_ascii(text);
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

// A table-of-contents page reference: "12", "xiv", "A-3".
bool is_page_ref(std::string_view t) {
  if (t.empty() || t.size() > 8) return false;
  const std::string l = lower_ascii(t);
  if (l.find_first_not_of("ivxlcdm") == std::string::npos) return true;
  if (!is_digit(l.back())) return false;
  return l.find_first_not_of("0123456789-.") == std::string::npos ||
         (l.size() >= 3 && is_alpha(l[0]) && l[1] == '-' && l.find_first_not_of("0123456789", 2) == std::string::npos);
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

// Numbers as table cells hold them: "12", "-3.5%", "1,024", "(7)", "$12.00", "12:30", "1/2".
bool is_numeric(std::string_view t) {
  bool digit = false;
  for (char c : t) {
    if (is_digit(c)) {
      digit = true;
    } else if (std::string_view(".,-+%$()/: ").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return digit;
}

// How much a line reads as program text: 2 for a prompt ("$ ", "% ", ">>> "), a statement
// end (';' with no space before it: not French " ;"), a brace, a comment or preprocessor
// start; 1 for an operator ("==", "->", "::", "()", ...); 0 otherwise (and for list items).
int code_cue(std::string_view t) {
  if (t.empty() || bullet_marker(t) > 0) return 0;
  const char last = t.back();
  const bool statement_end = last == ';' && (t.size() < 2 || t[t.size() - 2] != ' ');
  if (statement_end || last == '{' || last == '}' || t.front() == '}' || t.front() == '{') return 2;
  for (std::string_view p : {"$ ", "% ", ">>> ", "//", "/*", "#include", "#define", "#!"}) {
    if (t.starts_with(p)) return 2;
  }
  for (std::string_view s : {"==", "!=", "->", "::", "&&", "||", "+=", "/*", "*/", " //", "<-", ":=", "()"}) {
    if (t.find(s) != std::string_view::npos) return 1;
  }
  return 0;
}

// A word of prose: letters (and inner hyphens or apostrophes), perhaps in brackets or
// quotes, perhaps followed by punctuation.
bool is_plain_word(std::string_view w) {
  while (!w.empty() && std::string_view("(\"'").find(w.front()) != std::string_view::npos) w.remove_prefix(1);
  while (!w.empty() && std::string_view(",.;:!?)\"'").find(w.back()) != std::string_view::npos) w.remove_suffix(1);
  const auto letter = [](char c) { return is_alpha(c) || static_cast<unsigned char>(c) >= 0x80; };
  return std::any_of(w.begin(), w.end(), letter) &&
         std::all_of(w.begin(), w.end(), [&](char c) { return letter(c) || c == '-' || c == '\''; });
}

// Prose: >= 6 words, three quarters of them plain words.
bool is_prose_line(std::string_view t) {
  std::size_t n = 0;
  std::size_t n_plain = 0;
  std::size_t pos = 0;
  while (pos < t.size()) {
    std::size_t end = t.find(' ', pos);
    if (end == std::string_view::npos) end = t.size();
    if (end > pos) {
      ++n;
      n_plain += is_plain_word(t.substr(pos, end - pos));
    }
    pos = end + 1;
  }
  return n >= 6 && 4 * n_plain >= 3 * n;
}

// Code point at s[i] (advances i); invalid bytes come back as U+FFFD, one byte each.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  const std::size_t n = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) {
    ++i;
    return 0xfffd;
  }
  char32_t cp = n == 1 ? lead : lead & (0xff >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (byte(i + k) & 0x3f);
  i += n;
  return cp;
}

// A rule: a line drawn with >= 4 characters, no words ("----", "=====", "+----+", "────");
// "..." (3 dots) is an ellipsis, kept.
bool is_rule(std::string_view t) {
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < t.size()) {
    const char32_t cp = next_code_point(t, i);
    if (cp == ' ') continue;
    const bool rule_char = std::u32string_view(U"-_=*~.+#\u00b7\u2013\u2014\u2015\u2026\u2012").find(cp) !=
                               std::u32string_view::npos ||
                           (cp >= 0x2500 && cp <= 0x257f);  // box drawing
    if (!rule_char) return false;
    ++n;
  }
  return n >= 4;
}

// The first dot leader in t: [begin, end) in bytes, or begin == npos.
struct Span {
  std::size_t begin = std::string::npos;
  std::size_t end = 0;
};
Span find_leader(std::string_view t) {
  const auto leader_at = [&](std::size_t j) -> std::size_t {  // bytes of a leader char at j, or 0
    if (t[j] == '.') return 1;
    if (t.substr(j).starts_with("\xc2\xb7")) return 2;      // ·
    if (t.substr(j).starts_with("\xe2\x80\xa6")) return 3;  // …
    return 0;
  };
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (leader_at(i) == 0) continue;
    int dots = 0;
    std::size_t j = i;
    std::size_t end = i;
    while (j < t.size()) {
      if (const std::size_t n = leader_at(j); n > 0) {
        dots += n == 3 ? 3 : 1;
        j += n;
        end = j;
      } else if (t[j] == ' ' && j + 1 < t.size() && leader_at(j + 1) > 0) {
        ++j;
      } else {
        break;
      }
    }
    if (dots >= kLeaderMinDots) return {i, end};
    i = end - 1;
  }
  return {};
}

struct Line {
  std::size_t index = 0;  // into PageResult::lines
  Box box;
  std::string text;       // collapsed; level >= 1: dot leaders removed
  float confidence = 1;
  std::string toc_ref;    // a table-of-contents entry's page reference (after its dot leader)
  Box ref_box;            // where toc_ref sits
  bool leader = false;    // had a dot leader (table-of-contents line)
  int table = -1;         // >= 0: stands for table #table in the reading order
  bool monospace = false; // text layer: every word in a monospaced font
  bool bold = false;      // text layer: every word in a bold font
};

// Makes line (whose text was original) a table-of-contents entry: title before, page
// reference after (may be empty); the box is split in proportion to the characters.
void make_entry(Line& line, const std::string& original, std::string before, std::string after) {
  line.leader = true;
  const float w = line.box.w();
  const float n_total = static_cast<float>(std::max<std::size_t>(count_code_points(original), 1));
  Box title = line.box;
  title.x1 = line.box.x0 + w * static_cast<float>(count_code_points(before)) / n_total;
  if (!after.empty()) {
    line.toc_ref = std::move(after);
    line.ref_box = line.box;
    line.ref_box.x0 = line.box.x1 - w * static_cast<float>(count_code_points(line.toc_ref)) / n_total;
  }
  line.box = title;
  line.text = std::move(before);
}

// Level >= 1: removes dot leaders. "Intro ....... 5" becomes a TOC entry (text "Intro",
// toc_ref "5"); a leader elsewhere becomes a space.
void remove_leaders(Line& line) {
  std::string text = line.text;
  for (Span s = find_leader(text); s.begin != std::string::npos; s = find_leader(text)) {
    line.leader = true;
    std::string before = trim(std::string_view(text).substr(0, s.begin));
    std::string after = trim(std::string_view(text).substr(s.end));
    if (after.empty() || (is_page_ref(after) && line.toc_ref.empty())) {
      make_entry(line, line.text, std::move(before), std::move(after));
      return;
    }
    text = collapse_whitespace(before + " " + after);
  }
  line.text = std::move(text);
}

// On a table-of-contents page: an entry whose leader is too short to be one on its own
// ("2 Simple manipulations; numbers and vectors . . 8": a long title leaves room for 2 or 3
// dots) becomes an entry too. The dots must stand as words of their own before the reference.
void remove_short_leader(Line& line) {
  const std::size_t last_space = line.text.rfind(' ');
  if (last_space == std::string::npos || !is_page_ref(std::string_view(line.text).substr(last_space + 1))) return;
  std::string_view before = std::string_view(line.text).substr(0, last_space);
  std::size_t n_dots = 0;
  while (!before.empty()) {
    const std::size_t space = before.rfind(' ');
    const std::string_view word = before.substr(space == std::string_view::npos ? 0 : space + 1);
    if (word.find_first_not_of('.') != std::string_view::npos) break;
    n_dots += word.size();
    before = before.substr(0, space == std::string_view::npos ? 0 : space);
  }
  if (n_dots < 2 || before.empty()) return;
  make_entry(line, line.text, trim(before), line.text.substr(last_space + 1));
}

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
    Line line;
    line.index = i;
    line.box = box;
    line.text = std::move(text);
    line.confidence = page.lines[i].confidence;
    line.monospace = page.lines[i].monospace;
    line.bold = page.lines[i].bold;
    out.lines.push_back(std::move(line));
    out.band.push_back(band);
  }
  return out;
}

std::string band_key(int band, std::string_view text) { return (band < 0 ? "t:" : "b:") + furniture_key(text); }

// Running-header family: the band and the first word of the furniture key ("chapter", "#.#."),
// empty when the first word is a bare number.
std::string family_key(int band, std::string_view text) {
  const std::string key = furniture_key(text);
  const std::string first = key.substr(0, key.find(' '));
  if (first.empty() || first == "#") return {};
  return (band < 0 ? "t:" : "b:") + first;
}

// No other line of the page within kRunningClearance x its height on the body side.
bool clear_of_body(const PageLines& p, std::size_t i) {
  const Box& b = p.lines[i].box;
  const float clearance = kRunningClearance * b.h();
  for (std::size_t k = 0; k < p.lines.size(); ++k) {
    const Box& o = p.lines[k].box;
    if (k == i || v_overlap(o, b) > 0) continue;
    const float gap = p.band[i] < 0 ? o.y0 - b.y1 : b.y0 - o.y1;
    if (gap >= 0 && gap < clearance) return false;
  }
  return true;
}

// ---- Tables -------------------------------------------------------------------------------

struct Segment {
  Box box;
  std::string text;
  std::size_t line = 0;  // index into the lines searched
  bool bold = false;     // text layer: in a bold font
};

struct Column {
  float x0 = 0, x1 = 0;
};

struct GridRow {
  std::vector<std::vector<const Segment*>> cells;  // per column; several = a wrapped cell
  float y0 = 0, y1 = 0;
  std::size_t n_segments = 0;                      // as found on the row (before wraps)
};

struct Grid {
  std::vector<Column> columns;
  std::vector<GridRow> rows;
};

// Places one visual row's segments (sorted by x0) in the grid's columns: each segment
// overlaps at most one column and no two share one; a segment overlapping none opens a
// new column. False (grid unchanged) if they do not fit or columns would overlap.
bool add_row(Grid& grid, const std::vector<const Segment*>& row) {
  Grid g = grid;
  std::vector<int> assigned;
  for (const Segment* s : row) {
    int hit = -1;
    for (std::size_t c = 0; c < g.columns.size(); ++c) {
      const Box col{g.columns[c].x0, 0, g.columns[c].x1, 0};
      if (h_overlap(col, s->box) <= 0) continue;
      if (hit >= 0) return false;
      hit = static_cast<int>(c);
    }
    if (hit < 0) {
      const auto at = std::find_if(g.columns.begin(), g.columns.end(), [&](const Column& c) { return c.x0 > s->box.x0; });
      const auto k = static_cast<std::size_t>(at - g.columns.begin());
      g.columns.insert(at, Column{s->box.x0, s->box.x1});
      for (GridRow& r : g.rows) r.cells.insert(r.cells.begin() + static_cast<long>(k), std::vector<const Segment*>{});
      for (int& a : assigned) a += a >= static_cast<int>(k) ? 1 : 0;
      hit = static_cast<int>(k);
    }
    if (std::find(assigned.begin(), assigned.end(), hit) != assigned.end()) return false;
    assigned.push_back(hit);
    g.columns[static_cast<std::size_t>(hit)].x0 = std::min(g.columns[static_cast<std::size_t>(hit)].x0, s->box.x0);
    g.columns[static_cast<std::size_t>(hit)].x1 = std::max(g.columns[static_cast<std::size_t>(hit)].x1, s->box.x1);
  }
  for (std::size_t c = 1; c < g.columns.size(); ++c) {
    if (g.columns[c].x0 <= g.columns[c - 1].x1) return false;
  }
  GridRow r;
  r.cells.resize(g.columns.size());
  r.y0 = row.front()->box.y0;
  r.y1 = row.front()->box.y1;
  for (std::size_t k = 0; k < row.size(); ++k) {
    r.cells[static_cast<std::size_t>(assigned[k])].push_back(row[k]);
    r.y0 = std::min(r.y0, row[k]->box.y0);
    r.y1 = std::max(r.y1, row[k]->box.y1);
  }
  r.n_segments = row.size();
  g.rows.push_back(std::move(r));
  grid = std::move(g);
  return true;
}

// A one-segment row: continues the cell above (a wrapped cell outside the first column,
// close below it) or is a ragged row of its own. False (grid unchanged) if it overlaps no
// column or several, or is indented under the cell above it.
bool add_single(Grid& grid, const Segment* s, float gap, float h) {
  int hit = -1;
  for (std::size_t c = 0; c < grid.columns.size(); ++c) {
    const Box col{grid.columns[c].x0, 0, grid.columns[c].x1, 0};
    if (h_overlap(col, s->box) <= 0) continue;
    if (hit >= 0) return false;
    hit = static_cast<int>(c);
  }
  if (hit < 0) return false;
  const auto c = static_cast<std::size_t>(hit);
  const float x0 = std::min(grid.columns[c].x0, s->box.x0);
  const float x1 = std::max(grid.columns[c].x1, s->box.x1);
  if ((c > 0 && x0 <= grid.columns[c - 1].x1) || (c + 1 < grid.columns.size() && x1 >= grid.columns[c + 1].x0)) {
    return false;
  }
  grid.columns[c] = {x0, x1};
  GridRow& last = grid.rows.back();
  // In the first column only where rows are set well apart (padded cells, as browsers print
  // them): there a line close below is the cell's next line, not a row of its own.
  float row_gap = 0;
  if (c == 0 && grid.rows.size() >= 2) {
    std::vector<float> gaps;
    for (std::size_t k = 1; k < grid.rows.size(); ++k) gaps.push_back(grid.rows[k].y0 - grid.rows[k - 1].y1);
    row_gap = median(gaps);
  }
  const bool wraps = c > 0 ? gap <= kTableWrapGap * h : gap <= kTableWrapGap * h && row_gap >= kTableWrapGap * h && 3 * gap <= row_gap;
  if (!last.cells[c].empty() && wraps) {
    last.cells[c].push_back(s);
    last.y1 = std::max(last.y1, s->box.y1);
    return true;
  }
  // Indented under the cell above: a description of that row (a definition list), no table row.
  if (!last.cells[c].empty() && s->box.x0 >= last.cells[c].front()->box.x0 + h) return false;
  GridRow r;
  r.cells.resize(grid.columns.size());
  r.cells[c].push_back(s);
  r.y0 = s->box.y0;
  r.y1 = s->box.y1;
  r.n_segments = 1;
  grid.rows.push_back(std::move(r));
  return true;
}

std::string cell_text(const std::vector<const Segment*>& cell) {
  std::vector<std::string> parts;
  for (const Segment* s : cell) parts.push_back(s->text);
  return join_lines(parts);
}

std::size_t n_filled(const GridRow& r) {
  return static_cast<std::size_t>(std::count_if(r.cells.begin(), r.cells.end(), [](const auto& c) { return !c.empty(); }));
}

// Most cells of the column share a right or centre edge, or start at one of up to
// kIndentLevels left edges (an indented hierarchy, as in a table of contents).
bool column_aligned(const Grid& g, std::size_t c, float h) {
  std::vector<Box> cells;
  for (const GridRow& r : g.rows) {
    if (!r.cells[c].empty()) cells.push_back(r.cells[c].front()->box);
  }
  if (cells.size() < 3) return true;
  const float tol = kAlignTolerance * h;
  const auto aligned_share = [&](auto edge, std::size_t n_levels) {
    std::vector<float> v;
    for (const Box& b : cells) v.push_back(edge(b));
    std::sort(v.begin(), v.end());
    std::vector<std::size_t> groups;  // sizes of runs of edges within tol of the run's first
    for (std::size_t i = 0; i < v.size();) {
      std::size_t j = i;
      while (j < v.size() && v[j] - v[i] <= 2 * tol) ++j;
      groups.push_back(j - i);
      i = j;
    }
    std::sort(groups.rbegin(), groups.rend());
    std::size_t n = 0;
    for (std::size_t k = 0; k < std::min(n_levels, groups.size()); ++k) n += groups[k];
    return static_cast<float>(n) / static_cast<float>(cells.size());
  };
  return aligned_share([](const Box& b) { return b.x0; }, kIndentLevels) >= kAlignedShare ||
         aligned_share([](const Box& b) { return b.x1; }, 1) >= kAlignedShare ||
         aligned_share([](const Box& b) { return b.cx(); }, 1) >= kAlignedShare;
}

// The checks that keep prose, code and stray fragments out of tables.
bool valid_table(const Grid& g, float h) {
  if (g.columns.size() < 2) return false;
  std::size_t n_multi = 0;
  std::size_t n_code = 0;
  for (const GridRow& r : g.rows) {
    if (n_filled(r) < 2) continue;
    ++n_multi;
    bool code = false;
    for (const auto& cell : r.cells) {
      for (const Segment* s : cell) code = code || code_cue(s->text) > 0;
    }
    n_code += code;
  }
  if (n_multi < kTableMinRows || 2 * n_code >= n_multi) return false;
  // Mostly filled: side-by-side page columns that happen to align leave many holes.
  std::size_t n_cells = 0;
  for (const GridRow& r : g.rows) n_cells += n_filled(r);
  if (static_cast<float>(n_cells) < kTableFill * static_cast<float>(g.rows.size() * g.columns.size())) return false;
  std::size_t n_full_columns = 0;
  std::size_t n_prose_columns = 0;
  for (std::size_t c = 0; c < g.columns.size(); ++c) {
    std::vector<float> words;
    for (const GridRow& r : g.rows) {
      if (!r.cells[c].empty()) words.push_back(static_cast<float>(n_words(cell_text(r.cells[c]))));
    }
    n_full_columns += words.size() >= kTableMinRows;
    n_prose_columns += !words.empty() && median(words) >= static_cast<float>(kProseWords);
    if (!column_aligned(g, c, h)) return false;
  }
  return n_full_columns >= 2 && n_prose_columns < 2;
}

// The first row is a header: all its cells are short non-numeric labels, and a column is
// numeric below it, or whitespace or height set it apart from the rows below, or (text
// layer) it is bold and the row below is not.
bool first_row_is_header(const Grid& g, const std::vector<std::vector<std::string>>& rows) {
  if (g.rows.size() < 3 || n_filled(g.rows[0]) != g.columns.size()) return false;
  for (std::size_t c = 0; c < rows[0].size(); ++c) {
    const std::string& t = rows[0][c];
    if (is_numeric(t) || n_words(t) > 4 || ends_sentence(t)) return false;
  }
  for (std::size_t c = 0; c < rows[0].size(); ++c) {
    std::size_t n = 0;
    std::size_t n_numeric = 0;
    for (std::size_t r = 1; r < rows.size(); ++r) {
      if (rows[r][c].empty()) continue;
      ++n;
      n_numeric += is_numeric(rows[r][c]);
    }
    if (n >= 2 && 3 * n_numeric >= 2 * n) return true;
  }
  std::vector<float> gaps;
  std::vector<float> heights;
  for (std::size_t r = 1; r < g.rows.size(); ++r) {
    if (r + 1 < g.rows.size()) gaps.push_back(g.rows[r + 1].y0 - g.rows[r].y1);
    heights.push_back(g.rows[r].y1 - g.rows[r].y0);
  }
  const float h = median(heights);
  const float gap0 = g.rows[1].y0 - g.rows[0].y1;
  // Text layer: the first row bold, the second not.
  const auto all_bold = [](const GridRow& r) {
    bool any = false;
    for (const auto& cell : r.cells) {
      for (const Segment* s : cell) {
        if (!s->bold) return false;
        any = true;
      }
    }
    return any;
  };
  if (all_bold(g.rows[0]) && !all_bold(g.rows[1])) return true;
  return g.rows[0].y1 - g.rows[0].y0 >= 1.15f * h || gap0 >= median(gaps) + 0.3f * h;
}

// Columns [a, b) of a grid; rows left empty are dropped.
Grid sub_grid(const Grid& g, std::size_t a, std::size_t b) {
  Grid out;
  out.columns.assign(g.columns.begin() + static_cast<long>(a), g.columns.begin() + static_cast<long>(b));
  for (const GridRow& r : g.rows) {
    GridRow row = r;
    row.cells.assign(r.cells.begin() + static_cast<long>(a), r.cells.begin() + static_cast<long>(b));
    row.n_segments = n_filled(row);
    if (row.n_segments > 0) out.rows.push_back(std::move(row));
  }
  return out;
}

// The whitespace between columns k-1 and k goes on above or below the table as a page
// gutter: beyond the table, before any line runs across it, at least 2 lines on each side,
// most of those on the left without a partner on the same row on the right.
bool page_gutter(const Grid& g, std::size_t k, const std::vector<Line>& lines, const std::vector<bool>& in_grid) {
  const float mid = 0.5f * (g.columns[k - 1].x1 + g.columns[k].x0);
  const float top = g.rows.front().y0;
  const float bottom = g.rows.back().y1;
  for (const bool above : {true, false}) {
    std::vector<const Line*> beyond;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (!in_grid[i] && (above ? lines[i].box.y1 <= top : lines[i].box.y0 >= bottom)) beyond.push_back(&lines[i]);
    }
    std::sort(beyond.begin(), beyond.end(), [&](const Line* a, const Line* b) {
      return above ? a->box.y1 > b->box.y1 : a->box.y0 < b->box.y0;  // nearest the table first
    });
    std::vector<const Line*> left;
    std::vector<const Line*> right;
    for (const Line* l : beyond) {
      if (l->box.x0 < mid && l->box.x1 > mid) break;
      (l->box.x1 <= mid ? left : right).push_back(l);
    }
    // Lines that pair up across the whitespace are more of the table (or another one).
    std::size_t n_paired = 0;
    for (const Line* l : left) {
      n_paired += std::any_of(right.begin(), right.end(), [&](const Line* r) { return same_row(l->box, r->box); });
    }
    if (left.size() >= 2 && right.size() >= 2 && 2 * n_paired <= left.size()) return true;
  }
  return false;
}

// Side-by-side page columns of short lines (lists, reference cards, indexes) can align like
// a table. Splits the grid where a page gutter runs through it, into tables; empty if a
// part is no table.
std::vector<Grid> split_page_columns(const Grid& g, const std::vector<Line>& lines, float h) {
  std::vector<bool> in_grid(lines.size(), false);
  for (const GridRow& r : g.rows) {
    for (const auto& cell : r.cells) {
      for (const Segment* s : cell) in_grid[s->line] = true;
    }
  }
  for (std::size_t k = 1; k < g.columns.size(); ++k) {
    if (!page_gutter(g, k, lines, in_grid)) continue;
    const Grid left = sub_grid(g, 0, k);
    const Grid right = sub_grid(g, k, g.columns.size());
    if (!valid_table(left, h) || !valid_table(right, h)) return {};
    std::vector<Grid> parts = split_page_columns(left, lines, h);
    std::vector<Grid> more = split_page_columns(right, lines, h);
    if (parts.empty() || more.empty()) return {};
    parts.insert(parts.end(), more.begin(), more.end());
    return parts;
  }
  return {g};
}

struct Table {
  Block block;
  std::vector<std::size_t> lines;  // body lines it consumed
};

// Tables from the geometry of the page's body lines, whatever their reading order (a table
// is often read column by column): visual rows of >= 2 segments whose cells fall in common,
// aligned columns.
std::vector<Table> find_tables(const std::vector<Line>& body, float h) {
  std::vector<Segment> segments;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const Line& l = body[i];
    if (!l.text.empty()) segments.push_back({l.box, l.text, i, l.bold});
    if (!l.toc_ref.empty()) segments.push_back({l.ref_box, l.toc_ref, i, l.bold});
  }
  std::vector<const Segment*> order;
  for (const Segment& s : segments) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(), [](const Segment* a, const Segment* b) { return a->box.cy() < b->box.cy(); });
  // Visual rows: segments overlapping the row's first segment by half a height.
  std::vector<std::vector<const Segment*>> rows;
  for (const Segment* s : order) {
    if (!rows.empty()) {
      const Box& first = rows.back().front()->box;
      if (v_overlap(first, s->box) > 0.5f * std::min(first.h(), s->box.h())) {
        rows.back().push_back(s);
        continue;
      }
    }
    rows.push_back({s});
  }
  for (auto& r : rows) {
    std::sort(r.begin(), r.end(), [](const Segment* a, const Segment* b) { return a->box.x0 < b->box.x0; });
  }

  std::vector<Table> tables;
  std::size_t r = 0;
  while (r < rows.size()) {
    Grid g;
    if (rows[r].size() < 2 || !add_row(g, rows[r])) {
      ++r;
      continue;
    }
    std::size_t k = r + 1;
    for (; k < rows.size(); ++k) {
      const float gap = rows[k].front()->box.y0 - g.rows.back().y1;
      if (rows[k].size() >= 2) {
        if (gap > kTableRowGap * h || !add_row(g, rows[k])) break;
      } else if (gap > kTableSingleGap * h || !add_single(g, rows[k].front(), gap, h)) {
        break;
      }
    }
    while (g.rows.back().n_segments < 2) g.rows.pop_back();  // trailing one-cell rows
    const std::vector<Grid> parts = valid_table(g, h) ? split_page_columns(g, body, h) : std::vector<Grid>{};
    if (parts.empty()) {
      ++r;
      continue;
    }
    for (const Grid& part : parts) {
      Table t;
      t.block.kind = BlockKind::kTable;
      for (const GridRow& row : part.rows) {
        std::vector<std::string> cells;
        for (const auto& cell : row.cells) {
          cells.push_back(cell_text(cell));
          for (const Segment* s : cell) t.lines.push_back(s->line);
        }
        t.block.rows.push_back(std::move(cells));
      }
      t.block.has_header = first_row_is_header(part, t.block.rows);
      std::sort(t.lines.begin(), t.lines.end());
      t.lines.erase(std::unique(t.lines.begin(), t.lines.end()), t.lines.end());
      tables.push_back(std::move(t));
    }
    // Rows consumed: continue after the last row used (wrapped lines included).
    float bottom = g.rows.back().y1;
    while (r < rows.size() && rows[r].front()->box.y0 < bottom) ++r;
  }
  return tables;
}

// ---- Tables of contents -------------------------------------------------------------------

// On a page with >= kTocMinLeaders dot-leader lines, a page reference standing alone on the
// same visual row right of a line (a dot-leader line, or any line kTocRefGap x h away)
// becomes that line's toc_ref and is no line of its own. Such references are often read
// as a column of their own, after the titles.
void attach_refs(std::vector<Line>& lines, float h) {
  const auto n_leaders = std::count_if(lines.begin(), lines.end(), [](const Line& l) { return l.leader; });
  if (n_leaders < kTocMinLeaders) return;
  std::vector<bool> used(lines.size(), false);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    Line& line = lines[i];
    if (used[i] || !line.toc_ref.empty() || is_page_ref(line.text)) continue;
    std::size_t best = lines.size();
    for (std::size_t j = 0; j < lines.size(); ++j) {
      const Line& ref = lines[j];
      if (used[j] || j == i || !is_page_ref(ref.text) || !same_row(line.box, ref.box)) continue;
      const float gap = ref.box.x0 - line.box.x1;
      if (gap <= 0 || (!line.leader && gap < kTocRefGap * h)) continue;
      if (best == lines.size() || ref.box.x0 < lines[best].box.x0) best = j;
    }
    if (best == lines.size()) continue;
    line.toc_ref = lines[best].text;
    line.ref_box = lines[best].box;
    used[best] = true;
  }
  std::vector<Line> rest;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!used[i]) rest.push_back(std::move(lines[i]));
  }
  lines = std::move(rest);
}

// A title wrapped over lines: a line without leader or reference just above an entry (as
// tall, at most kTableWrapGap x h above, the entry not further left) joins the entry.
void merge_wrapped_titles(std::vector<Line>& lines, float h) {
  for (std::size_t i = lines.size() - std::min<std::size_t>(lines.size(), 1); i-- > 0;) {
    const Line& a = lines[i];
    Line& b = lines[i + 1];
    if (a.leader || !a.toc_ref.empty() || b.toc_ref.empty()) continue;
    const float gap = b.box.y0 - a.box.y1;
    if (b.box.cy() <= a.box.cy() || gap > kTableWrapGap * h || b.box.x0 < a.box.x0 - 0.5f * h ||
        std::abs(a.box.h() - b.box.h()) > 0.25f * h) {
      continue;
    }
    b.text = join_lines({a.text, b.text});
    b.box = unite(a.box, b.box);
    lines.erase(lines.begin() + static_cast<long>(i));
  }
}

// Runs of >= 2 consecutive entries (lines with a page reference) are tables of two columns,
// title and page, without header.
std::vector<Table> find_tocs(const std::vector<Line>& lines) {
  std::vector<Table> tocs;
  std::size_t i = 0;
  while (i < lines.size()) {
    std::size_t j = i;
    while (j < lines.size() && !lines[j].toc_ref.empty()) ++j;
    if (j - i >= 2) {
      Table t;
      t.block.kind = BlockKind::kTable;
      t.block.contents = true;
      for (std::size_t k = i; k < j; ++k) {
        t.block.rows.push_back({lines[k].text, lines[k].toc_ref});
        t.lines.push_back(k);
      }
      tocs.push_back(std::move(t));
    }
    i = std::max(j, i + 1);
  }
  return tocs;
}

// ---- Code ---------------------------------------------------------------------------------

// Widths fit a * n_chars + b closely (a monospaced font): returns a (px per character), or 0.
float monospace_advance(const std::vector<const Line*>& lines) {
  std::vector<std::pair<float, float>> pts;  // (n_chars, width)
  for (const Line* l : lines) pts.emplace_back(static_cast<float>(count_code_points(l->text)), l->box.w());
  if (pts.size() < 3) return 0;
  float n_min = pts[0].first, n_max = pts[0].first;
  float sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (auto [x, y] : pts) {
    n_min = std::min(n_min, x);
    n_max = std::max(n_max, x);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const float n = static_cast<float>(pts.size());
  const float den = n * sxx - sx * sx;
  if (n_max < 1.5f * n_min || den <= 0) return 0;
  const float a = (n * sxy - sx * sy) / den;
  const float b = (sy - a * sx) / n;
  if (a <= 0) return 0;
  for (auto [x, y] : pts) {
    if (std::abs(a * x + b - y) > kMonoResidual * a) return 0;
  }
  return a;
}

// Width of a character: the monospace advance, else the median width per character.
float char_advance(const std::vector<const Line*>& lines) {
  if (const float a = monospace_advance(lines); a > 0) return a;
  std::vector<float> v;
  for (const Line* l : lines) {
    const std::size_t n = count_code_points(l->text);
    if (n >= 4) v.push_back(l->box.w() / static_cast<float>(n));
  }
  return median(v);
}

// A run of non-prose lines kept verbatim: program text by its cues (half the lines; a
// single line needs a strong cue), or monospaced lines (>= 4, or 3 with a cue) that are
// indented from the page margin or step their indentation.
bool is_code_run(const std::vector<const Line*>& lines, float margin_x, float h) {
  std::size_t n_cue = 0;
  float x_min = lines.front()->box.x0;
  for (const Line* l : lines) {
    n_cue += code_cue(l->text) > 0;
    x_min = std::min(x_min, l->box.x0);
  }
  if (lines.size() == 1) return code_cue(lines[0]->text) >= 2;
  if (2 * n_cue >= lines.size()) return true;
  if (lines.size() < (n_cue > 0 ? 3u : 4u)) return false;
  const float advance = monospace_advance(lines);
  if (advance <= 0) return false;
  std::set<long> indents;
  for (const Line* l : lines) indents.insert(std::lround((l->box.x0 - x_min) / advance));
  return n_cue > 0 || indents.size() >= 2 || x_min - margin_x >= kIndentedCode * h;
}

// A short run (<= 3 lines, no prose) next to code, with a cue of its own or in the code's
// monospaced font, is code too: blank lines and indentation split lone lines such as "}"
// or "#include <x.h>" off a listing.
// A comment that reads as prose ("/* get data to write into buf */") counts as code.
bool joins_code(const std::vector<const Line*>& run, const std::vector<const Line*>& code) {
  if (run.size() > 3) return false;
  bool cue = false;
  for (const Line* l : run) {
    if (is_prose_line(l->text) && code_cue(l->text) < 2) return false;
    cue = cue || code_cue(l->text) > 0;
  }
  if (cue) return true;
  const float advance = monospace_advance(code);
  if (advance <= 0) return false;
  for (const Line* l : run) {
    const float per_char = l->box.w() / static_cast<float>(std::max<std::size_t>(count_code_points(l->text), 1));
    if (std::abs(per_char - advance) > kMonoMatch * advance) return false;
  }
  return true;
}

// Code text: original line texts, each indented by its offset from the run's left edge in
// characters; an empty line where the whitespace above a line exceeds break_gap.
std::string code_text(const std::vector<const Line*>& lines, const PageResult& page, float break_gap) {
  float x_min = lines.front()->box.x0;
  for (const Line* l : lines) x_min = std::min(x_min, l->box.x0);
  const float advance = char_advance(lines);
  std::string out;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const Line* l = lines[k];
    if (k > 0) out += l->box.y0 - lines[k - 1]->box.y1 > break_gap ? "\n\n" : "\n";
    const long indent = advance > 0 ? std::lround((l->box.x0 - x_min) / advance) : 0;
    out.append(static_cast<std::size_t>(std::clamp(indent, 0L, 40L)), ' ');
    out += trim(page.lines[l->index].text);
  }
  return out;
}

// ---- Blocks -------------------------------------------------------------------------------

void add_block(PageStructure& page, BlockKind kind, int level, bool ordered, std::vector<std::string>& lines) {
  if (lines.empty()) return;
  std::string text = join_lines(lines);
  lines.clear();
  if (text.empty()) return;
  Block b;
  b.kind = kind;
  b.level = level;
  b.ordered = ordered;
  b.text = std::move(text);
  page.blocks.push_back(std::move(b));
}

// The level of a heading of line height line_h: by its size against the document's text.
int heading_level(float line_h, float h) {
  const float ratio = line_h / h;
  return ratio >= kTitleHeight ? 1 : ratio >= kHeadingHeight ? 2 : 3;
}

// A block of bold lines with a short title's words (a heading at the text's size).
bool is_bold_heading(const std::vector<const Line*>& block) {
  std::size_t words = 0;
  for (const Line* l : block) {
    if (!l->bold || l->monospace) return false;
    words += n_words(l->text);
  }
  const std::string& first = block.front()->text;
  const std::string& last = block.back()->text;
  const auto c = static_cast<unsigned char>(first.front());
  // A bold term that ends in ':' or ',' introduces what follows (a definition list's term).
  return words <= kHeadingMaxWords && last.back() != '.' && last.back() != ',' && last.back() != ':' &&
         (std::isalnum(c) != 0 || c >= 0x80);
}

// Headings, list items and paragraphs of one run of lines with normal spacing.
// h: the document's median line height (heading sizes are judged against it); term: the
// block is followed by an indented one, so a bold block is a definition list's term.
void text_blocks(const std::vector<const Line*>& block, float h, bool term, PageStructure& out) {
  if (!term && is_bold_heading(block)) {
    std::vector<std::string> texts;
    float line_h = 0;
    for (const Line* l : block) {
      texts.push_back(l->text);
      line_h = std::max(line_h, l->box.h());
    }
    add_block(out, BlockKind::kHeading, heading_level(line_h, h), false, texts);
    return;
  }
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
    const int section =
        short_line && last && !after_item && (k == 0 || ends_sentence(block[k - 1]->text)) ? section_number(t) : 0;
    if (tall) {
      const int line_level = heading_level(line.box.h(), h);
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

// The most common left edge of the page's lines (to within half a line height).
float left_margin(const std::vector<Line>& lines, float h) {
  float best = 0;
  std::size_t best_n = 0;
  for (const Line& a : lines) {
    std::size_t n = 0;
    for (const Line& b : lines) n += std::abs(a.box.x0 - b.box.x0) <= 0.5f * h;
    if (n > best_n) {
      best_n = n;
      best = a.box.x0;
    }
  }
  return best;
}

// Blocks of one page from its reading-order flow: text lines and table placeholders.
// h: the page's median line height (tables included).
// line_gap_px: the document's usual line gap (document_line_gap), < 0 if it has none;
// text_h: the document's median line height, for headings.
void build_blocks(const std::vector<Line>& flow, std::vector<Table>& tables, float h, float line_gap_px,
                  float text_h, const PageResult& page, PageStructure& out) {
  std::vector<float> gaps;
  for (std::size_t i = 1; i < flow.size(); ++i) {
    const Box& a = flow[i - 1].box;
    const Box& b = flow[i].box;
    if (flow[i - 1].table < 0 && flow[i].table < 0 && b.cy() > a.cy() && h_overlap(a, b) > 0) gaps.push_back(b.y0 - a.y1);
  }
  const float page_gap = gaps.empty() ? 0.0f : median(gaps);
  const float usual_gap = std::min(line_gap_px >= 0 ? std::min(line_gap_px, page_gap) : page_gap, h);
  const float break_gap = usual_gap + kBlockExtraGap * h;
  // A new block also where tall lines (headings) start or end: code is never tall.
  // So do monospaced lines (code) and bold ones (headings at the text's size).
  const auto tall = [&](const Line& l) { return l.box.h() >= kHeadingHeight * text_h; };
  const auto new_block = [&](const Line& a, const Line& b) {
    return a.table >= 0 || b.table >= 0 || b.box.cy() <= a.box.cy() || h_overlap(a.box, b.box) <= 0 ||
           b.box.y0 - a.box.y1 > break_gap || tall(a) != tall(b) || a.monospace != b.monospace ||
           (a.bold != b.bold && !a.monospace);
  };
  std::vector<std::vector<const Line*>> blocks;
  for (std::size_t i = 0; i < flow.size(); ++i) {
    if (i == 0 || new_block(flow[i - 1], flow[i])) blocks.emplace_back();
    blocks.back().push_back(&flow[i]);
  }

  // Pieces: within a block, runs of non-prose lines are code or text by their look; then
  // short pieces next to code join it.
  const float margin = left_margin(flow, h);
  struct Piece {
    std::vector<const Line*> lines;
    bool code = false;
  };
  std::vector<Piece> pieces;
  for (const auto& block : blocks) {
    if (block.front()->table >= 0) {
      pieces.push_back({block, false});
      continue;
    }
    // Monospaced lines from a text layer are code: a block of two or more, or one line that is
    // indented or reads as program text (a term in a monospaced font is not).
    if (block.front()->monospace) {
      const bool code = block.size() >= 2 || block.front()->box.x0 - margin >= kIndentedCode * h ||
                        code_cue(block.front()->text) > 0;
      if (code) {
        pieces.push_back({block, true});
        continue;
      }
    }
    // Runs of prose lines are text; runs of other lines are code or text by their look.
    // Text runs of one block stay together.
    const std::size_t first_piece = pieces.size();
    std::size_t i = 0;
    while (i < block.size()) {
      const bool prose = is_prose_line(block[i]->text);
      std::size_t j = i + 1;
      while (j < block.size() && is_prose_line(block[j]->text) == prose) ++j;
      // A code run does not start with the end of the sentence above it: a line that
      // finishes a hyphenated word, or sits left of the lines below it.
      std::size_t k = i;
      const auto leads_in = [&](std::size_t m) {
        float x_rest = block[m + 1]->box.x0;
        for (std::size_t q = m + 1; q < j; ++q) x_rest = std::min(x_rest, block[q]->box.x0);
        const std::string& above = m > 0 ? block[m - 1]->text : std::string();
        const bool continues = above.size() >= 2 && above.back() == '-' && is_lower(above[above.size() - 2]) &&
                               is_lower(block[m]->text.front());
        return code_cue(block[m]->text) < 2 && (continues || block[m]->box.x0 < x_rest - 0.5f * h);
      };
      if (!prose) {
        while (j - k > 1 && leads_in(k)) ++k;
      }
      std::vector<const Line*> run(block.begin() + static_cast<long>(k), block.begin() + static_cast<long>(j));
      const bool code = !prose && is_code_run(run, margin, h);
      if (!code) k = i;
      std::vector<const Line*> text(block.begin() + static_cast<long>(i), block.begin() + static_cast<long>(code ? k : j));
      if (!text.empty()) {
        if (pieces.size() > first_piece && !pieces.back().code) {
          pieces.back().lines.insert(pieces.back().lines.end(), text.begin(), text.end());
        } else {
          pieces.push_back({std::move(text), false});
        }
      }
      if (code) pieces.push_back({std::move(run), true});
      i = j;
    }
  }
  const auto near = [&](const Line* upper, const Line* lower) {
    return upper->table < 0 && lower->table < 0 && lower->box.cy() > upper->box.cy() &&
           lower->box.y0 - upper->box.y1 < kCodeJoinGap * h;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      Piece& p = pieces[i];
      if (p.code || p.lines.front()->table >= 0) continue;
      const bool after = i > 0 && pieces[i - 1].code && near(pieces[i - 1].lines.back(), p.lines.front());
      const bool before = i + 1 < pieces.size() && pieces[i + 1].code && near(p.lines.back(), pieces[i + 1].lines.front());
      if (!after && !before) continue;
      // The code pieces around it that one listing would join give the font together
      // ("BEGIN" between one-line pieces of an ASN.1 listing split by its blank lines).
      std::vector<const Line*> around;
      for (std::size_t k = i; k-- > 0 && pieces[k].code && near(pieces[k].lines.back(), pieces[k + 1].lines.front());) {
        around.insert(around.begin(), pieces[k].lines.begin(), pieces[k].lines.end());
      }
      for (std::size_t k = i + 1; k < pieces.size() && pieces[k].code && near(pieces[k - 1].lines.back(), pieces[k].lines.front()); ++k) {
        around.insert(around.end(), pieces[k].lines.begin(), pieces[k].lines.end());
      }
      if ((after && joins_code(p.lines, pieces[i - 1].lines)) || (before && joins_code(p.lines, pieces[i + 1].lines)) ||
          joins_code(p.lines, around)) {
        p.code = changed = true;
      }
    }
  }

  for (std::size_t i = 0; i < pieces.size();) {
    const Piece& p = pieces[i];
    if (p.lines.front()->table >= 0) {
      out.blocks.push_back(std::move(tables[static_cast<std::size_t>(p.lines.front()->table)].block));
      ++i;
      continue;
    }
    if (!p.code) {
      // A term above its indented description (a definition list) is no heading.
      const bool term = i + 1 < pieces.size() && !pieces[i + 1].code && pieces[i + 1].lines.front()->table < 0 &&
                        pieces[i + 1].lines.front()->box.x0 >= p.lines.front()->box.x0 + h;
      text_blocks(p.lines, text_h, term, out);
      ++i;
      continue;
    }
    // Consecutive code pieces close together are one listing.
    std::vector<const Line*> listing = p.lines;
    std::size_t j = i + 1;
    for (; j < pieces.size() && pieces[j].code && near(pieces[j - 1].lines.back(), pieces[j].lines.front()); ++j) {
      listing.insert(listing.end(), pieces[j].lines.begin(), pieces[j].lines.end());
    }
    Block b;
    b.kind = BlockKind::kCode;
    b.text = code_text(listing, page, break_gap);
    out.blocks.push_back(std::move(b));
    i = j;
  }
}

// ---- Level 2 ------------------------------------------------------------------------------

// A short label: at most 3 words and 24 bytes, not a sentence, not a list item.
bool is_fragment(std::string_view t) {
  return n_words(t) <= kFragmentMaxWords && t.size() <= kFragmentMaxBytes && !ends_sentence(t) &&
         bullet_marker(t) == 0;
}

// A tick label: a number, perhaps with a short unit ("10", "-0.5", "6h", "20 ms", "5%").
bool is_number_label(std::string_view t) {
  const auto n_letters = std::count_if(t.begin(), t.end(), is_alpha);
  return std::any_of(t.begin(), t.end(), is_digit) && n_letters <= 2;
}

// Level 2: printed page numbers of cross-references go ("See [Graphics], page 68" and
// "See plot datafile using (p. 116)" keep "[Graphics]" and "plot datafile using"): the
// dtoon page markers number the input's pages, which are not the printed ones.
std::string drop_page_refs(std::string_view t) {
  // Where a page reference starting at i ends (an opening text, digits, a closing text), or 0.
  const auto ref_end = [&](std::size_t i, std::string_view open, std::string_view close) -> std::size_t {
    if (!t.substr(i).starts_with(open)) return 0;
    std::size_t j = i + open.size();
    while (j < t.size() && is_digit(t[j])) ++j;
    if (j == i + open.size() || !t.substr(j).starts_with(close)) return 0;
    return j + close.size();
  };
  std::string out;
  std::size_t i = 0;
  while (i < t.size()) {
    if (const std::size_t end = ref_end(i, "], page ", ""); end > 0 && (end == t.size() || !is_alpha(t[end]))) {
      out.push_back(']');
      i = end;
    } else if (const std::size_t p = std::max(ref_end(i, " (p. ", ")"), ref_end(i, " (page ", ")")); p > 0) {
      i = p;
    } else {
      out.push_back(t[i++]);
    }
  }
  return out;
}

// The integers of a line made only of integers ("34 35 36", " 7", "000021"); empty otherwise.
std::vector<long> integers_of(std::string_view t) {
  std::vector<long> out;
  std::size_t i = 0;
  while (i < t.size()) {
    if (t[i] == ' ') {
      ++i;
      continue;
    }
    long n = 0;
    const std::size_t start = i;
    while (i < t.size() && is_digit(t[i]) && i - start < 9) n = 10 * n + (t[i++] - '0');
    if (i == start || (i < t.size() && t[i] != ' ')) return {};
    out.push_back(n);
  }
  return out;
}

// A listing's line numbers read apart from their lines: a paragraph or code block made only
// of at least kLineNumbersMin integers that count up by one ("1" ... "21" down a margin,
// "34 35 36 ... 48").
bool is_line_numbers(const Block& b) {
  if (b.kind != BlockKind::kParagraph && b.kind != BlockKind::kCode) return false;
  const std::vector<long> numbers = integers_of(collapse_whitespace(b.text));
  for (std::size_t k = 1; k < numbers.size(); ++k) {
    if (numbers[k] != numbers[k - 1] + 1) return false;
  }
  return numbers.size() >= kLineNumbersMin;
}

// A texinfo category label: "[Function]", "[Macro]", "[Data type]", "[Built-in Function]"
// (brackets around 1-3 words of letters, the first capitalised).
bool is_margin_label(std::string_view t) {
  if (t.size() < 3 || t.front() != '[' || t.back() != ']') return false;
  t = t.substr(1, t.size() - 2);
  return n_words(t) <= 3 && t.front() >= 'A' && t.front() <= 'Z' &&
         std::all_of(t.begin(), t.end(), [](char c) { return is_alpha(c) || c == ' ' || c == '-'; });
}

// Figure text: runs of >= 4 consecutive short fragments, half of them numbers, with an axis
// of each kind (two fragments on one row, two in one column) around an area that is no text
// (text boxes cover at most kFigureTextShare of the run's bounding box: the plot is drawn).
// Marks them. Hex dumps, matrices, equations and columns of section numbers are dense with
// text, or have no row or no column: kept.
std::vector<bool> figure_text(const std::vector<Line>& flow) {
  std::vector<bool> drop(flow.size(), false);
  std::size_t i = 0;
  while (i < flow.size()) {
    std::size_t j = i;
    while (j < flow.size() && flow[j].table < 0 && is_fragment(flow[j].text)) ++j;
    if (j - i >= kFigureMinLines) {
      std::size_t n_numeric = 0;
      bool row_pair = false;
      bool column_pair = false;
      Box area = flow[i].box;
      for (std::size_t k = i; k < j; ++k) {
        n_numeric += is_number_label(flow[k].text);
        area = unite(area, flow[k].box);
        for (std::size_t m = i; m < k; ++m) {
          row_pair = row_pair || same_row(flow[m].box, flow[k].box);
          column_pair = column_pair || h_overlap(flow[m].box, flow[k].box) > 0;
        }
      }
      double text_area = 0;
      for (const Line& l : flow) {
        const float w = h_overlap(l.box, area);
        const float h = v_overlap(l.box, area);
        if (w > 0 && h > 0) text_area += static_cast<double>(w) * h;
      }
      const double box_area = std::max(1.0, static_cast<double>(area.w()) * area.h());
      if (2 * n_numeric >= j - i && row_pair && column_pair && text_area <= kFigureTextShare * box_area) {
        std::fill(drop.begin() + static_cast<long>(i), drop.begin() + static_cast<long>(j), true);
      }
    }
    i = std::max(j, i + 1);
  }
  return drop;
}

// Level 0: the page's faithful text, one paragraph per blank-line-separated block, lines kept.
void faithful_blocks(const PageResult& page, PageStructure& out) {
  std::string text = page.text;
  if (text.empty()) {
    for (const TextLine& l : page.lines) text += l.text + "\n";
  }
  std::vector<std::string> lines;
  const auto flush = [&] {
    if (lines.empty()) return;
    Block b;
    for (const std::string& l : lines) b.text += (b.text.empty() ? "" : "\n") + l;
    out.blocks.push_back(std::move(b));
    lines.clear();
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view raw = std::string_view(text).substr(pos, end - pos);
    pos = end + 1;
    while (!raw.empty() && is_space(raw.back())) raw.remove_suffix(1);
    while (!raw.empty() && raw.front() == '\f') raw.remove_prefix(1);
    if (raw.find_first_not_of(" \t\f\v\r") == std::string_view::npos) {
      flush();
    } else {
      lines.emplace_back(raw);
    }
  }
  flush();
}

// Level >= 1: the blocks of one page from its non-furniture lines (reading order).
void structure_page(const PageResult& result, std::vector<Line> body, int level, float line_gap_px, float text_h,
                    RepeatFilter& repeats, PageStructure& page) {
  // Rules go, dot leaders go; level 2: low-confidence lines and margin labels go.
  float right_edge = 0;
  std::vector<float> body_heights;
  for (const Line& line : body) {
    right_edge = std::max(right_edge, line.box.x1);
    body_heights.push_back(line.box.h());
  }
  const float body_h = median(body_heights);
  std::vector<Line> kept;
  for (Line& line : body) {
    if (level == 2 && (line.confidence < kLowConfidence ||
                       (is_margin_label(line.text) && line.box.x1 >= right_edge - body_h))) {
      page.dropped_lines.push_back(line.index);
      continue;
    }
    if (is_rule(line.text)) continue;
    remove_leaders(line);
    if (!line.text.empty() || !line.toc_ref.empty()) kept.push_back(std::move(line));
  }
  if (std::count_if(kept.begin(), kept.end(), [](const Line& l) { return l.leader; }) >= kTocMinLeaders) {
    for (Line& line : kept) {
      if (!line.leader) remove_short_leader(line);
    }
  }
  std::vector<float> heights;
  for (const Line& l : kept) heights.push_back(l.box.h());
  const float h = std::max(median(heights), 1.0f);

  // Tables (of contents first) take the place of their first line in the reading order.
  attach_refs(kept, h);
  merge_wrapped_titles(kept, h);
  std::vector<Table> tables = find_tocs(kept);
  std::vector<int> table_of(kept.size(), -1);
  for (std::size_t t = 0; t < tables.size(); ++t) {
    for (std::size_t i : tables[t].lines) table_of[i] = static_cast<int>(t);
  }
  std::vector<Line> rest;
  std::vector<std::size_t> rest_index;  // into kept
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (table_of[i] >= 0) continue;
    rest.push_back(kept[i]);
    rest_index.push_back(i);
  }
  for (Table& t : find_tables(rest, h)) {
    for (std::size_t& i : t.lines) {
      i = rest_index[i];
      table_of[i] = static_cast<int>(tables.size());
    }
    tables.push_back(std::move(t));
  }
  std::vector<Line> flow;
  std::vector<bool> placed(tables.size(), false);
  for (std::size_t i = 0; i < kept.size(); ++i) {
    Line& line = kept[i];
    if (const int t = table_of[i]; t >= 0) {
      if (placed[static_cast<std::size_t>(t)]) continue;
      placed[static_cast<std::size_t>(t)] = true;
      line.table = t;
    } else if (!line.toc_ref.empty()) {  // a lone entry: its reference back in its text
      line.text = line.text.empty() ? line.toc_ref : line.text + " " + line.toc_ref;
      line.box = unite(line.box, line.ref_box);
    }
    flow.push_back(std::move(line));
  }
  if (level == 2) {
    const std::vector<bool> figure = figure_text(flow);
    std::vector<Line> not_figure;
    for (std::size_t i = 0; i < flow.size(); ++i) {
      if (figure[i]) {
        page.dropped_lines.push_back(flow[i].index);
      } else {
        not_figure.push_back(std::move(flow[i]));
      }
    }
    flow = std::move(not_figure);
    std::sort(page.dropped_lines.begin(), page.dropped_lines.end());
  }
  build_blocks(flow, tables, h, line_gap_px, text_h > 0 ? text_h : h, result, page);

  if (level == 2) {  // paragraphs and items written before (in this document or the run) go
    std::vector<Block> blocks;
    for (Block& b : page.blocks) {
      if (b.kind != BlockKind::kCode) b.text = drop_page_refs(b.text);
      for (std::vector<std::string>& row : b.rows) {
        for (std::string& cell : row) cell = drop_page_refs(cell);
      }
      if (is_line_numbers(b)) continue;
      const bool text = b.kind == BlockKind::kParagraph || b.kind == BlockKind::kListItem;
      if (text && n_words(b.text) >= kRepeatMinWords && repeats.seen(lower_ascii(b.text))) {
        ++page.n_repeated_blocks;
        continue;
      }
      blocks.push_back(std::move(b));
    }
    page.blocks = std::move(blocks);
  }
}

// The document's usual gap (px) between a prose line and the next prose line below it in its
// column (kLineGapQuantile of all such gaps; code, number columns and dumps have their own
// leading); -1 without any.
float document_line_gap(const std::vector<PageLines>& pages) {
  std::vector<float> gaps;
  for (const PageLines& p : pages) {
    for (std::size_t i = 1; i < p.lines.size(); ++i) {
      const Box& a = p.lines[i - 1].box;
      const Box& b = p.lines[i].box;
      if (b.cy() > a.cy() && h_overlap(a, b) > 0 && b.y0 - a.y1 < 2.0f * std::max(a.h(), b.h()) &&
          is_prose_line(p.lines[i - 1].text) && is_prose_line(p.lines[i].text)) {
        gaps.push_back(b.y0 - a.y1);
      }
    }
  }
  if (gaps.empty()) return -1.0f;
  const auto k = static_cast<std::size_t>(kLineGapQuantile * static_cast<float>(gaps.size() - 1));
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<long>(k), gaps.end());
  return std::max(gaps[k], 0.0f);
}

}  // namespace

bool RepeatFilter::seen(std::string_view key) {
  const std::size_t hash = std::hash<std::string_view>{}(key);
  std::lock_guard<std::mutex> lock(mutex_);
  return !hashes_.insert(hash).second;
}

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
    const bool hyphen = n >= 2 && out[n - 1] == '-' && (is_alpha(out[n - 2]) || is_digit(out[n - 2]));
    if (hyphen && is_lower(out[n - 2]) && is_lower(line.front())) {
      out.pop_back();  // "compres-" + "sion": a hyphenated word
    } else if (!hyphen) {
      out.push_back(' ');
    }  // else "Debian-" + "Paketarchiv", "64-" + "bit": a hyphen kept, no space
    out += line;
  }
  return out;
}

std::string document_name(std::string_view path) {
  const auto slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

DocumentStructure analyze_structure(const DocumentResult& document, const StructureOptions& options) {
  DocumentStructure out;
  out.name = document_name(document.path);
  out.path = document.path;
  out.level = std::clamp(options.level, 0, 2);
  std::vector<PageLines> pages;
  pages.reserve(document.pages.size());
  for (const PageResult& page : document.pages) pages.push_back(page_lines(page));

  // On how many pages each band text (digits normalised) and each band family appears.
  std::map<std::string, int> n_pages_with;
  std::map<std::string, int> n_pages_with_family;
  for (const PageLines& p : pages) {
    std::set<std::string> seen;
    std::set<std::string> families;
    for (std::size_t i = 0; i < p.lines.size(); ++i) {
      if (p.band[i] == 0) continue;
      seen.insert(band_key(p.band[i], p.lines[i].text));
      if (std::string f = family_key(p.band[i], p.lines[i].text); !f.empty()) families.insert(std::move(f));
    }
    for (const std::string& key : seen) ++n_pages_with[key];
    for (const std::string& key : families) ++n_pages_with_family[key];
  }

  const float line_gap_px = document_line_gap(pages);
  // Heading sizes are judged against the document's text, so that a page of small code or a
  // page range does not change them.
  std::vector<float> heights;
  for (const PageLines& p : pages) {
    for (const Line& l : p.lines) heights.push_back(l.box.h());
  }
  const float text_h = heights.empty() ? 0.0f : median(heights);
  RepeatFilter own_repeats;
  RepeatFilter& repeats = options.repeats != nullptr ? *options.repeats : own_repeats;
  for (std::size_t p = 0; p < pages.size(); ++p) {
    const PageResult& result = document.pages[p];
    PageStructure& page = out.pages.emplace_back();
    page.page_number = result.page_number;
    std::vector<Line> body;
    for (std::size_t i = 0; i < pages[p].lines.size(); ++i) {
      const Line& line = pages[p].lines[i];
      const int band = pages[p].band[i];
      bool furniture = false;
      if (band != 0) {
        const std::string family = family_key(band, line.text);
        furniture = n_pages_with[band_key(band, line.text)] >= kFurnitureMinPages || is_page_number(line.text) ||
                    (!family.empty() && n_pages_with_family[family] >= kRunningMinPages &&
                     n_words(line.text) <= kRunningMaxWords && clear_of_body(pages[p], i));
      }
      if (furniture) {
        page.furniture_lines.push_back(line.index);
      } else {
        body.push_back(line);
      }
    }
    if (out.level == 0) {
      faithful_blocks(result, page);
    } else {
      structure_page(result, std::move(body), out.level, line_gap_px, text_h, repeats, page);
    }
  }
  if (out.level == 2) {
    // A table of contents at level 2: its titles, one per line, without printed page numbers,
    // and without those that a heading of the document repeats.
    std::set<std::string> headings;
    for (const PageStructure& page : out.pages) {
      for (const Block& b : page.blocks) {
        if (b.kind == BlockKind::kHeading) headings.insert(lower_ascii(b.text));
      }
    }
    for (PageStructure& page : out.pages) {
      std::vector<Block> blocks;
      for (Block& b : page.blocks) {
        if (b.contents) {
          b.kind = BlockKind::kParagraph;
          for (const std::vector<std::string>& row : b.rows) {
            if (!headings.contains(lower_ascii(row[0]))) b.text += (b.text.empty() ? "" : "\n") + row[0];
          }
          b.rows.clear();
          b.contents = false;
          if (b.text.empty()) continue;
        }
        blocks.push_back(std::move(b));
      }
      page.blocks = std::move(blocks);
    }
  }
  return out;
}

}  // namespace deepcompress
