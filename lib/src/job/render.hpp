#pragma once
// One pass from a finished document to every output format (used by Job and OutputRenderer).
#include <optional>
#include <string>
#include <vector>

#include "deepcompress/outputs.hpp"
#include "encode/stats.hpp"
#include "encode/structure.hpp"
#include "encode/tokenizer.hpp"

namespace deepcompress {

struct RenderContext {
  const OutputOptions* options = nullptr;   // not null
  const Tokenizer* tokenizer = nullptr;     // null: no token figures
  RepeatFilter* repeats = nullptr;          // level 2: paragraphs kept by earlier documents
  // Also serialize json without its path (the cache entry, shared by copies of a file); the
  // json output is then that text with the path put back: serialized once.
  bool anonymous_json = false;
};

struct Rendered {
  std::vector<std::string> contents;   // one per format
  std::optional<DocumentStats> stats;  // with a tokenizer
  std::string json_anonymous;          // anonymous_json and a json format: the cache entry
};

// Structure and token figures computed once, then each format. Logs the token figures.
Rendered render_document(const DocumentResult& document, const RenderContext& context);

// The public summary of stats.
TokenFigures token_figures(const DocumentStats& stats);

}  // namespace deepcompress
