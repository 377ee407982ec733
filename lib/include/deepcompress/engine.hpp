#pragma once
// The OCR engine: loaded models (immutable after load) plus the batch runner.
// Use it without the CLI: Engine::load(options), then process_document() for
// whole files, or recognize_pages() for pages rendered by the caller.
#include <filesystem>
#include <memory>
#include <vector>

#include "deepcompress/options.hpp"
#include "deepcompress/types.hpp"

namespace deepcompress {

class Engine {
 public:
  // Loads and verifies the models (manifest sha256) from options.model_dir
  // (or the default location) on options.device. Throws Error(kModel) with
  // "models missing or corrupt: run scripts/setup" style messages.
  static std::unique_ptr<Engine> load(const Options& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // OCRs pages in fixed-size batches of options.batch_size (the last batch is
  // padded). Results are in input order and independent of the batch size.
  // Adds stage times to *times when non-null. Not thread-safe.
  std::vector<PageResult> recognize_pages(const std::vector<Image>& pages,
                                          StageTimes* times = nullptr);

  // Opens a PDF or image file, renders the selected pages lazily batch by batch,
  // and OCRs them. Never throws for a bad document: returns status kFailed with
  // a one-line error naming the file (and page).
  DocumentResult process_document(const std::filesystem::path& path);

  // The device actually used ("cpu", "cuda:0").
  std::string device_name() const;
  const Options& options() const;

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Directory models are loaded from for these options (model_dir if set, else
// ./models if it has a manifest, else $XDG_CACHE_HOME-style default passed in).
// cache_home is the caller's XDG cache directory (the library reads no env).
std::filesystem::path resolve_model_dir(const Options& options,
                                        const std::filesystem::path& cache_home);

}  // namespace deepcompress
