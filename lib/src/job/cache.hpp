#pragma once
// Content-addressed output cache: a document's rendered outputs (txt/json
// text) stored under a key that hashes everything that can change them, and
// nothing that cannot (batch sizes, threads, logging, output paths).
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/file_io.hpp"
#include "deepcompress/engine.hpp"
#include "deepcompress/options.hpp"

namespace deepcompress {

// What a cached output depends on besides the options.
struct CacheKeyInputs {
  std::string file_sha256;    // the input file's bytes
  std::string models_sha256;  // the model directory's manifest.json bytes (it pins every model file)
  // resolve_compute(options): the key holds the device kind and precision a
  // run uses, never "auto" (bf16 and fp32 read some lines differently).
  ComputeChoice compute;
  // password_lock() for a document that opened only with the run's password;
  // empty otherwise.
  std::string lock;
  std::string version = DEEPCOMPRESS_VERSION;
};

// sha256 hex over the inputs, every option the option table marks
// affects_output (engine.device and engine.precision as inputs.compute) and
// the format. Pure; thread-safe.
std::string cache_key(const CacheKeyInputs& inputs, const Options& options, std::string_view format);

// The output-affecting options as "key=value" lines in table order, device and
// precision as resolved in compute: what cache_key hashes.
std::string output_options_text(const Options& options, const ComputeChoice& compute);

// Binds the cache entries of an encrypted document to its password without
// storing the password: HMAC-SHA256 keyed with the password over the
// document's sha256 (hex). A wrong password gives other keys: a cache miss.
std::string password_lock(std::string_view password, std::string_view file_sha256);

// What a run reports about a document besides its outputs, kept in the
// cache as one more entry (format "facts", key without a lock) so that a
// cached run reports what the first run did, and a lookup learns whether the
// document's other entries are bound to a password.
struct DocumentFacts {
  int n_pages = 0;
  std::array<int, 3> n_pages_by_source{};  // ocr, text_layer, none (TextSource order)
  bool password_bound = false;             // the other entries' keys hold password_lock()
};

// "deepcompress-facts 1\npages N\nsources OCR TEXT NONE\npassword_bound 0|1\n".
std::string to_facts_record(const DocumentFacts& facts);
// nullopt unless text is exactly what to_facts_record writes.
std::optional<DocumentFacts> parse_facts_record(std::string_view text);

// Entries live at dir/<first 2 hex of key>/<key>.<format>, written atomically,
// so a crash never leaves a truncated entry. Safe for concurrent runs sharing
// a directory (same key -> same bytes; rename is atomic). Entries are private
// to their owner (files 0600, directories created 0700), unless dir already
// exists with group read-write-search permission (a cache shared by a group):
// then files are 0660 and directories 0770 (keeping dir's setgid bit). Other
// users never get access; modes of existing directories are never changed.
class OutputCache {
 public:
  // Reads dir's mode if it exists (see above); never throws.
  explicit OutputCache(std::filesystem::path dir);
  std::filesystem::path entry_path(std::string_view key, std::string_view format) const;
  // The stored text, or nullopt when absent or unreadable.
  std::optional<std::string> load(std::string_view key, std::string_view format) const;
  // Throws Error(kOutput) naming the entry when it cannot be written.
  void store(std::string_view key, std::string_view format, const std::string& content) const;
  const std::filesystem::path& dir() const { return dir_; }
  unsigned file_mode() const { return file_mode_; }
  unsigned dir_mode() const { return dir_mode_; }

 private:
  std::filesystem::path dir_;
  unsigned file_mode_ = 0600;
  unsigned dir_mode_ = 0700;
};

// JSON outputs name their input; cached JSON is stored with an empty "path"
// (so copies of a file share an entry) and gets the real one back here.
// Returns json unchanged if it does not start like to_json()'s output.
std::string json_with_path(const std::string& json, const std::string& path);

}  // namespace deepcompress
