#pragma once
// Document structure from text lines: blocks, paragraphs, headings, list items, code blocks,
// tables and page furniture (running headers/footers, page numbers), at a compaction level.
// Feeds the md, dtoon and jsonl writers. The rules and thresholds are described in
// docs/dtoon.md ("How structure is found", "Levels").
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "deepcompress/types.hpp"

namespace deepcompress {

enum class BlockKind { kHeading, kParagraph, kListItem, kCode, kTable };

// One structural unit.
struct Block {
  BlockKind kind = BlockKind::kParagraph;
  int level = 0;         // headings only: 1 (title size) .. 3
  bool ordered = false;  // list items only: text starts with its own "N." / "N)" marker
  // Headings, paragraphs, items: one line, whitespace collapsed (bullet removed; ordered
  // items keep their marker). Level-0 paragraphs: the faithful text's lines joined by '\n';
  // level-2 tables of contents: their titles joined by '\n'.
  // Code: its lines joined by '\n', indentation relative to the block kept. Tables: empty.
  std::string text;
  // Tables only: rows of cells (each cell one line, whitespace collapsed, possibly empty);
  // every row has the same number of cells (>= 2); the header row first if has_header.
  std::vector<std::vector<std::string>> rows;
  bool has_header = false;  // tables only
  // Tables only: a table of contents (title, page) found by its dot leaders (level 2 writes a
  // paragraph of its titles instead).
  bool contents = false;
};

struct PageStructure {
  int page_number = 0;                        // as in PageResult (1-based)
  std::vector<Block> blocks;                  // in reading order
  std::vector<std::size_t> furniture_lines;   // indices into PageResult::lines, ascending (found at every level)
  std::vector<std::size_t> dropped_lines;     // level 2: lines left out (low confidence, margin labels, figure text), ascending
  std::size_t n_repeated_blocks = 0;          // level 2: blocks left out as repeats of earlier ones
};

struct DocumentStructure {
  std::string name;  // file name of DocumentResult::path (no directories)
  std::string path;  // DocumentResult::path as given
  int level = 1;     // the compaction level it was built at
  std::vector<PageStructure> pages;
};

// Paragraphs already kept by earlier documents of one run, for level 2's "repeated
// paragraph" rule across documents. Share one object between the documents of a run: a
// document's level-2 output then depends on which documents were analysed before it.
// Keeps one std::size_t hash per paragraph, not its text. Thread-safe.
class RepeatFilter {
 public:
  // Records key; true if it had been recorded before.
  bool seen(std::string_view key);

 private:
  std::mutex mutex_;
  std::unordered_set<std::size_t> hashes_;
};

struct StructureOptions {
  // 0: faithful text (each page's text as its blocks, nothing dropped or joined);
  // 1: structural (furniture, rules and dot leaders dropped, paragraphs joined, tables, code);
  // 2: aggressive (level 1, and low-confidence lines, margin labels, figure text, a listing's
  //    detached line numbers, printed page numbers, table-of-contents titles that headings repeat
  //    and repeated paragraphs dropped; docs/dtoon.md, "Levels").
  int level = 1;
  // Level 2 only: shared across the documents of a run; nullptr = repeats within this
  // document only.
  RepeatFilter* repeats = nullptr;
};

// Structure of every page of a document. Furniture is found across pages (text repeated in
// the top/bottom 8% of >= 2 pages, digits normalised; running headers that change per
// chapter; lone page numbers in those bands); at level 2 a table of contents loses the titles
// that headings of any page repeat. A level outside 0..2 is clamped.
// Never throws for any input (empty pages give empty structures); pure unless
// options.repeats is given (level 2 records the document's paragraphs in it).
DocumentStructure analyze_structure(const DocumentResult& document, const StructureOptions& options = {});

// Collapses runs of whitespace (space, tab, CR, LF, FF, VT) to one space and trims.
std::string collapse_whitespace(std::string_view text);

// Joins a block's line texts with single spaces, rejoining a word hyphenated across a line
// end (line ends with [a-z]- and the next starts with [a-z]) without the hyphen; after any
// other letter or digit and '-' ("Debian-" + "Paketarchiv", "Fc-" + "ConfigParse", "64-" +
// "bit") the hyphen is kept and the lines join without a space.
std::string join_lines(const std::vector<std::string>& lines);

// The file-name part of a path ("a/b/doc.pdf" -> "doc.pdf").
std::string document_name(std::string_view path);

}  // namespace deepcompress
