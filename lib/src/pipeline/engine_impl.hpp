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
  // Pages per model batch now: options.batch_size until an out-of-memory
  // error halves it for the rest of the run.
  int max_batch_pages = 1;
  // Rendered pages that may wait for a batch (bounds memory with the batch).
  int queue_pages = 2;
  // Test hook: model batch attempt number that fails as out of memory (0 = off).
  int inject_oom_at_attempt = 0;
  int n_batch_attempts = 0;
  // Batch buffers reused across batches: fresh large allocations page-fault.
  TensorF det_in, det_out, cls_in, cls_out, rec_in, rec_out;

  // OCRs one batch of pages; n_slots (>= pages.size()) is the fixed batch
  // shape, padded with zeros when pad_batches. Results are in input order,
  // page_number unset.
  std::vector<PageResult> run_batch(const std::vector<const Image*>& pages, int n_slots, StageTimes& times);

  // Runs pages in model batches of min(n_slots, max_batch_pages) pages. On
  // out-of-memory it halves max_batch_pages, logs it and retries the same
  // pages; no page is dropped. Throws OutOfMemoryError only when a single page
  // does not fit.
  std::vector<PageResult> run_pages(const std::vector<const Image*>& pages, int n_slots, StageTimes& times);
};

}  // namespace deepcompress
