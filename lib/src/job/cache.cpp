#include "job/cache.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/sha256.hpp"
#include "deepcompress/config.hpp"
#include "deepcompress/error.hpp"
#include "encode/writers.hpp"

namespace deepcompress {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kJsonPathPrefix = "{\n  \"path\": \"\"";

// Bump whenever a code change alters the output for the same input bytes,
// models and options, so that a cache filled by an older build is not served:
// 2 = CTC space recovery, width 0.85, crops past line ends, deskewed reading
// order, per-page angle decision (2026-11-23); 3 = Latin charset by default,
// stronger space evidence at the character pitch, length-weighted skew;
// 4 = fused convolutions and bf16 on CPUs with native bf16 (precision auto);
// 5 = accents restored on pages that show them, token-splitting spaces
// dropped; 6 = lines running into a gutter kept in their column;
// 7 = options from the option table's affects_output marks with device and
// precision resolved, password locks, a facts entry per document;
// 8 = md/dtoon/jsonl structure from text-layer fonts, document-wide gaps and
// heading levels, jsonl fields.
constexpr std::string_view kOutputRevision = "8";

constexpr std::string_view kFactsHeader = "deepcompress-facts 1\n";

// Creates dir and its missing parents with mode (umask ignored), leaving
// existing directories alone. Throws Error(kOutput) naming the directory.
void create_directories_with_mode(const fs::path& dir, unsigned mode) {
  std::error_code ec;
  if (dir.empty() || fs::is_directory(dir, ec)) return;
  if (dir.has_parent_path() && dir.parent_path() != dir)
    create_directories_with_mode(dir.parent_path(), mode);
  if (::mkdir(dir.c_str(), static_cast<mode_t>(mode)) != 0) {
    const int err = errno;
    if (err == EEXIST && fs::is_directory(dir, ec)) return;  // a concurrent run made it
    throw Error(ErrorKind::kOutput, fmt::format("cannot create cache directory: {}", std::strerror(err)),
                dir);
  }
  ::chmod(dir.c_str(), static_cast<mode_t>(mode));
}

}  // namespace

std::string output_options_text(const Options& options, const ComputeChoice& compute) {
  std::string out;
  for (const OptionInfo& info : option_table()) {
    if (!info.affects_output) continue;
    std::string value = info.key == "engine.device"      ? compute.device_kind
                        : info.key == "engine.precision" ? compute.precision
                                                         : get_option(options, info.key);
    out += fmt::format("{}={}\n", info.key, value);
  }
  return out;
}

std::string password_lock(std::string_view password, std::string_view file_sha256) {
  return hmac_sha256_hex(password, fmt::format("deepcompress cache lock\n{}", file_sha256));
}

std::string to_facts_record(const DocumentFacts& facts) {
  const auto& by_source = facts.n_pages_by_source;
  return fmt::format("{}pages {}\nsources {} {} {}\npassword_bound {}\n", kFactsHeader, facts.n_pages,
                     by_source[0], by_source[1], by_source[2], facts.password_bound ? 1 : 0);
}

std::optional<DocumentFacts> parse_facts_record(std::string_view text) {
  if (!text.starts_with(kFactsHeader)) return std::nullopt;
  std::istringstream in{std::string(text.substr(kFactsHeader.size()))};
  DocumentFacts facts;
  std::string pages_word, sources_word, bound_word;
  int bound = -1;
  auto& by_source = facts.n_pages_by_source;
  if (!(in >> pages_word >> facts.n_pages >> sources_word >> by_source[0] >> by_source[1] >> by_source[2] >>
        bound_word >> bound) ||
      pages_word != "pages" || sources_word != "sources" || bound_word != "password_bound" ||
      (bound != 0 && bound != 1) || facts.n_pages < 0) {
    return std::nullopt;
  }
  facts.password_bound = bound == 1;
  // Exactly what to_facts_record writes: a damaged entry is a cache miss.
  if (to_facts_record(facts) != text) return std::nullopt;
  return facts;
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
  field("options", output_options_text(options, inputs.compute));
  field("lock", inputs.lock);
  field("format", format);
  return sha256_hex(text);
}

OutputCache::OutputCache(fs::path dir) : dir_(std::move(dir)) {
  struct stat st {};
  if (::stat(dir_.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & S_IRWXG) == S_IRWXG) {
    file_mode_ = 0660;
    dir_mode_ = 0770 | (st.st_mode & S_ISGID);
  }
}

fs::path OutputCache::entry_path(std::string_view key, std::string_view format) const {
  return dir_ / std::string(key.substr(0, 2)) / fmt::format("{}.{}", key, format);
}

std::optional<std::string> OutputCache::load(std::string_view key, std::string_view format) const {
  return read_file_bytes(entry_path(key, format));
}

void OutputCache::store(std::string_view key, std::string_view format, const std::string& content) const {
  const fs::path path = entry_path(key, format);
  create_directories_with_mode(path.parent_path(), dir_mode_);
  write_file_atomic(path, content, file_mode_);
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

}  // namespace deepcompress
