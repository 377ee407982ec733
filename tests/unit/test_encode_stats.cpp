// Image-token baseline, cost estimate, furniture listing, word recall on a fixture-like
// document and the cached stats record.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "encode/dtoon.hpp"
#include "encode/stats.hpp"
#include "encode/structure.hpp"
#include "encode/tokenizer.hpp"
#include "encode/writers.hpp"

using namespace deepcompress;
namespace fs = std::filesystem;

namespace {

const Tokenizer& tokenizer() {
  // Missing rank files fail the test (run scripts/setup); they are never skipped.
  static const Tokenizer tok =
      Tokenizer::load(fs::path(DC_SOURCE_DIR) / "models" / "tokenizer", "o200k_base");
  return tok;
}

TextLine line_at(std::string text, float x, float y, float w, float h) {
  TextLine l;
  l.quad = {PointF{x, y}, PointF{x + w, y}, PointF{x + w, y + h}, PointF{x, y + h}};
  l.text = std::move(text);
  l.confidence = 0.95f;
  return l;
}

// The text of tests/fixtures/sample.txt (sample.pdf's ground truth) laid out as an A4 page at
// 200 dpi, twice, each page with a running header and a page number in the margins: what
// the OCR gives for a two-page print of the sample.
DocumentResult sample_like() {
  std::ifstream in(fs::path(DC_SOURCE_DIR) / "tests" / "fixtures" / "sample.txt");
  std::vector<std::string> body;
  for (std::string line; std::getline(in, line);) body.push_back(line);
  REQUIRE(body.size() > 10);
  DocumentResult doc;
  doc.path = "sample.pdf";
  for (int p = 1; p <= 2; ++p) {
    PageResult page;
    page.page_number = p;
    page.width_px = 1654;
    page.height_px = 2339;
    page.lines.push_back(line_at("deepcompress test document", 600, 60, 450, 30));
    float y = 300;
    for (const std::string& text : body) {
      if (text.empty()) {
        y += 40;  // paragraph gap
        continue;
      }
      page.lines.push_back(line_at(text, 200, y, 1200, 34));
      y += 46;
    }
    page.lines.push_back(line_at(std::to_string(p), 815, 2250, 24, 30));
    for (const auto& l : page.lines) page.text += l.text + "\n";
    doc.pages.push_back(std::move(page));
  }
  return doc;
}

}  // namespace

TEST_CASE("image baseline: OpenAI high-detail tiles, by hand", "[encode][stats]") {
  // The two worked examples of OpenAI's vision guide.
  CHECK(image_tokens(kImageBaseline, 1024, 1024) == 765);   // -> 768x768: 4 tiles
  CHECK(image_tokens(kImageBaseline, 2048, 4096) == 1105);  // -> 1024x2048 -> 768x1536: 6 tiles
  // A4 at 200 dpi: 1654x2339 -> 1448x2048 (fit) -> 768x1086 (short side): 2x3 tiles.
  CHECK(image_tokens(kImageBaseline, 1654, 2339) == 85 + 6 * 170);
  CHECK(image_tokens(kImageBaseline, 2339, 1654) == 85 + 6 * 170);  // landscape, same
  // US Letter at 200 dpi: 1700x2200 -> 1582x2048 -> 768x994: 2x2 tiles.
  CHECK(image_tokens(kImageBaseline, 1700, 2200) == 85 + 4 * 170);
  // Small images are not scaled up: 300x400 is one tile; 513 px wide touches two.
  CHECK(image_tokens(kImageBaseline, 300, 400) == 255);
  CHECK(image_tokens(kImageBaseline, 512, 512) == 255);
  CHECK(image_tokens(kImageBaseline, 513, 400) == 425);
  // Exactly 768 on the short side after fitting: 768/512 -> 2 tiles, not 3 by rounding.
  CHECK(image_tokens(kImageBaseline, 1536, 3072) == 85 + 2 * 3 * 170);  // -> 768x1536
  CHECK(image_tokens(kImageBaseline, 0, 100) == 0);
  CHECK(image_tokens(kImageBaseline, 100, -1) == 0);
}

TEST_CASE("image formula by pixels (Anthropic): w*h/750 within 1568 px and 1600 tokens", "[encode][stats]") {
  const ImageTokenFormula claude{.kind = ImageTokenFormula::Kind::kPixels,
                                 .long_side_px = 1568,
                                 .max_tokens = 1600,
                                 .px_per_token = 750};
  CHECK(image_tokens(claude, 1000, 1000) == 1334);  // 1,000,000 / 750 = 1333.3, billed up
  CHECK(image_tokens(claude, 1092, 1092) == 1590);  // the guide's largest 1:1 size, ~1590
  CHECK(image_tokens(claude, 200, 200) == 54);      // the guide's ~54
  // A4 at 200 dpi: long side -> 1108x1568 (2316 tokens), then down to <= 1,200,000 px:
  // x0.83109 -> 920x1303 = 1,198,760 px -> 1598.3 -> 1599.
  CHECK(image_tokens(claude, 1654, 2339) == 1599);
  for (int w : {800, 1654, 3000, 5000}) {
    for (int h : {600, 2339, 4000}) CHECK(image_tokens(claude, w, h) <= 1600);
  }
}

