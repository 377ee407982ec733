#include "deepcompress/job.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

#include "common/log.hpp"
#include "common/sha256.hpp"
#include "config/prices.hpp"
#include "deepcompress/error.hpp"
#include "deepcompress/outputs.hpp"
#include "encode/structure.hpp"
#include "encode/writers.hpp"
#include "job/cache.hpp"
#include "job/record.hpp"
#include "job/render.hpp"
#include "job/report.hpp"

namespace deepcompress {
namespace {

namespace fs = std::filesystem;

// Whether the run measures token figures (and so needs the tokenizer): a format that holds or
// logs them, or a report that shows them (--stats, --manifest, --summary-json, --prices; and
// --redact-report, whose cached documents' redactions are kept with their figures).
bool wants_stats(const Options& options, const std::vector<std::string>& formats) {
  return needs_tokenizer(formats) || options.stats || !options.manifest.empty() || options.summary_json ||
         !options.prices.empty() || !options.redact_report.empty();
}

// The cache "format" of a document's stats record: the figures count the dtoon text, whose
// header names the document.
std::string stats_cache_format(const std::string& input) {
  return fmt::format("stats\nname={}", document_name(input));
}

// What the cache key hashes as "format": the format plus the options and the document
// name that format's bytes depend on (dtoon and jsonl name their document).
std::string cache_format(const std::string& format, const Options& options, const std::string& input) {
  // json's stats count the dtoon text, whose header names the document.
  if (format == "json")
    return fmt::format("json\nname={}\ntokenizer={}", document_name(input), options.tokenizer);
  if (format == "dtoon") return fmt::format("dtoon\nname={}", document_name(input));
  if (format == "jsonl") {
    return fmt::format("jsonl\nname={}\ntokenizer={}\nchunk_tokens={}", document_name(input), options.tokenizer,
                       options.chunk_tokens);
  }
  return format;
}

template <typename F, typename... Args>
void notify(const F& f, Args&&... args) {
  if (f) f(std::forward<Args>(args)...);
}

}  // namespace

struct Job::Impl {
  Options options;
  OutputOptions output;
  bool wants_stats = false;
  std::optional<PriceTable> prices;

  // Per run().
  bool ran = false;
  const JobSinks* sinks = nullptr;
  JobControl control;
  std::vector<Record> records;
  std::optional<OutputCache> cache;
  // Loaded when documents are OCRed: required if the run measures token figures (wants_stats),
  // else if available (the figures then go to the cache only).
  std::optional<Tokenizer> tokenizer;
  RepeatFilter repeats;  // --level 2: paragraphs already kept by earlier documents of the run
  bool fail_fast_triggered = false;
  int n_written = 0;
  int n_unchanged = 0;
  int n_output_failed = 0;

  bool stop_requested() const { return control.stop && control.stop->load(); }
  int stop_signal() const { return control.stop_signal ? control.stop_signal->load() : 0; }
  void clear_progress() const { notify(sinks->clear_progress); }

  // Where models were looked for (resolve_model_dir): named when none were found.
  std::vector<fs::path> model_dirs;
  void require_models() const;
  void open_cache();
  std::vector<std::size_t> serve_from_cache(const JobInputs& inputs);
  RunSummary ocr(const std::vector<std::size_t>& to_ocr, int n_cached);
  void finish_records(const JobInputs& inputs);
  void write_report(const fs::path& path, const std::string& text);
  JobReport report(const RunSummary& summary, const JobInputs& inputs, double seconds);

  // Writes a document's outputs (bytes unchanged: left alone) or stdout.
  void emit(Record& r, const std::vector<std::string>& contents) {
    for (std::size_t f = 0; f < output.formats.size(); ++f) {
      if (options.output_dir.empty()) {
        sinks->write_stdout(contents[f]);
        r.outputs.push_back("-");
        continue;
      }
      fs::path path = fs::path(options.output_dir) / r.output_base;
      path += "." + output.formats[f];
      if (write_file_if_changed(path, contents[f])) {
        ++n_written;
      } else {
        ++n_unchanged;
      }
      r.outputs.push_back(path.string());
    }
  }

