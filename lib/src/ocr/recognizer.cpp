#include "ocr/recognizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>

#include "common/log.hpp"
#include "common/timer.hpp"
#include "image/preprocess.hpp"

namespace deepcompress {
namespace {

// Input widths are rounded up to a multiple of this, so that a crop's input
// (and so its text) never depends on which crops share its call, and the
// model sees a few fixed shapes.
constexpr int kWidthStepPx = 64;
constexpr int kMaxWidthPx = 2048;
// Lines are squeezed horizontally before recognition: the model emits one CTC
// step per 8 px and needs about 2 steps per character, spaces included;
// narrower drops letters on dense lines, wider costs arithmetic for nothing
// (docs/benchmarks.md has the sweep).
constexpr float kWidthScale = 0.85f;

int bucket_width_px(const Image& crop) {
  const int w = recognizer_width_px(crop, kMaxWidthPx, kWidthScale);
  return std::min(kMaxWidthPx, (w + kWidthStepPx - 1) / kWidthStepPx * kWidthStepPx);
}

}  // namespace

void Recognizer::read(OcrModels& models, std::vector<LineJob>& jobs, StageTimes& times) {
  const auto& dictionary = *params_.dictionary;
  // Crops grouped by bucket width (sorted by aspect ratio, as PaddleOCR does,
  // so a fixed-size call carries little padding); results go back through the
  // indices.
  std::map<int, std::vector<std::size_t>> by_width;
  for (std::size_t i = 0; i < jobs.size(); ++i) by_width[bucket_width_px(jobs[i].crop)].push_back(i);
  const std::size_t batch_lines = static_cast<std::size_t>(std::max(1, params_.batch_lines));
  for (const auto& [width_px, indices] : by_width) {
    const std::int64_t crop_floats = 3LL * kRecHeightPx * width_px;
    for (std::size_t start = 0; start < indices.size(); start += batch_lines) {
      const std::size_t n = std::min(batch_lines, indices.size() - start);
      const auto n_slots = static_cast<std::int64_t>(params_.fixed_batch ? batch_lines : n);
      {
        ScopedTimer timer(&times.t_preprocess_ms);
        in_.reshape({n_slots, 3, kRecHeightPx, width_px});
        for (std::size_t k = 0; k < n; ++k) {
          to_recognizer_input(jobs[indices[start + k]].crop, width_px, in_.data.data() + k * crop_floats,
                              kWidthScale);
        }
        std::fill(in_.data.begin() + static_cast<std::ptrdiff_t>(n * crop_floats), in_.data.end(), 0.0f);
      }
      {
        ScopedTimer timer(&times.t_recognize_ms);
        models.recognize(in_, out_);
        logger()->debug("recognizer: {} lines at width {} px in {:.0f} ms", n, width_px, timer.elapsed_ms());
      }
      ScopedTimer timer(&times.t_postprocess_ms);
      const auto n_steps = static_cast<int>(out_.shape.at(1));
      const auto n_classes = static_cast<int>(out_.shape.at(2));
      if (n_classes != static_cast<int>(dictionary.size())) {
        throw Error(ErrorKind::kModel, fmt::format("recognizer has {} classes but the dictionary has {} entries "
                                                   "(models missing or corrupt: run scripts/setup)",
                                                   n_classes, dictionary.size()));
      }
      for (std::size_t k = 0; k < n; ++k) {
        jobs[indices[start + k]].result =
            ctc_greedy_decode(out_.data.data() + k * static_cast<std::size_t>(n_steps) * n_classes, n_steps,
                              n_classes, dictionary, SpaceParams{}, params_.accents.get());
      }
    }
  }
}

void Recognizer::reread_turned(OcrModels& models, std::vector<LineJob>& jobs, StageTimes& times) {
  // The classifier's verdict only nominates a line: the more confident of the
  // two readings wins (it misjudges long upright lines squeezed into 192 px).
  std::vector<LineJob> turned;
  std::vector<std::size_t> turned_of;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!jobs[i].flip_candidate) continue;
    LineJob job;
    job.crop = rotate_180(jobs[i].crop);
    turned.push_back(std::move(job));
    turned_of.push_back(i);
  }
  if (turned.empty()) return;
  read(models, turned, times);
  for (std::size_t k = 0; k < turned.size(); ++k) {
    LineJob& job = jobs[turned_of[k]];
    if (mean_confidence(turned[k].result) > mean_confidence(job.result)) {
      job.result = std::move(turned[k].result);
      job.rotated_180 = true;
    }
  }
}

}  // namespace deepcompress
