// Fused convolutions through oneDNN (see fused_conv.hpp).
#include "model/fused_conv.hpp"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/library.h>
#include <torch/version.h>

#include <bit>
#include <cfloat>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#ifdef DEEPCOMPRESS_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif


// LibTorch 1.13 has its own c10::optional; 2.x makes it a deprecated alias
// of std::optional, which its operator schemas use.
#if TORCH_VERSION_MAJOR >= 2
using OptionalTensor = std::optional<at::Tensor>;
#else
using OptionalTensor = c10::optional<at::Tensor>;
#endif

namespace deepcompress {
namespace {

// Post-op kinds of deepcompress::conv2d_post; each takes two parameters.
enum PostKind : std::int64_t {
  kHardswish = 1,  // x * relu6(x + 3) / 6
  kRelu = 2,
  kSilu = 3,       // x * sigmoid(x)
  kSigmoid = 4,
  kLinear = 5,     // a * x + b
  kClip = 6,       // clamp(x, a, b)
};

// The reference: what the unfused graph computes (used where oneDNN cannot run).
at::Tensor apply_post_ops(at::Tensor y, at::IntArrayRef kinds, at::ArrayRef<double> params) {
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    const double a = params[2 * i], b = params[2 * i + 1];
    switch (kinds[i]) {
      case kHardswish: y = at::hardswish(y); break;
      case kRelu: y = at::relu(y); break;
      case kSilu: y = at::silu(y); break;
      case kSigmoid: y = at::sigmoid(y); break;
      case kLinear: y = y * a + b; break;
      case kClip: y = at::clamp(y, a, b); break;
      default: TORCH_CHECK(false, "conv2d_post: unknown post-op ", kinds[i]);
    }
  }
  return y;
}

#ifdef DEEPCOMPRESS_HAVE_DNNL

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::memory::data_type dnnl_type(at::ScalarType type) {
  return type == at::kBFloat16 ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32;
}

// One convolution primitive per input shape and layer; the packed weights are
// shared by all shapes of a layer (same packed layout).
struct Primitive {
  dnnl::convolution_forward conv;
  dnnl::memory::desc src_md, bias_md, dst_md;
  dnnl::memory weights;  // packed for this primitive
  std::vector<std::int64_t> dst_dims;
};

struct PackedWeights {
  at::Tensor source;  // kept alive so its address cannot be reused by another tensor
  std::vector<std::pair<dnnl::memory::desc, dnnl::memory>> packed;
};

class PrimitiveCache {
 public:
  std::shared_ptr<Primitive> get(const std::vector<std::int64_t>& key) {
    std::lock_guard lock(mu_);
    auto it = primitives_.find(key);
    return it == primitives_.end() ? nullptr : it->second;
  }
  void put(const std::vector<std::int64_t>& key, std::shared_ptr<Primitive> primitive) {
    std::lock_guard lock(mu_);
    // Shapes are bucketed, so this stays small; the cap only bounds a run of
    // unusual shapes (primitives are cheap to rebuild, packed weights stay).
    if (primitives_.size() >= kMaxPrimitives) primitives_.clear();
    primitives_[key] = std::move(primitive);
  }
  // The weights in the layout a primitive wants, packed on first use.
  dnnl::memory packed_weights(const at::Tensor& weight, const dnnl::memory::desc& user_md,
                              const dnnl::memory::desc& wanted) {
    std::lock_guard lock(mu_);
    auto& entry = weights_[weight.data_ptr()];
    if (!entry.source.defined()) entry.source = weight;
    for (const auto& [md, memory] : entry.packed) {
      if (md == wanted) return memory;
    }
    dnnl::memory user(user_md, cpu_engine(), weight.data_ptr());
    dnnl::memory packed(wanted, cpu_engine());
    dnnl::stream stream(cpu_engine());
    dnnl::reorder(user, packed).execute(stream, user, packed);
    stream.wait();
    entry.packed.emplace_back(wanted, packed);
    return packed;
  }

