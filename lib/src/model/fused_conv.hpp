#pragma once
// Convolutions with their elementwise followers fused, run through oneDNN
// directly (CPU only). LibTorch 1.13 runs `conv -> hardswish -> x*a -> +b` as
// four passes over memory and re-lays out the weights on every call; here it
// is one oneDNN convolution with post-ops and weights packed once. In bf16 the
// unfused elementwise passes cost as much as the convolutions themselves.
// Internal to src/model/ (includes LibTorch).
#include <string>

#include <torch/script.h>

namespace deepcompress {

// True when this build has the fused path (compiled against oneDNN headers).
bool fused_convolutions_available();

// Rewrites the named method of a loaded module in place: every aten::conv2d,
// together with the chain of single-use followers it can absorb (hardswish,
// relu, silu, sigmoid, multiply or add by a constant, clamp to constants),
// becomes one deepcompress::conv2d_post call. Returns the number of
// convolutions rewritten (0 when the fused path is unavailable). Outputs match
// the unfused graph to rounding (fp32) or better than it (bf16: the post-ops
// run in fp32 before the one rounding to bf16).
int fuse_convolutions(torch::jit::Module& module, const std::string& method);

// Caps the instruction set oneDNN may use (no-op without the fused path).
// Must run before the first convolution of the process. Returns false when
// the cap was refused (too late, or unknown name).
bool cap_onednn_isa_below_amx();

// True when the CPU has native bf16 dot products that oneDNN uses
// (AVX512-BF16), i.e. when bf16 convolutions run faster than fp32 ones.
bool cpu_has_native_bf16();

}  // namespace deepcompress
