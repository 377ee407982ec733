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
  // Not lower-case on both sides: a hyphen (a real one, or one we cannot tell), kept, no space.
  CHECK(join_lines({"das Debian-", "Paketarchiv"}) == "das Debian-Paketarchiv");
  CHECK(join_lines({"call Fc-", "ConfigParse()"}) == "call Fc-ConfigParse()");
  CHECK(join_lines({"pages 3-", "4 here"}) == "pages 3-4 here");
  CHECK(join_lines({"a 64-", "bit value"}) == "a 64-bit value");
  // A dash after a space or another dash is no hyphen: the lines join with a space.
  CHECK(join_lines({"the result -", "or none"}) == "the result - or none");
  CHECK(join_lines({"run with --", "verbose"}) == "run with -- verbose");
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

TEST_CASE("paragraphs: the usual line gap is the document's, so pages of one-line paragraphs split",
          "[encode][structure]") {
  // Page 1: a paragraph with 4 px leading. Page 2: an option list, one-line paragraphs 16 px
  // apart (ccache's manual printed by Chromium); alone, its median gap is the paragraph gap.
  PageResult p1;
  p1.page_number = 1;
  p1.width_px = 850;
  p1.height_px = 1100;
  for (int k = 0; k < 3; ++k) {
    p1.lines.push_back(line_at("this paragraph has lines set close together " + std::to_string(k), 100, 100 + 24.0f * k));
  }
  PageResult p2 = p1;
  p2.page_number = 2;
  p2.lines.clear();
  for (int k = 0; k < 6; ++k) {
    p2.lines.push_back(line_at("Remove the files of option number " + std::to_string(k) + " from the cache.", 100,
                               100 + 36.0f * k));
  }
  const DocumentStructure s = analyze_structure(doc_of({p1, p2}));
  REQUIRE(s.pages.size() == 2);
  CHECK(s.pages[0].blocks.size() == 1);
  REQUIRE(s.pages[1].blocks.size() == 6);
  CHECK(s.pages[1].blocks[3].text == "Remove the files of option number 3 from the cache.");
  // The page alone has no tighter leading to compare with: one block, as before.
  CHECK(analyze_structure(doc_of({p2})).pages[0].blocks.size() == 1);
}

TEST_CASE("text-layer fonts: monospaced lines are code, bold short lines are headings", "[encode][structure]") {
  PageBuilder b(1);
  b.line("Installing the tool").gap();
  b.line("Run these commands in a shell to build the program and install it.").gap();
  // Read as prose by their words alone (no code cue, not indented, < 4 lines).
  b.line("make all and then install the program into your own home directory");
  b.line("tool runs from the directory you installed it into once it is built").gap();
  b.line("Options and their meaning:").gap();
  b.line("The last command prints the version of the tool you installed.");
  PageResult page = b.done();
  page.lines[0].bold = true;
  page.lines[2].monospace = page.lines[3].monospace = true;
  page.lines[4].bold = true;  // a bold term introducing what follows: no heading
  const DocumentStructure s = analyze_structure(doc_of({page}));
  const auto& blocks = s.pages[0].blocks;
  REQUIRE(blocks.size() == 5);
  CHECK(blocks[0].kind == BlockKind::kHeading);
  CHECK(blocks[0].level == 3);  // bold at the text's size
  CHECK(blocks[0].text == "Installing the tool");
  CHECK(blocks[1].kind == BlockKind::kParagraph);
  CHECK(blocks[2].kind == BlockKind::kCode);
  CHECK(blocks[2].text ==
        "make all and then install the program into your own home directory\n"
        "tool runs from the directory you installed it into once it is built");
  CHECK(blocks[3].kind == BlockKind::kParagraph);
  CHECK(blocks[4].kind == BlockKind::kParagraph);
  // Without the font facts (OCR lines): no heading, no code.
  const DocumentStructure plain = analyze_structure(doc_of({b.done()}));
  REQUIRE(plain.pages[0].blocks.size() == 5);
  for (const Block& block : plain.pages[0].blocks) CHECK(block.kind == BlockKind::kParagraph);
}

