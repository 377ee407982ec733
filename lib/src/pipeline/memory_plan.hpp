#pragma once
// How many pages go into one model batch and how many wait in the render
// queue, from the device, the memory available and --max-memory.
#include <cstdint>
#include <string>
#include <string_view>

namespace deepcompress {

// Working memory of one page in the detector: ~300 bytes per canvas pixel,
// measured with the converted model on CPU (471 MB/page at 1280 px, 280 MB
// at 960 px; peak RSS over batches of 1-4).
std::uint64_t detector_bytes_per_page(int canvas_px);

// A rendered letter-size page at dpi, 3 bytes per pixel.
std::uint64_t page_image_bytes(int dpi);

// Parses "2G", "512M", "1.5G", "4096K" or plain bytes (powers of 1024).
// Returns 0 for an empty string; throws Error(kConfig) naming the text if bad.
std::uint64_t parse_size_bytes(std::string_view text);

struct MemoryInputs {
  int requested_batch = 8;             // 0 = auto
  bool cuda = false;
  std::uint64_t device_free_bytes = 0; // CUDA only; 0 = unknown
  double gpu_memory_fraction = 0.9;
  std::uint64_t host_available_bytes = 0;
  int n_cores = 1;
  int n_workers = 1;                   // model replicas sharing this memory (each runs a batch)
  std::uint64_t max_memory_bytes = 0;  // 0 = no cap
  int canvas_px = 1280;
  int dpi = 200;
};

struct MemoryPlan {
  int batch_pages = 1;   // pages per model batch, 1..64
  int queue_pages = 2;   // rendered pages waiting for a batch, >= 1
  std::string reason;    // one line for the log: how the numbers were chosen
  // Estimated peak resident memory of the process with this plan: models and
  // runtime per worker plus each page's working memory. Host memory on a CPU;
  // on CUDA the pages' part is device memory.
  std::uint64_t estimate_bytes = 0;
  // --max-memory is below the estimate for one page: the run goes on one page
  // at a time and may exceed the cap (the caller warns).
  bool over_cap = false;
};

// Pure function of its inputs (testable without a device).
MemoryPlan plan_memory(const MemoryInputs& in);

// MemAvailable from /proc/meminfo, else physical memory; 0 if unknown.
std::uint64_t host_available_bytes();

}  // namespace deepcompress
