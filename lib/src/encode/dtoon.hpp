#pragma once
// dtoon: the compact, LLM-oriented text format (specified in docs/dtoon.md), its writer and
// its reader, and the Markdown writer that shares the same structure.
#include <string>
#include <string_view>
#include <vector>

#include "encode/structure.hpp"

namespace deepcompress {

// The whole document: header line "doc: <name> pages: N", then each page's part
// (dtoon_page). Furniture is not written. Pure; never throws.
std::string to_dtoon(const DocumentStructure& structure);

// One page's part of to_dtoon: a "~pN" marker line (omitted for the first page when it is
// page 1) and the page's blocks, each on one line, blocks separated by one blank line and
// consecutive list items by a line break. to_dtoon = header + concatenation of these.
std::string dtoon_page(const PageStructure& page, bool first_page);

// One block as a dtoon line: "#".."###" + " " + heading, "- item" (ordered items as is),
// a paragraph with a leading '\\' if it would otherwise read as a marker.
std::string dtoon_block_line(const Block& block);

// Markdown: headings as '#'..'###', paragraphs, lists ("- x", "1. x"), furniture dropped,
// no page markers. Pure; never throws.
std::string to_markdown(const DocumentStructure& structure);

// What a dtoon reader recovers.
struct DtoonPage {
  int page_number = 0;
  std::vector<Block> blocks;  // headings (level = number of '#'), paragraphs, list items
};
struct DtoonDocument {
  std::string name;
  int n_pages_declared = 0;  // from the header; 0 if absent
  std::vector<DtoonPage> pages;
};

// Parses dtoon text (as written by to_dtoon, or by hand: consecutive plain lines join into
// one paragraph). Tolerant: never throws; a missing header gives an empty name. Content
// before any page marker belongs to page 1.
DtoonDocument parse_dtoon(std::string_view text);

}  // namespace deepcompress
