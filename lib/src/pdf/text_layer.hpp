#pragma once
// A PDF page's text layer: Poppler's words grouped into text lines, and the
// verdict on whether the layer can replace OCR for the page (present, not
// garbage, covering the page's ink). Poppler-free, so it is tested directly.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/geometry.hpp"
#include "deepcompress/types.hpp"

namespace deepcompress {

// One upright word of a text layer.
struct PdfWord {
  std::string text;          // UTF-8, no spaces
  BoxF box;                  // page pixels
  bool space_after = false;  // Poppler saw a space after it on its line
  bool monospace = false;    // its font is monospaced (font_is_monospace)
  bool bold = false;         // its font is bold (font_is_bold)
};

// By the font's name, case-insensitive, a subset prefix ("ABCDEF+") ignored: monospaced
// ("Courier", "...Mono...", "Consolas", "Inconsolata", TeX's "CMTT"/"SFTT"/"...Typewriter")
// and bold ("...Bold...", "Black", "Heavy", "Demi", TeX's "CMBX"/"SFBX").
bool font_is_monospace(std::string_view font_name);
bool font_is_bold(std::string_view font_name);

// Joins consecutive words into lines. A word continues the line when it sits
// on the same row, to the right of the previous word and closer than about
// one word height; a wider gap (column gutter, table cell) starts a new line,
// so a line never bridges a gutter. Lines get the union box as quad,
// confidence 1 and one char confidence per UTF-8 character; a line is
// monospace / bold when all its words are.
std::vector<TextLine> words_to_lines(const std::vector<PdfWord>& words);

// Character counts behind the garbage verdict.
struct GlyphStats {
  int n_chars = 0;        // non-space characters
  int n_unmapped = 0;     // private-use, U+FFFD, control characters
  // Characters in words made mostly of symbols ("'0#$#&/$#", "=="), edge
  // punctuation aside.
  int n_symbol_word_chars = 0;
  int n_run_letters = 0;  // Latin letters (a-z, A-Z) in runs of 3 or more
  int n_run_vowels = 0;   // of those, a e i o u y in either case
};

GlyphStats glyph_stats(const std::vector<TextLine>& lines);

// Empty when the characters look like text, else the reason, such as
// "text layer is garbage (62% unmapped glyphs)".
std::string garbage_reason(const GlyphStats& stats);

// Ink of a page rendered at a low dpi compared with the text-layer boxes.
struct InkCoverage {
  std::int64_t n_ink_px = 0;          // dark pixels on the page
  std::int64_t n_ink_in_text_px = 0;  // of those, inside (slightly grown) text boxes
  // Dark pixels in blobs shaped like glyphs, words or text lines (OCR would
  // find text there), inside and outside the text boxes; rules, frames,
  // plots and filled shapes are not text-like (horizontal rules not even where
  // a glyph touches them, as a footer rule touches the page number below it).
  std::int64_t n_textlike_in_text_px = 0;
  std::int64_t n_textlike_outside_px = 0;
  std::int64_t n_page_px = 0;
  double ink_in_text_share() const {
    return n_ink_px > 0 ? static_cast<double>(n_ink_in_text_px) / static_cast<double>(n_ink_px) : 1.0;
  }
};

// gray: the page rendered in gray (n_channels 1) at probe_dpi; lines are in
// page pixels at page_dpi.
InkCoverage ink_coverage(const Image& gray, double probe_dpi, double page_dpi,
                         const std::vector<TextLine>& lines);

// Empty when the text layer accounts for the page's text-like ink, else the
// reason, such as "text layer covers 8% of the inked page".
std::string coverage_reason(const InkCoverage& coverage);

}  // namespace deepcompress
