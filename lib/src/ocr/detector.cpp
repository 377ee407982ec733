#include "ocr/detector.hpp"

#include <algorithm>
#include <cstdint>

#include "common/timer.hpp"
#include "image/preprocess.hpp"

namespace deepcompress {
namespace {

// Crops reach this many line heights past both ends of a DB box: the box
// often stops short of a line's first and last letters.
constexpr float kLineEndExtension = 0.3f;

std::array<PointF, 4> to_page_px(const std::array<PointF, 4>& quad, float scale, int width_px, int height_px) {
  std::array<PointF, 4> out{};
  for (std::size_t i = 0; i < quad.size(); ++i) {
    out[i].x = std::clamp(quad[i].x / scale, 0.0f, static_cast<float>(width_px - 1));
    out[i].y = std::clamp(quad[i].y / scale, 0.0f, static_cast<float>(height_px - 1));
  }
  return out;
}

}  // namespace

std::vector<LineJob> Detector::find_lines(OcrModels& models, const std::vector<const Image*>& pages,
                                          int batch_pages, StageTimes& times) {
  const int canvas_px = params_.canvas_px;
  const std::int64_t side = canvas_px;
  const std::int64_t page_floats = 3 * side * side;
  const std::size_t pages_per_call = params_.fixed_batch ? pages.size() : 1;
  std::vector<LineJob> jobs;
  for (std::size_t first = 0; first < pages.size(); first += pages_per_call) {
    const std::size_t n = std::min(pages_per_call, pages.size() - first);
    const std::int64_t n_slots = params_.fixed_batch ? std::max<std::int64_t>(batch_pages, n)
                                                     : static_cast<std::int64_t>(n);
    std::vector<float> scales(n);
    {
      ScopedTimer timer(&times.t_preprocess_ms);
      in_.reshape({n_slots, 3, side, side});
      for (std::size_t i = 0; i < n; ++i) {
        scales[i] = to_detector_canvas(*pages[first + i], canvas_px, in_.data.data() + i * page_floats);
      }
      std::fill(in_.data.begin() + static_cast<std::ptrdiff_t>(n * page_floats), in_.data.end(), 0.0f);
    }
    {
      ScopedTimer timer(&times.t_detect_ms);
      models.detect(in_, out_);
    }
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<DbBox> boxes;
      {
        ScopedTimer timer(&times.t_postprocess_ms);
        boxes = db_boxes(out_.data.data() + i * side * side, canvas_px, canvas_px, params_.db);
      }
      ScopedTimer timer(&times.t_preprocess_ms);
      const Image& page = *pages[first + i];
      for (const auto& box : boxes) {
        LineJob job;
        job.page_index = first + i;
        job.quad = to_page_px(box.quad, scales[i], page.width_px, page.height_px);
        job.crop = crop_quad(page, extend_along_text(job.quad, kLineEndExtension, page.width_px, page.height_px));
        if (!job.crop.empty()) jobs.push_back(std::move(job));
      }
    }
  }
  return jobs;
}

}  // namespace deepcompress
