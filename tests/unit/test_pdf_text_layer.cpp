// PDF text layers (--ocr auto|never): words grouped into lines, the garbage
// and coverage verdicts, and PdfSource::text_layer on generated fixtures
// (tests/fixtures/make_fixtures.py, "Text-layer fixtures").
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/page_source.hpp"
#include "deepcompress/error.hpp"
#include "pdf/pdf_source.hpp"
#include "pdf/text_layer.hpp"

#include "support.hpp"

namespace fs = std::filesystem;
using namespace deepcompress;
using deepcompress::test::read_file;
using deepcompress::test::TempDir;
using deepcompress::test::write_file;

namespace {

// The fixtures this file needs, generated once per test run into a
// temporary directory (about a second).
const fs::path& fixtures() {
  static TempDir dir;
  static const bool made = [] {
    const std::string command = "/usr/bin/python3 '" DC_SOURCE_DIR "/tests/fixtures/make_fixtures.py' '" +
                                dir.path.string() + "' prose two_column text_layer >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
  }();
  REQUIRE(made);
  return dir.path;
}

TextLayer layer_of(const std::string& name, int page_number = 1, int dpi = 72) {
  return open_pdf(fixtures() / name, "", dpi)->text_layer(page_number);
}

std::vector<std::string> texts(const std::vector<TextLine>& lines) {
  std::vector<std::string> out;
  for (const TextLine& line : lines) out.push_back(line.text);
  return out;
}

// The non-empty lines of page page_index (0-based) of a ground-truth .txt.
std::vector<std::string> truth_lines(const std::string& txt_name, int page_index = 0) {
  std::istringstream pages(read_file(fixtures() / txt_name));
  std::string page;
  for (int i = 0; i <= page_index; ++i) std::getline(pages, page, '\f');
  std::istringstream in(page);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

PdfWord word(const std::string& text, float x0, float x1, float y0 = 100, float y1 = 120, bool space_after = true) {
  return {text, BoxF{x0, y0, x1, y1}, space_after};
}

TextLine line(const std::string& text) {
  TextLine l;
  l.text = text;
  return l;
}

GlyphStats stats_of(const std::vector<std::string>& line_texts) {
  std::vector<TextLine> lines;
  for (const std::string& t : line_texts) lines.push_back(line(t));
  return glyph_stats(lines);
}

// A white gray image with black rectangles.
struct Canvas {
  Image image;
  Canvas(int w, int h) {
    image.width_px = w;
    image.height_px = h;
    image.n_channels = 1;
    image.pixels.assign(static_cast<std::size_t>(w) * h, 255);
  }
  void fill(int x0, int y0, int x1, int y1) {
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) image.pixels[static_cast<std::size_t>(y) * image.width_px + x] = 0;
  }
  // A row of glyph-sized blobs (2 px wide, 4 px tall, 1 px apart) from x0 to x1.
  void text_row(int x0, int x1, int y) {
    for (int x = x0; x + 2 <= x1; x += 3) fill(x, y, x + 2, y + 4);
  }
};

TextLine box_line(float x0, float y0, float x1, float y1) {
  TextLine l;
  l.quad = {PointF{x0, y0}, PointF{x1, y0}, PointF{x1, y1}, PointF{x0, y1}};
  l.text = "x";
  return l;
}

}  // namespace

// ---- words -> lines ----------------------------------------------------------

TEST_CASE("words on one row join into one line with spaces", "[pdf][text_layer]") {
  const std::vector<TextLine> lines = words_to_lines({
      word("The", 10, 40), word("quiet", 45, 90), word("work", 95, 130, 100, 120, false),
      word("Next", 10, 50, 125, 145),  // the next row
  });
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].text == "The quiet work");
  CHECK(lines[1].text == "Next");
  const BoxF b = bounds(lines[0]);
  CHECK(b.x0 == 10);
  CHECK(b.x1 == 130);
  CHECK(b.y0 == 100);
  CHECK(b.y1 == 120);
  CHECK(lines[0].confidence == 1.0f);
  CHECK(lines[0].char_confidences.size() == lines[0].text.size());
}

