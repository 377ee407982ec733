#pragma once
// Reading order: lines -> rows -> blocks -> columns, read column by column.
#include <string>
#include <vector>

#include "deepcompress/types.hpp"

namespace deepcompress {

// Returns lines reordered for reading: boxes on the same visual row merged
// (joined with a space, left to right; quad = axis-aligned union, one
// confidence added for the space) unless a column gutter separates them;
// columns read one after another, top to bottom within a column, with lines
// spanning a gutter (titles) splitting the page into bands read top to bottom.
std::vector<TextLine> order_lines(std::vector<TextLine> lines, int page_width_px, int page_height_px);

// Page text from ordered lines: one line per row, a blank line between blocks
// (extra vertical whitespace, or a jump to a new column/band), judged in the
// page's reading frame (see read_page). Lines have no
// trailing whitespace; empty-text lines are skipped; ends with '\n' unless empty.
std::string page_text(const std::vector<TextLine>& ordered_lines);

// A page read in its own frame: lines in reading order (order_lines) and the
// page text (page_text), with the page deskewed by the length-weighted median
// slope of its long lines (at least 3x longer than tall; from 0.1 degrees) and turned round when
// most lines were read turned (rotated_180). On a scan rotated by 1 degree the
// axis-aligned box of a long line is a line height taller than the line and
// joined rows. Boxes come back in image pixels.
struct ReadPage {
  std::vector<TextLine> lines;
  std::string text;
};
ReadPage read_page(std::vector<TextLine> lines, int page_width_px, int page_height_px);

}  // namespace deepcompress
