#pragma once
// Image files (PNG, JPEG, TIFF incl. multi-page) as documents, via OpenCV.
#include <filesystem>
#include <memory>

#include "common/page_source.hpp"

namespace deepcompress {

// Opens an image file; each TIFF frame is a page. Pages come out as 8-bit
// 3-channel BGR (16-bit scaled down, gray/alpha converted).
// Throws Error(kInput) naming the file when it cannot be decoded.
std::unique_ptr<PageSource> open_image_file(const std::filesystem::path& path);

enum class FileKind { kPdf, kImage, kUnknown };
// Sniffs the first bytes (%PDF, PNG, JPEG, TIFF magic). Throws Error(kInput)
// naming the file if it cannot be opened or is a directory.
FileKind sniff_file_kind(const std::filesystem::path& path);

}  // namespace deepcompress
