#pragma once
// Output writers and atomic file writing.
#include <filesystem>
#include <string>
#include <string_view>

#include "deepcompress/types.hpp"

namespace deepcompress {

struct DocumentStats;  // encode/stats.hpp

// Faithful text: each page's text followed by a form feed '\f' (as pdftotext).
std::string to_txt(const DocumentResult& document);

// One page's part of to_txt: its text, a final '\n' if missing, and '\f'.
std::string txt_page(const PageResult& page);

// JSON: {"path", "pages": [{"page", "width_px", "height_px", "text",
//   "lines": [{"box": [[x,y]x4], "text", "confidence"}]}]}.
// With stats (from compute_stats on this document), the document gets
// "stats": {"tokenizer", "n_tokens_faithful", "n_tokens_compact", "ratio", "recall",
// "n_words"} after "status", and each page the same four figures and "n_words" after
// "height_px"; ratio is null for a page without tokens. Without stats the output is as before.
std::string to_json(const DocumentResult& document, const DocumentStats* stats = nullptr);

// Appends s as a JSON string literal; invalid UTF-8 bytes become U+FFFD.
void append_json_string(std::string& out, std::string_view s);

// Writes content to a temporary file in path's directory, then renames it
// over path: readers never see a partial file. Throws Error(kOutput) naming
// the file; leaves no temporary file behind on failure.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

}  // namespace deepcompress
