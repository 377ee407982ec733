// libFuzzer target: the dtoon reader. Contract: parse_dtoon never throws or
// crashes on any bytes, and what it reads (pages in ascending order, as the
// writer produces them), written back with to_dtoon, reads
// back to a text that writes the same again (a normalised document is a fixed
// point: the format is unambiguous). A violation aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "encode/dtoon.hpp"
#include "encode/structure.hpp"

namespace {

// The structure that to_dtoon would write as this parsed document.
deepcompress::DocumentStructure as_structure(const deepcompress::DtoonDocument& parsed) {
  deepcompress::DocumentStructure structure;
  structure.name = parsed.name;
  for (const auto& page : parsed.pages) {
    deepcompress::PageStructure out;
    out.page_number = page.page_number;
    out.blocks = page.blocks;
    structure.pages.push_back(std::move(out));
  }
  return structure;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto first = deepcompress::parse_dtoon(text);
  // The writer only produces pages in ascending order, each once: hand-written
  // text with repeated or unordered "~pN" markers need not be a fixed point.
  for (std::size_t i = 1; i < first.pages.size(); ++i) {
    if (first.pages[i].page_number <= first.pages[i - 1].page_number) return 0;
  }
  const std::string written = deepcompress::to_dtoon(as_structure(first));
  const std::string rewritten = deepcompress::to_dtoon(as_structure(deepcompress::parse_dtoon(written)));
  if (written != rewritten) std::abort();
  return 0;
}
