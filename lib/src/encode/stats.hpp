#pragma once
// Compression figures of a document: tokens of the faithful text (txt) and of the compact
// text (dtoon), their ratio, and how many faithful words the compact text keeps.
// Definitions: docs/compression.md.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "deepcompress/types.hpp"
#include "encode/structure.hpp"
#include "encode/tokenizer.hpp"

namespace deepcompress {

// Bag-of-words recall of candidate against reference: words are maximal runs of letters
// and digits (ASCII case-folded; non-ASCII letters kept as-is, Unicode punctuation and
// bullets are separators); a reference word counts as recalled as many times as it occurs
// in both. n_words == 0 gives recall() == 1.
struct WordRecall {
  std::size_t n_words = 0;     // words in the reference
  std::size_t n_recalled = 0;  // of them, found in the candidate
  double recall() const { return n_words == 0 ? 1.0 : static_cast<double>(n_recalled) / n_words; }
  WordRecall& operator+=(const WordRecall& o);
};
WordRecall word_recall(std::string_view reference, std::string_view candidate);

// The words of text as word_recall sees them, in order.
std::vector<std::string> words_of(std::string_view text);

// The page's faithful text without its furniture lines, with line-end hyphenation undone
// (a wrapping artifact, not content): what recall is measured against.
std::string faithful_body(const PageResult& page, const PageStructure& structure);

struct PageStats {
  int page_number = 0;
  std::size_t n_tokens_faithful = 0;  // tokens of the page's part of the txt output
  std::size_t n_tokens_compact = 0;   // tokens of the page's part of the dtoon output
  WordRecall words;                   // faithful_body words kept by the page's dtoon blocks
  // n_tokens_compact / n_tokens_faithful; NaN (JSON null) when the page has no tokens.
  double ratio() const;
};

struct DocumentStats {
  std::string tokenizer;              // "o200k_base" or "cl100k_base"
  std::size_t n_tokens_faithful = 0;  // tokens of the whole txt output (to_txt)
  std::size_t n_tokens_compact = 0;   // tokens of the whole dtoon output (to_dtoon)
  WordRecall words;                   // summed over pages
  std::vector<PageStats> pages;       // one per page, same order as the document
  double ratio() const;
};

// Counts with tokenizer; structure must come from analyze_structure(document). Thread-safe
// (Tokenizer is); throws only what Tokenizer::count throws.
DocumentStats compute_stats(const DocumentResult& document, const DocumentStructure& structure,
                            const Tokenizer& tokenizer);

}  // namespace deepcompress
