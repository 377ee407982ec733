// The only translation unit that includes LibTorch (slow to compile: keep it small).
#include "model/ocr_models.hpp"

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/script.h>
#include <torch/version.h>

#ifdef DEEPCOMPRESS_WITH_CUDA
// Only in a build against a CUDA LibTorch (lib/CMakeLists.txt): the caching
// allocator's cap and statistics, and the runtime that LibTorch itself links.
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>
#endif

#include <dlfcn.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>

#include "common/log.hpp"
#include "deepcompress/error.hpp"
#include "common/sha256.hpp"
#include "model/cpu_probe.hpp"
#include "model/fused_conv.hpp"

namespace deepcompress {
namespace {

torch::Device choose_device(const std::string& requested) {
  const bool have_cuda = torch::cuda::is_available();
  if (requested == "auto") {
    auto device = have_cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    logger()->info("Device: {} (auto: CUDA {})", device.str(), have_cuda ? "available" : "not available");
    return device;
  }
  if (requested == "cpu") return torch::Device(torch::kCPU);
  if (requested.rfind("cuda", 0) == 0) {
    if (!have_cuda) {
      throw Error(ErrorKind::kModel,
                  fmt::format("device '{}' requested but CUDA is not available in this build or machine "
                              "(use --device cpu or auto)", requested));
    }
    torch::Device device(requested == "cuda" ? std::string("cuda:0") : requested);
    if (device.index() >= static_cast<int>(torch::cuda::device_count())) {
      throw Error(ErrorKind::kModel, fmt::format("device '{}' requested but only {} CUDA device(s) exist",
                                                 requested, torch::cuda::device_count()));
    }
    return device;
  }
  throw Error(ErrorKind::kModel, fmt::format("unknown device '{}'", requested));
}

// Whether bf16 is native here, decided once per process before the first
// convolution. oneDNN may use AMX only where a child process ran an AMX bf16
// convolution (remembered per CPU model in facts): on a CPU whose AMX kernels
// crash that costs a child, never this process. Elsewhere oneDNN is capped
// below AMX (fp32 never uses AMX, so the cap costs fp32 nothing).
bool cpu_bf16_usable(CpuFacts& facts) {
  static const bool usable = [&facts] {
    bool amx = request_amx_tile_state();
    if (amx) {
      const auto known = facts.get("amx_bf16");
      amx = known ? *known == "works" : survives_in_child(run_full_isa_bf16_convolution, 60000);
      if (!known) facts.set("amx_bf16", amx ? "works" : "fails");
      logger()->info("AMX bf16: {} ({})", amx ? "works" : "fails, oneDNN capped below AMX",
                     known ? "remembered in " + facts.path().string() : std::string("probed in a child process"));
    }
    if (!amx && !cap_onednn_isa_below_amx()) return false;
    return cpu_has_native_bf16();
  }();
  return usable;
}

const char* dtype_name(torch::ScalarType dtype) {
  return dtype == torch::kBFloat16 ? "bf16" : dtype == torch::kFloat16 ? "fp16" : "fp32";
}

// An explicit precision, checked against what the device can run. cpu_bf16:
// bf16 is native on this CPU and the convolutions are fused (unfused,
// LibTorch's bf16 elementwise passes eat most of the gain).
torch::ScalarType explicit_dtype(const std::string& precision, const torch::Device& device, bool cpu_bf16) {
  const bool cpu = !device.is_cuda();
  if (precision == "fp32") return torch::kFloat32;
  if (precision == "fp16") {
    if (cpu) throw Error(ErrorKind::kModel, "precision fp16 needs a CUDA device; on CPU use --precision auto, bf16 or fp32");
    return torch::kFloat16;
  }
  if (precision == "bf16") {
    if (cpu && !cpu_bf16) {
      throw Error(ErrorKind::kModel,
                  "precision bf16 on CPU needs native bf16 instructions (AVX512-BF16) and oneDNN fused "
                  "convolutions; this CPU or build lacks them: use --precision auto or fp32");
    }
    return torch::kBFloat16;
  }
  throw Error(ErrorKind::kModel, fmt::format("unknown precision '{}'", precision));
}

}  // namespace

struct OcrModels::Impl {
  std::filesystem::path dir;
  torch::Device device{torch::kCPU};
  torch::ScalarType dtype = torch::kFloat32;
  bool fuse = true;  // CPU: fused oneDNN convolutions (fused_conv.hpp)
  int n_fused = 0;
  torch::jit::Module det, cls, rec;
  // The recognizer's classifier head (rec.features() -> head -> softmax),
  // sliced to the classes in use.
  torch::Tensor head_weight, head_bias;

