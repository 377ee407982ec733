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

}  // namespace

bool parse_ranges(std::string_view spec, int n_pages, std::vector<std::pair<int, int>>* ranges,
                  std::string* why) {
  ranges->clear();
  if (trim(spec).empty()) {
    if (n_pages > 0) ranges->emplace_back(1, n_pages);
    return true;
  }
  while (true) {
    size_t comma = spec.find(',');
    std::string_view item = trim(spec.substr(0, comma));
    size_t dash = item.find('-');
    int first = 0;
    int last = 0;
    bool ok = dash == std::string_view::npos
                  ? parse_page(item, &first)
                  : parse_page(item.substr(0, dash), &first) && parse_page(item.substr(dash + 1), &last);
    if (dash == std::string_view::npos) last = first;
    if (!ok) {
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
    if (last > n_pages) {
      *why = fmt::format("page {} is beyond the last page ({})", last, n_pages);
      return false;
    }
    ranges->emplace_back(first, last);
    if (comma == std::string_view::npos) return true;
    spec.remove_prefix(comma + 1);
  }
}

std::string page_ranges_error(std::string_view spec, int n_pages) {
  std::vector<std::pair<int, int>> ranges;
  std::string why;
  return parse_ranges(spec, n_pages, &ranges, &why) ? std::string() : why;
}

}  // namespace deepcompress::config

namespace deepcompress {

std::vector<int> parse_page_ranges(std::string_view spec, int n_pages) {
  std::vector<std::pair<int, int>> ranges;
  std::string why;
  if (!config::parse_ranges(spec, n_pages, &ranges, &why)) {
    throw Error(ErrorKind::kConfig, fmt::format("page selection '{}': {}", spec, why));
  }
  std::vector<int> pages;
  for (auto [first, last] : ranges) {
    for (int p = first; p <= last; ++p) pages.push_back(p);
  }
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
  return pages;
}

}  // namespace deepcompress