TEST_CASE("text-layer fonts: a bold term over an indented description is no heading", "[encode][structure]") {
  // A definition list as browsers print one (ccache's "max_size (CCACHE_MAXSIZE)"), then a
  // bold heading over body text at the margin.
  std::vector<TextLine> lines = {
      line_at("max_size (CCACHE_MAXSIZE)", 100, 100, 300),
      line_at("This option specifies the maximum size of the cache, in bytes.", 160, 140, 560),
      line_at("Cache size management", 100, 200, 300),
      line_at("By default, ccache has a 5 GB limit on the total size of the cache.", 100, 240, 600)};
  lines[0].bold = lines[2].bold = true;
  PageResult page;
  page.page_number = 1;
  page.width_px = 850;
  page.height_px = 1100;
  page.lines = lines;
  const DocumentStructure s = analyze_structure(doc_of({page}));
  const auto& blocks = s.pages[0].blocks;
  REQUIRE(blocks.size() == 4);
  CHECK(blocks[0].kind == BlockKind::kParagraph);
  CHECK(blocks[0].text == "max_size (CCACHE_MAXSIZE)");
  CHECK(blocks[2].kind == BlockKind::kHeading);
  CHECK(blocks[2].text == "Cache size management");
}

TEST_CASE("heading levels are the document's: the same under any page range", "[encode][structure]") {
  // Page 1 holds the title; page 2 a chapter heading (1.4x) and a section (bold, text size).
  PageBuilder a(1);
  a.line("The Manual", 40).gap().line("Written for the people who use the tool every day.");
  PageBuilder b(2);
  b.line("Getting started", 28).gap().line("This chapter shows the first steps with the tool.");
  b.gap().line("First steps").gap().line("Start the tool from a shell and read what it prints.");
  PageResult p2 = b.done();
  p2.lines[2].bold = true;
  const auto levels = [](const DocumentStructure& s) {
    std::vector<std::pair<std::string, int>> out;
    for (const PageStructure& page : s.pages) {
      for (const Block& block : page.blocks) {
        if (block.kind == BlockKind::kHeading) out.emplace_back(block.text, block.level);
      }
    }
    return out;
  };
  using Levels = std::vector<std::pair<std::string, int>>;
  CHECK(levels(analyze_structure(doc_of({a.done(), p2}))) ==
        Levels{{"The Manual", 1}, {"Getting started", 2}, {"First steps", 3}});
  CHECK(levels(analyze_structure(doc_of({p2}))) == Levels{{"Getting started", 2}, {"First steps", 3}});
}