TEST_CASE("a wide gap on a row (column gutter) splits the line", "[pdf][text_layer]") {
  // Word height 20 px: a 10 px gap is a word space, a 30 px gap a gutter.
  const std::vector<TextLine> lines = words_to_lines({
      word("left", 10, 50), word("column", 60, 120, 100, 120, false),
      word("right", 150, 200), word("column", 210, 270, 100, 120, false),
  });
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].text == "left column");
  CHECK(lines[1].text == "right column");
  CHECK(bounds(lines[1]).x0 == 150);
}

TEST_CASE("words without Poppler's space flag join with a space only across a gap", "[pdf][text_layer]") {
  // "foo" + "bar" touching (a font change inside a word), then a real gap.
  const std::vector<TextLine> lines = words_to_lines({
      word("foo", 10, 40, 100, 120, false), word("bar", 40, 70, 100, 120, false),
      word("baz", 80, 110, 100, 120, false)});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].text == "foobar baz");
}

TEST_CASE("a word to the left of the previous one starts a new line", "[pdf][text_layer]") {
  const std::vector<TextLine> lines = words_to_lines({word("second", 200, 260), word("first", 10, 60)});
  CHECK(texts(lines) == std::vector<std::string>{"second", "first"});
}

TEST_CASE("char confidences count UTF-8 characters", "[pdf][text_layer]") {
  const std::vector<TextLine> lines = words_to_lines({word("caf\xc3\xa9", 10, 40), word("\xe2\x82\xac" "5", 45, 60)});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].text == "caf\xc3\xa9 \xe2\x82\xac" "5");
  CHECK(lines[0].char_confidences.size() == 7);  // c a f é space € 5
}

// ---- garbage ----------------------------------------------------------------

TEST_CASE("real text in several languages and styles is not garbage", "[pdf][text_layer]") {
  const std::vector<std::vector<std::string>> pages = {
      {"Every town keeps more paper than it remembers. In the basement of the old county hall",
       "there are 214 shelves of ledgers, deeds and minutes, some of them older than the building."},
      {"Die Pakete werden mit dpkg-buildpackage gebaut; danach prüft lintian, ob alles stimmt.",
       "Für die Übersetzung ist das Team der französischen Mitwirkenden zuständig, schreibt er."},
      {"Le responsable crée le paquet à partir des sources et vérifie qu'il s'installe bien."},
      {"int main(int argc, char** argv) { return run(argv[1], &options) ? 0 : 1; }",
       "$ ./configure --prefix=/usr && make -j4 && sudo make install", "x86_64-linux-gnu/libfoo.so.1"},
      {"M(x) = g0(x) x^(K-1)N W + mk,n x (N-1-n)W for k = 0, ..., K-1 and n < N where W is the width"},
      {"Defining new binary operators . . . . . . . . . . . . . . . . . . . . . . . . . . . 46",
       "Efficiency factors in block designs . . . . . . . . . . . . . . . . . . . . . . . . 47",
       "if (a == b && c != d) x <- y || z; /* -- see \"Loops\" -- */ ==> [1] 42"},
      {"\xd0\x9a\xd0\xbe\xd0\xbd\xd1\x84\xd0\xb8\xd0\xb3\xd1\x83\xd1\x80\xd0\xb0\xd1\x86\xd0\xb8\xd1\x8f "
       "\xd1\x81\xd0\xb8\xd1\x81\xd1\x82\xd0\xb5\xd0\xbc\xd1\x8b \xe6\x96\x87\xe5\xad\x97\xe8\xaa\x8d\xe8\xad\x98"},
  };
  for (const auto& page : pages) {
    INFO(page.front());
    CHECK(garbage_reason(stats_of(page)).empty());
  }
}

