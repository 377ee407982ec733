#pragma once
// Page-range grammar shared by parse_page_ranges() and input.pages validation.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace deepcompress::config {

// Parses "1-3, 7" into inclusive [first, last] ranges (1-based, unsorted, not
// expanded, so validation with a huge n_pages stays cheap). On error returns
// false and sets *why to a short reason such as "page 0 does not exist".
bool parse_ranges(std::string_view spec, int n_pages, std::vector<std::pair<int, int>>* ranges,
                  std::string* why);

// The reason spec is invalid for n_pages, or empty if it is valid.
std::string page_ranges_error(std::string_view spec, int n_pages);

}  // namespace deepcompress::config