TEST_CASE("markdown: a paragraph cut by a page break is written as one", "[encode][structure]") {
  PageBuilder a(1);
  a.line("The first part of this sentence runs to the end of the page and stops").line("before its");
  PageBuilder b(2);
  b.line("end, on the next page.").gap().line("A new paragraph starts here.");
  const std::string md = to_markdown(analyze_structure(doc_of({a.done(), b.done()})));
  CHECK(md ==
        "The first part of this sentence runs to the end of the page and stops before its end, on the next page.\n\n"
        "A new paragraph starts here.\n");
  // A sentence end, or a capital after the break: two paragraphs.
  PageBuilder c(1);
  c.line("This page ends with a full sentence.");
  PageBuilder d(2);
  d.line("and this one starts in lower case.");
  CHECK(to_markdown(analyze_structure(doc_of({c.done(), d.done()}))) ==
        "This page ends with a full sentence.\n\nand this one starts in lower case.\n");
  PageBuilder e(1);
  e.line("A list of names such as");
  PageBuilder f(2);
  f.line("Debian and Ubuntu.");
  CHECK(to_markdown(analyze_structure(doc_of({e.done(), f.done()}))) == "A list of names such as\n\nDebian and Ubuntu.\n");
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

// ---- Tables, tables of contents, code, rules, running headers -------------------------------

namespace {

// A line whose box is w px wide (10 px per character when w is 0: a monospaced font).
TextLine cell(std::string text, float x, float y, float w = 0, float h = 20) {
  if (w == 0) w = 10.0f * static_cast<float>(text.size());
  return line_at(std::move(text), x, y, w, h);
}

PageResult page_of(int number, std::vector<TextLine> lines) {
  PageResult p;
  p.page_number = number;
  p.width_px = 850;
  p.height_px = 1100;
  p.lines = std::move(lines);
  for (const auto& l : p.lines) p.text += l.text + "\n";
  return p;
}

std::vector<const Block*> blocks_of_kind(const PageStructure& page, BlockKind kind) {
  std::vector<const Block*> out;
  for (const Block& b : page.blocks) {
    if (b.kind == kind) out.push_back(&b);
  }
  return out;
}

using Rows = std::vector<std::vector<std::string>>;

}  // namespace

TEST_CASE("tables: a grid read column by column becomes rows, header found by its numeric column",
          "[encode][structure][table]") {
  const Rows grid = {{"Name", "Size", "Modified"},
                     {"alpha.txt", "1024", "2020-01-01"},
                     {"beta.pdf", "88", "2021-03-04"},
                     {"gamma notes.md", "7", "2022-12-31"},
                     {"delta", "65536", "2023-05-06"}};
  std::vector<TextLine> lines;
  lines.push_back(line_at("The files in the archive are listed below with their sizes.", 100, 100, 650, 20));
  // Column by column, as a reading order that splits the page at the gutters reads them;
  // numbers right-aligned.
  for (std::size_t c = 0; c < 3; ++c) {
    for (std::size_t r = 0; r < grid.size(); ++r) {
      const std::string& t = grid[r][c];
      const float w = 10.0f * static_cast<float>(t.size());
      const float x = c == 0 ? 100 : c == 1 ? 420 - w : 500;
      lines.push_back(cell(t, x, 160 + 30.0f * static_cast<float>(r), w));
    }
  }
  lines.push_back(line_at("Sizes are in bytes and dates are in the ISO format.", 100, 330, 600, 20));
  const DocumentStructure s = analyze_structure(doc_of({page_of(1, lines)}));
  const auto& blocks = s.pages[0].blocks;
  REQUIRE(blocks.size() == 3);
  CHECK(blocks[0].kind == BlockKind::kParagraph);
  REQUIRE(blocks[1].kind == BlockKind::kTable);
  CHECK(blocks[1].has_header);
  CHECK(blocks[1].rows == grid);
  CHECK(blocks[2].text == "Sizes are in bytes and dates are in the ISO format.");
}

TEST_CASE("tables: a wrapped cell joins its row, ragged rows keep empty cells", "[encode][structure][table]") {
  std::vector<TextLine> lines = {
      cell("-v", 100, 100), cell("print more messages about", 250, 100),  //
      cell("what is done", 250, 124),                                      // wraps (gap 4 px)
      cell("-q", 100, 160), cell("quiet", 250, 160),                       //
      cell("Tuning", 100, 190),                                            // a ragged row
      cell("-j N", 100, 220), cell("jobs", 250, 220),                      //
      cell("-o F", 100, 250), cell("output file", 250, 250)};
  const DocumentStructure s = analyze_structure(doc_of({page_of(1, lines)}));
  const auto tables = blocks_of_kind(s.pages[0], BlockKind::kTable);
  REQUIRE(tables.size() == 1);
  CHECK_FALSE(tables[0]->has_header);
  CHECK(tables[0]->rows == Rows{{"-v", "print more messages about what is done"},
                                {"-q", "quiet"},
                                {"Tuning", ""},
                                {"-j N", "jobs"},
                                {"-o F", "output file"}});
  CHECK(s.pages[0].blocks.size() == 1);
}

TEST_CASE("tables: padded rows as a browser prints them, bold header, wrapped first-column cells",
          "[encode][structure][table]") {
  // ccache's manual printed by Chromium: rows 2 line heights apart (cell padding), a bold
  // header row, a file name that wraps inside its first-column cell.
  std::vector<TextLine> lines = {cell("Filename", 100, 100), cell("Description", 450, 100)};
  lines[0].bold = lines[1].bold = true;
  float y = 160;
  for (const char* suffix : {"c", "d", "p"}) {
    lines.push_back(cell("<objectfile>.", 100, y));
    lines.push_back(cell(std::string("Input hashed by mode ") + suffix + ".", 450, y));
    lines.push_back(cell(std::string("<timestamp>.input-") + suffix, 100, y + 21));  // the cell's next line
    y += 41 + 41;                                                                 // 2 x h of padding
  }
  const DocumentStructure s = analyze_structure(doc_of({page_of(1, lines)}));
  const auto tables = blocks_of_kind(s.pages[0], BlockKind::kTable);
  REQUIRE(tables.size() == 1);
  CHECK(tables[0]->has_header);
  CHECK(tables[0]->rows == Rows{{"Filename", "Description"},
                                {"<objectfile>. <timestamp>.input-c", "Input hashed by mode c."},
                                {"<objectfile>. <timestamp>.input-d", "Input hashed by mode d."},
                                {"<objectfile>. <timestamp>.input-p", "Input hashed by mode p."}});
}

TEST_CASE("tables: two columns of prose side by side stay paragraphs", "[encode][structure][table]") {
  const std::vector<std::string> left = {"The first column of this page tells", "a story that runs from one line to",
                                         "the next one, as prose does, and", "ends its sentence right here."};
  const std::vector<std::string> right = {"The second column of the page is", "another story with its own words",
                                          "that also run on from line to line", "and stop at the end of it."};
  std::vector<TextLine> lines;
  for (std::size_t i = 0; i < left.size(); ++i) lines.push_back(cell(left[i], 60, 100 + 28.0f * i, 360));
  for (std::size_t i = 0; i < right.size(); ++i) lines.push_back(cell(right[i], 460, 100 + 28.0f * i, 360));
  const DocumentStructure s = analyze_structure(doc_of({page_of(1, lines)}));
  const auto& blocks = s.pages[0].blocks;
  CHECK(blocks_of_kind(s.pages[0], BlockKind::kTable).empty());
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].text == join_lines(left));
  CHECK(blocks[1].text == join_lines(right));
}

