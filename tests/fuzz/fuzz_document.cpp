// libFuzzer target: the document input layer from bytes. The bytes are
// written to a temporary file, sniffed, opened with open_pdf / open_image_file
// and page 1's text layer is read and the page rendered at 20 dpi. Contract: a page or Error(kInput); any
// other exception, crash or leak is a bug. The first input byte picks whether
// a password is supplied (exercises the encrypted paths).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "deepcompress/error.hpp"
#include "image/image_source.hpp"
#include "pdf/pdf_source.hpp"

namespace {
std::string temp_path() {
  static const std::string path =
      (std::filesystem::temp_directory_path() / ("dc_fuzz_document." + std::to_string(::getpid()))).string();
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string password = (data[0] & 1) ? "U" : "";
  {
    std::ofstream out(temp_path(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  try {
    std::unique_ptr<deepcompress::PageSource> source;
    switch (deepcompress::sniff_file_kind(temp_path())) {
      case deepcompress::FileKind::kPdf: source = deepcompress::open_pdf(temp_path(), password, 20); break;
      case deepcompress::FileKind::kImage: source = deepcompress::open_image_file(temp_path()); break;
      case deepcompress::FileKind::kUnknown: return 0;
    }
    if (source->n_pages() < 0) std::abort();
    if (source->n_pages() > 0) {
      const deepcompress::TextLayer layer = source->text_layer(1);
      if (layer.usable && (layer.width_px <= 0 || layer.height_px <= 0)) std::abort();
      const deepcompress::Image page = source->render(1);
      if (page.pixels.size() != static_cast<std::size_t>(page.width_px) * page.height_px * page.n_channels) {
        std::abort();
      }
    }
  } catch (const deepcompress::Error& e) {
    if (e.kind() != deepcompress::ErrorKind::kInput) std::abort();
  }
  return 0;
}