TEST_CASE("private-use, replacement and control characters are garbage", "[pdf][text_layer]") {
  const GlyphStats pua = stats_of({"\xef\x80\xb4\xef\x80\xa8\xef\x80\xa5 \xef\x80\xb1\xef\x80\xb5\xef\x80\xa9"});
  CHECK(pua.n_unmapped == 6);
  CHECK(garbage_reason(pua) == "text layer is garbage (100% unmapped glyphs)");
  CHECK(garbage_reason(stats_of({"\x01\x02\x03 \x04\x05 text here"})).rfind("text layer is garbage (", 0) == 0);
  CHECK(garbage_reason(stats_of({"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd ok"})).find("unmapped") != std::string::npos);
  // A bullet from a symbol font among normal text is fine.
  CHECK(garbage_reason(stats_of({"\xef\x82\xb7 Install the package with apt-get and check the log files twice"})).empty());
}

TEST_CASE("letters shifted by glyph ids are garbage", "[pdf][text_layer]") {
  // "Every town keeps more paper than it remembers..." shifted by 3.
  const GlyphStats s = stats_of({"Hyhub wrzq nhhsv pruh sdshu wkdq lw uhphpehuv. Lq wkh edvhphqw ri wkh rog",
                                 "frxqwb kdoo wkhuh duh 214 vkhoyhv ri ohgjhuv, ghhgv dqg plqxwhv"});
  CHECK(garbage_reason(s).rfind("text layer is garbage (vowels are", 0) == 0);
}

TEST_CASE("glyph ids shown as punctuation are garbage", "[pdf][text_layer]") {
  const GlyphStats s = stats_of({"!\"#$%&'()*&+##,-&.($#& ,/,#$&'0/*&1'& $#.#.2#$-3&4*&'0#& 2/-#.#*'&(5&'0#&(67&8(9*'%&0/66",
                                 "'0#$#&/$# &:;<&-0#6\"#-&(5& 6#7=#$->&7##7-& /*7&.1*9'#->& -(.#&(5&'0#.& (67#$&'0/*&'0#",
                                 "2#8/9-#& -(.#2(7%>& /'&-(.#& ,(1*'>&*##7#7& '(&,$(\"#& #/80&(*#& )/-&)$1''#*"});
  CHECK(garbage_reason(s).find("% of the text is symbol words)") != std::string::npos);
}

TEST_CASE("short layers are not judged on vowels or words", "[pdf][text_layer]") {
  CHECK(garbage_reason(stats_of({"Pg. 12"})).empty());
  CHECK(garbage_reason(stats_of({"HTML XML CSS"})).empty());
  CHECK(garbage_reason(stats_of({})).empty());
}

// ---- coverage -----------------------------------------------------------------

TEST_CASE("text-like ink is counted inside and outside the text boxes", "[pdf][text_layer]") {
  Canvas page(200, 100);
  page.text_row(10, 90, 10);   // covered by the text layer
  page.text_row(10, 190, 30);  // not covered
  page.text_row(10, 190, 40);  // not covered
  // Page pixels at 144 dpi = 2x the 72 dpi probe.
  const std::vector<TextLine> lines = {box_line(20, 20, 180, 28)};
  const InkCoverage c = ink_coverage(page.image, 72, 144, lines);
  const int row_px = 2 * 4 * 27;  // 27 blobs of 2x4 in 80 px
  CHECK(c.n_textlike_in_text_px == row_px);
  CHECK(c.n_ink_in_text_px == row_px);
  CHECK(c.n_textlike_outside_px == 2 * 2 * 4 * 60);
  CHECK(c.n_ink_px == c.n_textlike_in_text_px + c.n_textlike_outside_px);
  CHECK(coverage_reason(c) == "text layer covers 18% of the inked page");
  // With the two other rows in the text layer too, it covers everything.
  const std::vector<TextLine> all = {box_line(20, 20, 180, 28), box_line(20, 60, 380, 68),
                                     box_line(20, 80, 380, 88)};
  CHECK(coverage_reason(ink_coverage(page.image, 72, 144, all)).empty());
}