TEST_CASE("tables of contents: dot leaders become title|page rows, wrapped titles rejoined",
          "[encode][structure][table]") {
  std::vector<TextLine> lines = {
      line_at("Contents", 100, 60, 200, 36),
      cell("1 Introduction . . . . . . . . . . . . . . . . . . 1", 100, 120, 600),
      cell("1.1 Scope and purpose ........................... 2", 130, 145, 570),
      cell("1.2 A title so long that it has to wrap onto", 130, 170, 450),
      cell("a second line . . . . . . . . . . . . . . . . 3", 150, 195, 550),
      cell("2 Methods \xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7 12", 100, 220, 600),
      cell("Index . . . . . . . . . . . . . . . . . . . . . . . xiv", 100, 245, 600)};
  const DocumentStructure s = analyze_structure(doc_of({page_of(1, lines)}));
  const auto& blocks = s.pages[0].blocks;
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].kind == BlockKind::kHeading);
  REQUIRE(blocks[1].kind == BlockKind::kTable);
  CHECK_FALSE(blocks[1].has_header);
  CHECK(blocks[1].rows == Rows{{"1 Introduction", "1"},
                               {"1.1 Scope and purpose", "2"},
                               {"1.2 A title so long that it has to wrap onto a second line", "3"},
                               {"2 Methods", "12"},
                               {"Index", "xiv"}});
}

TEST_CASE("tables of contents: a long title's short leader (2 or 3 dots) on a contents page", "[encode][structure][table]") {
  // R-intro's contents: bold chapter lines, taller than the others, whose long titles leave
  // room for two leader dots only ("# 2 Simple manipulations; numbers and vectors . . 8" was
  // written as a heading).
  std::vector<TextLine> lines = {
      cell("1.11 Data permanency and removing objects . . . . . . . . . . . . 6", 130, 100, 570),
      line_at("2 Simple manipulations; numbers and vectors . . 8", 100, 130, 600, 30),
      cell("2.1 Vectors and assignment . . . . . . . . . . . . . . . . . . . . 8", 130, 170, 570),
      cell("2.2 Vector arithmetic . . . . . . . . . . . . . . . . . . . . . . . 9", 130, 195, 570),
      line_at("9 Grouping, loops and conditional execution . . 43", 100, 225, 600, 30),
      cell("9.1 Grouped expressions . . . . . . . . . . . . . . . . . . . . . 43", 130, 265, 570)};
  const DocumentStructure s = analyze_structure(doc_of({page_of(1, lines)}));
  REQUIRE(s.pages[0].blocks.size() == 1);
  CHECK(s.pages[0].blocks[0].rows == Rows{{"1.11 Data permanency and removing objects", "6"},
                                          {"2 Simple manipulations; numbers and vectors", "8"},
                                          {"2.1 Vectors and assignment", "8"},
                                          {"2.2 Vector arithmetic", "9"},
                                          {"9 Grouping, loops and conditional execution", "43"},
                                          {"9.1 Grouped expressions", "43"}});
  // Elsewhere two dots before a number are text: "{1, . . 9}" or a sentence's " . . 8".
  const DocumentStructure prose = analyze_structure(doc_of({page_of(1, {
      line_at("The digits run 0, 1, . . 9 and the pages 1 . . 8", 100, 100, 600)})}));
  REQUIRE(prose.pages[0].blocks.size() == 1);
  CHECK(prose.pages[0].blocks[0].text == "The digits run 0, 1, . . 9 and the pages 1 . . 8");
}

