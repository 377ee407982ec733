#pragma once
// Engine internals shared by the batch code (engine.cpp) and the streaming
// runner (runner.cpp).
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "deepcompress/engine.hpp"
#include "model/ocr_models.hpp"
#include "ocr/ctc.hpp"
#include "ocr/db_postprocess.hpp"

namespace deepcompress {

// One inference worker: its own loaded models (a replica) and batch buffers.
// Touched only by the thread that runs it.
struct Worker {
  std::unique_ptr<OcrModels> models;
  int n_threads = 1;  // intra-op CPU threads, applied on the worker's thread
  // Pages per model batch now: the engine's batch size until an out-of-memory
  // error halves it for the rest of the run.
  int max_batch_pages = 1;
  // Batch buffers reused across batches: fresh large allocations page-fault.
  TensorF det_in, det_out, cls_in, cls_out, rec_in, rec_out;
};

struct Engine::Impl {
  Options options;
  std::vector<std::unique_ptr<Worker>> workers;  // >= 1; workers[0] also serves recognize_pages
  std::vector<std::string> dictionary;
  AccentTable accents;  // of dictionary
  DbParams db;
  int canvas_px = 0;
  // Pad partial batches to the fixed batch shape. On a GPU fixed shapes keep
  // kernels tuned; on a CPU padding is pure extra arithmetic (results do not
  // depend on it), so it is only done on CUDA.
  bool pad_batches = false;
  // Rendered pages that may wait for a batch (bounds memory with the batch).
  int queue_pages = 2;
  // Test hooks: model batch attempt number that fails as out of memory (0 =
  // off), counted over all workers; a page whose rendering stalls.
  int inject_oom_at_attempt = 0;
  std::atomic<int> n_batch_attempts{0};
  int stall_page_number = 0;
  int stall_ms = 0;

  // OCRs one batch of pages on worker; n_slots (>= pages.size()) is the fixed
  // batch shape, padded with zeros when pad_batches. Results are in input
  // order, page_number unset.
  std::vector<PageResult> run_batch(Worker& worker, const std::vector<const Image*>& pages, int n_slots,
                                    StageTimes& times);

  // Runs pages on worker in model batches of min(n_slots, max_batch_pages)
  // pages. On out-of-memory it halves the worker's max_batch_pages, logs it and
  // retries the same pages; no page is dropped. Throws OutOfMemoryError only
  // when a single page does not fit.
  std::vector<PageResult> run_pages(Worker& worker, const std::vector<const Image*>& pages, int n_slots,
                                    StageTimes& times);
};

}  // namespace deepcompress