TEST_CASE("rules, frames, plots and filled shapes are not text-like", "[pdf][text_layer]") {
  Canvas page(300, 200);
  page.text_row(10, 100, 10);  // the text layer's one line
  page.fill(10, 30, 290, 31);  // a horizontal rule
  page.fill(10, 40, 11, 190);  // a vertical rule (a frame or an axis)
  page.fill(50, 60, 80, 190);  // a bar of a bar chart
  page.fill(100, 100, 140, 110);  // a solid block as tall as text
  int previous_y = 120;
  for (int x = 150; x < 290; ++x) {  // a plotted curve, 2 px thick
    const int y = 120 + static_cast<int>(50 * std::sin(x / 15.0));
    page.fill(x, std::min(y, previous_y), x + 1, std::max(y, previous_y) + 2);
    previous_y = y;
  }
  const InkCoverage c = ink_coverage(page.image, 72, 72, {box_line(10, 10, 100, 14)});
  CHECK(c.n_textlike_outside_px == 0);
  CHECK(c.n_ink_in_text_px < c.n_ink_px / 10);
  CHECK(coverage_reason(c).empty());
}

// developers-reference-fr's table-of-contents pages at the 36 dpi probe: light text whose dot
// leaders render as specks, and a footer rule that touches the page number ("ii") below it.
// Rule and number made one 5 px blob, as tall as text, outside the text boxes: the pages went
// to OCR ("text layer covers 55-59% of the inked page").
TEST_CASE("a rule touching a glyph is not text-like ink", "[pdf][text_layer]") {
  Canvas page(306, 396);  // a Letter page at 36 dpi; page pixels at 72 dpi are twice as large
  std::vector<TextLine> lines;
  for (int y = 40; y < 340; y += 12) {
    page.text_row(56, 100, y);                                 // a title
    for (int x = 104; x < 258; x += 4) page.fill(x, y + 3, x + 1, y + 4);  // its leader: 1 px dots
    page.text_row(265, 270, y);                                // its page number
    lines.push_back(box_line(112, 2 * y - 2, 516, 2 * y + 10));
    lines.push_back(box_line(530, 2 * y - 2, 540, 2 * y + 10));
  }
  page.fill(36, 369, 270, 370);  // the footer rule
  page.fill(36, 370, 37, 374);   // "ii" below it, touching it
  page.fill(38, 370, 39, 374);
  lines.push_back(box_line(72, 740, 77.5f, 753));
  const InkCoverage c = ink_coverage(page.image, 36, 72, lines);
  CHECK(c.n_textlike_outside_px == 0);
  CHECK(c.n_textlike_in_text_px >= 25 * (15 + 2) * 8);  // every title and number counts
  CHECK(coverage_reason(c).empty());

  SECTION("text outside the text boxes still counts, underlined or not") {
    page.text_row(56, 250, 380);   // a line the text layer lacks (65 glyphs)...
    page.fill(56, 384, 250, 385);  // ...underlined, the rule touching its glyphs
    page.text_row(56, 250, 388);   // and one more, plain
    const InkCoverage more = ink_coverage(page.image, 36, 72, lines);
    CHECK(more.n_textlike_outside_px >= 2 * 65 * 8);
  }
}

// ---- PDF pages ---------------------------------------------------------------

TEST_CASE("born-digital pages: text lines match the drawn lines", "[pdf][text_layer]") {
  SECTION("one column, two pages") {
    auto source = open_pdf(fixtures() / "prose.pdf", "", 72);
    for (int page = 1; page <= 2; ++page) {
      const TextLayer layer = source->text_layer(page);
      CHECK(texts(layer.lines) == truth_lines("prose.txt", page - 1));
      CHECK(layer.usable);
      CHECK(layer.note == "text layer usable");
    }
  }
  // Lines never bridge a gutter: each drawn column line is one text line.
  SECTION("two columns") {
    const TextLayer layer = layer_of("two_column.pdf");
    CHECK(texts(layer.lines) == truth_lines("two_column.txt"));
    CHECK(layer.usable);
  }
  // Poppler reads the paragraphs of these columns in a different order;
  // reading order is the layout module's job, so compare as sets of lines.
  SECTION("three columns, 18 pt gutters") {
    const TextLayer layer = layer_of("layer_three_column.pdf");
    std::vector<std::string> got = texts(layer.lines);
    std::vector<std::string> want = truth_lines("layer_three_column.txt");
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    CHECK(got == want);
    CHECK(layer.usable);
  }
}