TEST_CASE("tables of contents: page numbers read after the titles find their rows", "[encode][structure][table]") {
  // The leader stops short of the page number, which a reading order reads as a column of
  // its own; a chapter line has no leader at all.
  std::vector<TextLine> lines = {cell("1 Getting started", 100, 100), cell("1.1 Install . . . . . . . . . . .", 130, 125, 400),
                                 cell("1.2 First run . . . . . . . . . .", 130, 150, 400),
                                 cell("2 Going further", 100, 180), cell("2.1 Options . . . . . . . . . . .", 130, 205, 400)};
  for (auto [ref, y] : {std::pair{"1", 100}, {"1", 125}, {"3", 150}, {"7", 180}, {"8", 205}}) {
    lines.push_back(cell(ref, 700, static_cast<float>(y)));
  }
  const DocumentStructure s = analyze_structure(doc_of({page_of(1, lines)}));
  const auto tables = blocks_of_kind(s.pages[0], BlockKind::kTable);
  REQUIRE(tables.size() == 1);
  CHECK(tables[0]->rows == Rows{{"1 Getting started", "1"},
                                {"1.1 Install", "1"},
                                {"1.2 First run", "3"},
                                {"2 Going further", "7"},
                                {"2.1 Options", "8"}});
  CHECK(s.pages[0].blocks.size() == 1);
}

TEST_CASE("code: a monospaced listing keeps its lines, indentation and blank line", "[encode][structure][code]") {
  std::vector<TextLine> lines = {line_at("The program below prints the sum of two numbers for you.", 100, 100, 600),
                                 cell("int main(void)", 150, 140), cell("{", 150, 165), cell("int x = 1 + 2;", 170, 190),
                                 // a blank line
                                 cell("printf(\"%d\\n\", x);", 170, 250), cell("return 0;", 170, 275), cell("}", 150, 300),
                                 line_at("It prints three and then it returns zero to the shell.", 100, 340, 600)};
  const DocumentStructure s = analyze_structure(doc_of({page_of(1, lines)}));
  const auto& blocks = s.pages[0].blocks;
  REQUIRE(blocks.size() == 3);
  CHECK(blocks[0].kind == BlockKind::kParagraph);
  REQUIRE(blocks[1].kind == BlockKind::kCode);
  CHECK(blocks[1].text == "int main(void)\n{\n  int x = 1 + 2;\n\n  printf(\"%d\\n\", x);\n  return 0;\n}");
  CHECK(blocks[2].kind == BlockKind::kParagraph);
}

TEST_CASE("code: monospaced indented lines without cues; prose of one width is not code", "[encode][structure][code]") {
  std::vector<TextLine> lines = {line_at("A recipe in the little language looks like this one here:", 100, 100, 600),
                                 cell("define greeting", 160, 140), cell("say hello", 180, 165),
                                 cell("say world", 180, 190), cell("done", 160, 215),
                                 line_at("Every line of a recipe is a command with its words.", 100, 260, 600),
                                 line_at("Commands run one after another until the end.", 100, 285, 600),
                                 line_at("Nothing else is needed to run.", 100, 310, 600)};
  const DocumentStructure s = analyze_structure(doc_of({page_of(1, lines)}));
  const auto code = blocks_of_kind(s.pages[0], BlockKind::kCode);
  REQUIRE(code.size() == 1);
  CHECK(code[0]->text == "define greeting\n  say hello\n  say world\ndone");
  CHECK(blocks_of_kind(s.pages[0], BlockKind::kParagraph).size() == 2);
}

