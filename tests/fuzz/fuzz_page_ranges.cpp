// libFuzzer target: select_pages on arbitrary text and page counts.
// Contract: returns sorted unique pages within 1..n_pages, at least one for a
// non-blank spec (a selection of no page is an error), a clamp warning only
// with pages; or throws deepcompress::Error(kConfig); anything else (crash,
// other exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "deepcompress/config.hpp"
#include "deepcompress/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  std::int32_t n_pages;
  std::memcpy(&n_pages, data, 4);
  n_pages %= 1 << 20;  // a page count, possibly negative or zero
  const std::string_view spec(reinterpret_cast<const char*>(data + 4), size - 4);
  try {
    const auto selection = deepcompress::select_pages(spec, n_pages);
    int last = 0;
    for (int page : selection.pages) {
      if (page <= last || page > n_pages) std::abort();  // unsorted, duplicate or out of range
      last = page;
    }
    const bool blank = spec.find_first_not_of(" \t\n\r\f\v") == std::string_view::npos;
    if (!blank && selection.pages.empty()) std::abort();  // must have thrown
    if (!selection.clamped.empty() && selection.pages.empty()) std::abort();
  } catch (const deepcompress::Error& e) {
    if (e.kind() != deepcompress::ErrorKind::kConfig) std::abort();
  }
  return 0;
}