TEST_CASE("cost estimate: price per 1M input tokens, images by each model's formula", "[encode][stats]") {
  PriceTable table;
  table.as_of = "test";
  table.models.push_back({.name = "tiles-model", .usd_per_1m_input_tokens = 2.5, .image = kImageBaseline});
  table.models.push_back({.name = "pixel-model",
                          .usd_per_1m_input_tokens = 3.0,
                          .image = {.kind = ImageTokenFormula::Kind::kPixels,
                                    .long_side_px = 1568,
                                    .max_tokens = 1600,
                                    .px_per_token = 750}});
  DocumentStats stats;
  stats.n_tokens_faithful = 1000;
  stats.n_tokens_compact = 800;
  for (int p = 1; p <= 2; ++p) {
    PageStats page_stats;
    page_stats.page_number = p;
    page_stats.width_px = 1654;
    page_stats.height_px = 2339;
    stats.pages.push_back(page_stats);
  }

  const std::vector<CostEstimate> costs = estimate_cost(table, stats);
  REQUIRE(costs.size() == 2);
  CHECK(costs[0].model == "tiles-model");
  CHECK(costs[0].n_tokens_image == 2 * 1105);
  CHECK(costs[0].usd_faithful == Approx(1000 * 2.5 / 1e6));
  CHECK(costs[0].usd_compact == Approx(800 * 2.5 / 1e6));
  CHECK(costs[0].usd_image == Approx(2210 * 2.5 / 1e6));
  CHECK(costs[1].n_tokens_image == 2 * 1599);
  CHECK(costs[1].usd_image == Approx(3198 * 3.0 / 1e6));

  CostEstimate total = costs[0];
  total += costs[0];
  CHECK(total.model == "tiles-model");
  CHECK(total.usd_faithful == Approx(2 * 1000 * 2.5 / 1e6));
  CHECK(total.n_tokens_image == 4 * 1105);
}

TEST_CASE("fixture-like document: recall >= 99%, furniture listed, image baseline", "[encode][stats]") {
  const DocumentResult doc = sample_like();
  const DocumentStructure structure = analyze_structure(doc);
  const DocumentStats stats = compute_stats(doc, structure, tokenizer());

  INFO(to_dtoon(structure));
  CHECK(stats.words.n_words > 300);  // two pages of the sample's ~160 words
  CHECK(stats.words.recall() >= 0.99);
  REQUIRE(stats.pages.size() == 2);
  for (const PageStats& page : stats.pages) {
    CHECK(page.words.recall() >= 0.99);
    // The running header and the page number are dropped from the compact text, and listed.
    CHECK(page.furniture ==
          std::vector<std::string>{"deepcompress test document", std::to_string(page.page_number)});
    CHECK(page.n_tokens_image == 1105);
    CHECK(page.ratio_image() == Approx(double(page.n_tokens_compact) / 1105));
  }
  CHECK(stats.n_furniture_lines == 4);
  CHECK(stats.n_tokens_image == 2 * 1105);
  CHECK(stats.n_tokens_compact < stats.n_tokens_faithful);
  CHECK(to_dtoon(structure).find("deepcompress test document") == std::string::npos);
  // Recall really measures the compact text: without its last paragraph it falls below 99%.
  DocumentStructure cut = structure;
  cut.pages[1].blocks.pop_back();
  CHECK(
      word_recall(faithful_body(doc.pages[1], structure.pages[1]), dtoon_page(cut.pages[1], false)).recall() <
      0.99);

  const std::string json = to_json(doc, &stats);
  CHECK(json.find("\"n_tokens_image\": 2210, \"ratio\": ") != std::string::npos);
  CHECK(json.find("\"n_furniture_lines\": 4, \"redactions\": {}") != std::string::npos);
  CHECK(json.find("\"furniture\": [\"deepcompress test document\", \"2\"], \"text\": ") != std::string::npos);
}

TEST_CASE("levels: level 0 keeps (and so lists no) furniture; level 2 keeps this page's words",
          "[encode][stats]") {
  const DocumentResult doc = sample_like();
  const DocumentStats faithful = compute_stats(doc, analyze_structure(doc, {.level = 0}), tokenizer());
  CHECK(faithful.n_furniture_lines == 0);
  for (const PageStats& page : faithful.pages) CHECK(page.furniture.empty());
  CHECK(faithful.words.recall() >= 0.99);

  // Level 2 drops low-confidence lines, figure text and repeated paragraphs: the second page
  // repeats the first, so its paragraphs go and recall shows it.
  const DocumentStats aggressive = compute_stats(doc, analyze_structure(doc, {.level = 2}), tokenizer());
  CHECK(aggressive.n_furniture_lines == 4);
  CHECK(aggressive.pages[0].words.recall() >= 0.99);
  CHECK(aggressive.pages[1].words.recall() < 0.5);
  CHECK(aggressive.n_tokens_compact < faithful.n_tokens_compact);
}

