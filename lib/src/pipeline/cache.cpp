#include "pipeline/cache.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/sha256.hpp"
#include "deepcompress/config.hpp"
#include "deepcompress/error.hpp"
#include "encode/writers.hpp"

namespace deepcompress {
namespace {

namespace fs = std::filesystem;

// Keys of every option that can change a document's text. Batch sizes,
// threads, workers, order and memory caps must not (results are independent
// of batching: a tested property), so they are left out on purpose.
constexpr std::string_view kOutputKeys[] = {
    "engine.mode",         "engine.precision",       "engine.device",          "engine.charset",
    "engine.angle_classifier", "input.dpi",          "input.pages",
    "detector.threshold",  "detector.box_threshold", "detector.unclip_ratio",
    "input.ocr",           "output.level",           "output.redact",
    "output.tokenizer",    "output.chunk_tokens",
};

constexpr std::string_view kJsonPathPrefix = "{\n  \"path\": \"\"";

// Bump whenever a code change alters the output for the same input bytes,
// models and options, so that a cache filled by an older build is not served:
// 2 = CTC space recovery, width 0.85, crops past line ends, deskewed reading
// order, per-page angle decision (2026-11-23); 3 = Latin charset by default,
// stronger space evidence at the character pitch, length-weighted skew;
// 4 = fused convolutions and bf16 on CPUs with native bf16 (precision auto);
// 5 = accents restored on pages that show them, token-splitting spaces
// dropped; 6 = lines running into a gutter kept in their column; 7 = md/dtoon/jsonl
// structure from text-layer fonts, document-wide gaps and heading levels, jsonl fields.
constexpr std::string_view kOutputRevision = "7";

}  // namespace

std::string output_options_text(const Options& options) {
  std::string out;
  for (std::string_view key : kOutputKeys) out += fmt::format("{}={}\n", key, get_option(options, key));
  return out;
}

std::string cache_key(const CacheKeyInputs& inputs, const Options& options, std::string_view format) {
  // Length-prefixed fields: no two different inputs produce the same text.
  std::string text;
  const auto field = [&](std::string_view name, std::string_view value) {
    text += fmt::format("{}:{}:{}\n", name, value.size(), value);
  };
  field("deepcompress-cache", kOutputRevision);
  field("version", inputs.version);
  field("file", inputs.file_sha256);
  field("models", inputs.models_sha256);
  field("options", output_options_text(options));
  field("format", format);
  return sha256_hex(text);
}

fs::path OutputCache::entry_path(std::string_view key, std::string_view format) const {
  return dir_ / std::string(key.substr(0, 2)) / fmt::format("{}.{}", key, format);
}

std::optional<std::string> OutputCache::load(std::string_view key, std::string_view format) const {
  return read_file_bytes(entry_path(key, format));
}

void OutputCache::store(std::string_view key, std::string_view format, const std::string& content) const {
  const fs::path path = entry_path(key, format);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) throw Error(ErrorKind::kOutput, "cannot create cache directory: " + ec.message(), path.parent_path());
  write_file_atomic(path, content);
}

std::string json_with_path(const std::string& json, const std::string& path) {
  if (json.compare(0, kJsonPathPrefix.size(), kJsonPathPrefix) != 0) return json;
  // to_json of an empty document gives the escaped path literal.
  DocumentResult named;
  named.path = path;
  const std::string head = to_json(named);
  const auto end = head.find(",\n  \"status\"");
  if (end == std::string::npos) return json;
  return head.substr(0, end) + json.substr(kJsonPathPrefix.size());
}

int count_pages(std::string_view format, const std::string& content) {
  if (format == "txt") return static_cast<int>(std::count(content.begin(), content.end(), '\f'));
  int n = 0;
  // Page objects open each line of the "pages" array; escaped text cannot hold this.
  for (auto pos = content.find("\n    {\"page\": "); pos != std::string::npos;
       pos = content.find("\n    {\"page\": ", pos + 1)) {
    ++n;
  }
  return n;
}

std::optional<std::string> read_file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(out).str();
}

bool write_file_if_changed(const fs::path& path, const std::string& content) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) == content.size() && !ec) {
    if (auto existing = read_file_bytes(path); existing && *existing == content) return false;
  }
  if (path.has_parent_path()) {
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw Error(ErrorKind::kOutput, "cannot create directory: " + ec.message(), path.parent_path());
  }
  write_file_atomic(path, content);
  return true;
}

}  // namespace deepcompress