 private:
  static constexpr std::size_t kMaxPrimitives = 4096;
  std::mutex mu_;
  std::map<std::vector<std::int64_t>, std::shared_ptr<Primitive>> primitives_;
  std::map<const void*, PackedWeights> weights_;
};

PrimitiveCache& cache() {
  static PrimitiveCache instance;
  return instance;
}

std::shared_ptr<Primitive> build_primitive(const at::Tensor& x, const at::Tensor& weight,
                                           const OptionalTensor& bias, at::IntArrayRef stride,
                                           at::IntArrayRef padding, at::IntArrayRef dilation, std::int64_t groups,
                                           at::IntArrayRef kinds, at::ArrayRef<double> params) {
  using tag = dnnl::memory::format_tag;
  const auto type = dnnl_type(x.scalar_type());
  const std::int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const std::int64_t o = weight.size(0), kh = weight.size(2), kw = weight.size(3);
  const std::int64_t oh = (h + 2 * padding[0] - (dilation[0] * (kh - 1) + 1)) / stride[0] + 1;
  const std::int64_t ow = (w + 2 * padding[1] - (dilation[1] * (kw - 1) + 1)) / stride[1] + 1;
  TORCH_CHECK(oh > 0 && ow > 0, "conv2d_post: input ", x.sizes(), " too small for the kernel");

  auto primitive = std::make_shared<Primitive>();
  primitive->src_md = dnnl::memory::desc({n, c, h, w}, type, tag::nhwc);
  primitive->dst_md = dnnl::memory::desc({n, o, oh, ow}, type, tag::nhwc);
  primitive->dst_dims = {n, o, oh, ow};
  dnnl::memory::dims weight_dims = groups == 1 ? dnnl::memory::dims{o, c, kh, kw}
                                               : dnnl::memory::dims{groups, o / groups, c / groups, kh, kw};
  const dnnl::memory::desc user_weights(weight_dims, type, groups == 1 ? tag::oihw : tag::goihw);
  const dnnl::memory::desc any_weights(weight_dims, type, tag::any);
  if (bias) primitive->bias_md = dnnl::memory::desc({o}, dnnl_type(bias->scalar_type()), tag::x);

  dnnl::post_ops ops;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    const auto a = static_cast<float>(params[2 * i]), b = static_cast<float>(params[2 * i + 1]);
    switch (kinds[i]) {
      case kHardswish: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_hardswish, 0.f, 0.f); break;
      case kRelu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f); break;
      case kSilu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_swish, 1.f, 0.f); break;
      case kSigmoid: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_logistic, 0.f, 0.f); break;
      case kLinear: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, a, b); break;
      case kClip: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, a, b); break;
      default: TORCH_CHECK(false, "conv2d_post: unknown post-op ", kinds[i]);
    }
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);

  const dnnl::convolution_forward::desc desc(
      dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, primitive->src_md, any_weights,
      primitive->bias_md, primitive->dst_md, {stride[0], stride[1]}, {dilation[0] - 1, dilation[1] - 1},
      {padding[0], padding[1]}, {padding[0], padding[1]});
  const dnnl::convolution_forward::primitive_desc pd(desc, attr, cpu_engine());
  primitive->conv = dnnl::convolution_forward(pd);
  primitive->weights = cache().packed_weights(weight, user_weights, pd.weights_desc());
  return primitive;
}

std::vector<std::int64_t> primitive_key(const at::Tensor& x, const at::Tensor& weight,
                                        const OptionalTensor& bias, at::IntArrayRef stride,
                                        at::IntArrayRef padding, at::IntArrayRef dilation, std::int64_t groups,
                                        at::IntArrayRef kinds, at::ArrayRef<double> params) {
  std::vector<std::int64_t> key(x.sizes().begin(), x.sizes().end());
  key.push_back(static_cast<std::int64_t>(x.scalar_type()));
  key.push_back(reinterpret_cast<std::intptr_t>(weight.data_ptr()));
  key.insert(key.end(), weight.sizes().begin(), weight.sizes().end());
  key.push_back(bias ? reinterpret_cast<std::intptr_t>(bias->data_ptr()) : 0);
  key.push_back(bias ? static_cast<std::int64_t>(bias->scalar_type()) : -1);
  for (auto list : {stride, padding, dilation}) key.insert(key.end(), list.begin(), list.end());
  key.push_back(groups);
  key.insert(key.end(), kinds.begin(), kinds.end());
  for (const double p : params) key.push_back(std::bit_cast<std::int64_t>(p));
  return key;
}