  // Sets the keys of r's outputs and stats record; those of a password-protected
  // document hold the run's password lock, so only a run that can open it is served.
  void set_keys(Record& r, bool password_bound) const {
    CacheKeyInputs inputs = r.key_inputs;
    if (password_bound) inputs.lock = password_lock(options.password, r.sha256);
    r.keys.clear();
    for (const auto& format : output.formats) {
      r.keys.push_back(cache_key(inputs, options, cache_format(format, options, r.input)));
    }
    r.stats_key = cache_key(inputs, options, stats_cache_format(r.input));
  }

  // Serves r from the cache if its facts and every format are there, and its stats record
  // when the run measures token figures. A password-bound document without the run's
  // password is not served: it is read (and fails) as without the cache.
  bool try_cached(Record& r) {
    const auto facts_text = cache->load(r.facts_key, "facts");
    const auto facts = facts_text ? parse_facts_record(*facts_text) : std::nullopt;
    if (!facts || (facts->password_bound && options.password.empty())) return false;
    set_keys(r, facts->password_bound);
    std::optional<DocumentStats> stats;
    std::vector<Redaction> redactions;
    if (wants_stats) {
      auto record = cache->load(r.stats_key, "stats");
      if (!record || !parse_stats_record(*record, stats.emplace(), redactions)) return false;
    }
    std::vector<std::string> contents;
    for (std::size_t f = 0; f < output.formats.size(); ++f) {
      auto text = cache->load(r.keys[f], output.formats[f]);
      if (!text) return false;
      contents.push_back(output.formats[f] == "json" ? json_with_path(*text, r.input) : std::move(*text));
    }
    r.n_pages = facts->n_pages;
    r.n_pages_by_source = facts->n_pages_by_source;
    if (!emit_or_fail(r, contents)) return true;
    r.stats = std::move(stats);
    r.redactions = std::move(redactions);
    r.status = Status::kCached;
    return true;
  }

  // A cache entry that cannot be written costs the next run time, not this run its output.
  void store(const std::string& key, std::string_view format, const std::string& content) {
    try {
      cache->store(key, format, content);
    } catch (const Error& e) {
      logger()->warn("cache not updated: {}", e.what());
    }
  }

  void complete(Record& r, DocumentResult result) {
    r.times = result.times;
    if (result.status == DocumentStatus::kFailed) {
      fail(r, result.error);
      return;
    }
    r.n_pages = static_cast<int>(result.pages.size());
    r.n_pages_by_source.emplace();
    for (const auto& page : result.pages) ++(*r.n_pages_by_source)[static_cast<std::size_t>(page.source)];
    const bool caching = cache && !r.facts_key.empty();
    if (caching) set_keys(r, result.password_protected);
    // One pass feeds every format: structure and token figures are computed once.
    Rendered rendered = render_document(result, {.options = &output,
                                                 .tokenizer = tokenizer ? &*tokenizer : nullptr,
                                                 .repeats = &repeats,
                                                 .anonymous_json = caching});
    if (caching) {
      if (rendered.stats && !r.stats_key.empty()) {
        store(r.stats_key, "stats", to_stats_record(*rendered.stats, result.redactions));
      }
      for (std::size_t f = 0; f < output.formats.size(); ++f) {
        const bool json = output.formats[f] == "json";
        store(r.keys[f], output.formats[f], json ? rendered.json_anonymous : rendered.contents[f]);
      }
      // Last: a lookup that finds the facts finds the outputs (unless a store failed).
      store(r.facts_key, "facts", to_facts_record({r.n_pages, *r.n_pages_by_source, result.password_protected}));
    }
    if (!emit_or_fail(r, rendered.contents)) return;
    r.stats = std::move(rendered.stats);
    r.redactions = std::move(result.redactions);
    r.status = Status::kOk;
  }

  // emit(), but an output that cannot be written (full disk, file size limit,
  // stdout closed) fails this document alone, named in one line, and the run
  // goes on: returns false then. Outputs written before the failing one stay
  // (each is complete) and are listed in the manifest.
  bool emit_or_fail(Record& r, const std::vector<std::string>& contents) {
    try {
      emit(r, contents);
      return true;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kOutput) throw;
      ++n_output_failed;
      fail(r, e.file().empty() ? fmt::format("{}: {}", r.input, e.what()) : e.what());
      return false;
    }
  }