  // Slices the recognizer's head to these classes (empty = all of them).
  void restrict_head(const std::vector<int>& class_ids) {
    c10::InferenceMode guard;
    const auto weight = rec.attr("head_weight").toTensor().to(torch::kFloat32);
    const auto bias = rec.attr("head_bias").toTensor().to(torch::kFloat32);
    if (class_ids.empty()) {
      head_weight = weight;
      head_bias = bias;
      return;
    }
    for (const int id : class_ids) {
      if (id < 0 || id >= weight.size(0)) {
        throw Error(ErrorKind::kModel, fmt::format("recognizer class {} out of range (0..{})", id, weight.size(0) - 1));
      }
    }
    std::vector<std::int64_t> ids(class_ids.begin(), class_ids.end());
    const auto index = torch::tensor(ids, torch::kLong).to(weight.device());
    head_weight = weight.index_select(0, index).contiguous();
    head_bias = bias.index_select(0, index).contiguous();
  }
  // CUDA only: pinned host buffer the inputs are staged in, reused across
  // calls (grown when needed). Safe to overwrite on the next call: each call
  // ends with a blocking copy back, so no earlier upload is still reading it.
  torch::Tensor staging;

  torch::jit::Module load_module(const std::string& name) {
    const auto path = dir / name;
    try {
      auto module = torch::jit::load(path.string(), device);
      module.eval();
      if (dtype != torch::kFloat32) module.to(dtype);
      if (fuse && !device.is_cuda()) {
        const int n = fuse_convolutions(module, name == "rec.pt" ? "features" : "forward");
        logger()->debug("{}: {} convolutions fused", name, n);
        n_fused += n;
      }
      return module;
    } catch (const c10::Error& e) {
      throw Error(ErrorKind::kModel,
                  fmt::format("cannot load model: {} (models missing or corrupt: run scripts/setup)",
                              e.what_without_backtrace()),
                  path.string());
    }
  }

  // Runs a module on a host buffer. On CUDA the input goes through the pinned
  // staging buffer with a non-blocking copy, and the copy back synchronizes,
  // so a timer stopped after this call includes the device work.
  void run(torch::jit::Module& module, const TensorF& input, TensorF& output, bool recognizer = false) {
    c10::InferenceMode guard;
    auto host = torch::from_blob(const_cast<float*>(input.data.data()), input.shape, torch::kFloat32);
    torch::Tensor x;
    if (device.is_cuda()) {
      const std::int64_t n = host.numel();
      if (!staging.defined() || staging.numel() < n) {
        staging = torch::empty({n}, torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(true));
      }
      torch::Tensor pinned = staging.narrow(0, 0, n).view(host.sizes());
      pinned.copy_(host);
      x = pinned.to(device, dtype, /*non_blocking=*/true);
    } else {
      x = dtype == torch::kFloat32 ? host : host.to(dtype);
    }
    torch::Tensor y;
    try {
      if (recognizer) {
        // The head runs in fp32 (its weights are sliced copies in fp32).
        auto features = module.get_method("features")({x}).toTensor().to(torch::kFloat32);
        y = torch::softmax(torch::linear(features, head_weight, head_bias), -1);
      } else {
        y = module.forward({x}).toTensor();
      }
    } catch (const c10::Error& e) {
      const std::string what = e.what_without_backtrace();
      if (what.find("out of memory") != std::string::npos) {
        throw OutOfMemoryError(fmt::format("out of memory on {} for input {}", device.str(),
                                           fmt::join(input.shape, "x")));
      }
      throw Error(ErrorKind::kModel, fmt::format("inference failed on input {}: {}", fmt::join(input.shape, "x"), what));
    } catch (const std::bad_alloc&) {
      throw OutOfMemoryError(fmt::format("out of host memory for input {}", fmt::join(input.shape, "x")));
    }
    y = y.to(torch::kCPU, torch::kFloat32).contiguous();
    output.reshape(y.sizes().vec());
    std::memcpy(output.data.data(), y.data_ptr<float>(), sizeof(float) * output.data.size());
  }

