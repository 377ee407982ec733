#pragma once
// The text detector stage: pages -> line crops (DB post-processing, crops
// reaching past the box ends). Owns its batch buffers: one per worker.
#include <vector>

#include "deepcompress/types.hpp"
#include "model/ocr_models.hpp"
#include "ocr/db_postprocess.hpp"
#include "ocr/line_job.hpp"

namespace deepcompress {

struct DetectorParams {
  int canvas_px = 0;  // square model input, per --mode (canvas_side_px)
  DbParams db;
  // True on CUDA: the pages of a batch go in one call, padded to batch_pages.
  // False on CPU: one page per call (a batch of canvases does no less
  // arithmetic per page and its activations spill out of the caches).
  bool fixed_batch = false;
};

class Detector {
 public:
  explicit Detector(DetectorParams params) : params_(params) {}

  // Lines of pages in detection order, page_index into pages, quads in page
  // px. batch_pages (>= pages.size()) is the padded batch shape when
  // fixed_batch. Throws what OcrModels::detect throws (OutOfMemoryError).
  std::vector<LineJob> find_lines(OcrModels& models, const std::vector<const Image*>& pages, int batch_pages,
                                  StageTimes& times);

 private:
  DetectorParams params_;
  TensorF in_, out_;  // reused across calls: fresh large allocations page-fault
};

}  // namespace deepcompress
