// dtoon writer/reader round trip, jsonl chunks and token figures on hand-built pages.
#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
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

Block block_of(BlockKind kind, std::string text, int level = 0, bool ordered = false) {
  Block b;
  b.kind = kind;
  b.level = level;
  b.ordered = ordered;
  b.text = std::move(text);
  return b;
}

Block table_of(std::vector<std::vector<std::string>> rows, bool has_header) {
  Block b;
  b.kind = BlockKind::kTable;
  b.rows = std::move(rows);
  b.has_header = has_header;
  return b;
}

// Every text the reader recovered: block texts and table cells, one per line.
std::string dtoon_words_text(const DtoonDocument& parsed) {
  std::string text;
  for (const auto& page : parsed.pages) {
    for (const auto& b : page.blocks) {
      text += b.text + "\n";
      for (const auto& row : b.rows) {
        for (const auto& c : row) text += c + "\n";
      }
    }
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
  CHECK(r.recall() == 1.0);
  // The reverse too: the reader invents nothing (markers and header excluded).
  CHECK(word_recall(dtoon_words_text(parsed), faithful).recall() == 1.0);
}

TEST_CASE("parse_dtoon: escapes, multi-line paragraphs, page numbers", "[encode][dtoon]") {
  DocumentStructure s;
  s.name = "odd name.pdf";
  PageStructure page;
  page.page_number = 4;
  page.blocks = {block_of(BlockKind::kParagraph, "# not a heading"),
                 block_of(BlockKind::kParagraph, "- not an item"),
                 block_of(BlockKind::kParagraph, "1. not a list"),
                 block_of(BlockKind::kParagraph, "~p9"),
                 block_of(BlockKind::kParagraph, "\\back"),
                 block_of(BlockKind::kParagraph, "```"),
                 block_of(BlockKind::kParagraph, "table[2]{a|b}:"),
                 block_of(BlockKind::kHeading, "Real heading", 2),
                 block_of(BlockKind::kListItem, "3) ordered", 0, true)};
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

TEST_CASE("parse_dtoon: carriage returns before line breaks are dropped; empty blocks are not written",
          "[encode][dtoon]") {
  // CRLF and CR-runs at line ends (the fuzz finding: one stripped per read
  // made every rewrite one shorter).
  const DtoonDocument crlf = parse_dtoon("doc: a.pdf pages: 1\r\npara\r\r\r\nmore\r\n\r\n```\r\nx = 1\r\r\n```\r\n");
  CHECK(crlf.name == "a.pdf");
  REQUIRE(crlf.pages.size() == 1);
  REQUIRE(crlf.pages[0].blocks.size() == 2);
  CHECK(crlf.pages[0].blocks[0].text == "para more");
  CHECK(crlf.pages[0].blocks[1].kind == BlockKind::kCode);
  CHECK(crlf.pages[0].blocks[1].text == "x = 1");
  // A carriage return inside a line is text.
  CHECK(parse_dtoon("a\rb\n").pages[0].blocks[0].text == "a\rb");

  // A lone "\" reads as an empty paragraph; writing it would leave only blank lines.
  const DtoonDocument lone = parse_dtoon("one\n\n\\\n\ntwo\n");
  REQUIRE(lone.pages.size() == 1);
  REQUIRE(lone.pages[0].blocks.size() == 3);
  CHECK(lone.pages[0].blocks[1].text.empty());
  DocumentStructure s;
  s.name = "x";
  PageStructure page;
  page.page_number = 1;
  page.blocks = lone.pages[0].blocks;
  s.pages.push_back(page);
  CHECK(to_dtoon(s) == "doc: x pages: 1\none\n\ntwo\n");

  // An empty first page keeps its marker, or it would read back as no page.
  s.pages[0].blocks.clear();
  CHECK(to_dtoon(s) == "doc: x pages: 1\n~p1\n");
  CHECK(parse_dtoon(to_dtoon(s)).pages.size() == 1);
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
  CHECK(json.find("\n    {\"page\": 2, \"width_px\": 1000, \"height_px\": 1400, \"source\": \"ocr\", \"source_note\": \"\", \"n_tokens_faithful\": " +
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
        any_split = any_split || tok.count(dtoon_block(b)) > budget;
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
    // A heading starts a chunk: in a chunk's blocks, no heading follows a block that is not one.
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      const Chunk& c = chunks[i];
      CHECK(c.index == i);
      CHECK(c.source == "/data/in/report.pdf");
      bool body_seen = false;
      std::size_t pos = 0;
      while (pos <= c.text.size()) {
        std::size_t stop = c.text.find("\n\n", pos);
        if (stop == std::string::npos) stop = c.text.size();
        const bool heading = c.text.compare(pos, 1, "#") == 0;
        if (heading) CHECK_FALSE(body_seen);
        body_seen = body_seen || !heading;
        pos = stop + 2;
      }
      if (c.text.starts_with("#")) CHECK_FALSE(c.headings.empty());
    }
    if (budget == 100000) CHECK(chunks.size() > 1);
    // A heading never closes a chunk that has more in it: it goes with the text it heads.
    for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
      const std::string& t = chunks[i].text;
      const std::size_t nl = t.rfind('\n');
      if (nl != std::string::npos) CHECK(t[nl + 1] != '#');
    }
  }
  const std::string jsonl = to_jsonl(make_chunks(s, tok, 128));
  CHECK(jsonl.starts_with("{\"id\": \"/data/in/report.pdf#0\", \"source\": \"/data/in/report.pdf\", \"doc\": "
                          "\"report.pdf\", \"chunk\": 0, \"pages\": [1, 1], \"headings\": [\"Compression that is real\", \"1.1 Section about método\"], "
                          "\"n_tokens\": "));
  CHECK(jsonl.find("\"text\": \"# Compression that is real\\n\\n") != std::string::npos);
  CHECK(jsonl.back() == '\n');
}

TEST_CASE("jsonl: a block longer than the budget is split at word boundaries", "[encode][chunks]") {
  DocumentStructure s;
  s.name = "long.pdf";
  PageStructure page;
  page.page_number = 1;
  std::string long_text;
  for (int i = 0; i < 400; ++i) long_text += (i ? " " : "") + std::string("word") + std::to_string(i);
  page.blocks = {block_of(BlockKind::kParagraph, "short intro."), block_of(BlockKind::kParagraph, long_text)};
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

// ---- Tables, code and escapes in dtoon and Markdown -----------------------------------------

TEST_CASE("dtoon tables and code: the written syntax and an exact round trip", "[encode][dtoon]") {
  DocumentStructure s;
  s.name = "t.pdf";
  PageStructure page;
  page.page_number = 1;
  page.blocks = {table_of({{"Name", "Note"}, {"a|b", "back\\slash"}, {"", "x"}}, true),
                 table_of({{"1 Intro", "1"}, {"2 Next", "5"}}, false),
                 block_of(BlockKind::kCode, "int x;\n```\n\\```\n\n  y();"),
                 block_of(BlockKind::kParagraph, "after")};
  s.pages.push_back(page);
  const std::string text = to_dtoon(s);
  CHECK(text ==
        "doc: t.pdf pages: 1\n"
        "table[2]{Name|Note}:\na\\|b|back\\\\slash\n|x\n\n"
        "table[2]:\n1 Intro|1\n2 Next|5\n\n"
        "```\nint x;\n\\```\n\\\\```\n\n  y();\n```\n\n"
        "after\n");
  const DtoonDocument parsed = parse_dtoon(text);
  REQUIRE(parsed.pages.size() == 1);
  const auto& blocks = parsed.pages[0].blocks;
  REQUIRE(blocks.size() == page.blocks.size());
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    CHECK(blocks[i].kind == page.blocks[i].kind);
    CHECK(blocks[i].text == page.blocks[i].text);
    CHECK(blocks[i].rows == page.blocks[i].rows);
    CHECK(blocks[i].has_header == page.blocks[i].has_header);
  }
  // Tolerant reader: a table cut short ends at the empty line, an open fence at the end.
  const DtoonDocument cut = parse_dtoon("table[5]:\na|b\n\nnext\n```\nopen");
  REQUIRE(cut.pages.size() == 1);
  REQUIRE(cut.pages[0].blocks.size() == 3);
  CHECK(cut.pages[0].blocks[0].rows == std::vector<std::vector<std::string>>{{"a", "b"}});
  CHECK(cut.pages[0].blocks[1].text == "next");
  CHECK(cut.pages[0].blocks[2].kind == BlockKind::kCode);
  CHECK(cut.pages[0].blocks[2].text == "open");
}

TEST_CASE("markdown: pipe tables with escaped bars, fenced code longer than its backtick runs", "[encode][dtoon]") {
  DocumentStructure s;
  PageStructure page;
  page.page_number = 1;
  page.blocks = {table_of({{"Key", "Value"}, {"a|b", "1"}}, true), table_of({{"x", "y"}}, false),
                 block_of(BlockKind::kCode, "echo ```\nls")};
  s.pages.push_back(page);
  CHECK(to_markdown(s) ==
        "| Key | Value |\n| --- | --- |\n| a\\|b | 1 |\n\n"
        "|  |  |\n| --- | --- |\n| x | y |\n\n"
        "````\necho ```\nls\n````\n");
}

namespace {

TextLine mono(std::string text, float x, float y, float w = 0) {
  if (w == 0) w = 10.0f * static_cast<float>(text.size());
  TextLine l = line_at(std::move(text), x, y, w, 20);
  l.confidence = 0.98f;
  return l;
}

// Two pages with a running header and page number, a table of contents with dot leaders, a
// grid table, a code listing and prose.
DocumentResult structured_document() {
  DocumentResult doc;
  doc.path = "manual.pdf";
  const auto finish = [](PageResult& p) {
    for (const auto& l : p.lines) p.text += l.text + "\n";
  };
  PageResult toc;
  toc.page_number = 1;
  toc.width_px = 850;
  toc.height_px = 1100;
  toc.lines = {mono("Tool Manual", 100, 30, 150), mono("Contents", 100, 120, 200),
               mono("1 Getting started . . . . . . . . . . . . . . . 1", 100, 160, 600),
               mono("1.1 Installing the tool . . . . . . . . . . . . 1", 130, 185, 570),
               mono("1.2 Running it the first time . . . . . . . . 2", 130, 210, 570),
               mono("2 Reference ........................................ 2", 100, 235, 600),
               mono("i", 420, 1060, 10)};
  finish(toc);
  PageResult body;
  body.page_number = 2;
  body.width_px = 850;
  body.height_px = 1100;
  body.lines = {mono("Tool Manual", 100, 30, 150),
                mono("The options of the tool are listed in this table, with their default", 100, 120, 650),
                mono("values and what they change.", 100, 145, 300)};
  const std::vector<std::vector<std::string>> grid = {
      {"Option", "Default", "Effect"}, {"--jobs", "4", "parallel workers"}, {"--level", "1", "compaction"},
      {"--dpi", "200", "render resolution"}, {"--quiet", "0", "fewer messages"}};
  for (std::size_t c = 0; c < 3; ++c) {
    for (std::size_t r = 0; r < grid.size(); ++r) {
      body.lines.push_back(mono(grid[r][c], c == 0 ? 100.0f : c == 1 ? 300.0f : 450.0f, 190 + 28.0f * r));
    }
  }
  for (auto [text, x, y] : {std::tuple{"A small program using the library:", 100.0f, 350.0f},
                            {"int main(void) {", 150.0f, 390.0f}, {"run_tool(4);", 170.0f, 415.0f},
                            {"return 0;", 170.0f, 440.0f}, {"}", 150.0f, 465.0f},
                            {"The program runs the tool with four workers and returns.", 100.0f, 510.0f}}) {
    body.lines.push_back(x == 100.0f ? mono(text, x, y, 600) : mono(text, x, y));
  }
  body.lines.push_back(mono("ii", 420, 1060, 20));
  finish(body);
  doc.pages = {toc, body};
  return doc;
}

}  // namespace

TEST_CASE("dtoon round trip with tables and code recovers every faithful word", "[encode][dtoon]") {
  const DocumentResult doc = structured_document();
  const DocumentStructure s = analyze_structure(doc);
  std::size_t n_tables = 0;
  std::size_t n_code = 0;
  std::string faithful;
  for (std::size_t p = 0; p < s.pages.size(); ++p) {
    for (const Block& b : s.pages[p].blocks) {
      n_tables += b.kind == BlockKind::kTable;
      n_code += b.kind == BlockKind::kCode;
    }
    CHECK(s.pages[p].furniture_lines.size() == 2);  // "Tool Manual" and the page number
    faithful += faithful_body(doc.pages[p], s.pages[p]) + "\n";
  }
  CHECK(n_tables == 2);
  CHECK(n_code == 1);
  const std::string dtoon = to_dtoon(s);
  CHECK(dtoon.find("table[4]:\n1 Getting started|1\n") != std::string::npos);
  CHECK(dtoon.find("table[4]{Option|Default|Effect}:\n--jobs|4|parallel workers\n") != std::string::npos);
  CHECK(dtoon.find("```\nint main(void) {\n  run_tool(4);\n  return 0;\n}\n```") != std::string::npos);
  CHECK(dtoon.find(". .") == std::string::npos);
  const DtoonDocument parsed = parse_dtoon(dtoon);
  const std::string recovered = dtoon_words_text(parsed);
  const WordRecall r = word_recall(faithful, recovered);
  INFO(r.n_recalled << " of " << r.n_words);
  CHECK(r.n_words > 80);
  CHECK(r.recall() == 1.0);
  CHECK(word_recall(recovered, faithful).recall() == 1.0);
  // Markdown has the same content.
  const std::string md = to_markdown(s);
  CHECK(md.find("| Option | Default | Effect |\n| --- | --- | --- |\n| --jobs | 4 | parallel workers |") !=
        std::string::npos);
  CHECK(word_recall(faithful, md).recall() == 1.0);
}

TEST_CASE("jsonl: a long table splits between rows, each part a table with the header; code between lines",
          "[encode][chunks]") {
  Block table = table_of({{"Name", "Value"}}, true);
  for (int r = 0; r < 60; ++r) table.rows.push_back({"row name " + std::to_string(r), "value " + std::to_string(r * 7)});
  std::string code_text;
  for (int l = 0; l < 40; ++l) code_text += (l ? "\n" : "") + std::string("  call(") + std::to_string(l) + ");";
  DocumentStructure s;
  s.name = "t.pdf";
  PageStructure page;
  page.page_number = 1;
  page.blocks = {table, block_of(BlockKind::kCode, code_text)};
  s.pages.push_back(page);
  const Tokenizer& tok = tokenizer();
  const std::vector<Chunk> chunks = make_chunks(s, tok, 100);
  REQUIRE(chunks.size() >= 5);
  std::vector<std::vector<std::string>> rows;
  std::string code;
  // The chunks' Markdown: each table part starts with the header row and its separator.
  const auto cells_of = [](const std::string& line) {
    std::vector<std::string> cells;
    std::size_t pos = 2;
    while (pos < line.size()) {
      const std::size_t end = line.find(" |", pos);
      cells.push_back(line.substr(pos, end - pos));
      pos = end + 3;
    }
    return cells;
  };
  for (const Chunk& c : chunks) {
    CHECK(c.n_tokens <= 100);
    std::istringstream in(c.text);
    std::string line;
    bool in_code = false;
    bool header_next = true;
    while (std::getline(in, line)) {
      if (line.starts_with("```")) {
        in_code = !in_code;
        continue;
      }
      if (in_code) {
        code += (code.empty() ? "" : "\n") + line;
      } else if (line.starts_with("| --- |")) {
        continue;
      } else if (line.starts_with("| ")) {
        if (header_next) {
          CHECK(cells_of(line) == table.rows[0]);
          header_next = false;
        } else {
          rows.push_back(cells_of(line));
        }
      } else {
        CHECK(line.empty());
        header_next = true;
      }
    }
  }
  CHECK(rows == std::vector<std::vector<std::string>>(table.rows.begin() + 1, table.rows.end()));
  CHECK(code == code_text);
}
