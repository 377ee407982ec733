#include "pipeline/engine_impl.hpp"
#include "pipeline/memory_plan.hpp"

#include <fmt/format.h>
#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <thread>

#include "common/log.hpp"
#include "common/timer.hpp"
#include "deepcompress/error.hpp"
#include "image/preprocess.hpp"
#include "layout/reading_order.hpp"
#include "model/ocr_models.hpp"
#include "ocr/charset.hpp"
#include "ocr/ctc.hpp"
#include "ocr/db_postprocess.hpp"

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

// A crop is flipped when the classifier is at least this sure it is upside down
// (PaddleOCR's default cls_thresh).
constexpr float kFlipProbability = 0.9f;
// The angle classifier votes per page (decide_flips_per_page) on at most this
// many of its lines, spread over the page: on the bench_ocr corpus (71 lines
// per page) it classified every line for 0.05 s/page, for the same verdicts.
constexpr std::size_t kClassifierLinesPerPage = 16;
// Recognizer input widths are rounded up to a multiple of this, so that a
// crop's input (and so its text) never depends on which crops share its batch,
// and the model sees a few fixed shapes.
constexpr int kRecWidthStepPx = 64;
constexpr int kRecMaxWidthPx = 2048;

// Lines are squeezed horizontally before recognition. The recognizer emits one
// CTC step per 8 px of input and needs about 2 steps per character, spaces
// included: narrower, it drops letters on dense lines (10-pt text at 200 dpi
// has ~2.5 characters per unit of crop aspect ratio, so scale 0.7 gives ~1.7
// steps each); wider buys nothing and costs arithmetic, which is linear in the
// width. Measured on the bench_ocr subset in docs/benchmarks.md (CER / WER / BoW
// error, %): 0.6: 37 / 60 / 47; 0.7: 20 / 38 / 22; 0.8: 17 / 31 / 13;
// 0.85: 16.5 / 30 / 11; 1.0: 16.5 / 30 / 11. Full corpus, 0.7 -> 0.85: CER 16.1 ->
// 13.8, WER 30.6 -> 25.1, BoW 17.5 -> 10.5, for 21% more recognizer FLOPs.
constexpr float kRecWidthScale = 0.85f;

// Crops reach this many line heights past both ends of a DB box (measured on
// an 11-page bench_ocr subset: WER 29.6 -> 29.1%, BoW error 10.9 -> 10.2%, CER
// flat, recognizer work +3.7%; padding with paper colour instead gained nothing).
constexpr float kLineEndExtension = 0.3f;

int rec_bucket_width_px(const Image& crop) {
  const int w = recognizer_width_px(crop, kRecMaxWidthPx, kRecWidthScale);
  return std::min(kRecMaxWidthPx, (w + kRecWidthStepPx - 1) / kRecWidthStepPx * kRecWidthStepPx);
}

std::array<PointF, 4> to_page_px(const std::array<PointF, 4>& quad, float scale, int width_px, int height_px) {
  std::array<PointF, 4> out{};
  for (std::size_t i = 0; i < quad.size(); ++i) {
    out[i].x = std::clamp(quad[i].x / scale, 0.0f, static_cast<float>(width_px - 1));
    out[i].y = std::clamp(quad[i].y / scale, 0.0f, static_cast<float>(height_px - 1));
  }
  return out;
}

// One detected text line on its way through classification and recognition.
struct LineJob {
  std::size_t page_index = 0;
  std::array<PointF, 4> quad{};
  Image crop;
  bool classified = false;      // the angle classifier saw it (a page's sample)
  bool flip_candidate = false;  // the angle classifier thinks it is upside down
  bool rotated_180 = false;     // the text was read from the crop rotated by 180 degrees
  CtcResult result;
};

float mean_confidence(const CtcResult& result) {
  if (result.char_confidences.empty()) return 0.0f;
  return std::accumulate(result.char_confidences.begin(), result.char_confidences.end(), 0.0f) /
         static_cast<float>(result.char_confidences.size());
}