bool onednn_can_run(const at::Tensor& x, const at::Tensor& weight, const OptionalTensor& bias,
                    at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation) {
  const auto type = x.scalar_type();
  return x.device().is_cpu() && x.dim() == 4 && weight.dim() == 4 && (type == at::kFloat || type == at::kBFloat16) &&
         weight.scalar_type() == type && weight.is_contiguous() && stride.size() == 2 && padding.size() == 2 &&
         dilation.size() == 2 && (!bias || (bias->is_contiguous() && bias->dim() == 1));
}

#endif  // DEEPCOMPRESS_HAVE_DNNL

at::Tensor conv2d_post(const at::Tensor& x, const at::Tensor& weight, const OptionalTensor& bias,
                       at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation, std::int64_t groups,
                       at::IntArrayRef kinds, at::ArrayRef<double> params) {
  TORCH_CHECK(params.size() == 2 * kinds.size(), "conv2d_post: two parameters per post-op");
#ifdef DEEPCOMPRESS_HAVE_DNNL
  if (onednn_can_run(x, weight, bias, stride, padding, dilation)) {
    const auto key = primitive_key(x, weight, bias, stride, padding, dilation, groups, kinds, params);
    auto primitive = cache().get(key);
    try {
      if (!primitive) {
        primitive = build_primitive(x, weight, bias, stride, padding, dilation, groups, kinds, params);
        cache().put(key, primitive);
      }
      const at::Tensor src = x.contiguous(at::MemoryFormat::ChannelsLast);
      at::Tensor dst = at::empty(primitive->dst_dims, x.options().memory_format(at::MemoryFormat::ChannelsLast));
      auto& engine = cpu_engine();
      std::unordered_map<int, dnnl::memory> args{
          {DNNL_ARG_SRC, dnnl::memory(primitive->src_md, engine, src.data_ptr())},
          {DNNL_ARG_WEIGHTS, primitive->weights},
          {DNNL_ARG_DST, dnnl::memory(primitive->dst_md, engine, dst.data_ptr())}};
      if (bias) args.emplace(DNNL_ARG_BIAS, dnnl::memory(primitive->bias_md, engine, bias->data_ptr()));
      thread_local dnnl::stream stream(engine);
      primitive->conv.execute(stream, args);
      stream.wait();
      return dst;
    } catch (const dnnl::error& e) {
      TORCH_CHECK(false, "oneDNN convolution failed for input ", x.sizes(), ": ", e.what());
    }
  }
#endif
  return apply_post_ops(at::conv2d(x, weight, bias, stride, padding, dilation, groups), kinds, params);
}

TORCH_LIBRARY(deepcompress, m) {
  m.def(
      "conv2d_post(Tensor x, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, int groups, "
      "int[] post_kinds, float[] post_params) -> Tensor",
      &conv2d_post);
}

namespace jit = torch::jit;

std::optional<double> constant_number(jit::Value* value) {
  const auto constant = jit::toIValue(value);
  if (!constant) return std::nullopt;
  if (constant->isDouble()) return constant->toDouble();
  if (constant->isInt()) return static_cast<double>(constant->toInt());
  return std::nullopt;
}

