#pragma once
// Compression figures of a document: tokens of the faithful text (txt), of the compact text
// (dtoon) and of the page images as a vision model would bill them, their ratios, how many
// faithful words the compact text keeps, the furniture it drops, and a cost estimate from a
// price table. Definitions: docs/compression.md.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/prices.hpp"
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

// Undoes line-end hyphenation: "[a-z]-\n[a-z]" loses its "-\n" (a word wrapped inside a
// block; across a blank line, between blocks, nothing is joined).
std::string undo_hyphenation(std::string_view text);

// What recall is measured against: the page's faithful text (txt, blank lines between its
// blocks kept) without its furniture lines, through undo_hyphenation. The compact text is
// measured through undo_hyphenation too, so a level that keeps the faithful lines (level 0)
// recalls all of it, and one that rejoins wrapped words (level 1) loses none.
std::string faithful_body(const PageResult& page, const PageStructure& structure);

// The image baseline (n_tokens_image): OpenAI's published "high detail" image formula for
// GPT-4o — fit within 2048 x 2048, shortest side at most 768, 85 + 170 per 512 px tile.
inline constexpr ImageTokenFormula kImageBaseline{.kind = ImageTokenFormula::Kind::kTiles,
                                                  .fit_px = 2048,
                                                  .short_side_px = 768,
                                                  .tile_px = 512,
                                                  .base_tokens = 85,
                                                  .tile_tokens = 170};

// Input tokens a model bills for one width_px x height_px image under formula (see
// ImageTokenFormula). Scaling only ever shrinks; scaled sides are rounded down to whole pixels
// (at least 1). 0 for an empty image (either side <= 0). Pure.
std::size_t image_tokens(const ImageTokenFormula& formula, int width_px, int height_px);

struct PageStats {
  int page_number = 0;
  int width_px = 0;  // the page image's size (PageResult)
  int height_px = 0;
  std::size_t n_tokens_faithful = 0;  // tokens of the page's part of the txt output
  std::size_t n_tokens_compact = 0;   // tokens of the page's part of the dtoon output
  std::size_t n_tokens_image = 0;     // image_tokens(kImageBaseline, width_px, height_px)
  WordRecall words;                   // faithful_body words kept by the page's dtoon blocks
  std::vector<std::string>
      furniture;  // text of the furniture lines left out of the compact text (level >= 1)
  // n_tokens_compact / n_tokens_faithful; NaN (JSON null) when the page has no tokens.
  double ratio() const;
  // n_tokens_compact / n_tokens_image; NaN when the page has no size.
  double ratio_image() const;
};

struct DocumentStats {
  std::string tokenizer;              // "o200k_base" or "cl100k_base"
  std::size_t n_tokens_faithful = 0;  // tokens of the whole txt output (to_txt)
  std::size_t n_tokens_compact = 0;   // tokens of the whole dtoon output (to_dtoon)
  std::size_t n_tokens_image = 0;     // sum of the pages' n_tokens_image
  WordRecall words;                   // summed over pages
  std::size_t n_furniture_lines = 0;  // summed over pages
  std::map<std::string, std::size_t> n_redactions;  // per PII type, from DocumentResult::redactions
  std::vector<PageStats> pages;       // one per page, same order as the document
  double ratio() const;
  double ratio_image() const;
  // Adds o's figures (not its pages) to these: run totals. Keeps tokenizer, or takes o's if empty.
  DocumentStats& operator+=(const DocumentStats& o);
};

// Counts with tokenizer; structure must come from analyze_structure(document). Thread-safe
// (Tokenizer is); throws only what Tokenizer::count throws.
DocumentStats compute_stats(const DocumentResult& document, const DocumentStructure& structure,
                            const Tokenizer& tokenizer);

// What one priced model would charge for input. Text costs apply the model's price to the
// run's token counts (exact for the tokenizer's own models, an estimate for others).
struct CostEstimate {
  std::string model;
  std::size_t n_tokens_image = 0;                   // the pages under the model's own image formula
  double usd_faithful = 0;                          // the txt text as input
  double usd_compact = 0;                           // the dtoon text as input
  double usd_image = 0;                             // the page images as input
  CostEstimate& operator+=(const CostEstimate& o);  // adds the figures; keeps model
};

// One estimate per model of table, in table order, for the document (its pages' sizes give
// the image tokens). Pure.
std::vector<CostEstimate> estimate_cost(const PriceTable& table, const DocumentStats& stats);

// The figures as a few text lines (kept in the output cache so that a cached document
// reports the same numbers): everything but the furniture texts, plus the redactions.
std::string to_stats_record(const DocumentStats& stats, const std::vector<Redaction>& redactions);

// Reads to_stats_record's text back (n_redactions recounted from the redactions); false,
// leaving the outputs in an unspecified state, if text is not such a record. Never throws.
bool parse_stats_record(std::string_view text, DocumentStats& stats, std::vector<Redaction>& redactions);

}  // namespace deepcompress