// Indices of the jobs the classifier votes with: per page, all its lines or
// kClassifierLinesPerPage of them evenly spread in detection order.
std::vector<std::size_t> classifier_sample(const std::vector<LineJob>& jobs, std::size_t n_pages) {
  std::vector<std::vector<std::size_t>> by_page(n_pages);
  for (std::size_t i = 0; i < jobs.size(); ++i) by_page[jobs[i].page_index].push_back(i);
  std::vector<std::size_t> sample;
  for (const auto& lines : by_page) {
    const std::size_t n = lines.size();
    const std::size_t k = std::min(n, kClassifierLinesPerPage);
    for (std::size_t j = 0; j < k; ++j) sample.push_back(lines[j * n / k]);
  }
  return sample;
}

// The sampled crops go through the classifier in batches of batch_size, padded
// to that shape only when pad.
void classify_lines(OcrModels& models, int batch_size, bool pad, const std::vector<std::size_t>& sample,
                    std::vector<LineJob>& jobs, TensorF& cls_in, TensorF& cls_out, StageTimes& times) {
  const std::int64_t crop_floats = 3LL * kClsHeightPx * kClsWidthPx;
  for (std::size_t start = 0; start < sample.size(); start += batch_size) {
    const std::size_t n = std::min<std::size_t>(batch_size, sample.size() - start);
    const std::int64_t n_slots = pad ? batch_size : static_cast<std::int64_t>(n);
    {
      ScopedTimer timer(&times.t_preprocess_ms);
      cls_in.reshape({n_slots, 3, kClsHeightPx, kClsWidthPx});
      for (std::size_t k = 0; k < n; ++k) {
        to_classifier_input(jobs[sample[start + k]].crop, cls_in.data.data() + k * crop_floats);
      }
      std::fill(cls_in.data.begin() + static_cast<std::ptrdiff_t>(n * crop_floats), cls_in.data.end(), 0.0f);
    }
    {
      ScopedTimer timer(&times.t_classify_ms);
      models.classify(cls_in, cls_out);
      logger()->debug("classifier: {} lines in {:.0f} ms", n, timer.elapsed_ms());
    }
    for (std::size_t k = 0; k < n; ++k) {
      LineJob& job = jobs[sample[start + k]];
      job.classified = true;
      job.flip_candidate = cls_out.data[k * 2 + 1] > kFlipProbability;
    }
  }
}

// The angle classifier decides per page, by majority: it squeezes a long line
// into 192 px and then nominates a few lines of an upright page too (on the
// bench_ocr corpus their second readings were 7% of the recognizer's work),
// and misses a few of a turned page. A page where at least half of the
// classified lines are nominated is turned: every line gets a second, rotated
// reading. On other pages no line does.
void decide_flips_per_page(std::vector<LineJob>& jobs, std::size_t n_pages) {
  std::vector<std::size_t> n_votes(n_pages, 0), n_candidates(n_pages, 0);
  for (const LineJob& job : jobs) {
    if (!job.classified) continue;
    ++n_votes[job.page_index];
    n_candidates[job.page_index] += job.flip_candidate ? 1 : 0;
  }
  for (LineJob& job : jobs) {
    job.flip_candidate = n_votes[job.page_index] > 0 && 2 * n_candidates[job.page_index] >= n_votes[job.page_index];
  }
}

