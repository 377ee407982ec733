#pragma once
// dtoon: the compact, LLM-oriented text format (specified in docs/dtoon.md), its writer and
// its reader, and the Markdown writer that shares the same structure.
#include <string>
#include <string_view>
#include <vector>

#include "encode/structure.hpp"

namespace deepcompress {

// The whole document: header line "doc: <name> pages: N", then each page's part
// (dtoon_page). Furniture is not written (level >= 1). Pure; never throws.
std::string to_dtoon(const DocumentStructure& structure);

// One page's part of to_dtoon: a "~pN" marker line (omitted for the first page when it is
// page 1) and the page's blocks (dtoon_block), separated by one blank line, consecutive
// list items by a line break. to_dtoon = header + concatenation of these.
std::string dtoon_page(const PageStructure& page, bool first_page);

// One block in dtoon notation, without a final line break: "#".."###" + " " + heading,
// "- item" (ordered items as is), a paragraph (each of its lines with a leading '\\' if it
// would otherwise read as something else), a code block between "```" lines, a table as
// "table[N]{h1|h2}:" (or "table[N]:" without header) and N rows of '|'-separated cells.
std::string dtoon_block(const Block& block);

// One block in Markdown, as to_markdown writes it (no trailing line break).
std::string markdown_block(const Block& block);

// Markdown: headings as '#'..'###', paragraphs, lists ("- x", "1. x"), fenced code blocks,
// pipe tables (an empty header row when the table has none), furniture dropped, no page
// markers; a paragraph cut by a page break (no sentence end before it, lower case after it)
// is written as one. Pure; never throws.
std::string to_markdown(const DocumentStructure& structure);

// What a dtoon reader recovers.
struct DtoonPage {
  int page_number = 0;
  // Headings (level = number of '#'), paragraphs, list items, code (text = its lines),
  // tables (rows, header first when has_header).
  std::vector<Block> blocks;
};
struct DtoonDocument {
  std::string name;
  int n_pages_declared = 0;  // from the header; 0 if absent
  std::vector<DtoonPage> pages;
};

// Parses dtoon text (as written by to_dtoon, or by hand: consecutive plain lines join into
// one paragraph). Tolerant: never throws; a missing header gives an empty name; an
// unterminated code block runs to the end; a table with fewer rows than declared ends at
// the first empty line. Content before any page marker belongs to page 1.
DtoonDocument parse_dtoon(std::string_view text);

}  // namespace deepcompress
