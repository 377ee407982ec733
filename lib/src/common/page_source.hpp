#pragma once
// A document opened for lazy page rendering: pages are produced one at a time
// on demand, never all held at once.
#include "deepcompress/types.hpp"

namespace deepcompress {

class PageSource {
 public:
  virtual ~PageSource() = default;
  // Number of pages in the document (>= 0).
  virtual int n_pages() const = 0;
  // Renders 1-based page_number. Throws Error(kInput) naming file and page.
  virtual Image render(int page_number) = 0;
};

}  // namespace deepcompress
