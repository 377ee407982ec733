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
  std::string group;       // --help section: "Common options", "Input", "Engine", ...
  // Whether the option can change a document's text or figures: such options are
  // part of the output cache key (engine.device and engine.precision as resolved).
  bool affects_output = false;
};

// All options, in a stable order. Thread-safe (immutable).
const std::vector<OptionInfo>& option_table();

// The options in --help order: the common ones first (output, format, pages,
// ...), then the others by group, each group in table order. Thread-safe.
const std::vector<const OptionInfo*>& options_for_help();

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

// The pages a --pages selection reads in a document of n_pages pages.
struct PageSelection {
  std::vector<int> pages;  // sorted, unique, within 1..n_pages
  // Non-empty when the selection names pages past the last one (they are
  // skipped, as pdftoppm -l does): a one-line warning for the caller to log.
  std::string clamped;
};

// Selects pages with "1-3,7", "2-" (to the last page) or "-3" (pages 1-3);
// empty spec = all pages. Pages past n_pages are dropped (see clamped).
// Throws Error(kConfig) naming the spec on syntax errors, zero, reversed
// ranges, or a non-empty spec that selects no page of this document.
PageSelection select_pages(std::string_view spec, int n_pages);

// select_pages(spec, n_pages).pages.
std::vector<int> parse_page_ranges(std::string_view spec, int n_pages);

}  // namespace deepcompress
