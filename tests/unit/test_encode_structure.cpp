// Structure from hand-built OCR lines: paragraphs, hyphenation, headings, lists, furniture.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "encode/dtoon.hpp"
#include "encode/structure.hpp"
#include "encode/writers.hpp"

using namespace deepcompress;

namespace {

// A line box at (x, y) of the given size, in page px.
TextLine line_at(std::string text, float x, float y, float w = 600, float h = 20) {
  TextLine l;
  l.quad = {PointF{x, y}, PointF{x + w, y}, PointF{x + w, y + h}, PointF{x, y + h}};
  l.text = std::move(text);
  l.confidence = 0.99f;
  return l;
}

// Stacks lines top-down from y: gap 8 px inside a block, 40 px (2 line heights) between
// blocks. Each entry: text, height; "" starts a new block.
struct PageBuilder {
  PageResult page;
  float y = 100;
  bool new_block = false;
  explicit PageBuilder(int number) {
    page.page_number = number;
    page.width_px = 850;
    page.height_px = 1100;
  }
  PageBuilder& line(std::string text, float h = 20) {
    if (!page.lines.empty()) y += new_block ? 40 : 8;
    new_block = false;
    page.lines.push_back(line_at(std::move(text), 100, y, 600, h));
    y += h;
    return *this;
  }
  PageBuilder& gap() {
    new_block = true;
    return *this;
  }
  PageBuilder& at(std::string text, float y_px) {  // anywhere, e.g. furniture
    page.lines.push_back(line_at(std::move(text), 300, y_px, 250, 18));
    return *this;
  }
  PageResult done() {
    // The faithful text as the pipeline would write it (one line per row; blank line between blocks).
    page.text.clear();
    for (const auto& l : page.lines) page.text += l.text + "\n";
    return page;
  }
};

DocumentResult doc_of(std::vector<PageResult> pages) {
  DocumentResult d;
  d.path = "some/dir/report.pdf";
  d.pages = std::move(pages);
  return d;
}

}  // namespace

TEST_CASE("join_lines rejoins words hyphenated across a line end", "[encode][structure]") {
  CHECK(join_lines({"the compres-", "sion works"}) == "the compression works");
  CHECK(join_lines({"a well-", "Known fact"}) == "a well- Known fact");  // next line not lowercase
  CHECK(join_lines({"page 3-", "4 here"}) == "page 3- 4 here");         // not a letter before '-'
  CHECK(join_lines({"  spaced   out ", "\tline  "}) == "spaced out line");
  CHECK(join_lines({}) == "");
}

TEST_CASE("paragraphs: lines of a block join, hyphenation repaired, blocks split on extra spacing",
          "[encode][structure]") {
  PageBuilder b(1);
  b.line("Optical character recognition turns pic-").line("tures of text into text.");
  b.gap().line("A second paragraph starts here").line("and ends here.");
  const DocumentStructure s = analyze_structure(doc_of({b.done()}));
  REQUIRE(s.name == "report.pdf");
  REQUIRE(s.pages.size() == 1);
  const auto& blocks = s.pages[0].blocks;
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].kind == BlockKind::kParagraph);
  CHECK(blocks[0].text == "Optical character recognition turns pictures of text into text.");
  CHECK(blocks[1].text == "A second paragraph starts here and ends here.");
}

TEST_CASE("headings: tall short lines, and numbered lines alone in their block", "[encode][structure]") {
  PageBuilder b(1);
  b.line("Annual Report", 40);                            // 2x the median height: title
  b.gap().line("Body text line one is here").line("body text line two ends.").line("line three.");
  b.gap().line("Summary of findings", 28);                // 1.4x: level 2
  b.gap().line("Another paragraph of normal height.");
  b.gap().line("2.3 Results");                            // numbered, alone: heading
  b.gap().line("A very long line that is tall but has far too many words to be a heading ok", 40);
  b.gap().line("Tall but ends with a period.", 40);
  const DocumentStructure s = analyze_structure(doc_of({b.done()}));
  const auto& blocks = s.pages[0].blocks;
  REQUIRE(blocks.size() == 7);
  CHECK(blocks[0].kind == BlockKind::kHeading);
  CHECK(blocks[0].level == 1);
  CHECK(blocks[0].text == "Annual Report");
  CHECK(blocks[1].kind == BlockKind::kParagraph);
  CHECK(blocks[2].kind == BlockKind::kHeading);
  CHECK(blocks[2].level == 2);
  CHECK(blocks[3].kind == BlockKind::kParagraph);
  CHECK(blocks[4].kind == BlockKind::kHeading);
  CHECK(blocks[4].text == "2.3 Results");
  CHECK(blocks[5].kind == BlockKind::kParagraph);
  CHECK(blocks[6].kind == BlockKind::kParagraph);
}

