#pragma once
// Output writers and atomic file writing.
#include <filesystem>
#include <string>

#include "deepcompress/types.hpp"

namespace deepcompress {

// Faithful text: each page's text followed by a form feed '\f' (as pdftotext).
std::string to_txt(const DocumentResult& document);

// JSON: {"path", "pages": [{"page", "width_px", "height_px", "text",
//   "lines": [{"box": [[x,y]x4], "text", "confidence"}]}]}.
std::string to_json(const DocumentResult& document);

// Writes content to a temporary file in path's directory, then renames it
// over path: readers never see a partial file. Throws Error(kOutput) naming
// the file; leaves no temporary file behind on failure.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

}  // namespace deepcompress