void recognize_lines(OcrModels& models, int batch_size, bool pad, const std::vector<std::string>& dictionary,
                     const AccentTable& accents, std::vector<LineJob>& jobs, TensorF& rec_in, TensorF& rec_out,
                     StageTimes& times) {
  // Group crops by their padded width (sorting by aspect ratio, as PaddleOCR
  // does, so a fixed-size batch carries little padding); results are written
  // back through the indices.
  std::map<int, std::vector<std::size_t>> by_width;
  for (std::size_t i = 0; i < jobs.size(); ++i) by_width[rec_bucket_width_px(jobs[i].crop)].push_back(i);
  for (const auto& [width_px, indices] : by_width) {
    const std::int64_t crop_floats = 3LL * kRecHeightPx * width_px;
    for (std::size_t start = 0; start < indices.size(); start += batch_size) {
      const std::size_t n = std::min<std::size_t>(batch_size, indices.size() - start);
      const std::int64_t n_slots = pad ? batch_size : static_cast<std::int64_t>(n);
      {
        ScopedTimer timer(&times.t_preprocess_ms);
        rec_in.reshape({n_slots, 3, kRecHeightPx, width_px});
        for (std::size_t k = 0; k < n; ++k) {
          to_recognizer_input(jobs[indices[start + k]].crop, width_px, rec_in.data.data() + k * crop_floats,
                              kRecWidthScale);
        }
        std::fill(rec_in.data.begin() + static_cast<std::ptrdiff_t>(n * crop_floats), rec_in.data.end(), 0.0f);
      }
      {
        ScopedTimer timer(&times.t_recognize_ms);
        models.recognize(rec_in, rec_out);
        logger()->debug("recognizer: {} lines at width {} px in {:.0f} ms", n, width_px, timer.elapsed_ms());
      }
      ScopedTimer timer(&times.t_postprocess_ms);
      const auto n_steps = static_cast<int>(rec_out.shape.at(1));
      const auto n_classes = static_cast<int>(rec_out.shape.at(2));
      if (n_classes != static_cast<int>(dictionary.size())) {
        throw Error(ErrorKind::kModel, fmt::format("recognizer has {} classes but the dictionary has {} entries "
                                                   "(models missing or corrupt: run scripts/setup)",
                                                   n_classes, dictionary.size()));
      }
      for (std::size_t k = 0; k < n; ++k) {
        jobs[indices[start + k]].result = ctc_greedy_decode(
            rec_out.data.data() + k * static_cast<std::size_t>(n_steps) * n_classes, n_steps, n_classes, dictionary,
            SpaceParams{}, &accents);
      }
    }
  }
}

}  // namespace