TEST_CASE("text-layer lines sit where the text is drawn", "[pdf][text_layer]") {
  const TextLayer layer = layer_of("two_column.pdf", 1, 144);  // 2 px per point
  REQUIRE(layer.lines.size() > 2);
  // Title at the 72 pt margin, 20 pt bold, baseline at 72 + 1.45 * 20 - 0.45 * 20
  // = 92 pt (Layout.paragraph in make_fixtures.py).
  const BoxF title = bounds(layer.lines[0]);
  CHECK(std::abs(title.x0 - 144) < 2);
  CHECK(title.y0 < 2 * 92);
  CHECK(title.y1 > 2 * 92);
  CHECK(title.h() == Approx(2 * 20 * 1.16).epsilon(0.15));
  for (const TextLine& line : layer.lines) {
    CHECK(line.confidence == 1.0f);
    CHECK(line.char_confidences.size() == line.text.size());  // ASCII text
  }
}

TEST_CASE("text-layer lines carry their font: monospaced, bold", "[pdf][text_layer]") {
  CHECK(font_is_monospace("ABCDEF+DejaVuSansMono-Oblique"));
  CHECK(font_is_monospace("Courier"));
  CHECK(font_is_monospace("CMTT10"));
  CHECK(font_is_monospace("LMMono10-Regular"));
  CHECK_FALSE(font_is_monospace("BAAAAA+Tinos"));
  CHECK_FALSE(font_is_monospace("CMR10"));
  CHECK(font_is_bold("AAAAAA+Arimo-Bold"));
  CHECK(font_is_bold("CMBX12"));
  CHECK_FALSE(font_is_bold("DejaVuSans"));
  CHECK_FALSE(font_is_bold(""));

  // layer_fonts.pdf (make_fixtures.py): a bold heading, prose, three monospaced lines, prose.
  const TextLayer layer = layer_of("layer_fonts.pdf");
  REQUIRE(texts(layer.lines) == truth_lines("layer_fonts.txt"));
  std::vector<bool> mono, bold;
  for (const TextLine& l : layer.lines) {
    mono.push_back(l.monospace);
    bold.push_back(l.bold);
  }
  const std::size_t n = layer.lines.size();
  REQUIRE(n >= 6);
  CHECK(bold[0]);
  CHECK_FALSE(mono[0]);
  for (std::size_t i = 1; i < n; ++i) CHECK_FALSE(bold[i]);
  CHECK(std::count(mono.begin(), mono.end(), true) == 3);
  CHECK(layer.lines[n - 4].text == "./configure --prefix=$HOME/.local");
  CHECK(mono[n - 4]);
  CHECK(mono[n - 2]);
  CHECK_FALSE(mono[n - 1]);

  // A line is monospaced / bold only when all its words are.
  PdfWord a{"plain", BoxF{0, 0, 50, 12}, true, true, true};
  PdfWord b{"mixed", BoxF{54, 0, 100, 12}, false, false, true};
  const std::vector<TextLine> lines = words_to_lines({a, b});
  REQUIRE(lines.size() == 1);
  CHECK_FALSE(lines[0].monospace);
  CHECK(lines[0].bold);
}

TEST_CASE("text-layer page size equals the rendered size", "[pdf][text_layer]") {
  for (int dpi : {72, 100, 150}) {
    auto source = open_pdf(fixtures() / "layer_pages.pdf", "", dpi);
    for (int page = 1; page <= 4; ++page) {
      const Image image = source->render(page);
      const TextLayer layer = source->text_layer(page);
      const PageSize size = source->page_size(page);
      INFO("dpi " << dpi << " page " << page);
      CHECK(layer.width_px == image.width_px);
      CHECK(layer.height_px == image.height_px);
      CHECK(size.width_px == image.width_px);
      CHECK(size.height_px == image.height_px);
    }
  }
  auto source = open_pdf(fixtures() / "layer_figure.pdf", "", 100);
  CHECK(source->page_size(1).width_px == 850);
  CHECK(source->page_size(1).height_px == 1100);
}

