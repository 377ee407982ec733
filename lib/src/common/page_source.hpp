#pragma once
// A document opened for lazy page rendering: pages are produced one at a time
// on demand, never all held at once.
#include <string>
#include <vector>

#include "deepcompress/types.hpp"

namespace deepcompress {

// A page's size in pixels at the source's render dpi.
struct PageSize {
  int width_px = 0;
  int height_px = 0;
};

// A page's own text layer (a PDF's text), and whether it can replace OCR.
struct TextLayer {
  // Horizontal text lines in the document's content order (not yet in
  // reading order), in page pixels at the render dpi; confidence 1.
  std::vector<TextLine> lines;
  int width_px = 0;   // page size at the render dpi; 0 from sources that have
  int height_px = 0;  // no text layers (images: use page_size())
  // Use the lines instead of OCR: not garbage, and no more text-like ink
  // outside the lines than inside (a blank page is usable, with no lines).
  bool usable = false;
  // The verdict's reason: "text layer usable", "page has no text", "no text
  // layer", "text layer is garbage (62% unmapped glyphs)", "text layer covers
  // 8% of the inked page", "text layer has only rotated text", ...
  std::string note;
  int n_chars = 0;      // non-space characters in lines
};

class PageSource {
 public:
  virtual ~PageSource() = default;
  // Number of pages in the document (>= 0).
  virtual int n_pages() const = 0;
  // Whether the document opened only with the run's password (an encrypted
  // PDF): what it yields is as secret as the password.
  virtual bool password_protected() const { return false; }
  // Renders 1-based page_number. Throws Error(kInput) naming file and page.
  virtual Image render(int page_number) = 0;
  // The page's size as render() would produce it. This default renders the
  // page; sources that know the size cheaply override it.
  // Throws Error(kInput) naming file and page.
  virtual PageSize page_size(int page_number) {
    const Image page = render(page_number);
    return {page.width_px, page.height_px};
  }
  // The page's own text layer with a verdict on its use instead of OCR.
  // This default (images) has none: no lines, size 0, usable false, note
  // "no text layer". Throws Error(kInput) naming file and page.
  virtual TextLayer text_layer(int /*page_number*/) {
    TextLayer none;
    none.note = "no text layer";
    return none;
  }
};

}  // namespace deepcompress