  void fail(Record& r, const std::string& message) {
    r.status = Status::kFailed;
    r.error = message;
    clear_progress();
    notify(sinks->error_line, message);
    if (options.fail_fast && control.stop && !control.stop->load()) {
      fail_fast_triggered = true;
      control.stop->store(true);
      logger()->warn("--fail-fast: stopping after the first failed document");
    }
  }
};

Job::Job(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->output = output_options(impl_->options);
  impl_->wants_stats = wants_stats(impl_->options, impl_->output.formats);
  // Before any work: a bad price table is a configuration error (exit 2) naming the file.
  if (!impl_->options.prices.empty()) impl_->prices = load_price_table(impl_->options.prices);
}

Job::~Job() = default;

Options& Job::options() { return impl_->options; }

const std::vector<std::string>& Job::formats() const { return impl_->output.formats; }

void Job::find_models(const std::vector<std::filesystem::path>& candidates) {
  impl_->model_dirs = candidates;
  impl_->options.model_dir = resolve_model_dir(impl_->options, candidates).string();
}

void Job::check_outputs_writable() const {
  const Options& options = impl_->options;
  if (!options.output_dir.empty()) check_writable_directory(options.output_dir);
  if (!options.manifest.empty()) check_writable_file(options.manifest);
  if (!options.redact_report.empty()) check_writable_file(options.redact_report);
}

void Job::Impl::open_cache() {
  auto log = logger();
  if (options.cache_enabled && options.level == 2) {
    // Level 2 drops paragraphs already seen in earlier documents of the run, so
    // a document's compact output depends on the run: never cache or reuse it.
    log->info("--level 2 output depends on the run's other documents: the cache is not used");
  } else if (options.cache_enabled) {
    cache.emplace(options.cache_dir);
  }
  // Temporary files of a run killed mid-write (kill -9) are removed now.
  for (const auto& dir : {options.output_dir, cache ? options.cache_dir : std::string()}) {
    if (dir.empty()) continue;
    for (const auto& path : remove_stale_temporaries(dir)) log->info("removed {}, left by a killed run", path.string());
  }
}

// Hashes the inputs and serves what the cache has, before the (slow) model load:
// a typo fails fast and an all-cached rerun never loads the models. Returns the
// records still to OCR.
std::vector<std::size_t> Job::Impl::serve_from_cache(const JobInputs& inputs) {
  std::optional<std::string> models_sha256;
  std::optional<ComputeChoice> compute;  // what auto device and precision resolve to: in the keys
  const bool text_only = options.ocr == "never";
  std::vector<std::size_t> to_ocr;
  for (const auto& file : inputs.files) {
    Record& r = records.emplace_back();
    r.input = file.path.string();
    r.output_base = file.output_base;
    if (stop_requested()) continue;
    if (!file.error.empty()) {
      fail(r, file.error);
      continue;
    }
    try {
      r.sha256 = sha256_file_hex(file.path);
    } catch (const Error& e) {
      fail(r, e.what());
      continue;
    }
    if (cache) {
      if (!models_sha256 && text_only) models_sha256 = "none: --ocr never";
      if (!models_sha256) {
        require_models();
        const fs::path manifest = fs::path(options.model_dir) / "manifest.json";
        try {
          models_sha256 = sha256_file_hex(manifest);
        } catch (const Error&) {
          throw Error(ErrorKind::kModel, "models missing or corrupt: run scripts/setup (cannot read the manifest)",
                      manifest.string());
        }
      }
      if (!compute) {
        // Text layers only: no model runs, so neither device nor precision matters.
        compute = text_only ? ComputeChoice{"none", "none"} : resolve_compute(options);
        logger()->debug("cache keys: device {}, precision {}", compute->device_kind, compute->precision);
      }
      r.key_inputs = {
          .file_sha256 = r.sha256, .models_sha256 = *models_sha256, .compute = *compute, .lock = {}};
      r.facts_key = cache_key(r.key_inputs, options, "facts");
      if (!options.force && try_cached(r)) continue;
    }
    to_ocr.push_back(records.size() - 1);
  }
  return to_ocr;
}

void Job::Impl::require_models() const {
  if (options.model_dir.empty()) throw Error(ErrorKind::kModel, models_not_found_message(model_dirs));
}