TEST_CASE("rotated and cropped pages: text in displayed page coordinates", "[pdf][text_layer]") {
  auto source = open_pdf(fixtures() / "layer_pages.pdf", "", 144);
  SECTION("/Rotate 90: landscape, the text upright at display (72, 100) pt") {
    const TextLayer layer = source->text_layer(1);
    CHECK(layer.width_px == 2 * 792);
    CHECK(layer.height_px == 2 * 612);
    REQUIRE(layer.lines.size() == 1);
    CHECK(layer.lines[0].text == "Rotated page, upright text");
    const BoxF b = bounds(layer.lines[0]);
    CHECK(std::abs(b.x0 - 2 * 72) < 4);
    CHECK(b.y0 < 2 * 100);
    CHECK(b.y1 > 2 * 100);
    CHECK(b.w() > b.h());
  }
  SECTION("CropBox [36 36 576 756]: text at PDF (72, 700) is at display (36, 56) pt") {
    const TextLayer layer = source->text_layer(2);
    CHECK(layer.width_px == 2 * 540);
    CHECK(layer.height_px == 2 * 720);
    REQUIRE(layer.lines.size() == 1);
    CHECK(layer.lines[0].text == "Cropped page, inset text");
    const BoxF b = bounds(layer.lines[0]);
    CHECK(std::abs(b.x0 - 2 * 36) < 4);
    CHECK(b.y0 < 2 * 56);
    CHECK(b.y1 > 2 * 56);
  }
}

TEST_CASE("vertical text is dropped, and a blank page needs no OCR", "[pdf][text_layer]") {
  auto source = open_pdf(fixtures() / "layer_pages.pdf", "", 72);
  const TextLayer labelled = source->text_layer(3);
  CHECK(texts(labelled.lines) == std::vector<std::string>{"The horizontal text of this page comes first,",
                                                          "and a vertical label runs along its margin."});
  CHECK(labelled.usable);
  const TextLayer blank = source->text_layer(4);
  CHECK(blank.lines.empty());
  CHECK(blank.usable);
  CHECK(blank.note == "page has no text");
}

TEST_CASE("verdicts on the text-layer fixtures", "[pdf][text_layer]") {
  SECTION("a page with a plot and normal text keeps its text layer") {
    const TextLayer layer = layer_of("layer_figure.pdf");
    CHECK(layer.usable);
    CHECK(layer.note == "text layer usable");
    const std::vector<std::string> lines = texts(layer.lines);
    CHECK(lines.front() == "Water Levels at the Mill Bend");
    CHECK(std::find(lines.begin(), lines.end(),
                    "Figure 1: Depth at the mill bend by month, in meters, with the trend.") != lines.end());
  }
  SECTION("an image-only page has no text layer") {
    const TextLayer layer = layer_of("layer_image_only.pdf");
    CHECK_FALSE(layer.usable);
    CHECK(layer.note == "no text layer");
    CHECK(layer.lines.empty());
    CHECK(layer.n_chars == 0);
    CHECK(layer.width_px == 612);
    CHECK(layer.height_px == 792);
  }
  SECTION("a scan with only a stamped header goes to OCR") {
    const TextLayer layer = layer_of("layer_stamp.pdf");
    CHECK_FALSE(layer.usable);
    CHECK(layer.note.rfind("text layer covers ", 0) == 0);
    REQUIRE(layer.lines.size() == 1);
    CHECK(layer.lines[0].text == "ARCHIVE COPY - RECEIVED 12 MARCH 2024");
  }
  SECTION("a scan with a hidden text layer of its first paragraph goes to OCR") {
    const TextLayer layer = layer_of("layer_partial_ocr.pdf");
    CHECK_FALSE(layer.usable);
    CHECK(layer.note.rfind("text layer covers ", 0) == 0);
    CHECK(layer.n_chars > 200);
  }
  SECTION("a scan with a hidden text layer of the whole page keeps it") {
    const TextLayer layer = layer_of("layer_full_ocr.pdf");
    CHECK(layer.usable);
    CHECK(texts(layer.lines) == truth_lines("layer_full_ocr.txt"));
  }
  SECTION("fonts whose /ToUnicode maps to nonsense") {
    for (const char* kind : {"pua", "cid", "ascii", "shift"}) {
      INFO(kind);
      const TextLayer layer = layer_of(std::string("layer_garbage_") + kind + ".pdf");
      CHECK_FALSE(layer.usable);
      CHECK(layer.note.rfind("text layer is garbage (", 0) == 0);
      CHECK(layer.n_chars > 1000);
    }
  }
}

