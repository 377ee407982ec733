#pragma once
// Output writers and atomic file writing.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_io.hpp"
#include "deepcompress/json.hpp"
#include "deepcompress/types.hpp"

namespace deepcompress {

struct DocumentStats;  // encode/stats.hpp
struct CostEstimate;   // encode/stats.hpp

// Faithful text: each page's text followed by a form feed '\f' (as pdftotext).
std::string to_txt(const DocumentResult& document);

// One page's part of to_txt: its text, a final '\n' if missing, and '\f'.
std::string txt_page(const PageResult& page);

// "ocr", "text_layer" or "none": how a page's text was obtained (json "source").
std::string_view text_source_name(TextSource source);

// JSON: {"path", "pages": [{"page", "width_px", "height_px", "source", "source_note", "text",
//   "lines": [{"box": [[x,y]x4], "text", "confidence"}]}]}.
// With stats (from compute_stats on this document), the document gets "stats" (stats_json)
// after "status", and each page, after "source_note", "n_tokens_faithful", "n_tokens_compact",
// "n_tokens_image", "ratio", "ratio_image", "recall", "n_words" and "furniture" (the texts of
// its furniture lines); a ratio without a denominator is null. Without stats the output is as before.
std::string to_json(const DocumentResult& document, const DocumentStats* stats = nullptr);

// A document's (or a run's) figures as one JSON object: {"tokenizer", "n_tokens_faithful",
// "n_tokens_compact", "n_tokens_image", "ratio", "ratio_image", "recall", "n_words",
// "n_furniture_lines", "redactions": {type: count}}; pages are not included.
std::string stats_json(const DocumentStats& stats);

// Cost estimates as a JSON array: [{"model", "n_tokens_image", "usd_faithful", "usd_compact",
// "usd_image"}], dollars with 6 decimals.
std::string cost_json(const std::vector<CostEstimate>& costs);

// The --redact-report lines for one document: one JSON object per redaction, {"input",
// "page", "line", "offset", "length", "type"}, never the replaced value; "" when none.
std::string redaction_report_lines(const std::string& input, const std::vector<Redaction>& redactions);

// append_json_string: deepcompress/json.hpp.

// File writing (write_file_atomic, ...): common/file_io.hpp.

}  // namespace deepcompress
