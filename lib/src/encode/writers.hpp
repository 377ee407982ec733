#pragma once
// Output writers and atomic file writing.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

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

// Appends s as a JSON string literal; invalid UTF-8 bytes become U+FFFD.
void append_json_string(std::string& out, std::string_view s);

// Writes content to a temporary file in path's directory, then renames it
// over path: readers never see a partial file. The file gets mode (umask
// ignored). Throws Error(kOutput) naming the file; leaves no temporary file
// behind on failure.
void write_file_atomic(const std::filesystem::path& path, const std::string& content, unsigned mode = 0644);

// This host's name as write_file_atomic puts it in temporary names
// (".<name>.tmp.<host>.<pid>.XXXXXX"): at most 64 characters, each not a
// letter, digit or '-' replaced by '_'. Thread-safe.
const std::string& temporary_host_tag();

// Checks, before any work, that write_file_atomic can later write a file at
// path: its directory exists or can be created, and a file can be created in
// it (a probe file, removed at once); path is not a directory. Throws
// Error(kOutput) naming path. A full disk passes: it holds an empty file.
void check_writable_file(const std::filesystem::path& path);

// The same for a directory that outputs go under: created if missing.
void check_writable_directory(const std::filesystem::path& dir);

// Removes the temporary files write_file_atomic left under dir (recursively)
// when its process was killed mid-write (kill -9, power loss): those written
// on this host (temporary_host_tag) whose writer pid no longer runs. Another
// host's temporaries (a shared NFS folder) and names without a host (older
// versions) are never removed. Returns the paths removed; never throws.
std::vector<std::filesystem::path> remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace deepcompress