TEST_CASE("sources without a text layer say so", "[pdf][text_layer]") {
  struct Blank final : PageSource {
    int n_pages() const override { return 1; }
    Image render(int) override {
      Image image;
      image.width_px = 30;
      image.height_px = 20;
      image.pixels.assign(30 * 20 * 3, 255);
      return image;
    }
  } blank;
  const TextLayer layer = blank.text_layer(1);
  CHECK_FALSE(layer.usable);
  CHECK(layer.note == "no text layer");
  CHECK(layer.lines.empty());
  CHECK(blank.page_size(1).width_px == 30);
  CHECK(blank.page_size(1).height_px == 20);
}

TEST_CASE("text_layer errors name file and page, and damaged files fail cleanly", "[pdf][text_layer]") {
  const fs::path prose = fixtures() / "prose.pdf";
  auto source = open_pdf(prose, "", 72);
  for (int page : {0, 3}) {
    try {
      source->text_layer(page);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kInput);
      CHECK(e.file() == prose.string());
      CHECK(e.page() == page);
    }
    CHECK_THROWS_AS(source->page_size(page), Error);
  }
  TempDir dir;
  for (const char* name : {"prose.pdf", "layer_full_ocr.pdf", "layer_garbage_cid.pdf"}) {
    const std::string bytes = read_file(fixtures() / name);
    for (int percent : {20, 60, 90, 99}) {
      const fs::path path = dir.path / (std::to_string(percent) + name);
      write_file(path, bytes.substr(0, bytes.size() * percent / 100));
      INFO(path);
      try {
        auto cut = open_pdf(path, "", 72);
        for (int page = 1; page <= cut->n_pages(); ++page) {
          const TextLayer layer = cut->text_layer(page);
          CHECK(layer.width_px > 0);
          CHECK((layer.usable || !layer.note.empty()));
        }
      } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::kInput);
        CHECK(e.file() == path.string());
      }
    }
  }
}

// Hidden: pages/s of text_layer() on Debian's documentation PDFs, or on the
// PDFs listed (space-separated) in $DC_TEXT_LAYER_BENCH.
TEST_CASE("text layer throughput on born-digital pdfs", "[.][bench]") {
  std::vector<fs::path> pdfs;
  if (const char* list = std::getenv("DC_TEXT_LAYER_BENCH")) {
    std::istringstream in(list);
    for (std::string path; in >> path;) pdfs.emplace_back(path);
  } else {
    for (const char* path : {"/usr/share/doc/r-doc-pdf/manual/R-intro.pdf", "/usr/share/doc/gnuplot/gnuplot.pdf",
                             "/usr/share/doc/octave/liboctave.pdf", "/usr/share/doc/libtasn1-doc/libtasn1.pdf"}) {
      if (fs::exists(path)) pdfs.emplace_back(path);
    }
  }
  if (pdfs.empty()) {
    WARN("no PDFs to measure");
    return;
  }
  int n_pages = 0;
  int n_usable = 0;
  double wall_s = 0;
  const std::clock_t cpu_start = std::clock();
  for (const fs::path& path : pdfs) {
    auto source = open_pdf(path, "", 200);
    const auto start = std::chrono::steady_clock::now();
    for (int page = 1; page <= source->n_pages(); ++page) n_usable += source->text_layer(page).usable;
    wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    n_pages += source->n_pages();
  }
  const double cpu_s = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::cout << n_pages << " pages (" << n_usable << " usable): " << n_pages / wall_s << " pages/s wall, "
            << n_pages / cpu_s << " pages/s per CPU second\n";
  CHECK(n_pages > 0);
}
