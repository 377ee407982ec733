#pragma once
// Engine internals shared by the batch code (engine.cpp) and the streaming
// runner (runner.cpp).
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "deepcompress/engine.hpp"
#include "model/ocr_models.hpp"
#include "ocr/angle_classifier.hpp"
#include "ocr/detector.hpp"
#include "ocr/recognizer.hpp"

namespace deepcompress {

// One inference worker: its own loaded models (a replica) and OCR stages
// (each with its batch buffers). Touched only by the thread that runs it.
struct Worker {
  std::unique_ptr<OcrModels> models;
  int n_threads = 1;  // intra-op CPU threads, applied on the worker's thread
  // Pages per batch now: the engine's batch_pages until an out-of-memory
  // error halves it for the rest of the run.
  int max_batch_pages = 1;
  Detector detector;
  AngleClassifier classifier;
  Recognizer recognizer;
};

struct Engine::Impl {
  Options options;  // options.batch_size: pages per batch, as planned (plan_memory)
  std::vector<std::unique_ptr<Worker>> workers;  // >= 1; workers[0] also serves recognize_pages
  int canvas_px = 0;
  // Rendered pages that may wait for a batch (bounds memory with the batch).
  int queue_pages = 2;
  // Test hooks: model batch attempt number that fails as out of memory (0 =
  // off), counted over all workers; a page whose rendering stalls.
  int inject_oom_at_attempt = 0;
  std::atomic<int> n_batch_attempts{0};
  int stall_page_number = 0;
  int stall_ms = 0;

  // OCRs one batch of pages on worker through its stages; batch_pages (>=
  // pages.size()) is the batch shape, padded on CUDA only (on a CPU padding
  // is pure extra arithmetic; results never depend on it). Results are in
  // input order, page_number unset.
  std::vector<PageResult> run_batch(Worker& worker, const std::vector<const Image*>& pages, int batch_pages,
                                    StageTimes& times);

  // Runs pages on worker in batches of min(batch_pages, max_batch_pages)
  // pages. On out-of-memory it halves the worker's max_batch_pages, logs it and
  // retries the same pages; no page is dropped. Throws OutOfMemoryError only
  // when a single page does not fit.
  std::vector<PageResult> run_pages(Worker& worker, const std::vector<const Image*>& pages, int batch_pages,
                                    StageTimes& times);
};

}  // namespace deepcompress