std::vector<PageResult> Engine::Impl::run_batch(Worker& worker, const std::vector<const Image*>& pages,
                                                int n_slots, StageTimes& times) {
  auto& [models, n_threads, max_batch_pages, det_in, det_out, cls_in, cls_out, rec_in, rec_out] = worker;
  if (!pad_batches) n_slots = static_cast<int>(pages.size());
  const std::int64_t side = canvas_px;
  const std::int64_t page_floats = 3 * side * side;
  // On a CPU a detector call per page: a batch of canvases does no less
  // arithmetic per page, and its activations (~300 B per canvas pixel) spill
  // out of the caches and fault in fresh memory (measured, 16 bench_ocr pages
  // at the 1280 canvas: detect 10.4 s in calls of 8 pages, 4.4 s one by one).
  // On CUDA the whole fixed-shape batch goes in one call.
  const std::size_t det_pages = pad_batches ? pages.size() : 1;
  std::vector<LineJob> jobs;
  for (std::size_t first = 0; first < pages.size(); first += det_pages) {
    const std::size_t n = std::min(det_pages, pages.size() - first);
    const std::int64_t det_slots = pad_batches ? n_slots : static_cast<std::int64_t>(n);
    std::vector<float> scales(n);
    {
      ScopedTimer timer(&times.t_preprocess_ms);
      det_in.reshape({det_slots, 3, side, side});
      for (std::size_t i = 0; i < n; ++i) {
        scales[i] = to_detector_canvas(*pages[first + i], canvas_px, det_in.data.data() + i * page_floats);
      }
      std::fill(det_in.data.begin() + static_cast<std::ptrdiff_t>(n * page_floats), det_in.data.end(), 0.0f);
    }
    {
      ScopedTimer timer(&times.t_detect_ms);
      models->detect(det_in, det_out);
    }
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<DbBox> boxes;
      {
        ScopedTimer timer(&times.t_postprocess_ms);
        boxes = db_boxes(det_out.data.data() + i * side * side, canvas_px, canvas_px, db);
      }
      ScopedTimer timer(&times.t_preprocess_ms);
      const Image& page = *pages[first + i];
      for (const auto& box : boxes) {
        LineJob job;
        job.page_index = first + i;
        job.quad = to_page_px(box.quad, scales[i], page.width_px, page.height_px);
        job.crop = crop_quad(page, extend_along_text(job.quad, kLineEndExtension, page.width_px, page.height_px));
        if (!job.crop.empty()) jobs.push_back(std::move(job));
      }
    }
  }
  if (options.angle_classifier) {
    classify_lines(*models, options.rec_batch_size, pad_batches, classifier_sample(jobs, pages.size()), jobs, cls_in,
                   cls_out, times);
    decide_flips_per_page(jobs, pages.size());
  }
  recognize_lines(*models, options.rec_batch_size, pad_batches, dictionary, accents, jobs, rec_in, rec_out, times);
  // The classifier squeezes a whole line into 192 px and then misjudges long
  // upright lines; its verdict only nominates a line for a second reading,
  // rotated, and the more confident reading wins.
  std::vector<LineJob> flipped;
  std::vector<std::size_t> flipped_of;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!jobs[i].flip_candidate) continue;
    LineJob job;
    job.crop = rotate_180(jobs[i].crop);
    flipped.push_back(std::move(job));
    flipped_of.push_back(i);
  }
  recognize_lines(*models, options.rec_batch_size, pad_batches, dictionary, accents, flipped, rec_in, rec_out,
                  times);
  for (std::size_t k = 0; k < flipped.size(); ++k) {
    auto& job = jobs[flipped_of[k]];
    if (mean_confidence(flipped[k].result) > mean_confidence(job.result)) {
      job.result = std::move(flipped[k].result);
      job.rotated_180 = true;
    }
  }

  std::vector<PageResult> results(pages.size());
  ScopedTimer timer(&times.t_postprocess_ms);
  std::vector<std::vector<CtcResult*>> page_readings(pages.size());
  for (auto& job : jobs) page_readings[job.page_index].push_back(&job.result);
  for (const auto& readings : page_readings) restore_page_accents(readings);
  std::vector<std::vector<TextLine>> lines(pages.size());
  for (auto& job : jobs) {
    if (job.result.text.empty()) continue;
    TextLine line;
    line.quad = job.quad;
    line.confidence = mean_confidence(job.result);
    line.text = std::move(job.result.text);
    line.char_confidences = std::move(job.result.char_confidences);
    line.rotated_180 = job.rotated_180;
    lines[job.page_index].push_back(std::move(line));
  }
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const int width_px = pages[i]->width_px;
    const int height_px = pages[i]->height_px;
    results[i].width_px = width_px;
    results[i].height_px = height_px;
    // Deskewed, and turned round when upside down (most lines read turned).
    ReadPage page = read_page(std::move(lines[i]), width_px, height_px);
    results[i].lines = std::move(page.lines);
    results[i].text = std::move(page.text);
  }
  return results;
}