TEST_CASE("list items: bullets and numbers, continuation lines join their item", "[encode][structure]") {
  PageBuilder b(1);
  b.line("Things to check:");
  b.line("\xe2\x80\xa2 the first bullet item").line("- a dash item that wraps onto").line("a second line");
  b.line("* a star item");
  b.gap().line("1. first step").line("2) second step");
  b.gap().line("-5 degrees is not a list item.");
  const DocumentStructure s = analyze_structure(doc_of({b.done()}));
  const auto& blocks = s.pages[0].blocks;
  REQUIRE(blocks.size() == 7);
  CHECK(blocks[0].kind == BlockKind::kParagraph);
  CHECK(blocks[1].kind == BlockKind::kListItem);
  CHECK(blocks[1].text == "the first bullet item");
  CHECK(blocks[2].text == "a dash item that wraps onto a second line");
  CHECK(blocks[3].text == "a star item");
  CHECK(blocks[4].kind == BlockKind::kListItem);
  CHECK(blocks[4].ordered);
  CHECK(blocks[4].text == "1. first step");
  CHECK(blocks[5].text == "2) second step");
  CHECK(blocks[6].kind == BlockKind::kParagraph);

  const std::string md = to_markdown(s);
  CHECK(md == "Things to check:\n\n- the first bullet item\n- a dash item that wraps onto a second line\n"
              "- a star item\n1. first step\n2) second step\n\n\\-5 degrees is not a list item.\n");
}

TEST_CASE("furniture: running header and page numbers across 3 pages", "[encode][structure]") {
  std::vector<PageResult> pages;
  for (int p = 1; p <= 3; ++p) {
    PageBuilder b(p);
    b.at("ACME Corp Quarterly Report " + std::to_string(2020 + p), 30);  // header, year differs
    b.y = 150;
    b.line("Body paragraph " + std::to_string(p) + " tells its story").line("in two lines.");
    b.at("Page " + std::to_string(p) + " of 3", 1050);
    pages.push_back(b.done());
  }
  // A lone number in the footer band of one page only is still a page number.
  pages[2].lines.push_back(line_at("17", 800, 1070, 20, 18));
  pages[2].text += "17\n";
  const DocumentResult doc = doc_of(pages);
  const DocumentStructure s = analyze_structure(doc);
  REQUIRE(s.pages.size() == 3);
  for (std::size_t p = 0; p < 3; ++p) {
    CHECK(s.pages[p].furniture_lines.size() == (p == 2 ? 3u : 2u));
    REQUIRE(s.pages[p].blocks.size() == 1);
    CHECK(s.pages[p].blocks[0].text.find("ACME") == std::string::npos);
  }
  const std::string md = to_markdown(s);
  const std::string dtoon = to_dtoon(s);
  const std::string txt = to_txt(doc);
  for (const char* furniture : {"ACME", "Page 1 of 3", "Page 2 of 3", "17"}) {
    CHECK(md.find(furniture) == std::string::npos);
    CHECK(dtoon.find(furniture) == std::string::npos);
    CHECK(txt.find(furniture) != std::string::npos);  // the faithful text keeps everything
  }
}

TEST_CASE("furniture: text in the bands of one page only is kept", "[encode][structure]") {
  PageBuilder b(1);
  b.at("A Title At The Very Top", 30);
  b.y = 150;
  b.line("Body.");
  const DocumentStructure s = analyze_structure(doc_of({b.done()}));
  CHECK(s.pages[0].furniture_lines.empty());
  REQUIRE(s.pages[0].blocks.size() == 2);
}

TEST_CASE("structure of empty documents and pages", "[encode][structure]") {
  DocumentResult doc;
  CHECK(analyze_structure(doc).pages.empty());
  CHECK(to_dtoon(analyze_structure(doc)) == "doc:  pages: 0\n");
  PageResult empty;
  empty.page_number = 1;
  doc.pages = {empty, empty};
  doc.pages[1].page_number = 2;
  doc.pages[1].lines.push_back(line_at("   ", 0, 0));
  const DocumentStructure s = analyze_structure(doc);
  REQUIRE(s.pages.size() == 2);
  CHECK(s.pages[1].blocks.empty());
  CHECK(to_markdown(s).empty());
}
