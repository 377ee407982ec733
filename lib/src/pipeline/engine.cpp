#include "pipeline/engine_impl.hpp"
#include "pipeline/memory_plan.hpp"

#include <fmt/format.h>
#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <thread>

#include "common/log.hpp"
#include "common/timer.hpp"
#include "deepcompress/error.hpp"
#include "model/ocr_models.hpp"
#include "ocr/charset.hpp"
#include "ocr/ctc.hpp"
#include "ocr/page_assembly.hpp"

namespace deepcompress {
namespace {

// "cuda:0,cuda:1" -> {"cuda:0", "cuda:1"}; a single device -> itself.
std::vector<std::string> split_device_list(const std::string& devices) {
  std::vector<std::string> list;
  std::size_t start = 0;
  while (true) {
    const auto comma = devices.find(',', start);
    list.push_back(devices.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return list;
    start = comma + 1;
  }
}

int n_workers_of(const Options& options) {
  return std::max<int>(options.workers, static_cast<int>(split_device_list(options.device).size()));
}

// The models' configuration for the first worker: the cores are shared out
// between CPU workers; what --precision auto measured on this CPU is
// remembered beside the cache.
ModelConfig model_config(const Options& options) {
  ModelConfig config;
  config.dir = options.model_dir.empty() ? std::filesystem::path("models") : std::filesystem::path(options.model_dir);
  config.device = split_device_list(options.device).front();
  config.precision = options.precision;
  if (!options.cache_dir.empty()) config.facts_dir = std::filesystem::path(options.cache_dir) / "cpu";
  config.gpu_memory_fraction = options.gpu_memory_fraction;
  config.allow_tf32 = options.tf32;
  const int n_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  config.n_threads = std::max(1, (options.threads > 0 ? options.threads : n_cores) / n_workers_of(options));
  return config;
}

}  // namespace

std::vector<PageResult> Engine::Impl::run_batch(Worker& worker, const std::vector<const Image*>& pages,
                                                int batch_pages, StageTimes& times) {
  OcrModels& models = *worker.models;
  std::vector<LineJob> jobs = worker.detector.find_lines(models, pages, batch_pages, times);
  if (options.angle_classifier) worker.classifier.vote(models, jobs, pages.size(), times);
  worker.recognizer.read(models, jobs, times);
  worker.recognizer.reread_turned(models, jobs, times);
  return assemble_pages(jobs, pages, times);
}

std::vector<PageResult> Engine::Impl::run_pages(Worker& worker, const std::vector<const Image*>& pages,
                                                int batch_pages, StageTimes& times) {
  int& max_batch_pages = worker.max_batch_pages;
  std::vector<PageResult> results;
  std::size_t start = 0;
  while (start < pages.size()) {
    const int now_pages = std::min(batch_pages, max_batch_pages);
    const std::size_t n = std::min<std::size_t>(now_pages, pages.size() - start);
    const std::vector<const Image*> sub(pages.begin() + static_cast<std::ptrdiff_t>(start),
                                        pages.begin() + static_cast<std::ptrdiff_t>(start + n));
    try {
      if (const int attempt = ++n_batch_attempts; attempt == inject_oom_at_attempt) {
        throw OutOfMemoryError(
            fmt::format("out of memory (injected by the test hook at batch attempt {})", attempt));
      }
      auto sub_results = run_batch(worker, sub, now_pages, times);
      for (auto& r : sub_results) results.push_back(std::move(r));
      start += n;
    } catch (const OutOfMemoryError& e) {
      if (now_pages == 1) throw;
      max_batch_pages = now_pages / 2;
      logger()->warn("{}: retrying the same {} page(s) in batches of {} (was {})", e.what(), n, max_batch_pages,
                     now_pages);
    }
  }
  return results;
}

ComputeChoice resolve_compute(const Options& options) {
  const ModelConfig config = model_config(options);
  try {
    const ResolvedCompute resolved = resolve_model_compute(config);
    return {resolved.device_kind, resolved.precision};
  } catch (const Error&) {
    // Models missing: Engine::load will say so; nothing is cached meanwhile.
    return {config.device.rfind("cuda", 0) == 0 ? "cuda" : "cpu", options.precision};
  }
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
// On CUDA the caching allocator's peaks, the figure scripts/gpu_check tabulates
// (LibTorch's C++ API has no torch.cuda.max_memory_allocated).
Engine::~Engine() {
  if (!impl_) return;
  for (const auto& worker : impl_->workers) {
    if (!worker->models) continue;  // --ocr never
    const DeviceMemory memory = worker->models->device_memory();
    if (memory.total_bytes == 0) continue;
    logger()->info("GPU memory peak on {}: {:.0f} MiB allocated, {:.0f} MiB reserved of {:.0f} MiB",
                   worker->models->device_name(), memory.peak_allocated_bytes / 1048576.0,
                   memory.peak_reserved_bytes / 1048576.0, memory.total_bytes / 1048576.0);
  }
}

std::unique_ptr<Engine> Engine::load(const Options& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->canvas_px = canvas_side_px(options.mode);
  if (impl->canvas_px == 0) throw Error(ErrorKind::kConfig, fmt::format("unknown mode '{}'", options.mode));

  // Replicas: one per listed GPU (--device cuda:0,cuda:1), or --workers of
  // them on one device.
  const std::vector<std::string> devices = split_device_list(options.device);
  const int n_workers = n_workers_of(options);
  const int n_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  ModelConfig config = model_config(options);
  // --ocr never: every page is read from its text layer (or left empty), none
  // reaches the models, so none are loaded and the run works without them.
  const bool text_only = options.ocr == "never";
  std::vector<std::unique_ptr<OcrModels>> replicas;
  for (int w = 0; w < (text_only ? 0 : n_workers); ++w) {
    config.device = devices[static_cast<std::size_t>(w) % devices.size()];
    replicas.push_back(OcrModels::load(config));
  }
  // Fixed batch shapes on a GPU keep its kernels tuned; on a CPU padding is
  // pure extra arithmetic, so there each call takes just what it has.
  const bool fixed_batch = !text_only && replicas.front()->device_name() != "cpu";
  DetectorParams detector;
  detector.canvas_px = impl->canvas_px;
  detector.db.threshold = static_cast<float>(options.det_threshold);
  detector.db.box_threshold = static_cast<float>(options.box_threshold);
  detector.db.unclip_ratio = static_cast<float>(options.unclip_ratio);
  detector.fixed_batch = fixed_batch;
  const AngleClassifierParams classifier{options.rec_batch_size, fixed_batch};
  RecognizerParams recognizer;
  recognizer.batch_lines = options.rec_batch_size;
  recognizer.fixed_batch = fixed_batch;
  MemoryInputs memory;
  if (!text_only) {
    const OcrModels& first = *replicas.front();
    const auto dictionary = load_dictionary(first.dictionary_path().string());
    const auto class_ids = charset_classes(dictionary, options.charset);
    logger()->debug("Recognizer: charset {} ({} of {} classes)", options.charset, class_ids.size(),
                    dictionary.size());
    recognizer.dictionary =
        std::make_shared<const std::vector<std::string>>(subset_dictionary(dictionary, class_ids));
    recognizer.accents = std::make_shared<const AccentTable>(accent_table(*recognizer.dictionary));
    for (auto& models : replicas) models->restrict_recognizer_classes(class_ids);
    memory.device_free_bytes = first.device_free_bytes();
  } else {
    replicas.push_back(nullptr);  // one worker, never given a batch
  }
  for (auto& models : replicas) {
    impl->workers.push_back(std::unique_ptr<Worker>(new Worker{std::move(models), config.n_threads, 1,
                                                               Detector(detector), AngleClassifier(classifier),
                                                               Recognizer(recognizer)}));
  }
  memory.requested_batch = options.batch_size;
  memory.cuda = fixed_batch;
  memory.gpu_memory_fraction = options.gpu_memory_fraction;
  memory.host_available_bytes = host_available_bytes();
  memory.n_cores = n_cores;
  memory.n_workers = n_workers;
  memory.max_memory_bytes = parse_size_bytes(options.max_memory);
  memory.canvas_px = impl->canvas_px;
  memory.dpi = options.dpi;
  const MemoryPlan plan = plan_memory(memory);
  impl->options.batch_size = plan.batch_pages;
  for (auto& worker : impl->workers) worker->max_batch_pages = plan.batch_pages;
  impl->queue_pages = plan.queue_pages;
  logger()->info("Batch size {}, {} page(s) queued, estimated peak ~{} MiB ({})", plan.batch_pages, plan.queue_pages,
                 plan.estimate_bytes >> 20, plan.reason);
  if (plan.over_cap) {
    logger()->warn("--max-memory {} is below the estimated need of one page (~{} MiB): the cap may be exceeded",
                   options.max_memory, plan.estimate_bytes >> 20);
  }
  std::string device_names;
  for (const auto& worker : impl->workers) {
    device_names +=
        (device_names.empty() ? "" : ",") + (worker->models ? worker->models->device_name() : "none");
  }
  if (text_only) logger()->info("--ocr never: text layers only, no models loaded");
  logger()->info("Engine ready: {} worker(s) on {} ({} thread(s) each), mode {} ({} px canvas), batch size {}, "
                 "recognizer batch size {}",
                 n_workers, device_names, config.n_threads, options.mode, impl->canvas_px,
                 impl->options.batch_size, options.rec_batch_size);
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

void Engine::inject_out_of_memory_at_batch(int attempt) { impl_->inject_oom_at_attempt = attempt; }

void Engine::inject_render_stall(int page_number, int stall_ms) {
  impl_->stall_page_number = page_number;
  impl_->stall_ms = stall_ms;
}

std::string Engine::device_name() const {
  const auto& models = impl_->workers.front()->models;
  return models ? models->device_name() : "none (--ocr never: no models loaded)";
}
const Options& Engine::options() const { return impl_->options; }

void tune_process_allocator() {
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
}

std::vector<std::filesystem::path> model_dir_candidates(const std::filesystem::path& cache_home,
                                                        const std::filesystem::path& exe_dir) {
  std::vector<std::filesystem::path> dirs = {"models"};
  if (!exe_dir.empty()) {
    dirs.push_back(exe_dir / "models");
    dirs.push_back((exe_dir / ".." / "share" / "deepcompress" / "models").lexically_normal());
  }
  dirs.push_back(cache_home / "deepcompress" / "models");
  dirs.push_back("/usr/share/deepcompress/models");
  return dirs;
}

std::filesystem::path resolve_model_dir(const Options& options,
                                        const std::vector<std::filesystem::path>& candidates) {
  if (!options.model_dir.empty()) return options.model_dir;
  for (const auto& dir : candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / "manifest.json", ec)) return dir;
  }
  return {};
}

std::string models_not_found_message(const std::vector<std::filesystem::path>& candidates) {
  std::string places;
  for (const auto& dir : candidates) places += (places.empty() ? "" : ", ") + dir.string();
  return fmt::format(
      "models not found (no manifest.json in {}): pass --model-dir DIR or set "
      "DEEPCOMPRESS_MODELS_DIR, or install them there with scripts/setup",
      places);
}

}  // namespace deepcompress