std::vector<PageResult> Engine::Impl::run_pages(Worker& worker, const std::vector<const Image*>& pages,
                                                int n_slots, StageTimes& times) {
  int& max_batch_pages = worker.max_batch_pages;
  std::vector<PageResult> results;
  std::size_t start = 0;
  while (start < pages.size()) {
    const int slots = std::min(n_slots, max_batch_pages);
    const std::size_t n = std::min<std::size_t>(slots, pages.size() - start);
    const std::vector<const Image*> sub(pages.begin() + static_cast<std::ptrdiff_t>(start),
                                        pages.begin() + static_cast<std::ptrdiff_t>(start + n));
    try {
      if (const int attempt = ++n_batch_attempts; attempt == inject_oom_at_attempt) {
        throw OutOfMemoryError(
            fmt::format("out of memory (injected by the test hook at batch attempt {})", attempt));
      }
      auto sub_results = run_batch(worker, sub, slots, times);
      for (auto& r : sub_results) results.push_back(std::move(r));
      start += n;
    } catch (const OutOfMemoryError& e) {
      if (slots == 1) throw;
      max_batch_pages = slots / 2;
      logger()->warn("{}: retrying the same {} page(s) in batches of {} (was {})", e.what(), n, max_batch_pages,
                     slots);
    }
  }
  return results;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
// On CUDA the caching allocator's peaks, the figure scripts/gpu_check tabulates
// (LibTorch's C++ API has no torch.cuda.max_memory_allocated).
Engine::~Engine() {
  if (!impl_) return;
  for (const auto& worker : impl_->workers) {
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
  impl->db.threshold = static_cast<float>(options.det_threshold);
  impl->db.box_threshold = static_cast<float>(options.box_threshold);
  impl->db.unclip_ratio = static_cast<float>(options.unclip_ratio);

  // Replicas: one per listed GPU (--device cuda:0,cuda:1), or --workers of
  // them on one device, the cores shared out between CPU workers.
  const std::vector<std::string> devices = split_device_list(options.device);
  const int n_workers = std::max<int>(options.workers, static_cast<int>(devices.size()));
  const int n_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int n_threads_total = options.threads > 0 ? options.threads : n_cores;
  ModelConfig model_config;
  model_config.dir = options.model_dir.empty() ? std::filesystem::path("models") : std::filesystem::path(options.model_dir);
  model_config.precision = options.precision;
  model_config.n_threads = std::max(1, n_threads_total / n_workers);
  model_config.gpu_memory_fraction = options.gpu_memory_fraction;
  model_config.allow_tf32 = options.tf32;
  for (int w = 0; w < n_workers; ++w) {
    auto worker = std::make_unique<Worker>();
    model_config.device = devices[static_cast<std::size_t>(w) % devices.size()];
    worker->models = OcrModels::load(model_config);
    worker->n_threads = model_config.n_threads;
    impl->workers.push_back(std::move(worker));
  }
  const OcrModels& first = *impl->workers.front()->models;
  const auto dictionary = load_dictionary(first.dictionary_path().string());
  const auto class_ids = charset_classes(dictionary, options.charset);
  impl->dictionary = subset_dictionary(dictionary, class_ids);
  impl->accents = accent_table(impl->dictionary);
  for (auto& worker : impl->workers) {
    worker->models->restrict_recognizer_classes(class_ids);
  }
  logger()->debug("Recognizer: charset {} ({} of {} classes)", options.charset, class_ids.size(),
                  dictionary.size());
  impl->pad_batches = first.device_name() != "cpu";

  MemoryInputs memory;
  memory.requested_batch = options.batch_size;
  memory.cuda = impl->pad_batches;
  memory.device_free_bytes = first.device_free_bytes();
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
  logger()->info("Batch size {}, {} page(s) queued ({})", plan.batch_pages, plan.queue_pages, plan.reason);
  std::string device_names;
  for (const auto& worker : impl->workers) {
    device_names += (device_names.empty() ? "" : ",") + worker->models->device_name();
  }
  logger()->info("Engine ready: {} worker(s) on {} ({} thread(s) each), mode {} ({} px canvas), batch size {}, "
                 "recognizer batch size {}",
                 n_workers, device_names, model_config.n_threads, options.mode, impl->canvas_px,
                 impl->options.batch_size, options.rec_batch_size);
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

void Engine::inject_out_of_memory_at_batch(int attempt) { impl_->inject_oom_at_attempt = attempt; }

void Engine::inject_render_stall(int page_number, int stall_ms) {
  impl_->stall_page_number = page_number;
  impl_->stall_ms = stall_ms;
}

std::string Engine::device_name() const { return impl_->workers.front()->models->device_name(); }
const Options& Engine::options() const { return impl_->options; }

void tune_process_allocator() {
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
}

std::filesystem::path resolve_model_dir(const Options& options, const std::filesystem::path& cache_home) {
  if (!options.model_dir.empty()) return options.model_dir;
  if (std::filesystem::exists("models/manifest.json")) return "models";
  return cache_home / "deepcompress" / "models";
}

}  // namespace deepcompress
