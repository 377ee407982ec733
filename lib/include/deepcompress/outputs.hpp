#pragma once
// Finished documents to output formats: txt, md, json, dtoon, jsonl, with token figures.
// One render() per document feeds every requested format: the structure analysis and the
// token counts are computed once and shared. Formats: README.md; definitions of the
// figures: docs/compression.md.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deepcompress/options.hpp"
#include "deepcompress/types.hpp"

namespace deepcompress {

// The options that decide the bytes of a document's outputs (the [output] part of Options;
// the option table stays their one source of flags, env, TOML and defaults).
struct OutputOptions {
  std::vector<std::string> formats{"txt"};  // txt | md | json | dtoon | jsonl, in output order
  std::string tokenizer = "o200k_base";     // token counts: o200k_base | cl100k_base
  int level = 1;                            // compaction of dtoon/jsonl: 0, 1, 2
  int chunk_tokens = 512;                   // jsonl: most tokens per chunk
};

// The output options of options (options.format split at commas, not validated: load_options
// validates it).
OutputOptions output_options(const Options& options);

// "txt,json" -> {"txt", "json"}.
std::vector<std::string> split_formats(const std::string& list);

// Formats whose output holds token figures (json, jsonl) or whose run logs them (dtoon):
// rendering them needs a tokenizer.
bool needs_tokenizer(const std::vector<std::string>& formats);

// A document's token figures (docs/compression.md).
struct TokenFigures {
  std::string tokenizer;              // "o200k_base" or "cl100k_base"
  std::size_t n_tokens_faithful = 0;  // tokens of the txt output
  std::size_t n_tokens_compact = 0;   // tokens of the dtoon output
  std::size_t n_tokens_image = 0;     // the page images as a vision model would bill them
  double ratio = 0;                   // n_tokens_compact / n_tokens_faithful; NaN without tokens
  double word_recall = 1;             // share of the faithful words the compact text keeps
};

struct DocumentOutputs {
  std::vector<std::string> contents;    // one per OutputOptions::formats, in that order
  std::optional<TokenFigures> figures;  // set when the renderer has a tokenizer
};

// Renders documents. Not thread-safe: at level 2 a renderer drops paragraphs already kept by
// the documents it rendered before (one renderer per run).
class OutputRenderer {
 public:
  // tokenizer_dir: <model_dir>/tokenizer, or empty for no token figures. Throws
  // Error(kModel) naming the file when the tokenizer cannot be loaded, and Error(kConfig)
  // when a format needs a tokenizer (needs_tokenizer) and tokenizer_dir is empty.
  OutputRenderer(OutputOptions options, const std::filesystem::path& tokenizer_dir);
  ~OutputRenderer();
  OutputRenderer(OutputRenderer&&) noexcept;
  OutputRenderer& operator=(OutputRenderer&&) noexcept;

  // Every format of a finished (kOk) document. Throws Error(kInternal) for a failed one.
  DocumentOutputs render(const DocumentResult& document);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace deepcompress
