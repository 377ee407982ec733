#include "deepcompress/options.hpp"
#include "deepcompress/types.hpp"

namespace deepcompress {

StageTimes& StageTimes::operator+=(const StageTimes& o) {
  t_render_ms += o.t_render_ms;
  t_preprocess_ms += o.t_preprocess_ms;
  t_detect_ms += o.t_detect_ms;
  t_classify_ms += o.t_classify_ms;
  t_recognize_ms += o.t_recognize_ms;
  t_postprocess_ms += o.t_postprocess_ms;
  return *this;
}

double StageTimes::total_ms() const {
  return t_render_ms + t_preprocess_ms + t_detect_ms + t_classify_ms + t_recognize_ms +
         t_postprocess_ms;
}

int canvas_side_px(const std::string& mode) {
  if (mode == "small") return 960;
  if (mode == "base") return 1280;
  if (mode == "large") return 1600;
  return 0;
}

}  // namespace deepcompress