  // After the models are on the device (LibTorch has initialised CUDA and its
  // allocator by then): the memory cap and the TF32 choice, both process-wide
  // per device, so every worker on a device sets the same values.
  void configure_cuda(const ModelConfig& config) {
    // cuDNN convolutions and cuBLAS products run "fp32" in TF32 on Ampere and
    // later unless told otherwise; LibTorch's default allows it for cuDNN only.
    at::globalContext().setAllowTF32CuDNN(config.allow_tf32);
    at::globalContext().setAllowTF32CuBLAS(config.allow_tf32);
#ifdef DEEPCOMPRESS_WITH_CUDA
    try {
      c10::cuda::CUDACachingAllocator::setMemoryFraction(config.gpu_memory_fraction,
                                                         static_cast<c10::DeviceIndex>(device.index()));
    } catch (const c10::Error& e) {
      throw Error(ErrorKind::kModel, fmt::format("cannot cap GPU memory at {} of {}: {}", config.gpu_memory_fraction,
                                                 device.str(), e.what_without_backtrace()));
    }
    logger()->info("GPU memory: {} capped at {:.2f} of its memory (caching allocator), TF32 {}", device.str(),
                   config.gpu_memory_fraction, config.allow_tf32 ? "on" : "off");
#else
    logger()->warn("GPU memory: {} not capped: this build does not link LibTorch's CUDA runtime", device.str());
#endif
  }
};

OcrModels::OcrModels(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OcrModels::~OcrModels() = default;

namespace {

std::unique_ptr<OcrModels::Impl> load_impl(const ModelConfig& config, torch::Device device, bool fuse,
                                           torch::ScalarType dtype);

void prepare_inference(const ModelConfig& config) {
  set_inference_threads(config.n_threads);
  // Shapes vary (recognizer widths, batch sizes); the profiling executor would
  // re-profile and re-optimize per new shape. Plain interpretation of these
  // conv-only graphs is as fast and predictable.
  torch::jit::setGraphExecutorOptimize(false);
}

// Milliseconds of a fixed workload (one 640 px detector canvas, 8 recognizer
// lines of 512 px) on impl's models: best of 3 after a warm-up call.
double workload_ms(OcrModels::Impl& impl) {
  c10::InferenceMode guard;
  const auto det_in = torch::rand({1, 3, 640, 640}).to(impl.dtype);
  const auto rec_in = torch::rand({8, 3, 48, 512}).to(impl.dtype);
  double best_ms = std::numeric_limits<double>::infinity();
  for (int i = 0; i < 4; ++i) {
    const auto start = std::chrono::steady_clock::now();
    (void)impl.det.forward({det_in});
    (void)impl.rec.get_method("features")({rec_in});
    const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
    if (i > 0) best_ms = std::min(best_ms, elapsed.count());
  }
  return best_ms;
}

// --precision auto on a CPU with native bf16: the faster of fp32 and bf16 on
// these models, measured once per CPU model, model set and thread count and
// remembered in facts. bf16 must win by 5%: fp32 is the reference text.
std::string precision_fact(const ModelConfig& config) {
  return fmt::format("precision models={} threads={}", sha256_file_hex(config.dir / "manifest.json").substr(0, 16),
                     config.n_threads);
}

std::unique_ptr<OcrModels::Impl> load_fastest(const ModelConfig& config, torch::Device device, CpuFacts& facts) {
  const std::string key = precision_fact(config);
  if (const auto known = facts.get(key)) {
    const bool bf16 = known->rfind("bf16", 0) == 0;
    logger()->info("Precision: {} (auto: {}, remembered in {})", bf16 ? "bf16" : "fp32", *known, facts.path().string());
    return load_impl(config, device, true, bf16 ? torch::kBFloat16 : torch::kFloat32);
  }
  auto fp32 = load_impl(config, device, true, torch::kFloat32);
  auto bf16 = load_impl(config, device, true, torch::kBFloat16);
  const double fp32_ms = workload_ms(*fp32);
  const double bf16_ms = workload_ms(*bf16);
  const bool pick_bf16 = bf16_ms < 0.95 * fp32_ms;
  const std::string verdict = fmt::format("{}: bf16 {:.0f} ms, fp32 {:.0f} ms on {}", pick_bf16 ? "bf16" : "fp32",
                                          bf16_ms, fp32_ms, cpu_model_name());
  facts.set(key, verdict);
  logger()->info("Precision: {} (auto, measured: {})", pick_bf16 ? "bf16" : "fp32", verdict);
  return pick_bf16 ? std::move(bf16) : std::move(fp32);
}

std::unique_ptr<OcrModels::Impl> load_impl(const ModelConfig& config, torch::Device device, bool fuse,
                                           torch::ScalarType dtype) {
  auto impl = std::make_unique<OcrModels::Impl>();
  impl->dir = config.dir;
  impl->device = device;
  impl->fuse = fuse;
  impl->dtype = dtype;
  impl->det = impl->load_module("det.pt");
  impl->cls = impl->load_module("cls.pt");
  impl->rec = impl->load_module("rec.pt");
  if (impl->device.is_cuda()) impl->configure_cuda(config);
  try {
    (void)impl->rec.get_method("features");
    impl->restrict_head({});
  } catch (const c10::Error& e) {
    throw Error(ErrorKind::kModel,
                fmt::format("recognizer has no features()/head (converted by an older scripts/convert_models.py: "
                            "run scripts/setup): {}", e.what_without_backtrace()),
                (config.dir / "rec.pt").string());
  }
  return impl;
}

}  // namespace

std::unique_ptr<OcrModels> OcrModels::load(const ModelConfig& config) {
  if (const auto problem = verify_model_manifest(config.dir); !problem.empty()) {
    throw Error(ErrorKind::kModel, fmt::format("models missing or corrupt: {}: run scripts/setup", problem));
  }
  CpuFacts facts(config.facts_dir);
  const bool bf16_native = cpu_bf16_usable(facts);  // first: decides oneDNN's ISA before any convolution
  const torch::Device device = choose_device(config.device);
  const bool fuse = config.fuse_convolutions && fused_convolutions_available();
  const bool cpu_bf16 = bf16_native && fuse && !device.is_cuda();
  prepare_inference(config);
  std::unique_ptr<Impl> impl;
  if (config.precision != "auto") {
    impl = load_impl(config, device, fuse, explicit_dtype(config.precision, device, cpu_bf16));
  } else if (cpu_bf16) {
    impl = load_fastest(config, device, facts);
  } else {
    // CUDA stays fp32 under auto: no GPU figure was ever measured here.
    logger()->info("Precision: fp32 (auto: {})", device.is_cuda() ? "fp32 on CUDA" : "CPU without native bf16");
    impl = load_impl(config, device, fuse, torch::kFloat32);
  }
  logger()->debug("Models loaded from {} on {} ({} threads, {})", config.dir.string(), impl->device.str(),
                  at::get_num_threads(), dtype_name(impl->dtype));
  return std::unique_ptr<OcrModels>(new OcrModels(std::move(impl)));
}

ResolvedCompute resolve_model_compute(const ModelConfig& config) {
  const bool cuda = config.device == "auto" ? torch::cuda::is_available() : config.device.rfind("cuda", 0) == 0;
  ResolvedCompute out{cuda ? "cuda" : "cpu", config.precision};
  if (config.precision != "auto") return out;
  out.precision = "fp32";
  CpuFacts facts(config.facts_dir);
  if (cuda || !cpu_bf16_usable(facts) || !config.fuse_convolutions || !fused_convolutions_available()) return out;
  if (const auto known = facts.get(precision_fact(config))) {
    out.precision = known->rfind("bf16", 0) == 0 ? "bf16" : "fp32";
    return out;
  }
  if (const auto problem = verify_model_manifest(config.dir); !problem.empty()) {
    throw Error(ErrorKind::kModel, fmt::format("models missing or corrupt: {}: run scripts/setup", problem));
  }
  prepare_inference(config);
  out.precision = dtype_name(load_fastest(config, torch::Device(torch::kCPU), facts)->dtype);
  return out;
}

void OcrModels::detect(const TensorF& input, TensorF& output) { impl_->run(impl_->det, input, output); }
void OcrModels::classify(const TensorF& input, TensorF& output) { impl_->run(impl_->cls, input, output); }
void OcrModels::recognize(const TensorF& input, TensorF& output) { impl_->run(impl_->rec, input, output, true); }

void OcrModels::restrict_recognizer_classes(const std::vector<int>& class_ids) { impl_->restrict_head(class_ids); }

std::filesystem::path OcrModels::dictionary_path() const { return impl_->dir / "ppocr_keys_v1.txt"; }
std::string OcrModels::device_name() const { return impl_->device.str(); }
int OcrModels::n_fused_convolutions() const { return impl_->n_fused; }
std::string OcrModels::precision() const { return dtype_name(impl_->dtype); }

#ifdef DEEPCOMPRESS_WITH_CUDA
namespace {

// The caching allocator's statistics for a device (peaks since the process began).
DeviceMemory cuda_memory(const torch::Device& device) {
  DeviceMemory memory;
  const auto index = static_cast<c10::DeviceIndex>(device.index());
  std::size_t free_bytes = 0, total_bytes = 0;
  int previous = 0;
  if (cudaGetDevice(&previous) == cudaSuccess && cudaSetDevice(index) == cudaSuccess) {
    if (cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
      memory.free_bytes = free_bytes;
      memory.total_bytes = total_bytes;
    }
    cudaSetDevice(previous);
  }
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
  memory.peak_allocated_bytes = static_cast<std::uint64_t>(stats.allocated_bytes[0].peak);  // [0]: all pools
  memory.peak_reserved_bytes = static_cast<std::uint64_t>(stats.reserved_bytes[0].peak);
  return memory;
}

}  // namespace
#endif

bool cuda_runtime_linked() {
#ifdef DEEPCOMPRESS_WITH_CUDA
  return true;
#else
  return false;
#endif
}

DeviceMemory OcrModels::device_memory() const {
  if (!impl_->device.is_cuda()) return {};
#ifdef DEEPCOMPRESS_WITH_CUDA
  return cuda_memory(impl_->device);
#else
  return {};  // a CPU LibTorch has no CUDA device to query
#endif
}

std::uint64_t OcrModels::device_free_bytes() const { return device_memory().free_bytes; }

namespace {

// OpenBLAS (Debian's libblas.so.3 alternative, which LibTorch calls for the
// recognizer's attention products) keeps a thread pool of its own. Called from
// inside LibTorch's OpenMP work, its threads fight the OpenMP threads for the
// cores while those spin at their barriers. Measured on 8 bench_ocr pages, 2
// cores: recognizer 14.2 s with OpenBLAS threads, 9.8 s without. Looked up at
// run time: another BLAS, or none, is left alone.
void single_threaded_blas() {
  using SetThreads = void (*)(int);
  for (const char* name : {"libblas.so.3", "libopenblas.so.0"}) {
    void* lib = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);  // only a library already loaded
    if (lib == nullptr) continue;
    if (auto set = reinterpret_cast<SetThreads>(dlsym(lib, "openblas_set_num_threads"))) set(1);
    dlclose(lib);
  }
}

}  // namespace

void set_inference_threads(int n_threads) {
  // Inter-op threads can be set only once per process, before any parallel work.
  static std::once_flag once;
  std::call_once(once, [] {
    at::set_num_interop_threads(1);
    single_threaded_blas();
  });
  const int n = n_threads > 0 ? n_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(n);
}

}  // namespace deepcompress
