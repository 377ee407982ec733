#pragma once
// A detected text line on its way through the OCR stages (detector ->
// angle classifier -> recognizer -> page assembly).
#include <array>
#include <cstddef>

#include "deepcompress/types.hpp"
#include "ocr/ctc.hpp"

namespace deepcompress {

struct LineJob {
  std::size_t page_index = 0;  // into the batch's pages
  std::array<PointF, 4> quad{};  // page px
  Image crop;
  bool classified = false;      // the angle classifier saw it (a page's sample)
  bool flip_candidate = false;  // read it rotated by 180 degrees too
  bool rotated_180 = false;     // the text was read from the crop rotated by 180 degrees
  CtcResult result;
};

// Mean of the per-character confidences; 0 for an empty reading.
float mean_confidence(const CtcResult& result);

}  // namespace deepcompress
