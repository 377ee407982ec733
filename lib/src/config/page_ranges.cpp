#include "config/page_ranges.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "deepcompress/config.hpp"
#include "deepcompress/error.hpp"

namespace deepcompress::config {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool parse_page(std::string_view text, int* page) {
  text = trim(text);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *page);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// One item: "N", "A-B", "A-" (to the last page) or "-B" (from the first).
bool parse_item(std::string_view item, int* first, int* last) {
  const size_t dash = item.find('-');
  if (dash == std::string_view::npos) {
    if (!parse_page(item, first)) return false;
    *last = *first;
    return true;
  }
  const std::string_view head = trim(item.substr(0, dash));
  const std::string_view tail = trim(item.substr(dash + 1));
  if (head.empty() && tail.empty()) return false;
  *first = 1;
  *last = kOpenEnd;
  return (head.empty() || parse_page(head, first)) && (tail.empty() || parse_page(tail, last));
}

}  // namespace

bool parse_ranges(std::string_view spec, std::vector<std::pair<int, int>>* ranges, std::string* why) {
  ranges->clear();
  if (trim(spec).empty()) {
    ranges->emplace_back(1, kOpenEnd);
    return true;
  }
  while (true) {
    size_t comma = spec.find(',');
    std::string_view item = trim(spec.substr(0, comma));
    int first = 0;
    int last = 0;
    if (!parse_item(item, &first, &last)) {
      *why = item.empty() ? "empty item" : fmt::format("'{}' is not a page or range", item);
      return false;
    }
    if (first < 1 || last < 1) {
      *why = "pages are numbered from 1";
      return false;
    }
    if (first > last) {
      *why = fmt::format("range '{}' is reversed", item);
      return false;
    }
    ranges->emplace_back(first, last);
    if (comma == std::string_view::npos) return true;
    spec.remove_prefix(comma + 1);
  }
}

std::string page_ranges_error(std::string_view spec) {
  std::vector<std::pair<int, int>> ranges;
  std::string why;
  return parse_ranges(spec, &ranges, &why) ? std::string() : why;
}

}  // namespace deepcompress::config

namespace deepcompress {

PageSelection select_pages(std::string_view spec, int n_pages) {
  std::vector<std::pair<int, int>> ranges;
  std::string why;
  if (!config::parse_ranges(spec, &ranges, &why)) {
    throw Error(ErrorKind::kConfig, fmt::format("page selection '{}': {}", spec, why));
  }
  PageSelection selection;
  if (spec.find_first_not_of(" \t\n\r\f\v") == std::string_view::npos) {  // empty: all pages
    for (int p = 1; p <= n_pages; ++p) selection.pages.push_back(p);
    return selection;
  }
  bool beyond = false;  // a page asked for by number past the end (an open end is not)
  for (auto [first, last] : ranges) {
    if (first > n_pages || (last > n_pages && last != config::kOpenEnd)) beyond = true;
    for (long long p = first; p <= std::min(last, n_pages); ++p) {
      selection.pages.push_back(static_cast<int>(p));
    }
  }
  std::sort(selection.pages.begin(), selection.pages.end());
  selection.pages.erase(std::unique(selection.pages.begin(), selection.pages.end()), selection.pages.end());
  const std::string has =
      fmt::format("the document has {} page{}", std::max(n_pages, 0), n_pages == 1 ? "" : "s");
  if (selection.pages.empty()) {
    throw Error(ErrorKind::kConfig, fmt::format("page selection '{}' selects no page: {}", spec, has));
  }
  if (beyond) {
    const std::size_t n = selection.pages.size();
    selection.clamped = fmt::format("page selection '{}' goes past the last page: {}; reading {} page{}",
                                    spec, has, n, n == 1 ? "" : "s");
  }
  return selection;
}

std::vector<int> parse_page_ranges(std::string_view spec, int n_pages) {
  return select_pages(spec, n_pages).pages;
}

}  // namespace deepcompress