// The post-op `node` applies to its first input, or nothing when it is not one
// conv2d_post can absorb. Appends its kind and parameters.
bool absorb(jit::Node* node, std::vector<std::int64_t>& kinds, std::vector<double>& params) {
  static const auto hardswish = c10::Symbol::fromQualString("aten::hardswish");
  static const auto relu = c10::Symbol::fromQualString("aten::relu");
  static const auto silu = c10::Symbol::fromQualString("aten::silu");
  static const auto sigmoid = c10::Symbol::fromQualString("aten::sigmoid");
  static const auto mul = c10::Symbol::fromQualString("aten::mul");
  static const auto add = c10::Symbol::fromQualString("aten::add");
  static const auto add_ = c10::Symbol::fromQualString("aten::add_");
  static const auto clamp = c10::Symbol::fromQualString("aten::clamp");
  const auto kind = node->kind();
  auto push = [&](std::int64_t k, double a, double b) {
    // Two affine steps in a row become one: a2 * (a1 x + b1) + b2.
    if (k == kLinear && !kinds.empty() && kinds.back() == kLinear) {
      double& a1 = params[params.size() - 2];
      double& b1 = params[params.size() - 1];
      b1 = a * b1 + b;
      a1 = a * a1;
      return true;
    }
    kinds.push_back(k);
    params.push_back(a);
    params.push_back(b);
    return true;
  };
  if (node->inputs().size() == 1) {
    if (kind == hardswish) return push(kHardswish, 0, 0);
    if (kind == relu) return push(kRelu, 0, 0);
    if (kind == silu) return push(kSilu, 0, 0);
    if (kind == sigmoid) return push(kSigmoid, 0, 0);
    return false;
  }
  if (kind == mul && node->inputs().size() == 2) {
    if (const auto a = constant_number(node->input(1))) return push(kLinear, *a, 0);
    return false;
  }
  if ((kind == add || kind == add_) && node->inputs().size() == 3) {
    const auto b = constant_number(node->input(1));
    const auto alpha = constant_number(node->input(2));
    if (b && alpha) return push(kLinear, 1, *alpha * *b);
    return false;
  }
  if (kind == clamp && node->inputs().size() == 3) {
    const auto low = jit::toIValue(node->input(1));
    const auto high = jit::toIValue(node->input(2));
    if (!low || !high) return false;
    const auto lo = low->isNone() ? std::optional<double>(-FLT_MAX) : constant_number(node->input(1));
    const auto hi = high->isNone() ? std::optional<double>(FLT_MAX) : constant_number(node->input(2));
    if (lo && hi) return push(kClip, *lo, *hi);
    return false;
  }
  return false;
}

}  // namespace

bool fused_convolutions_available() {
#ifdef DEEPCOMPRESS_HAVE_DNNL
  return true;
#else
  return false;
#endif
}

int fuse_convolutions(torch::jit::Module& module, const std::string& method) {
  if (!fused_convolutions_available()) return 0;
  static const auto conv2d = c10::Symbol::fromQualString("aten::conv2d");
  static const auto fused_op = c10::Symbol::fromQualString("deepcompress::conv2d_post");
  auto graph = module.get_method(method).graph();
  jit::Inline(*graph);            // F.hardswish etc. are calls in the saved code
  jit::ConstantPropagation(graph);  // ... with an `if inplace:` on a constant
  std::vector<jit::Node*> convs;
  for (jit::Node* node : graph->nodes()) {
    if (node->kind() == conv2d && node->inputs().size() == 7) convs.push_back(node);
  }
  for (jit::Node* conv : convs) {
    std::vector<std::int64_t> kinds;
    std::vector<double> params;
    std::vector<jit::Node*> chain{conv};
    while (true) {
      jit::Value* out = chain.back()->output();
      if (out->uses().size() != 1) break;
      jit::Node* user = out->uses()[0].user;
      if (user->owningBlock() != conv->owningBlock() || user->input(0) != out || out->uses()[0].offset != 0) break;
      if (!absorb(user, kinds, params)) break;
      chain.push_back(user);
    }
    jit::WithInsertPoint guard(chain.back());
    std::vector<jit::NamedValue> args(conv->inputs().begin(), conv->inputs().end());
    args.emplace_back(c10::IValue(kinds));
    args.emplace_back(c10::IValue(params));
    jit::Value* fused = graph->insert(fused_op, args);
    chain.back()->output()->replaceAllUsesWith(fused);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) (*it)->destroy();
  }
  jit::EliminateDeadCode(graph);
  return static_cast<int>(convs.size());
}

bool cap_onednn_isa_below_amx() {
#ifdef DEEPCOMPRESS_HAVE_DNNL
  return dnnl::set_max_cpu_isa(dnnl::cpu_isa::avx512_core_bf16) == dnnl::status::success;
#else
  return false;
#endif
}

bool cpu_has_native_bf16() {
#ifdef DEEPCOMPRESS_HAVE_DNNL
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto bf16 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
  return (isa & bf16) == bf16;
#else
  return false;
#endif
}

}  // namespace deepcompress