RunSummary Job::Impl::ocr(const std::vector<std::size_t>& to_ocr, int n_cached) {
  auto log = logger();
  const bool text_only = options.ocr == "never";
  if (n_cached > 0) log->info("{} document(s) served from the cache, {} to OCR", n_cached, to_ocr.size());
  const fs::path tokenizer_dir = fs::path(options.model_dir) / "tokenizer";
  if (!text_only || wants_stats) require_models();
  if (wants_stats) {
    // Before the (slow) model load: a missing rank file fails fast, exit 3.
    tokenizer = Tokenizer::load(tokenizer_dir, options.tokenizer);
  } else {
    // Not needed now, but the figures are cached with the outputs when possible, so that
    // a rerun asking for them (--manifest, --stats) is still served without OCR.
    try {
      tokenizer = Tokenizer::load(tokenizer_dir, options.tokenizer);
    } catch (const Error& e) {
      log->debug("token figures not recorded: {}", e.what());
    }
  }
  tune_process_allocator();
  auto t_load = std::chrono::steady_clock::now();
  auto engine = Engine::load(options);
  if (!text_only) {
    log->info("models from {} on {} loaded in {:.2f} s", options.model_dir, engine->device_name(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count());
  }

  // Documents arrive as they complete; pages of different documents share batches.
  struct Sink : DocumentSink {
    Impl& job;
    const std::vector<std::size_t>& to_ocr;
    int n_cached;
    Sink(Impl& j, const std::vector<std::size_t>& t, int c) : job(j), to_ocr(t), n_cached(c) {}
    void on_document(std::size_t index, DocumentResult result) override {
      job.complete(job.records[to_ocr[index]], std::move(result));
    }
    void on_progress(const RunProgress& progress) override { notify(job.sinks->progress, progress, n_cached); }
    void on_stop(int n_pages_in_flight) override { notify(job.sinks->on_stop, n_pages_in_flight); }
  } sink(*this, to_ocr, n_cached);
  std::vector<fs::path> paths;
  for (std::size_t i : to_ocr) paths.emplace_back(records[i].input);
  RunSummary summary;
  if (!stop_requested()) summary = engine->run(paths, sink, control.stop);
  clear_progress();
  return summary;
}

// Inputs never finished (stop requested) and duplicates are "skipped".
void Job::Impl::finish_records(const JobInputs& inputs) {
  const int signal = stop_signal();
  const std::string stop_reason = signal != 0 ? fmt::format("interrupted by signal {}", signal)
                                              : "not started: stopped after a failed document (--fail-fast)";
  for (auto& r : records) {
    if (r.status == Status::kPending) {
      r.status = Status::kSkipped;
      r.error = stop_reason;
    }
  }
  for (const auto& duplicate : inputs.duplicates) {
    Record& r = records.emplace_back();
    r.input = duplicate;
    r.status = Status::kSkipped;
    r.error = "given more than once; processed once";
  }
}

// Each report is written if it can be; one that cannot is named and the run exits 5.
void Job::Impl::write_report(const fs::path& path, const std::string& text) {
  try {
    std::error_code ec;
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    write_file_atomic(path, text);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kOutput) throw;
    clear_progress();
    notify(sinks->error_line, e.what());
    ++n_output_failed;
  }
}

