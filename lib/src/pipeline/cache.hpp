#pragma once
// Content-addressed output cache: a document's rendered outputs (txt/json
// text) stored under a key that hashes everything that can change them, and
// nothing that cannot (batch sizes, threads, logging, output paths).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "deepcompress/options.hpp"

namespace deepcompress {

// What a cached output depends on besides the options.
struct CacheKeyInputs {
  std::string file_sha256;      // the input file's bytes
  std::string models_sha256;    // the model directory's manifest.json bytes (it pins every model file)
  std::string version = DEEPCOMPRESS_VERSION;
};

// sha256 hex over the inputs, the output-affecting options (mode, dpi, pages,
// detector thresholds, unclip ratio, angle classifier, precision, device) and
// the format. Pure; thread-safe.
std::string cache_key(const CacheKeyInputs& inputs, const Options& options, std::string_view format);

// The output-affecting options as "key=value" lines: what cache_key hashes.
std::string output_options_text(const Options& options);

// Entries live at dir/<first 2 hex of key>/<key>.<format>, written atomically,
// so a crash never leaves a truncated entry. Safe for concurrent runs sharing
// a directory (same key -> same bytes; rename is atomic).
class OutputCache {
 public:
  explicit OutputCache(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path entry_path(std::string_view key, std::string_view format) const;
  // The stored text, or nullopt when absent or unreadable.
  std::optional<std::string> load(std::string_view key, std::string_view format) const;
  // Throws Error(kOutput) naming the entry when it cannot be written.
  void store(std::string_view key, std::string_view format, const std::string& content) const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

// JSON outputs name their input; cached JSON is stored with an empty "path"
// (so copies of a file share an entry) and gets the real one back here.
// Returns json unchanged if it does not start like to_json()'s output.
std::string json_with_path(const std::string& json, const std::string& path);

// Pages in a rendered output: form feeds in txt, page objects in json.
int count_pages(std::string_view format, const std::string& content);

// Writes content atomically unless path already holds exactly these bytes
// (then the file, and its mtime, are left alone). Creates parent
// directories. Returns true if it wrote. Throws Error(kOutput) naming path.
bool write_file_if_changed(const std::filesystem::path& path, const std::string& content);

// The whole file, or nullopt when it cannot be read.
std::optional<std::string> read_file_bytes(const std::filesystem::path& path);

}  // namespace deepcompress