TEST_CASE("code: a listing split by its blank lines stays one, with the plain words and comments in it",
          "[encode][structure][code]") {
  // libtasn1's ASN.1 listing: a blank line between every line, and "BEGIN" and "END" have no
  // cue; its font (10 px per character) is measured on the code around them.
  std::vector<TextLine> lines = {line_at("For example, consider an ASN.1 definitions file as follows:", 100, 60, 600)};
  float y = 100;
  for (const char* text : {"MYPKIX1 { }", "DEFINITIONS IMPLICIT TAGS ::=", "BEGIN", "OtherStruct := SEQUENCE {", "}", "END"}) {
    lines.push_back(cell(text, 150, y));
    y += 50;  // a blank line
  }
  // bzip2's loop: a comment that reads as prose between two statements.
  for (const char* text : {"while (more) {", "/* get data to write into buf, and set nBuf appropriately */",
                           "nWritten = BZ2_bzWrite(&bzerror, b, buf, nBuf);", "}"}) {
    lines.push_back(cell(text, 150, y));
    y += 25;
  }
  lines.push_back(line_at("The file is read in one pass and written out as it goes.", 100, y + 20, 600));
  const DocumentStructure s = analyze_structure(doc_of({page_of(1, lines)}));
  const auto& blocks = s.pages[0].blocks;
  REQUIRE(blocks.size() == 3);
  REQUIRE(blocks[1].kind == BlockKind::kCode);
  CHECK(blocks[1].text ==
        "MYPKIX1 { }\n\nDEFINITIONS IMPLICIT TAGS ::=\n\nBEGIN\n\nOtherStruct := SEQUENCE {\n\n}\n\nEND\n\n"
        "while (more) {\n/* get data to write into buf, and set nBuf appropriately */\n"
        "nWritten = BZ2_bzWrite(&bzerror, b, buf, nBuf);\n}");
  CHECK(blocks[2].kind == BlockKind::kParagraph);
}

TEST_CASE("level 1 drops rules and dot leaders outside tables", "[encode][structure]") {
  PageBuilder b(1);
  b.line("Results of the first run are good.").line("------------------------------");
  b.line("Total . . . . . . . . . . . . . . . . . . . see below").line("and three dots... stay");
  const DocumentStructure s = analyze_structure(doc_of({b.done()}));
  REQUIRE(s.pages[0].blocks.size() == 2);  // the rule's place separates them
  CHECK(s.pages[0].blocks[0].text == "Results of the first run are good.");
  CHECK(s.pages[0].blocks[1].text == "Total see below and three dots... stay");
}

TEST_CASE("furniture: running headers that change per chapter", "[encode][structure]") {
  const std::vector<std::string> headers = {"Chapter 1: Introduction", "Chapter 1: Introduction",
                                            "Chapter 2: Copyright", "Chapter 3: Methods"};
  std::vector<PageResult> pages;
  for (int p = 1; p <= 4; ++p) {
    PageBuilder b(p);
    b.at(headers[static_cast<std::size_t>(p - 1)], 30);
    b.at(std::to_string(p), 1060);
    b.y = 150;
    b.line("Body text of page " + std::to_string(p) + " is here.");
    pages.push_back(b.done());
  }
  const DocumentStructure s = analyze_structure(doc_of(pages));
  for (const PageStructure& page : s.pages) {
    CHECK(page.furniture_lines.size() == 2);
    REQUIRE(page.blocks.size() == 1);
    CHECK(page.blocks[0].text.starts_with("Body text"));
  }
  // The same first word in the top band, but followed closely by body text: kept.
  const std::vector<std::string> openings = {"begins with a story", "counts the sheep", "is about tables",
                                             "ends the book"};
  std::vector<PageResult> body_pages;
  for (int p = 1; p <= 4; ++p) {
    PageBuilder b(p);
    b.y = 40;
    const std::string opening = openings[static_cast<std::size_t>(p - 1)];
    b.line("Chapter " + std::to_string(p) + " " + opening).line("and then " + opening + " again");
    b.line("until the end of its page.");
    body_pages.push_back(b.done());
  }
  const DocumentStructure kept = analyze_structure(doc_of(body_pages));
  for (const PageStructure& page : kept.pages) {
    CHECK(page.furniture_lines.empty());
    REQUIRE(page.blocks.size() == 1);
    CHECK(page.blocks[0].text.starts_with("Chapter "));
  }
}