JobReport Job::run(const JobInputs& inputs, const JobSinks& sinks, const JobControl& control) {
  Impl& job = *impl_;
  if (job.ran) throw Error(ErrorKind::kConfig, "a Job runs once");
  job.ran = true;
  if (job.options.output_dir.empty() && !sinks.write_stdout) {
    throw Error(ErrorKind::kConfig, "no output directory and no write_stdout sink");
  }
  job.sinks = &sinks;
  job.control = control;
  job.open_cache();
  job.records.reserve(inputs.files.size() + inputs.duplicates.size());
  auto t_start = std::chrono::steady_clock::now();
  const std::vector<std::size_t> to_ocr = job.serve_from_cache(inputs);
  const int n_cached = static_cast<int>(std::count_if(job.records.begin(), job.records.end(),
                                                      [](const Record& r) { return r.status == Status::kCached; }));
  RunSummary summary;
  if (to_ocr.empty()) {
    if (n_cached > 0) {
      logger()->info("all {} document(s) served from the cache: no OCR needed, models not loaded", n_cached);
    }
  } else if (!job.stop_requested()) {
    summary = job.ocr(to_ocr, n_cached);
  }
  job.finish_records(inputs);
  if (!job.options.manifest.empty()) {
    std::string text;
    for (const auto& r : job.records) text += manifest_line(r);
    job.write_report(job.options.manifest, text);
  }
  if (!job.options.redact_report.empty()) {
    std::string text;
    for (const auto& r : job.records) text += redaction_report_lines(r.input, r.redactions);
    job.write_report(job.options.redact_report, text);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return job.report(summary, inputs, seconds);
}

// The counts, the end-of-run log lines, the --stats table and the --summary-json object.
JobReport Job::Impl::report(const RunSummary& summary, const JobInputs& inputs, double seconds) {
  JobReport out;
  out.ocr = summary;
  std::map<Status, int> counts;
  int n_pages_cached = 0;  // pages of the documents served from the cache
  for (const auto& r : records) {
    ++counts[r.status];
    if (r.status == Status::kCached) n_pages_cached += r.n_pages;
  }
  out.n_documents = static_cast<int>(records.size());
  out.n_ok = counts[Status::kOk];
  out.n_cached = counts[Status::kCached];
  out.n_failed = counts[Status::kFailed];
  out.n_skipped = counts[Status::kSkipped];
  out.n_files_written = n_written;
  out.n_files_unchanged = n_unchanged;
  out.n_output_failed = n_output_failed;
  out.fail_fast_triggered = fail_fast_triggered;

  // Token figures of the run: totals over the measured (ok and cached) documents.
  DocumentStats total;
  total.tokenizer = options.tokenizer;
  std::vector<CostEstimate> costs;
  if (prices) costs = estimate_cost(*prices, DocumentStats{});  // zeros, one per model
  std::vector<StatsRow> rows;
  for (const auto& r : records) {
    if (!wants_stats || !r.stats) continue;
    rows.push_back({r.input, &*r.stats});
    total += *r.stats;
    if (!prices) continue;
    const std::vector<CostEstimate> document_costs = estimate_cost(*prices, *r.stats);
    for (std::size_t m = 0; m < costs.size(); ++m) costs[m] += document_costs[m];
  }
  const PriceTable* prices_ptr = prices ? &*prices : nullptr;

  auto log = logger();
  const StageTimes& t = summary.times;
  const int n_pages_read = summary.n_pages + summary.n_pages_text_layer;
  log->info("done: {} document(s) ok, {} cached, {} failed, {} skipped; {} page(s) OCRed and {} read from text "
            "layers in {:.2f} s ({:.2f} pages/s); {} file(s) written, {} unchanged",
            out.n_ok, out.n_cached, out.n_failed, out.n_skipped, summary.n_pages, summary.n_pages_text_layer,
            seconds, seconds > 0 ? n_pages_read / seconds : 0.0, n_written, n_unchanged);
  if (summary.n_pages_timed_out > 0) {
    log->warn("{} page(s) took longer than --timeout-per-page {} s: their documents failed", summary.n_pages_timed_out,
              options.timeout_per_page_s);
  }
  if (summary.n_pages > 0) {
    log->info(
        "stage totals (s): render {:.2f}, preprocess {:.2f}, detect {:.2f}, classify {:.2f}, "
        "recognize {:.2f}, post-process {:.2f}",
        t.t_render_ms / 1e3, t.t_preprocess_ms / 1e3, t.t_detect_ms / 1e3, t.t_classify_ms / 1e3,
        t.t_recognize_ms / 1e3, t.t_postprocess_ms / 1e3);
  }
  if (!rows.empty()) {
    for (const std::string& line : summary_lines(total, static_cast<int>(rows.size()), prices_ptr, costs)) {
      log->info("{}", line);
    }
  }
  if (options.stats) out.stats_table = stats_table(rows, total, prices_ptr, costs);
  if (options.summary_json) {
    out.summary_json = summary_json_line(out, n_pages_cached, seconds, inputs.shard, stop_signal() != 0, total,
                                         prices ? &costs : nullptr);
  }
  return out;
}

}  // namespace deepcompress
