#pragma once
// Retrieval chunks (the jsonl format): whole blocks packed up to a token budget.
#include <cstddef>
#include <string>
#include <vector>

#include "encode/structure.hpp"
#include "encode/tokenizer.hpp"

namespace deepcompress {

struct Chunk {
  std::string doc;            // DocumentStructure::name
  std::string source;         // DocumentStructure::path (the input path as given)
  std::size_t index = 0;      // 0-based position among the document's chunks
  int first_page = 0;         // page numbers of the first and last block in the chunk
  int last_page = 0;
  // The headings the chunk sits under, outermost first (its own leading headings included):
  // one per level, a heading replacing those of its level and below.
  std::vector<std::string> headings;
  std::string text;           // blocks in Markdown (markdown_block), blank-line separated
  std::size_t n_tokens = 0;   // == tokenizer.count(text)
};

// Packs the document's blocks, in order, into chunks of at most max_tokens tokens
// (max_tokens >= 1): a block is never split unless it alone exceeds the budget. Then a
// table is split between rows (each part a table with the same header line and its own
// row count), a code block between lines (each part fenced), anything else, and a single
// row or code line still too long, at word boundaries (a single word longer than the
// budget becomes its own chunk, the only case where n_tokens > max_tokens). A heading starts
// a chunk, unless the chunk so far holds only headings. Every block's text appears in exactly one
// chunk (or in consecutive chunks when split; a split table's header line in each part).
// Furniture is not included. Thread-safe.
std::vector<Chunk> make_chunks(const DocumentStructure& structure, const Tokenizer& tokenizer,
                               std::size_t max_tokens);

// One JSON object per line: {"id": "<source>#<index>", "source", "doc", "chunk": index,
// "pages": [first, last], "headings": [...], "n_tokens", "text"}.
std::string to_jsonl(const std::vector<Chunk>& chunks);

}  // namespace deepcompress
