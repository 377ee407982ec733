#pragma once
// Internal view of the option table: each option's Options field and allowed
// values. The public OptionInfo rows are derived from these.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "deepcompress/options.hpp"

namespace deepcompress::config {

using Field = std::variant<int Options::*, double Options::*, bool Options::*, std::string Options::*>;

struct Spec {
  std::string_view key = {};         // "engine.batch_size"
  // Changes a document's text or figures, so it is in the output cache key. Batch
  // sizes, threads, workers, order, memory caps, limits, paths and logging must not
  // (results do not depend on them: a tested property), nor the format (hashed per entry).
  bool affects_output = false;
  std::string_view flag = {};        // "--batch-size"
  std::string_view short_flag = {};  // "-o" or empty
  std::string_view help = {};        // without the allowed values (appended from below)
  Field field = {};
  // int: closed range lo..hi; double: closed, or open (lo, hi) when open.
  double lo = 0;
  double hi = 0;
  bool open = false;
  bool lo_open = false;  // double: (lo, hi] (only the low end open)
  // int: a word that also stands for 0 ("auto" for engine.batch_size); 0 as a
  // number is still checked against lo..hi.
  std::string_view zero_word = {};
  std::vector<std::string_view> choices = {};  // strings: allowed values; empty = any
  // strings with a grammar: the broken rule ("must be ..."), or empty if valid.
  std::string (*check)(std::string_view value) = nullptr;
  std::string_view allowed = {};  // how `check` is summarised in help ("auto | cpu | ...")
};

// All options in table order. Thread-safe (immutable).
const std::vector<Spec>& specs();

// The option with this TOML key, or nullptr.
const Spec* find_spec(std::string_view key);

// "unknown key 'engine.bach_size' (config.toml:3); did you mean 'engine.batch_size'?"
std::string unknown_key_message(std::string_view key, std::string_view origin);

// "DEEPCOMPRESS_ENGINE_BATCH_SIZE" for "engine.batch_size".
std::string env_name(std::string_view key);

// The option whose environment name is at most 2 edits from `name` (a likely
// typo such as DEEPCOMPRESS_MODEL_DIR for DEEPCOMPRESS_MODELS_DIR), or nullptr.
const Spec* near_env_spec(std::string_view name);

// "1..64", "(0, 1)", "txt | json"; empty for free-form strings.
std::string allowed_values(const Spec& spec);

// Shortest round-trip text that TOML reads back as a float ("1.0", "0.3").
std::string format_double(double value);

}  // namespace deepcompress::config
