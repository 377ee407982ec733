#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "layout/reading_order.hpp"

using namespace deepcompress;

namespace {

// Page 1000 x 1400 px; text lines 20 px tall at a 30 px pitch.
constexpr int kPageW = 1000;
constexpr int kPageH = 1400;

TextLine line(const std::string& text, float x0, float y0, float x1, float y1 = -1) {
  if (y1 < 0) y1 = y0 + 20;
  TextLine l;
  l.quad = {PointF{x0, y0}, PointF{x1, y0}, PointF{x1, y1}, PointF{x0, y1}};
  l.text = text;
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  l.char_confidences.assign(n, 0.9f);
  l.confidence = 0.9f;
  return l;
}

std::vector<std::string> texts(const std::vector<TextLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.text);
  return out;
}

// Two columns x in [50, 480] and [520, 950] (a 40 px = 2 h gutter), n rows
// each starting at y0, rows of both columns at the same heights.
std::vector<TextLine> two_columns(int n, float y0) {
  std::vector<TextLine> lines;
  for (int i = 0; i < n; ++i) {
    const float y = y0 + 30.0f * static_cast<float>(i);
    lines.push_back(line("R" + std::to_string(i), 520, y, 950));
    lines.push_back(line("L" + std::to_string(i), 50, y, 480));
  }
  return lines;
}

}  // namespace

TEST_CASE("layout: single column is read top to bottom") {
  std::vector<TextLine> lines = {line("three", 50, 110, 900), line("one", 50, 50, 900),
                                 line("two", 50, 80, 700)};
  CHECK(texts(order_lines(lines, kPageW, kPageH)) == std::vector<std::string>{"one", "two", "three"});
}

TEST_CASE("layout: two columns are read left column first") {
  const auto ordered = order_lines(two_columns(5, 100), kPageW, kPageH);
  CHECK(texts(ordered) ==
        std::vector<std::string>{"L0", "L1", "L2", "L3", "L4", "R0", "R1", "R2", "R3", "R4"});
}

TEST_CASE("layout: a full-width title comes before the columns") {
  auto lines = two_columns(5, 100);
  lines.push_back(line("Title", 50, 50, 950));
  const auto ordered = order_lines(lines, kPageW, kPageH);
  CHECK(texts(ordered) ==
        std::vector<std::string>{"Title", "L0", "L1", "L2", "L3", "L4", "R0", "R1", "R2", "R3", "R4"});
}

TEST_CASE("layout: a full-width paragraph between column bands") {
  auto lines = two_columns(3, 100);              // rows at 100..160
  lines.push_back(line("Wide1", 50, 190, 950));  // spans the gutter
  lines.push_back(line("Wide2", 50, 220, 940));
  for (auto& l : two_columns(3, 250)) {
    l.text = "b" + l.text;
    lines.push_back(l);
  }
  const auto ordered = order_lines(lines, kPageW, kPageH);
  CHECK(texts(ordered) == std::vector<std::string>{"L0", "L1", "L2", "R0", "R1", "R2", "Wide1", "Wide2",
                                                   "bL0", "bL1", "bL2", "bR0", "bR1", "bR2"});
}

TEST_CASE("layout: a row split into two boxes is merged with one space") {
  // A 20 px (1 h) gap: past the always-merge distance, so the neighbour check decides.
  std::vector<TextLine> lines = {line("above the split line", 50, 50, 900), line("world", 420, 80, 600),
                                 line("hello", 50, 80, 400), line("below the split line", 50, 110, 900)};
  const auto ordered = order_lines(lines, kPageW, kPageH);
  REQUIRE(ordered.size() == 3);
  CHECK(ordered[1].text == "hello world");
  CHECK(ordered[1].char_confidences.size() == 11);
  CHECK(ordered[1].confidence == Approx(0.9f));
  CHECK(ordered[1].quad[0].x == Approx(50));
  CHECK(ordered[1].quad[2].x == Approx(600));
  CHECK(ordered[1].quad[2].y == Approx(100));
}

TEST_CASE("layout: a lone row split into boxes is merged") {
  std::vector<TextLine> lines = {line("b", 220, 50, 300), line("a", 50, 52, 200)};
  const auto ordered = order_lines(lines, kPageW, kPageH);
  REQUIRE(ordered.size() == 1);
  CHECK(ordered[0].text == "a b");
}

TEST_CASE("layout: a column gutter prevents merging") {
  // A narrow gutter (25 px = 1.25 h) that plain distance would merge.
  std::vector<TextLine> lines;
  for (int i = 0; i < 4; ++i) {
    const float y = 100.0f + 30.0f * static_cast<float>(i);
    lines.push_back(line("L" + std::to_string(i), 50, y, 480));
    lines.push_back(line("R" + std::to_string(i), 505, y, 950));
  }
  const auto ordered = order_lines(lines, kPageW, kPageH);
  CHECK(texts(ordered) == std::vector<std::string>{"L0", "L1", "L2", "L3", "R0", "R1", "R2", "R3"});
}

