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
  int first_page = 0;         // page numbers of the first and last block in the chunk
  int last_page = 0;
  std::string text;           // blocks in dtoon notation (dtoon_block), blank-line separated
  std::size_t n_tokens = 0;   // == tokenizer.count(text)
};

// Packs the document's blocks, in order, into chunks of at most max_tokens tokens
// (max_tokens >= 1): a block is never split unless it alone exceeds the budget. Then a
// table is split between rows (each part a table with the same header line and its own
// row count), a code block between lines (each part fenced), anything else, and a single
// row or code line still too long, at word boundaries (a single word longer than the
// budget becomes its own chunk, the only case where n_tokens > max_tokens). A heading that
// would end a chunk starts the next one instead. Every block's text appears in exactly one
// chunk (or in consecutive chunks when split; a split table's header line in each part).
// Furniture is not included. Thread-safe.
std::vector<Chunk> make_chunks(const DocumentStructure& structure, const Tokenizer& tokenizer,
                               std::size_t max_tokens);

// One JSON object per line: {"doc", "pages": [first, last], "text", "n_tokens"}.
std::string to_jsonl(const std::vector<Chunk>& chunks);

}  // namespace deepcompress
