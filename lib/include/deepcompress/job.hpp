#pragma once
// A run over many documents, as the CLI does it: inputs hashed and served from the output
// cache when they can be, the others OCRed by one Engine, every output written under
// Options::output_dir (or handed to a sink for stdout), then the manifest, the redaction
// report and the run's totals. The caller owns argv, the environment, signals, the console
// and the exit code; the job reports through sinks and never prints.
#include <atomic>
#include <filesystem>
#include <memory>
#include <functional>
#include <string>
#include <vector>

#include "deepcompress/engine.hpp"
#include "deepcompress/inputs.hpp"
#include "deepcompress/options.hpp"

namespace deepcompress {

// How the job talks to its caller; every callback runs on the thread that called run().
struct JobSinks {
  // A document's output when Options::output_dir is empty (one document, one format). Throws
  // Error(kOutput) when it cannot be written: that document fails alone.
  std::function<void(const std::string& content)> write_stdout;
  // One line for a failed document or an unwritable report (it names the file).
  std::function<void(const std::string& message)> error_line;
  // After each batch; n_cached: documents of the run served from the cache.
  std::function<void(const RunProgress& progress, int n_cached)> progress;
  // Once, when a stop was requested while n_pages_in_flight pages are in batches.
  std::function<void(int n_pages_in_flight)> on_stop;
  // Clears a progress display before error lines and at the end of the OCR.
  std::function<void()> clear_progress;
};

// Stopping a job from outside (a signal handler: both are lock-free atomics).
struct JobControl {
  // Set by the caller to stop after the batches in flight; the job sets it too (fail_fast).
  std::atomic<bool>* stop = nullptr;
  // The signal behind a stop, 0 = none: it names why inputs were skipped.
  const std::atomic<int>* stop_signal = nullptr;
};

// What the job is given to do.
struct JobInputs {
  std::vector<InputFile> files;          // in processing order (after sharding)
  std::vector<std::string> duplicates;   // inputs given more than once: reported as skipped
  std::string shard;                     // "K/N" for the summary; empty = not sharded
};

// What a job did.
struct JobReport {
  int n_documents = 0;  // records: every input and duplicate
  int n_ok = 0;
  int n_cached = 0;
  int n_failed = 0;
  int n_skipped = 0;
  int n_files_written = 0;
  int n_files_unchanged = 0;
  int n_output_failed = 0;         // documents and reports whose output could not be written
  bool fail_fast_triggered = false;
  RunSummary ocr;                  // the Engine's run (zeros when nothing was OCRed)
  std::string stats_table;         // Options::stats: a row per measured document (ends in '\n')
  std::string summary_json;        // Options::summary_json: one JSON object line
};

class Job {
 public:
  // Reads the output side of options before any work: a bad price table is Error(kConfig)
  // naming the file.
  explicit Job(Options options);
  ~Job();
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  // The options; the caller resolves password, model_dir and cache_dir here before run().
  Options& options();
  const std::vector<std::string>& formats() const;

  // Sets options().model_dir to resolve_model_dir(options(), candidates) (model_dir_candidates()).
  // A run that then needs models without any fails with Error(kModel) naming the candidates.
  void find_models(const std::vector<std::filesystem::path>& candidates);

  // Throws Error(kOutput) naming the first of output_dir, manifest and redact_report that
  // cannot be written (checked before any page is read).
  void check_outputs_writable() const;

  // Runs the job; once per Job. A bad document fails alone (sinks.error_line); throws Error
  // for model, device and configuration failures (kConfig also for a second run, or no
  // write_stdout sink without an output_dir) and for what a sink throws.
  JobReport run(const JobInputs& inputs, const JobSinks& sinks, const JobControl& control);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace deepcompress
