#pragma once
// Page-range grammar shared by select_pages() and input.pages validation.
#include <climits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace deepcompress::config {

// The last page of an open range ("2-"); the first of "-3" is 1.
inline constexpr int kOpenEnd = INT_MAX;

// Parses "1-3, 7, 9-, -2" into inclusive [first, last] ranges (1-based,
// unsorted, not expanded; an open end is kOpenEnd). Syntax only: no page
// count. On error returns false and sets *why to a short reason.
bool parse_ranges(std::string_view spec, std::vector<std::pair<int, int>>* ranges, std::string* why);

// The reason spec is not valid page-range syntax, or empty if it is valid.
std::string page_ranges_error(std::string_view spec);

}  // namespace deepcompress::config
