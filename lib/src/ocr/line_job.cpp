#include "ocr/line_job.hpp"

#include <numeric>

namespace deepcompress {

float mean_confidence(const CtcResult& result) {
  if (result.char_confidences.empty()) return 0.0f;
  return std::accumulate(result.char_confidences.begin(), result.char_confidences.end(), 0.0f) /
         static_cast<float>(result.char_confidences.size());
}

}  // namespace deepcompress