TEST_CASE("recall reference: wrapped words rejoined inside blocks, on both sides; level 0 recalls all",
          "[encode][stats]") {
  CHECK(undo_hyphenation("cus-\ntomization and Fc-\nConfigParse, a 64-\nbit x-\n\ny") ==
        "customization and Fc-\nConfigParse, a 64-\nbit x-\n\ny");
  // A page whose txt text wraps "customization" inside a block and "configura-" / "tion"
  // across a block boundary (a column break), with a page number.
  PageResult page;
  page.page_number = 1;
  page.width_px = 1000;
  page.height_px = 1400;
  page.lines = {line_at("Fontconfig User Guide", 300, 20, 400, 30),
                line_at("Load the per-user cus-", 100, 200, 400, 30),
                line_at("tomization file, then the configura-", 100, 240, 400, 30),
                line_at("tion of the system.", 550, 200, 400, 30),
                line_at("7", 500, 1350, 20, 30)};
  page.text = "Fontconfig User Guide\n\nLoad the per-user cus-\ntomization file, then the configura-\n\n"
              "tion of the system.\n\n7\n";
  DocumentResult doc;
  doc.path = "f.pdf";
  doc.pages = {page};
  const DocumentStructure l1 = analyze_structure(doc, {.level = 1});
  REQUIRE(l1.pages[0].furniture_lines == std::vector<std::size_t>{4});  // the page number
  CHECK(faithful_body(page, l1.pages[0]) ==
        "Fontconfig User Guide\n\nLoad the per-user customization file, then the configura-\n\ntion of the system.");
  for (int level : {0, 1}) {
    INFO("level " << level);
    const DocumentStats stats = compute_stats(doc, analyze_structure(doc, {.level = level}), tokenizer());
    CHECK(stats.words.n_words == 16);
    CHECK(stats.words.recall() == 1.0);
  }
  // A text that does not match its lines (hand-built results): the lines alone, furniture out.
  page.text = "something else\n";
  CHECK(faithful_body(page, l1.pages[0]) ==
        "Fontconfig User Guide\nLoad the per-user customization file, then the configuration of the system.\n");
}

TEST_CASE("redactions are counted per type", "[encode][stats]") {
  DocumentResult doc = sample_like();
  doc.redactions = {
      {.page_number = 1, .line_index = 3, .offset_bytes = 4, .length_bytes = 17, .type = "email"},
      {.page_number = 2, .line_index = 5, .offset_bytes = 0, .length_bytes = 12, .type = "phone"},
      {.page_number = 2, .line_index = 7, .offset_bytes = 9, .length_bytes = 20, .type = "email"}};
  const DocumentStats stats = compute_stats(doc, analyze_structure(doc), tokenizer());
  CHECK(stats.n_redactions == std::map<std::string, std::size_t>{{"email", 2}, {"phone", 1}});
  DocumentStats total;
  total += stats;
  total += stats;
  CHECK(total.n_redactions.at("email") == 4);
  CHECK(total.tokenizer == "o200k_base");
  CHECK(total.n_tokens_faithful == 2 * stats.n_tokens_faithful);
  CHECK(total.words.n_words == 2 * stats.words.n_words);
  CHECK(total.pages.empty());
}

TEST_CASE("stats record: a cached document reports the same figures", "[encode][stats]") {
  DocumentResult doc = sample_like();
  doc.redactions = {
      {.page_number = 2, .line_index = 1, .offset_bytes = 3, .length_bytes = 11, .type = "ipv4"}};
  const DocumentStats stats = compute_stats(doc, analyze_structure(doc), tokenizer());
  const std::string record = to_stats_record(stats, doc.redactions);

  DocumentStats back;
  std::vector<Redaction> redactions;
  REQUIRE(parse_stats_record(record, back, redactions));
  CHECK(stats_json(back) == stats_json(stats));
  REQUIRE(back.pages.size() == stats.pages.size());
  for (std::size_t p = 0; p < back.pages.size(); ++p) {
    CHECK(back.pages[p].width_px == stats.pages[p].width_px);
    CHECK(back.pages[p].height_px == stats.pages[p].height_px);
    CHECK(back.pages[p].n_tokens_compact == stats.pages[p].n_tokens_compact);
    CHECK(back.pages[p].words.n_recalled == stats.pages[p].words.n_recalled);
  }
  REQUIRE(redactions.size() == 1);
  CHECK(redactions[0].type == "ipv4");
  CHECK(redactions[0].length_bytes == 11);
  CHECK(redaction_report_lines("a.pdf", redactions) == redaction_report_lines("a.pdf", doc.redactions));

  for (const std::string& bad :
       {std::string(), std::string("hello\n"), record.substr(0, record.size() - 1), record + "page 1 2\n",
        record + "extra 1\n", std::string("deepcompress-stats 1\ntokenizer o200k_base\n")}) {
    INFO(bad);
    CHECK_FALSE(parse_stats_record(bad, back, redactions));
  }
}
