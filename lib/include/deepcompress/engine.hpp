#pragma once
// The OCR engine: loaded models (immutable after load) plus the batch runner.
// Use it without the CLI: Engine::load(options), then process_document() for
// whole files, or recognize_pages() for pages rendered by the caller.
#include <atomic>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "deepcompress/options.hpp"
#include "deepcompress/types.hpp"

namespace deepcompress {

// Progress of a run, reported after each batch.
struct RunProgress {
  int n_documents_done = 0;  // finished, ok or failed
  int n_documents_total = 0;
  int n_pages_done = 0;
  int n_pages_total = 0;
  double t_elapsed_ms = 0;
};

// What a run did, for the end-of-run summary.
struct RunSummary {
  int n_documents_ok = 0;
  int n_documents_failed = 0;
  int n_documents_abandoned = 0;  // not finished because a stop was requested
  int n_pages = 0;                // pages OCRed
  int n_pages_text_layer = 0;     // pages read from the PDF text layer (--ocr auto|never)
  int n_pages_timed_out = 0;      // pages abandoned after --timeout-per-page
  int n_batches = 0;
  double t_wall_ms = 0;
  StageTimes times;  // summed over all pages (render overlaps inference)
  bool stopped = false;
};

// Receives a run's results on the calling thread as documents complete
// (in completion order, which is input order unless documents fail early).
class DocumentSink {
 public:
  virtual ~DocumentSink() = default;
  // index: the document's position in the input list.
  virtual void on_document(std::size_t index, DocumentResult result) = 0;
  virtual void on_progress(const RunProgress& progress) {}
  // Called once, within ~50 ms of *stop_requested becoming true: no new batch
  // starts after it; n_pages_in_flight pages in batches already running will
  // still finish (their documents may still reach on_document).
  virtual void on_stop(int n_pages_in_flight) {}
};

// What Engine::load resolves options.device and options.precision to, found
// without loading models: device_kind "cpu" or "cuda", precision "fp32",
// "bf16" or "fp16" (a request load() would refuse comes back as written).
// Never throws.
struct ComputeChoice {
  std::string device_kind;
  std::string precision;
};
ComputeChoice resolve_compute(const Options& options);

class Engine {
 public:
  // Loads and verifies the models (manifest sha256) from options.model_dir
  // (or the default location) on options.device. Throws Error(kModel) with
  // "models missing or corrupt: run scripts/setup" style messages. With
  // options.ocr "never" no model is loaded (text layers only): run() works
  // without any models, recognize_pages() throws Error(kConfig).
  static std::unique_ptr<Engine> load(const Options& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // OCRs pages in batches of options.batch_size (padded to that shape on CUDA
  // only). Results are in input order and independent of the batch size.
  // Adds stage times to *times when non-null. Not thread-safe.
  std::vector<PageResult> recognize_pages(const std::vector<Image>& pages,
                                          StageTimes* times = nullptr);

  // Opens a PDF or image file, renders the selected pages lazily batch by batch,
  // and OCRs them: run() with one input. Never throws for a bad document:
  // returns status kFailed with a one-line error naming the file (and page).
  // Throws Error(kModel) only when inference itself fails.
  DocumentResult process_document(const std::filesystem::path& path);

  // Streams many documents through the models: a render thread feeds a bounded
  // page queue, and batches fill from whatever pages are ready, so
  // pages of different documents share a batch; options.workers model replicas
  // take batches from one queue. Pages with a usable PDF text layer skip the
  // models (options.ocr). A page that takes longer than
  // options.timeout_per_page_s to read fails its document. Each document goes to the sink
  // as soon as its last page is done; a bad document fails alone. When
  // *stop_requested becomes true, no new pages are taken, queued pages and
  // batches are dropped, the batches already running finish (sink.on_stop says
  // how many pages), and unfinished documents are counted as abandoned (not
  // passed to the sink). Throws for model/device failures, and rethrows what the
  // sink throws; either way only after every thread of the run is joined.
  RunSummary run(const std::vector<std::filesystem::path>& inputs, DocumentSink& sink,
                 const std::atomic<bool>* stop_requested = nullptr);

  // Test hook for the out-of-memory back-off: the given 1-based model batch
  // attempt fails as if the device ran out of memory (0 = off). Lets the
  // halve-and-retry path run on a CPU.
  void inject_out_of_memory_at_batch(int attempt);

  // Test hook for --timeout-per-page: reading the given 1-based page of every
  // document sleeps stall_ms first, like a page Poppler takes forever on.
  void inject_render_stall(int page_number, int stall_ms);

  // The device actually used ("cpu", "cuda:0"; "none (...)" with --ocr never).
  std::string device_name() const;
  const Options& options() const;

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Process-wide glibc malloc settings for inference: large tensor buffers are
// kept on the heap for reuse instead of being mmapped and unmapped on every
// batch (page faults cost up to 20x on the recognizer here). Memory is then
// not returned to the OS before exit. Call once, before Engine::load; it is
// opt-in because it changes the whole process.
void tune_process_allocator();

// Render threads abandoned to a page past --timeout-per-page that are still
// running. Poppler cannot be interrupted, so such a thread may outlive the
// run: when this is > 0 at exit, the caller should flush its output and leave
// with std::_Exit rather than run static destructors under it.
int n_stalled_render_threads();

// Where models are looked for when options.model_dir is empty, in order:
// ./models, <exe_dir>/models, <exe_dir>/../share/deepcompress/models,
// <cache_home>/deepcompress/models, /usr/share/deepcompress/models. The
// caller passes its XDG cache directory and the binary's directory (empty:
// those entries are left out); the library reads no env.
std::vector<std::filesystem::path> model_dir_candidates(const std::filesystem::path& cache_home,
                                                        const std::filesystem::path& exe_dir);

// options.model_dir if set, else the first candidate holding a
// manifest.json, else an empty path (no models found).
std::filesystem::path resolve_model_dir(const Options& options,
                                        const std::vector<std::filesystem::path>& candidates);

// "models not found; looked in A, B, ...: pass --model-dir ..." for a run
// that needs the models when resolve_model_dir found none.
std::string models_not_found_message(const std::vector<std::filesystem::path>& candidates);

}  // namespace deepcompress
