#include "pipeline/memory_plan.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>

#include "deepcompress/error.hpp"

namespace deepcompress {
namespace {

constexpr double kDetectorBytesPerCanvasPx = 300.0;
// Loaded models plus the runtime: a fixed cost before any page.
constexpr std::uint64_t kModelBytes = 300ULL << 20;
// Rendered pages waiting per batch slot: two batches keep the models fed.
constexpr int kQueuedBatches = 2;
constexpr int kMaxBatch = 64;
// CUDA batch when the free device memory cannot be read: Options' default.
constexpr int kUnknownFreeBatch = 8;

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

}  // namespace

std::uint64_t detector_bytes_per_page(int canvas_px) {
  return static_cast<std::uint64_t>(kDetectorBytesPerCanvasPx * canvas_px * canvas_px);
}

std::uint64_t page_image_bytes(int dpi) {
  const double scale = dpi / 72.0;
  return static_cast<std::uint64_t>(612 * scale) * static_cast<std::uint64_t>(792 * scale) * 3;
}

std::uint64_t parse_size_bytes(std::string_view text) {
  if (text.empty()) return 0;
  double multiplier = 1;
  std::string_view number = text;
  switch (text.back()) {
    case 'K': case 'k': multiplier = 1ULL << 10; break;
    case 'M': case 'm': multiplier = 1ULL << 20; break;
    case 'G': case 'g': multiplier = 1ULL << 30; break;
    case 'T': case 't': multiplier = static_cast<double>(1ULL << 40); break;
    default: break;
  }
  if (multiplier != 1) number.remove_suffix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size() || !std::isfinite(value) ||
      value <= 0) {
    throw Error(ErrorKind::kConfig, fmt::format("'{}' is not a size such as 2G, 512M or 1.5G", text));
  }
  return static_cast<std::uint64_t>(value * multiplier);
}

MemoryPlan plan_memory(const MemoryInputs& in) {
  MemoryPlan plan;
  const std::uint64_t per_infer = detector_bytes_per_page(in.canvas_px);
  const std::uint64_t per_image = page_image_bytes(in.dpi);
  const std::uint64_t per_page = per_infer + (1 + kQueuedBatches) * per_image;
  // Each replica runs its own batch, so the budgets below are shared out.
  const std::uint64_t n_workers = static_cast<std::uint64_t>(std::max(1, in.n_workers));
  if (in.requested_batch > 0) {
    plan.batch_pages = in.requested_batch;
    plan.reason = fmt::format("batch size {} as configured", in.requested_batch);
  } else if (in.cuda && in.device_free_bytes == 0) {
    // Unknown is not "no memory": batch 1 would waste the GPU. Take the
    // default batch; an out-of-memory error still halves it at run time.
    plan.batch_pages = kUnknownFreeBatch;
    plan.reason = fmt::format("auto: free GPU memory unknown (not measurable in this build): batch {}, the default; "
                              "set --batch-size to choose",
                              kUnknownFreeBatch);
  } else if (in.cuda) {
    const auto budget = static_cast<std::uint64_t>(static_cast<double>(in.device_free_bytes) * in.gpu_memory_fraction);
    plan.batch_pages = static_cast<int>(std::clamp<std::uint64_t>(budget / n_workers / per_infer, 1, kMaxBatch));
    plan.reason = fmt::format("auto: {:.0f} MiB free on the GPU x {} / {} worker(s) / {:.0f} MiB per page at a {} px canvas",
                              mib(in.device_free_bytes), in.gpu_memory_fraction, n_workers, mib(per_infer), in.canvas_px);
  } else {
    // On a CPU the intra-op threads already use every core for one page and
    // batches are not padded, so larger batches buy little speed: two pages
    // per core keeps the render thread ahead, host memory permitting.
    const int by_cores = std::clamp(2 * in.n_cores / static_cast<int>(n_workers), 1, kMaxBatch);
    const std::uint64_t usable = in.host_available_bytes / 2 / n_workers;
    const int by_memory = static_cast<int>(std::clamp<std::uint64_t>(usable / per_page, 1, kMaxBatch));
    plan.batch_pages = std::min(by_cores, by_memory);
    plan.reason = fmt::format("auto: CPU with {} cores and {} worker(s) -> {}, half of {:.0f} MiB available / {} "
                              "worker(s) / {:.0f} MiB per page -> {}",
                              in.n_cores, n_workers, by_cores, mib(in.host_available_bytes), n_workers, mib(per_page),
                              by_memory);
  }
  plan.queue_pages = kQueuedBatches * plan.batch_pages;
  if (in.max_memory_bytes > 0) {
    const std::uint64_t models = n_workers * kModelBytes;
    const std::uint64_t usable = in.max_memory_bytes > models ? in.max_memory_bytes - models : 0;
    const int fit = static_cast<int>(std::min<std::uint64_t>(usable / n_workers / per_page, kMaxBatch));
    if (fit < 1) {
      plan.batch_pages = 1;
      plan.queue_pages = 1;
      plan.over_cap = true;
      plan.reason += fmt::format("; --max-memory {:.0f} MiB is below what one page needs (~{:.0f} MiB): "
                                 "running one page at a time",
                                 mib(in.max_memory_bytes), mib(kModelBytes + per_infer + 2 * per_image));
    } else if (fit < plan.batch_pages) {
      plan.batch_pages = fit;
      plan.queue_pages = kQueuedBatches * fit;
      plan.reason += fmt::format("; capped to {} by --max-memory {:.0f} MiB", fit, mib(in.max_memory_bytes));
    }
  }
  plan.estimate_bytes = n_workers * (kModelBytes + static_cast<std::uint64_t>(plan.batch_pages) * per_page);
  return plan;
}

std::uint64_t host_available_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) : 0;
}

}  // namespace deepcompress
