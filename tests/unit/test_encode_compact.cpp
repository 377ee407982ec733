// dtoon writer/reader round trip, jsonl chunks and token figures on hand-built pages.
#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "encode/chunks.hpp"
#include "encode/dtoon.hpp"
#include "encode/stats.hpp"
#include "encode/structure.hpp"
#include "encode/tokenizer.hpp"
#include "encode/writers.hpp"

using namespace deepcompress;
namespace fs = std::filesystem;

namespace {

const fs::path kTokenizerDir = fs::path(DC_SOURCE_DIR) / "models" / "tokenizer";

const Tokenizer& tokenizer() {
  // Missing rank files fail the test (run scripts/setup); they are never skipped.
  static const Tokenizer tok = Tokenizer::load(kTokenizerDir, "o200k_base");
  return tok;
}

TextLine line_at(std::string text, float x, float y, float w, float h) {
  TextLine l;
  l.quad = {PointF{x, y}, PointF{x + w, y}, PointF{x + w, y + h}, PointF{x, y + h}};
  l.text = std::move(text);
  return l;
}

// Three pages of a report: running header and page number (furniture), a title,
// numbered section headings, paragraphs wrapped over lines (some hyphenated), a list.
DocumentResult report() {
  static const char* kWords[] = {"token",  "budget", "page",   "layout", "reader", "model",  "scan",
                                 "column", "figure", "margin", "value",  "result", "método", "naïve",
                                 "42",     "3.14",   "x-ray",  "data",   "text",   "line"};
  DocumentResult doc;
  doc.path = "/data/in/report.pdf";
  unsigned seed = 7;
  const auto word = [&] {
    seed = seed * 1103515245u + 12345u;
    return std::string(kWords[(seed >> 16) % 20]);
  };
  for (int p = 1; p <= 3; ++p) {
    PageResult page;
    page.page_number = p;
    page.width_px = 1000;
    page.height_px = 1400;
    float y = 120;
    const auto add = [&](std::string text, float h, float gap) {
      page.lines.push_back(line_at(std::move(text), 100, y + gap, 800, h));
      y += gap + h;
    };
    page.lines.push_back(line_at("Deep Compression Report - Draft", 350, 40, 300, 18));
    if (p == 1) add("Compression that is real", 44, 0);
    for (int section = 0; section < 2; ++section) {
      add(std::to_string(p) + "." + std::to_string(section + 1) + " Section about " + word(), 20, 40);
      for (int para = 0; para < 2; ++para) {
        for (int l = 0; l < 4; ++l) {
          std::string text;
          for (int w = 0; w < 9; ++w) text += (w ? " " : "") + word();
          if (l == 1) text += " hyphen-";  // "hyphen-" / "ated" -> "hyphenated"
          if (l == 2) text = "ated " + text;
          if (l == 3) text += ".";
          add(text, 20, l == 0 ? 40 : 8);
        }
      }
    }
    add("\xe2\x80\xa2 first point about " + word(), 20, 40);
    add("\xe2\x80\xa2 second point about " + word(), 20, 8);
    page.lines.push_back(line_at("- " + std::to_string(p) + " -", 480, 1360, 40, 18));
    for (const auto& l : page.lines) page.text += l.text + "\n";
    doc.pages.push_back(std::move(page));
  }
  return doc;
}

std::string dtoon_words_text(const DtoonDocument& parsed) {
  std::string text;
  for (const auto& page : parsed.pages) {
    for (const auto& b : page.blocks) text += b.text + "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("dtoon output: header, page markers, headings, items, no furniture", "[encode][dtoon]") {
  const DocumentResult doc = report();
  const DocumentStructure s = analyze_structure(doc);
  const std::string dtoon = to_dtoon(s);
  CHECK(dtoon.starts_with("doc: report.pdf pages: 3\n# Compression that is real\n\n### 1.1 Section about "));
  CHECK(dtoon.find("\n~p2\n### 2.1 Section") != std::string::npos);
  CHECK(dtoon.find("\n~p3\n") != std::string::npos);
  CHECK(dtoon.find("\n- first point about ") != std::string::npos);
  CHECK(dtoon.find("hyphenated") != std::string::npos);
  CHECK(dtoon.find("Draft") == std::string::npos);
  CHECK(dtoon.find("- 2 -") == std::string::npos);
  CHECK(dtoon.find("\n\n\n") == std::string::npos);
  CHECK(dtoon.find("  ") == std::string::npos);
  for (const auto& page : s.pages) CHECK(page.furniture_lines.size() == 2);
}

TEST_CASE("dtoon round trip recovers the faithful words, furniture excluded", "[encode][dtoon]") {
  const DocumentResult doc = report();
  const DocumentStructure s = analyze_structure(doc);
  const DtoonDocument parsed = parse_dtoon(to_dtoon(s));
  CHECK(parsed.name == "report.pdf");
  CHECK(parsed.n_pages_declared == 3);
  REQUIRE(parsed.pages.size() == 3);
  std::string faithful;
  for (std::size_t p = 0; p < 3; ++p) {
    CHECK(parsed.pages[p].page_number == static_cast<int>(p + 1));
    CHECK(parsed.pages[p].blocks.size() == s.pages[p].blocks.size());
    faithful += faithful_body(doc.pages[p], s.pages[p]) + "\n";
  }
  const WordRecall r = word_recall(faithful, dtoon_words_text(parsed));
  INFO(r.n_recalled << " of " << r.n_words);
  CHECK(r.n_words > 500);
  CHECK(r.recall() >= 0.99);
  // The reverse too: the reader invents nothing (markers and header excluded).
  CHECK(word_recall(dtoon_words_text(parsed), faithful).recall() == 1.0);
}

TEST_CASE("parse_dtoon: escapes, multi-line paragraphs, page numbers", "[encode][dtoon]") {
  DocumentStructure s;
  s.name = "odd name.pdf";
  PageStructure page;
  page.page_number = 4;
  page.blocks = {{BlockKind::kParagraph, 0, false, "# not a heading"},
                 {BlockKind::kParagraph, 0, false, "- not an item"},
                 {BlockKind::kParagraph, 0, false, "1. not a list"},
                 {BlockKind::kParagraph, 0, false, "~p9"},
                 {BlockKind::kParagraph, 0, false, "\\back"},
                 {BlockKind::kHeading, 2, false, "Real heading"},
                 {BlockKind::kListItem, 0, true, "3) ordered"}};
  s.pages.push_back(page);
  const std::string text = to_dtoon(s);
  CHECK(text.starts_with("doc: odd name.pdf pages: 1\n~p4\n\\# not a heading\n"));
  const DtoonDocument parsed = parse_dtoon(text);
  CHECK(parsed.name == "odd name.pdf");
  REQUIRE(parsed.pages.size() == 1);
  CHECK(parsed.pages[0].page_number == 4);
  REQUIRE(parsed.pages[0].blocks.size() == page.blocks.size());
  for (std::size_t i = 0; i < page.blocks.size(); ++i) {
    CHECK(parsed.pages[0].blocks[i].kind == page.blocks[i].kind);
    CHECK(parsed.pages[0].blocks[i].text == page.blocks[i].text);
  }
  const DtoonDocument hand = parse_dtoon("no header here\nsecond line\n\n~p2\n### h\n- a\n- b\n");
  CHECK(hand.name.empty());
  REQUIRE(hand.pages.size() == 2);
  REQUIRE(hand.pages[0].blocks.size() == 1);
  CHECK(hand.pages[0].blocks[0].text == "no header here second line");
  REQUIRE(hand.pages[1].blocks.size() == 3);
  CHECK(hand.pages[1].blocks[0].level == 3);
}

TEST_CASE("token figures equal Tokenizer::count of the produced text", "[encode][stats]") {
  const DocumentResult doc = report();
  const DocumentStructure s = analyze_structure(doc);
  const Tokenizer& tok = tokenizer();
  const DocumentStats stats = compute_stats(doc, s, tok);
  CHECK(stats.tokenizer == "o200k_base");
  CHECK(stats.n_tokens_faithful == tok.count(to_txt(doc)));
  CHECK(stats.n_tokens_compact == tok.count(to_dtoon(s)));
  CHECK(stats.n_tokens_compact < stats.n_tokens_faithful);
  CHECK(stats.ratio() == Approx(double(stats.n_tokens_compact) / stats.n_tokens_faithful));
  REQUIRE(stats.pages.size() == 3);
  for (std::size_t p = 0; p < 3; ++p) {
    CHECK(stats.pages[p].n_tokens_faithful == tok.count(txt_page(doc.pages[p])));
    CHECK(stats.pages[p].n_tokens_compact == tok.count(dtoon_page(s.pages[p], p == 0)));
    CHECK(stats.pages[p].words.recall() >= 0.99);
  }
  CHECK(stats.words.recall() >= 0.99);

  const std::string json = to_json(doc, &stats);
  CHECK(json.starts_with("{\n  \"path\": \"/data/in/report.pdf\",\n  \"status\": \"ok\",\n  \"stats\": "
                         "{\"tokenizer\": \"o200k_base\", \"n_tokens_faithful\": " +
                         std::to_string(stats.n_tokens_faithful)));
  CHECK(json.find("\n    {\"page\": 2, \"width_px\": 1000, \"height_px\": 1400, \"n_tokens_faithful\": " +
                  std::to_string(stats.pages[1].n_tokens_faithful)) != std::string::npos);
  CHECK(to_json(doc) == to_json(doc, nullptr));
  CHECK(to_json(doc).find("n_tokens") == std::string::npos);
}

TEST_CASE("jsonl chunks respect the token budget and cover every block once", "[encode][chunks]") {
  const DocumentResult doc = report();
  const DocumentStructure s = analyze_structure(doc);
  const Tokenizer& tok = tokenizer();
  for (std::size_t budget : {40, 128, 512, 100000}) {
    const std::vector<Chunk> chunks = make_chunks(s, tok, budget);
    REQUIRE(!chunks.empty());
    std::string all;
    int last_page = 1;
    for (const Chunk& c : chunks) {
      CHECK(c.doc == "report.pdf");
      CHECK(c.n_tokens == tok.count(c.text));
      CHECK(c.n_tokens <= budget);
      CHECK(c.first_page >= last_page);
      CHECK(c.first_page <= c.last_page);
      last_page = c.last_page;
      all += c.text + "\n\n";
    }
    std::string blocks_text;
    bool any_split = false;
    for (const auto& page : s.pages) {
      for (const Block& b : page.blocks) {
        blocks_text += b.text + "\n";
        any_split = any_split || tok.count(dtoon_block_line(b)) > budget;
      }
    }
    // Same words, each once: nothing lost, nothing repeated.
    CHECK(words_of(all).size() == words_of(blocks_text).size());
    CHECK(word_recall(blocks_text, all).recall() == 1.0);
    CHECK(word_recall(all, blocks_text).recall() == 1.0);
    if (!any_split) {
      // Every block's text appears whole, in order (word counts above: once).
      std::size_t pos = 0;
      for (const auto& page : s.pages) {
        for (const Block& b : page.blocks) {
          const std::size_t at = all.find(b.text, pos);
          REQUIRE(at != std::string::npos);
          pos = at + b.text.size();
        }
      }
    }
    CHECK(any_split == (budget == 40));
    if (budget == 100000) CHECK(chunks.size() == 1);
    // A heading never closes a chunk that has more in it: it goes with the text it heads.
    for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
      const std::string& t = chunks[i].text;
      const std::size_t nl = t.rfind('\n');
      if (nl != std::string::npos) CHECK(t[nl + 1] != '#');
    }
  }
  const std::string jsonl = to_jsonl(make_chunks(s, tok, 128));
  CHECK(jsonl.starts_with("{\"doc\": \"report.pdf\", \"pages\": [1, 1], \"text\": \"# Compression that is real\\n\\n"));
  CHECK(jsonl.back() == '\n');
}

TEST_CASE("jsonl: a block longer than the budget is split at word boundaries", "[encode][chunks]") {
  DocumentStructure s;
  s.name = "long.pdf";
  PageStructure page;
  page.page_number = 1;
  std::string long_text;
  for (int i = 0; i < 400; ++i) long_text += (i ? " " : "") + std::string("word") + std::to_string(i);
  page.blocks = {{BlockKind::kParagraph, 0, false, "short intro."}, {BlockKind::kParagraph, 0, false, long_text}};
  s.pages.push_back(page);
  const std::vector<Chunk> chunks = make_chunks(s, tokenizer(), 100);
  REQUIRE(chunks.size() >= 8);
  std::string joined;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    CHECK(chunks[i].n_tokens <= 100);
    if (i > 0) joined += (i == 1 ? "\n\n" : " ");
    joined += chunks[i].text;
  }
  CHECK(joined == "short intro.\n\n" + long_text);
}
