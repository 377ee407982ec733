#pragma once
// The angle classifier stage: decides per page whether its lines are upside
// down, by majority over a sample of them. Owns its batch buffers.
#include <cstddef>
#include <vector>

#include "deepcompress/types.hpp"
#include "model/ocr_models.hpp"
#include "ocr/line_job.hpp"

namespace deepcompress {

struct AngleClassifierParams {
  int batch_lines = 8;       // crops per model call
  bool fixed_batch = false;  // pad each call to batch_lines (CUDA)
};

class AngleClassifier {
 public:
  explicit AngleClassifier(AngleClassifierParams params) : params_(params) {}

  // Sets flip_candidate on every line of a page that reads turned (at least
  // half of its sampled lines), on no line of other pages. n_pages bounds
  // the jobs' page_index.
  void vote(OcrModels& models, std::vector<LineJob>& jobs, std::size_t n_pages, StageTimes& times);

 private:
  AngleClassifierParams params_;
  TensorF in_, out_;
};

}  // namespace deepcompress
