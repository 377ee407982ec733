#pragma once
// DBNet post-processing: probability map -> text boxes (OpenCV).
#include <array>
#include <vector>

#include "deepcompress/types.hpp"

namespace deepcompress {

struct DbParams {
  float threshold = 0.3f;      // binarization threshold on the probability
  float box_threshold = 0.5f;  // minimum mean probability inside a box (Options::box_threshold)
  float unclip_ratio = 1.5f;   // polygon expansion: distance = area * ratio / perimeter
  int max_candidates = 1000;
  float min_size_px = 3.0f;  // boxes whose short side is smaller are dropped
};

struct DbBox {
  std::array<PointF, 4> quad;  // clockwise from top-left, in map pixels
  float score = 0;             // mean probability inside the (unexpanded) box
};

// prob: height_px x width_px row-major probabilities of one page. Returns boxes
// clipped to [0, width_px] x [0, height_px], sorted top-to-bottom then
// left-to-right (10 px same-line tolerance). Throws Error(kInternal) if OpenCV fails.
std::vector<DbBox> db_boxes(const float* prob, int height_px, int width_px, const DbParams& params);

}  // namespace deepcompress