TEST_CASE("layout: far-apart boxes on one row are not merged") {
  std::vector<TextLine> lines = {line("left", 50, 50, 200), line("right", 700, 50, 900)};
  CHECK(order_lines(lines, kPageW, kPageH).size() == 2);
}

TEST_CASE("layout: page_text separates blocks with a blank line") {
  std::vector<TextLine> lines = {line("para one a", 50, 50, 900), line("para one b ", 50, 80, 900),
                                 line("para two", 50, 150, 900)};  // 50 px gap = 2.5 h
  CHECK(page_text(order_lines(lines, kPageW, kPageH)) == "para one a\npara one b\n\npara two\n");
}

TEST_CASE("layout: page_text breaks between columns") {
  const auto text = page_text(order_lines(two_columns(2, 100), kPageW, kPageH));
  CHECK(text == "L0\nL1\n\nR0\nR1\n");
}

TEST_CASE("layout: empty input") {
  CHECK(order_lines({}, kPageW, kPageH).empty());
  CHECK(page_text({}).empty());
}

TEST_CASE("layout: short and right-aligned lines do not make a column") {
  std::vector<TextLine> lines = {line("date", 800, 20, 950),    line("body one", 50, 60, 900),
                                 line("end one", 50, 90, 300),  line("body two", 50, 150, 900),
                                 line("end two", 50, 180, 250), line("page 1", 850, 1300, 950)};
  CHECK(texts(order_lines(lines, kPageW, kPageH)) ==
        std::vector<std::string>{"date", "body one", "end one", "body two", "end two", "page 1"});
}

TEST_CASE("layout: a page scanned 1.5 degrees askew is read row by row") {
  // A paragraph of long lines, each followed by a short last line, on a
  // 1.5-degree tilt: the axis-aligned box of a 900 px line is 24 px taller
  // than the line, more than the 10 px between rows.
  std::vector<TextLine> upright;
  for (int i = 0; i < 6; ++i) {
    const float y = 100.0f + 30.0f * static_cast<float>(i);
    upright.push_back(i % 2 == 0 ? line("long" + std::to_string(i), 50, y, 950) : line("short" + std::to_string(i), 50, y, 250));
  }
  const float a = 1.5f * 3.14159265f / 180.0f;
  std::vector<TextLine> tilted = upright;
  for (TextLine& l : tilted) {
    for (PointF& p : l.quad) p = {500 + std::cos(a) * (p.x - 500) - std::sin(a) * (p.y - 700),
                                  700 + std::sin(a) * (p.x - 500) + std::cos(a) * (p.y - 700)};
  }
  const std::vector<std::string> expected = {"long0", "short1", "long2", "short3", "long4", "short5"};
  // Read in the image frame, rows join or swap.
  CHECK(texts(order_lines(tilted, kPageW, kPageH)) != expected);
  const ReadPage page = read_page(tilted, kPageW, kPageH);
  CHECK(texts(page.lines) == expected);
  CHECK(page.text == "long0\nshort1\nlong2\nshort3\nlong4\nshort5\n");
  // Boxes come back in image pixels.
  REQUIRE(page.lines.size() == 6);
  CHECK(page.lines[0].quad[0].x == Approx(tilted[0].quad[0].x).margin(0.01));
  CHECK(page.lines[0].quad[0].y == Approx(tilted[0].quad[0].y).margin(0.01));
  // An upright page is not rotated at all: boxes are returned exactly.
  const ReadPage straight = read_page(upright, kPageW, kPageH);
  CHECK(texts(straight.lines) == expected);
  CHECK(straight.lines[0].quad[1].x == 950.0f);

  // More short boxes than long lines, each exactly level (as the detector
  // boxes short words): the skew is weighted by length, so the long lines
  // still set it and the paragraph is still read row by row.
  std::vector<TextLine> with_words = tilted;
  std::vector<std::string> expected_with_words = expected;
  for (int i = 0; i < 8; ++i) {
    const std::string word = "w" + std::to_string(i);
    with_words.push_back(line(word, 50, 600.0f + 30.0f * static_cast<float>(i), 120));
    expected_with_words.push_back(word);
  }
  CHECK(texts(read_page(with_words, kPageW, kPageH).lines) == expected_with_words);
}

TEST_CASE("layout: a left line running into the gutter stays in its column") {
  // An index column: one long entry ends 10 px (0.5 h) short of the right
  // column, over none of the right column's lines. It is no title: the page
  // is still read left column first. A running header over the right column
  // that starts in the gutter (the gnuplot index page) does not change that.
  std::vector<TextLine> lines = two_columns(10, 100);
  lines[2 * 6 + 1] = line("L6 long entry", 50, 280, 510);
  lines.push_back(line("header", 500, 40, 700));
  const auto order = texts(order_lines(lines, kPageW, kPageH));
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) expected.push_back(i == 6 ? "L6 long entry" : "L" + std::to_string(i));
  const auto first_right = std::find(order.begin(), order.end(), "R0");
  REQUIRE(first_right != order.end());
  const std::vector<std::string> left_part(order.begin(), first_right);
  std::vector<std::string> left_lines;
  for (const auto& t : left_part)
    if (t[0] == 'L') left_lines.push_back(t);
  CHECK(left_lines == expected);
}
