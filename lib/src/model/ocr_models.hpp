#pragma once
// The three TorchScript OCR models (detector, angle classifier, recognizer),
// loaded once and read-only afterwards. Inputs and outputs are plain float
// buffers so that no LibTorch header leaks outside src/model/.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "deepcompress/error.hpp"

namespace deepcompress {

// The device (or host) ran out of memory during inference: the caller may
// retry with a smaller batch. CUDA OOM arrives as c10::Error, host OOM as
// std::bad_alloc; both are translated into this.
class OutOfMemoryError : public Error {
 public:
  explicit OutOfMemoryError(std::string message) : Error(ErrorKind::kModel, std::move(message)) {}
};

// A dense float32 tensor in row-major order.
struct TensorF {
  std::vector<std::int64_t> shape;
  std::vector<float> data;
  std::int64_t numel() const;
  // Sets the shape and resizes data (reusing its capacity).
  void reshape(std::vector<std::int64_t> new_shape);
};

struct ModelConfig {
  std::filesystem::path dir;      // holds manifest.json, det.pt, cls.pt, rec.pt, ppocr_keys_v1.txt
  std::string device = "auto";    // auto | cpu | cuda | cuda:N
  // auto | fp32 | fp16 | bf16. auto: on a CPU with native bf16 the faster of
  // bf16 and fp32, measured on these models (remembered in facts_dir); else fp32.
  std::string precision = "auto";
  std::filesystem::path facts_dir;  // where CPU measurements are remembered; empty: measured per process
  bool fuse_convolutions = true;  // CPU: run convolutions fused with their activations through oneDNN
  int n_threads = 0;              // intra-op threads on CPU; 0 = hardware concurrency
  double gpu_memory_fraction = 0.9;  // CUDA: cap of the caching allocator, share of the device's memory, (0,1]
  bool allow_tf32 = false;        // CUDA fp32: cuDNN convolutions and cuBLAS products may run in TF32
};

// The device kind ("cpu" or "cuda") and precision ("fp32", "bf16" or "fp16")
// that OcrModels::load picks for config; a request load() would refuse comes
// back as written. Precision auto on a CPU with native bf16 is the remembered
// verdict (config.facts_dir), else measured now on the models and remembered
// (seconds, once per CPU): throws Error(kModel) then if the models are missing.
struct ResolvedCompute {
  std::string device_kind;
  std::string precision;
};
ResolvedCompute resolve_model_compute(const ModelConfig& config);

// Memory of one CUDA device; all zero on CPU or when unknown.
struct DeviceMemory {
  std::uint64_t free_bytes = 0;            // cudaMemGetInfo, now
  std::uint64_t total_bytes = 0;
  std::uint64_t peak_allocated_bytes = 0;  // caching allocator: most bytes in tensors at once
  std::uint64_t peak_reserved_bytes = 0;   // caching allocator: most bytes held from the driver
};

// Whether this build links LibTorch's CUDA runtime (a CUDA LibTorch): only
// then are device_memory() and the --gpu-memory-fraction cap real.
bool cuda_runtime_linked();

class OcrModels {
 public:
  struct Impl;
  // Verifies manifest.json (every file present with its sha256), picks the
  // device and loads the models. Throws Error(kModel) with a message telling
  // the user to run scripts/setup when files are missing or corrupt, and
  // Error(kModel) when the device or precision cannot be used here.
  static std::unique_ptr<OcrModels> load(const ModelConfig& config);
  ~OcrModels();

  // [N,3,H,W] normalized pages -> [N,1,H,W] text probabilities.
  void detect(const TensorF& input, TensorF& output);
  // [N,3,48,192] crops -> [N,2] probabilities (upright, rotated 180 degrees).
  void classify(const TensorF& input, TensorF& output);
  // [N,3,48,W] crops -> [N,T,K] CTC probabilities over the recognizer's
  // classes, or over those chosen by restrict_recognizer_classes().
  void recognize(const TensorF& input, TensorF& output);
  // From now on recognize() scores only these classes (ids into the model's
  // dictionary, blank 0 first), softmax over them alone; empty = all. The
  // head is sliced once here, so fewer classes cost less per call.
  void restrict_recognizer_classes(const std::vector<int>& class_ids);

  // The dictionary path (ppocr_keys_v1.txt) that matches the recognizer.
  std::filesystem::path dictionary_path() const;
  // "cpu" or "cuda:N".
  std::string device_name() const;
  // The precision the models run in: "fp32", "bf16" or "fp16" (auto resolved).
  std::string precision() const;
  // Convolutions running fused through oneDNN (0 on CUDA or when unfused).
  int n_fused_convolutions() const;
  // Free memory on the CUDA device in bytes; 0 on CPU or when unknown
  // (callers must treat 0 as unknown, not as full).
  std::uint64_t device_free_bytes() const;
  // The device's memory and the caching allocator's peaks; zeros on CPU or
  // in a build without the CUDA runtime.
  DeviceMemory device_memory() const;

 private:
  explicit OcrModels(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Intra-op CPU threads for inference started from the calling thread (OpenMP
// keeps the count per calling thread, so each worker thread sets its own);
// 0 = hardware concurrency.
void set_inference_threads(int n_threads);

// Checks dir/manifest.json against the files' sha256. Returns an empty string
// when everything matches, else a one-line description of the first problem.
std::string verify_model_manifest(const std::filesystem::path& dir);

}  // namespace deepcompress
