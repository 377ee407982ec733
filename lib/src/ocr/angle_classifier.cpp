#include "ocr/angle_classifier.hpp"

#include <algorithm>
#include <cstdint>

#include "common/log.hpp"
#include "common/timer.hpp"
#include "image/preprocess.hpp"

namespace deepcompress {
namespace {

// A crop is a flip candidate when the classifier is at least this sure it is
// upside down (PaddleOCR's default cls_thresh).
constexpr float kFlipProbability = 0.9f;
// The classifier votes on at most this many lines per page, spread over it.
constexpr std::size_t kLinesPerPage = 16;

// Indices of the jobs that vote: per page, all its lines or kLinesPerPage of
// them evenly spread in detection order.
std::vector<std::size_t> voting_sample(const std::vector<LineJob>& jobs, std::size_t n_pages) {
  std::vector<std::vector<std::size_t>> by_page(n_pages);
  for (std::size_t i = 0; i < jobs.size(); ++i) by_page[jobs[i].page_index].push_back(i);
  std::vector<std::size_t> sample;
  for (const auto& lines : by_page) {
    const std::size_t n = lines.size();
    const std::size_t k = std::min(n, kLinesPerPage);
    for (std::size_t j = 0; j < k; ++j) sample.push_back(lines[j * n / k]);
  }
  return sample;
}

// The classifier squeezes a long line into 192 px, so it nominates a few
// lines of an upright page and misses a few of a turned one: a page is turned
// when at least half of its classified lines are nominated, and then every
// line of it is a candidate; on other pages none is.
void decide_per_page(std::vector<LineJob>& jobs, std::size_t n_pages) {
  std::vector<std::size_t> n_votes(n_pages, 0), n_candidates(n_pages, 0);
  for (const LineJob& job : jobs) {
    if (!job.classified) continue;
    ++n_votes[job.page_index];
    n_candidates[job.page_index] += job.flip_candidate ? 1 : 0;
  }
  for (LineJob& job : jobs) {
    job.flip_candidate = n_votes[job.page_index] > 0 && 2 * n_candidates[job.page_index] >= n_votes[job.page_index];
  }
}

}  // namespace

void AngleClassifier::vote(OcrModels& models, std::vector<LineJob>& jobs, std::size_t n_pages, StageTimes& times) {
  const std::vector<std::size_t> sample = voting_sample(jobs, n_pages);
  const std::size_t batch_lines = static_cast<std::size_t>(std::max(1, params_.batch_lines));
  const std::int64_t crop_floats = 3LL * kClsHeightPx * kClsWidthPx;
  for (std::size_t start = 0; start < sample.size(); start += batch_lines) {
    const std::size_t n = std::min(batch_lines, sample.size() - start);
    const auto n_slots = static_cast<std::int64_t>(params_.fixed_batch ? batch_lines : n);
    {
      ScopedTimer timer(&times.t_preprocess_ms);
      in_.reshape({n_slots, 3, kClsHeightPx, kClsWidthPx});
      for (std::size_t k = 0; k < n; ++k) {
        to_classifier_input(jobs[sample[start + k]].crop, in_.data.data() + k * crop_floats);
      }
      std::fill(in_.data.begin() + static_cast<std::ptrdiff_t>(n * crop_floats), in_.data.end(), 0.0f);
    }
    {
      ScopedTimer timer(&times.t_classify_ms);
      models.classify(in_, out_);
      logger()->debug("classifier: {} lines in {:.0f} ms", n, timer.elapsed_ms());
    }
    for (std::size_t k = 0; k < n; ++k) {
      LineJob& job = jobs[sample[start + k]];
      job.classified = true;
      job.flip_candidate = out_.data[k * 2 + 1] > kFlipProbability;
    }
  }
  decide_per_page(jobs, n_pages);
}

}  // namespace deepcompress
