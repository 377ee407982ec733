#pragma once
// Document structure from OCR lines: blocks, paragraphs, headings, list items and page
// furniture (running headers/footers, page numbers). Feeds the md, dtoon and jsonl writers.
// The rules and thresholds are described in docs/dtoon.md ("How structure is found").
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "deepcompress/types.hpp"

namespace deepcompress {

enum class BlockKind { kHeading, kParagraph, kListItem };

// One structural unit; text is a single line with whitespace collapsed.
struct Block {
  BlockKind kind = BlockKind::kParagraph;
  int level = 0;         // headings only: 1 (title size) .. 3
  bool ordered = false;  // list items only: text starts with its own "N." / "N)" marker
  std::string text;      // bullet items: bullet removed; ordered items: marker kept
};

struct PageStructure {
  int page_number = 0;                        // as in PageResult (1-based)
  std::vector<Block> blocks;                  // in reading order
  std::vector<std::size_t> furniture_lines;   // indices into PageResult::lines, ascending
};

struct DocumentStructure {
  std::string name;  // file name of DocumentResult::path (no directories)
  std::vector<PageStructure> pages;
};

// Structure of every page of a document. Furniture is found across pages (text repeated in
// the top/bottom 8% of >= 2 pages, digits normalised) plus lone page numbers in those bands.
// Pure; never throws for any input (empty pages give empty structures).
DocumentStructure analyze_structure(const DocumentResult& document);

// Collapses runs of whitespace (space, tab, CR, LF, FF, VT) to one space and trims.
std::string collapse_whitespace(std::string_view text);

// Joins a block's line texts with single spaces, rejoining a word hyphenated across a line
// end (line ends with [a-z]- and the next starts with [a-z]) without the hyphen.
std::string join_lines(const std::vector<std::string>& lines);

// The file-name part of a path ("a/b/doc.pdf" -> "doc.pdf").
std::string document_name(std::string_view path);

}  // namespace deepcompress
