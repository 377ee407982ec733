#pragma once
// Configuration: one option table mapping TOML key <-> env var <-> flag, and the
// merge defaults < TOML < env < flags. Nothing here reads the process
// environment or argv: callers pass them in.
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deepcompress/options.hpp"

namespace deepcompress {

struct OptionInfo {
  std::string key;       // "engine.batch_size" (TOML section.key)
  std::string env;       // "DEEPCOMPRESS_ENGINE_BATCH_SIZE"
  std::string flag;      // "--batch-size" (empty: no flag)
  std::string help;      // one line, shown by --help and in default.toml
  std::string value_kind;  // "int" | "float" | "bool" | "string"
  std::string short_flag;  // "-o" (empty: none); an alias of flag
  // Whether the option can change a document's text or figures: such options are
  // part of the output cache key (engine.device and engine.precision as resolved).
  bool affects_output = false;
};

// All options, in a stable order. Thread-safe (immutable).
const std::vector<OptionInfo>& option_table();

// Flags of "bool" options are switches that take no value; this is the value
// a switch sets when given: "false" for "--no-..." flags, else "true".
std::string switch_value(const OptionInfo& info);

// Sets one option from its text value. origin names where the value came from
// ("config.toml:12", "env DEEPCOMPRESS_ENGINE_BATCH_SIZE", "flag --batch-size").
// Throws Error(kConfig) naming key and origin on unknown key or bad value.
void set_option(Options& options, std::string_view key, std::string_view value,
                std::string_view origin);

// Current value of an option as text (the form set_option accepts).
std::string get_option(const Options& options, std::string_view key);

// Where the layers come from; any may be empty.
struct ConfigSources {
  std::string toml_path;                              // empty: no file
  std::map<std::string, std::string> env;             // a snapshot of the environment
  std::vector<std::pair<std::string, std::string>> flags;  // (key, value) from the command line
};

// defaults < TOML < env (DEEPCOMPRESS_*, plus OCR_BATCH_SIZE) < flags, then
// validated. Throws Error(kConfig) naming the key and its origin.
// Flags are (TOML key, text) pairs. DEEPCOMPRESS_<SECTION>_* env vars of a
// known section that match no option are errors; other env vars (including
// DEEPCOMPRESS_CONFIG and DEEPCOMPRESS_PDF_PASSWORD) are ignored.
Options load_options(const ConfigSources& sources);

// TOML text of all options with help comments; equals configs/default.toml
// for default Options. The password is never included.
std::string to_toml(const Options& options);

// Parses "1-3,7" into sorted unique 1-based page numbers, limited to n_pages.
// Empty spec = all pages. Throws Error(kConfig) on syntax errors, zero,
// reversed ranges, or pages beyond n_pages (message names the spec).
std::vector<int> parse_page_ranges(std::string_view spec, int n_pages);

}  // namespace deepcompress
