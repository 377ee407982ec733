#pragma once
// Engine internals shared by the batch code (engine.cpp) and the streaming
// runner (runner.cpp).
#include <memory>
#include <string>
#include <vector>

#include "deepcompress/engine.hpp"
#include "model/ocr_models.hpp"
#include "ocr/db_postprocess.hpp"

namespace deepcompress {

struct Engine::Impl {
  Options options;
  std::unique_ptr<OcrModels> models;
  std::vector<std::string> dictionary;
  DbParams db;
  int canvas_px = 0;
  // Pad partial batches to the fixed batch shape. On a GPU fixed shapes keep
  // kernels tuned; on a CPU padding is pure extra arithmetic (results do not
  // depend on it), so it is only done on CUDA.
  bool pad_batches = false;
  // Batch buffers reused across batches: fresh large allocations page-fault.
  TensorF det_in, det_out, cls_in, cls_out, rec_in, rec_out;

  // OCRs one batch of pages; n_slots (>= pages.size()) is the fixed batch
  // shape, padded with zeros when pad_batches. Results are in input order,
  // page_number unset.
  std::vector<PageResult> run_batch(const std::vector<const Image*>& pages, int n_slots, StageTimes& times);
};

}  // namespace deepcompress
