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
// (extra vertical whitespace, or a jump to a new column/band). Lines have no
// trailing whitespace; empty-text lines are skipped; ends with '\n' unless empty.
std::string page_text(const std::vector<TextLine>& ordered_lines);

}  // namespace deepcompress
