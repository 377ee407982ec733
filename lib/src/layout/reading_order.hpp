#pragma once
// Reading order: lines -> rows -> blocks -> columns, read column by column.
#include <string>
#include <vector>

#include "deepcompress/types.hpp"

namespace deepcompress {

// Returns lines reordered for reading: boxes on the same visual row merged
// (joined with a space, left to right), columns of a multi-column page read
// one after another, top to bottom within a column.
std::vector<TextLine> order_lines(std::vector<TextLine> lines, int page_width_px, int page_height_px);

// Page text from ordered lines: one line per row, a blank line between blocks.
std::string page_text(const std::vector<TextLine>& ordered_lines);

}  // namespace deepcompress
