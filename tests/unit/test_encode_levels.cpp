// Compaction levels: 0 faithful, 1 structural, 2 aggressive (low confidence, figure text,
// repeated paragraphs, across documents with a shared RepeatFilter).
#include <catch2/catch.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "encode/dtoon.hpp"
#include "encode/stats.hpp"
#include "encode/structure.hpp"

using namespace deepcompress;

namespace {

TextLine line_at(std::string text, float x, float y, float w = 600, float h = 20, float confidence = 0.97f) {
  TextLine l;
  l.quad = {PointF{x, y}, PointF{x + w, y}, PointF{x + w, y + h}, PointF{x, y + h}};
  l.text = std::move(text);
  l.confidence = confidence;
  return l;
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

DocumentResult doc_of(std::string path, std::vector<PageResult> pages) {
  DocumentResult d;
  d.path = std::move(path);
  d.pages = std::move(pages);
  return d;
}

const std::string kBoilerplate = "This document is provided as is, without any warranty of any kind.";

// Page n: running header, a paragraph of its own, the boilerplate paragraph, a page number.
PageResult report_page(int n) {
  return page_of(n, {line_at("Quarterly Report", 300, 30, 200, 18),
                     line_at("Page " + std::to_string(n) + " tells its own story about the numbers", 100, 150),
                     line_at("of quarter " + std::to_string(n) + " in some detail.", 100, 178),
                     line_at(kBoilerplate, 100, 240),
                     line_at(std::to_string(n), 420, 1060, 20, 18)});
}

std::string all_text(const DocumentStructure& s) {
  std::string out;
  for (const PageStructure& p : s.pages) {
    for (const Block& b : p.blocks) out += b.text + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("level 0: the faithful text, furniture and line breaks kept", "[encode][levels]") {
  PageResult page = report_page(1);
  page.text = "Quarterly Report\n\nPage 1 tells its own story\n- not a list, a line\n\n" + kBoilerplate + "\n1\n";
  const DocumentResult doc = doc_of("r.pdf", {page, report_page(2)});
  const DocumentStructure s = analyze_structure(doc, {.level = 0});
  CHECK(s.level == 0);
  REQUIRE(s.pages.size() == 2);
  CHECK(s.pages[0].furniture_lines.size() == 2);  // found, but not dropped
  REQUIRE(s.pages[0].blocks.size() == 3);
  for (const Block& b : s.pages[0].blocks) CHECK(b.kind == BlockKind::kParagraph);
  CHECK(s.pages[0].blocks[1].text == "Page 1 tells its own story\n- not a list, a line");
  const std::string dtoon = to_dtoon(s);
  CHECK(dtoon.starts_with("doc: r.pdf pages: 2\nQuarterly Report\n\nPage 1 tells its own story\n\\- not a list, a line\n\n"));
  // Read back: every word of the faithful text, furniture included.
  const DtoonDocument parsed = parse_dtoon(dtoon);
  std::string recovered;
  for (const DtoonPage& p : parsed.pages) {
    for (const Block& b : p.blocks) recovered += b.text + "\n";
  }
  CHECK(word_recall(page.text + doc.pages[1].text, recovered).recall() == 1.0);
  CHECK(word_recall(recovered, page.text + doc.pages[1].text).recall() == 1.0);
  // Out-of-range levels are clamped.
  CHECK(analyze_structure(doc, {.level = -3}).level == 0);
  CHECK(analyze_structure(doc, {.level = 9}).level == 2);
}

TEST_CASE("level 2: low-confidence lines dropped, kept at level 1", "[encode][levels]") {
  const DocumentResult doc = doc_of(
      "c.pdf", {page_of(1, {line_at("A clear line of text that was read well.", 100, 100),
                            line_at("~~ #r% li1l ~", 100, 160, 200, 20, 0.41f),
                            line_at("Another clear line, also read well.", 100, 220)})});
  const DocumentStructure l1 = analyze_structure(doc, {.level = 1});
  const DocumentStructure l2 = analyze_structure(doc, {.level = 2});
  CHECK(all_text(l1).find("li1l") != std::string::npos);
  CHECK(l1.pages[0].dropped_lines.empty());
  CHECK(all_text(l2).find("li1l") == std::string::npos);
  CHECK(l2.pages[0].dropped_lines == std::vector<std::size_t>{1});
  CHECK(all_text(l2).find("Another clear line") != std::string::npos);
}

TEST_CASE("level 2: figure text (ticks and labels scattered around a plot) dropped", "[encode][levels]") {
  std::vector<TextLine> lines = {line_at("The chart shows how the load grows over the day.", 100, 100)};
  // y-axis ticks down the left, x-axis ticks along the bottom, axis labels.
  for (int k = 0; k < 4; ++k) lines.push_back(line_at(std::to_string(100 - 25 * k), 110, 160 + 60.0f * k, 30, 18));
  for (int k = 0; k < 4; ++k) lines.push_back(line_at(std::to_string(6 * k) + "h", 160 + 120.0f * k, 420, 30, 18));
  lines.push_back(line_at("hour of day", 330, 450, 110, 18));
  lines.push_back(line_at("After midnight the load falls back to its floor.", 100, 500));
  // A column of numbers alone (one x) is no figure.
  for (int k = 0; k < 4; ++k) lines.push_back(line_at(std::to_string(10 * k + 15), 110, 560 + 30.0f * k, 20, 18));
  // Nor are numbers packed as densely as text (shared-mime-info's hex dump, a matrix printed by
  // R): rows and columns, but no empty plot area between them.
  lines.push_back(line_at("The file starts with these bytes:", 300, 700, 300));
  for (auto [text, x, y] : {std::tuple{"00", 100, 740}, {"05", 140, 740}, {"64", 100, 762}, {"69", 140, 762},
                            {"0a", 100, 784}, {"3e", 100, 806}}) {
    lines.push_back(line_at(text, static_cast<float>(x), static_cast<float>(y), 30, 18));
  }
  const DocumentResult doc = doc_of("f.pdf", {page_of(1, lines)});
  const DocumentStructure l2 = analyze_structure(doc, {.level = 2});
  CHECK(l2.pages[0].dropped_lines.size() == 9);
  const std::string text = all_text(l2);
  CHECK(text.find("hour of day") == std::string::npos);
  CHECK(text.find("75") == std::string::npos);
  CHECK(text.find("The chart shows") != std::string::npos);
  CHECK(text.find("falls back") != std::string::npos);
  CHECK(text.find("15 25 35 45") != std::string::npos);
  for (const char* byte : {"00", "05", "64", "69", "0a", "3e"}) CHECK(text.find(byte) != std::string::npos);
  CHECK(all_text(analyze_structure(doc, {.level = 1})).find("hour of day") != std::string::npos);
}

TEST_CASE("level 2: paragraphs repeated across pages are written once", "[encode][levels]") {
  const DocumentResult doc = doc_of("r.pdf", {report_page(1), report_page(2), report_page(3)});
  const DocumentStructure l1 = analyze_structure(doc, {.level = 1});
  const DocumentStructure l2 = analyze_structure(doc, {.level = 2});
  std::size_t n_l1 = 0;
  for (std::size_t p = 0; p < 3; ++p) n_l1 += l1.pages[p].blocks.size();
  CHECK(n_l1 == 6);
  CHECK(l2.pages[0].n_repeated_blocks == 0);
  CHECK(l2.pages[1].n_repeated_blocks == 1);
  CHECK(l2.pages[2].n_repeated_blocks == 1);
  const std::string text = all_text(l2);
  CHECK(text.find(kBoilerplate) != std::string::npos);
  CHECK(text.find(kBoilerplate, text.find(kBoilerplate) + 1) == std::string::npos);
  for (int n = 1; n <= 3; ++n) CHECK(text.find("of quarter " + std::to_string(n)) != std::string::npos);
  // The curve: level 1 keeps every faithful word, level 2 loses the repeats.
  std::string faithful;
  std::string compact1;
  std::string compact2;
  for (std::size_t p = 0; p < 3; ++p) {
    faithful += faithful_body(doc.pages[p], l1.pages[p]) + "\n";
    compact1 += dtoon_page(l1.pages[p], p == 0);
    compact2 += dtoon_page(l2.pages[p], p == 0);
  }
  CHECK(word_recall(faithful, compact1).recall() == 1.0);
  const double r2 = word_recall(faithful, compact2).recall();
  CHECK(r2 < 0.8);
  CHECK(r2 > 0.5);
}

TEST_CASE("level 2: repeated paragraphs of fewer than 8 words are kept", "[encode][levels]") {
  // nettle writes "This function also resets the context." under every digest function: short
  // and said of a different function each time.
  std::vector<PageResult> pages;
  for (int n = 1; n <= 2; ++n) {
    pages.push_back(page_of(n, {line_at("void sha" + std::to_string(n) + "_digest (struct ctx *ctx) Writes the digest.", 100, 100),
                                line_at("This function also resets the context.", 100, 160)}));
  }
  const DocumentStructure l2 = analyze_structure(doc_of("n.pdf", pages), {.level = 2});
  CHECK(l2.pages[1].n_repeated_blocks == 0);
  const std::string text = all_text(l2);
  CHECK(text.find("resets the context", text.find("resets the context") + 1) != std::string::npos);
}

TEST_CASE("level 2: a table of contents keeps the titles no heading repeats, without page numbers",
          "[encode][levels]") {
  const auto entry = [](const std::string& text, float y) { return line_at(text, 100, y, 600, 20, 1.0f); };
  const PageResult contents = page_of(1, {entry("1 Introduction . . . . . . . . . . . . . . . . . . . . 1", 100),
                                         entry("2 Simple manipulations . . . . . . . . . . . . . . . 8", 125),
                                         entry("3 Objects, their modes and attributes . . . . . . 14", 150)});
  const PageResult body = page_of(2, {line_at("1 Introduction", 100, 100, 300, 30, 1.0f),
                                      line_at("R is an integrated suite of software facilities for data", 100, 160, 600, 20, 1.0f),
                                      line_at("manipulation, calculation and graphical display. Among", 100, 188, 600, 20, 1.0f),
                                      line_at("other things it has an effective data handling facility.", 100, 216, 600, 20, 1.0f)});
  const DocumentResult doc = doc_of("r.pdf", {contents, body});
  const DocumentStructure l1 = analyze_structure(doc, {.level = 1});
  REQUIRE(l1.pages[0].blocks.size() == 1);
  CHECK(l1.pages[0].blocks[0].kind == BlockKind::kTable);
  CHECK(l1.pages[1].blocks[0].kind == BlockKind::kHeading);
  const DocumentStructure l2 = analyze_structure(doc, {.level = 2});
  REQUIRE(l2.pages[0].blocks.size() == 1);
  CHECK(l2.pages[0].blocks[0].kind == BlockKind::kParagraph);
  CHECK(l2.pages[0].blocks[0].text == "2 Simple manipulations\n3 Objects, their modes and attributes");
  CHECK(to_dtoon(l2).starts_with("doc: r.pdf pages: 2\n2 Simple manipulations\n3 Objects, their modes and attributes\n~p2\n"));
  // A contents page whose every title is a heading of the document leaves nothing.
  const PageResult short_contents = page_of(1, {entry("1 Introduction . . . . . . . . . . . . . 1", 100),
                                               entry("1 Introduction . . . . . . . . . . . . . 1", 125),
                                               entry("1 Introduction . . . . . . . . . . . . . 1", 150)});
  CHECK(analyze_structure(doc_of("r.pdf", {short_contents, body}), {.level = 2}).pages[0].blocks.empty());
}

TEST_CASE("level 2: texinfo margin labels ([Function]) dropped, the signature joined", "[encode][levels]") {
  // nettle: the label sits flush right, on the row of a signature that wraps.
  const DocumentResult doc = doc_of(
      "n.pdf", {page_of(1, {line_at("void sha256_digest (struct sha256 ctx *ctx , size t length , uint8 t", 100, 100, 520),
                            line_at("[Function]", 630, 100, 70),
                            line_at("*digest ) Performs final processing and extracts the message digest.", 140, 125, 560),
                            line_at("See [Function] and [Macro] in the index.", 100, 180, 300)})});
  const DocumentStructure l1 = analyze_structure(doc, {.level = 1});
  const DocumentStructure l2 = analyze_structure(doc, {.level = 2});
  CHECK(all_text(l1).find("uint8 t\n[Function] *digest )") != std::string::npos);
  CHECK(l2.pages[0].dropped_lines == std::vector<std::size_t>{1});
  CHECK(all_text(l2) ==
        "void sha256_digest (struct sha256 ctx *ctx , size t length , uint8 t *digest ) Performs final processing and "
        "extracts the message digest.\nSee [Function] and [Macro] in the index.\n");
}

TEST_CASE("level 2: printed page numbers of cross-references dropped", "[encode][levels]") {
  const DocumentResult doc = doc_of(
      "o.pdf", {page_of(1, {line_at("See Section 14.2.8 [Integer Conversions], page 302, for details.", 100, 100),
                            line_at("See also: [dlmread], page 284, [csvread], page 285.", 100, 160),
                            line_at("See plot datafile using (p. 116) and (page 12), but keep (p. x) and page 7.", 100, 220)})});
  CHECK(all_text(analyze_structure(doc, {.level = 1})).find("page 302") != std::string::npos);
  CHECK(all_text(analyze_structure(doc, {.level = 2})) ==
        "See Section 14.2.8 [Integer Conversions], for details.\n"
        "See also: [dlmread], [csvread].\n"
        "See plot datafile using and, but keep (p. x) and page 7.\n");
}

TEST_CASE("level 2: a listing's line numbers standing apart from its lines dropped", "[encode][levels]") {
  std::vector<TextLine> lines = {line_at("Listing 1 multiplies two polynomials as follows here.", 100, 60)};
  for (int k = 1; k <= 6; ++k) lines.push_back(line_at(std::to_string(k), 80, 80.0f + 25 * k, 12, 20));
  lines.push_back(line_at("34 35 36 37 38", 100, 300, 200));
  lines.push_back(line_at("1 2 4 5", 100, 360, 100));         // not counting up by one
  lines.push_back(line_at("7 8 9", 100, 420, 100));           // only three
  const DocumentResult doc = doc_of("c.pdf", {page_of(1, lines)});
  const std::string l1 = all_text(analyze_structure(doc, {.level = 1}));
  CHECK(l1.find("34 35 36 37 38") != std::string::npos);
  CHECK(l1.find("\n1 2 3 4 5 6\n") != std::string::npos);
  CHECK(all_text(analyze_structure(doc, {.level = 2})) ==
        "Listing 1 multiplies two polynomials as follows here.\n1 2 4 5\n7 8 9\n");
}

TEST_CASE("level 2: a RepeatFilter shared by the documents of a run drops what earlier ones wrote",
          "[encode][levels]") {
  const DocumentResult a = doc_of("a.pdf", {report_page(1)});
  const DocumentResult b = doc_of("b.pdf", {report_page(7)});
  RepeatFilter run;
  const DocumentStructure sa = analyze_structure(a, {.level = 2, .repeats = &run});
  const DocumentStructure sb = analyze_structure(b, {.level = 2, .repeats = &run});
  CHECK(all_text(sa).find(kBoilerplate) != std::string::npos);
  CHECK(all_text(sb).find(kBoilerplate) == std::string::npos);
  CHECK(sb.pages[0].n_repeated_blocks == 1);
  CHECK(all_text(sb).find("of quarter 7") != std::string::npos);
  // Alone (no shared filter) b keeps it; the filter is not used below level 2.
  CHECK(all_text(analyze_structure(b, {.level = 2})).find(kBoilerplate) != std::string::npos);
  RepeatFilter unused;
  analyze_structure(a, {.level = 1, .repeats = &unused});
  CHECK_FALSE(unused.seen("x"));
  CHECK(unused.seen("x"));
}
