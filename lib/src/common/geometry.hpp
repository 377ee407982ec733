#pragma once
// Small geometry and statistics helpers shared by the modules that reason
// about text-line boxes (ocr/, layout/, encode/).
#include <algorithm>
#include <vector>

#include "deepcompress/types.hpp"

namespace deepcompress {

// An axis-aligned box in page pixels.
struct BoxF {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  float w() const { return x1 - x0; }
  float h() const { return y1 - y0; }
  float cx() const { return 0.5f * (x0 + x1); }
  float cy() const { return 0.5f * (y0 + y1); }
};

// The axis-aligned bounding box of a line's quad.
inline BoxF bounds(const TextLine& line) {
  BoxF b{line.quad[0].x, line.quad[0].y, line.quad[0].x, line.quad[0].y};
  for (const PointF& p : line.quad) {
    b.x0 = std::min(b.x0, p.x);
    b.y0 = std::min(b.y0, p.y);
    b.x1 = std::max(b.x1, p.x);
    b.y1 = std::max(b.y1, p.y);
  }
  return b;
}

// Median of the values (mean of the middle two for an even count); 0 if empty.
inline float median(std::vector<float> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace deepcompress
