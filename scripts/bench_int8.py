#!/usr/bin/python3
"""Experiment, not used by the product: an int8 recognizer by static
post-training quantization, its speed and how far its text moves from fp32.

    /usr/bin/python3 scripts/bench_int8.py [--onnx-dir models/onnx] [--models models]

Prints ms per call (4 x 3 x 48 x 960) of the fp32 recognizer (models/rec.pt) and
of an int8 one built here, and the character difference between their decoded
text (Latin classes) on rendered lines. For stable timings run it with
LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 \
MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1,narenas:1 (as the binary links
jemalloc) on a quiet machine.

Measured (2026-11-23, docs/benchmarks.md "int8"): 74 -> 51 ms per call, but on
the bench_ocr corpus CER 12.7 -> 15.0%, WER 22.4 -> 29.7%, BoW 8.7 -> 16.9%:
the network amplifies quantization noise (the first convolution alone, 3%
relative error, moved 5.7% of the characters of real line crops), so int8 is
not offered. Quantization-aware training would be the next step.

How: the converter's graph walk (scripts/convert_models.py), but the
recognizer's backbone (from the input up to the first op that is not a conv /
hardswish / scalar affine / squeeze-excitation op) runs on quint8 tensors in
channels_last layout:
  - Conv          -> torch.ao.nn.quantized.Conv2d, weights int8 per output
                     channel (symmetric), activations per tensor; output zero
                     point 128 (LibTorch 1.13's oneDNN int8 convolution writes
                     its output as if the zero point were 128 whatever is asked:
                     error = (128 - zero point) x scale, measured)
  - HardSwish     -> quantized::hardswish
  - x * a + b     -> quantized mul_scalar + add_scalar: a new scale and zero
                     point on the same bytes (a > 0), no arithmetic
  - SE block      -> mean and gate in fp32 (tiny), quantized::mul by the gate
Activation ranges come from running the fp32 graph on rendered text lines
(percentile 99.99 of each tensor).
"""
import collections
import importlib.util
import os
import re
import sys
import tempfile

import numpy as np

PERCENTILE = 99.99
# The recognizer's horizontal squeeze in the C++ pipeline (kWidthScale, lib/src/ocr/recognizer.cpp).
WIDTH_SCALE = 0.85
# Nodes before this index stay fp32 (skipping the first 3-13 did not help: 9.2-9.9% vs 10.4%).
FIRST_QUANTIZED_NODE = 0
QUANT_OPS = {"Conv", "_HardSwish", "_Affine", "GlobalAveragePool", "Relu", "HardSigmoid", "Mul"}

CALIB_TEXT = [
    "The quick brown fox jumps over the lazy dog 0123456789.",
    "int main(int argc, char **argv) { return foo_bar(x[i], 0x1F); }",
    "Ubersicht der Anderungen: grossere Schrift, naive cafe - 12,5 %",
    "Figure 3.2: Throughput (pages/s) vs. batch size; see Section 4.1 [12].",
    "if (x > 0 && y <= 10) printf(\"%d\\n\", z);",
    "Table 1    Column A    Column B    12.5    7.25    100%",
    "R> summary(lm(y ~ x, data = df))  # fits a linear model",
    "CHAPTER 7. INTRODUCTION TO THE GNU COMPILER COLLECTION ..... 143",
    "set xrange [-10:10]; plot sin(x) with lines title 'sine'",
    "Le paquet source contient les fichiers d'origine et un fichier diff.",
    "Die Datei debian/control enthalt die Paketbeschreibung.",
    "a", "Index", "--help", "42", "e-mail: team@example.org",
]
CHECK_TEXT = [
    "Measured on this machine type, the recognizer is the stage to attack.",
    "Total: $1,234.56 due 2026-11-23 (net 30 days)",
    "x <- c(1, 2, 3); mean(x)  # 2",
    "lorem ipsum dolor sit amet, consectetur adipiscing elit",
    "Siehe Abschnitt 3.4 auf Seite 17 fur weitere Details.",
    "DEFINE FUNCTION compute-total USING ws-amount.",
    "valgrind --tool=memcheck --leak-check=full ./prog",
    "Chapitre 5. Construction du paquet",
]


def _load_source(src, name):
    # Eager modules: x.size() is a tuple there, so list arithmetic needs list().
    src = re.sub(r"\(([tx]\d*)\.size\(\)\)", r"list(\1.size())", src)
    # TorchScript reads the source back from the file: keep it on disk.
    path = os.path.join(tempfile.mkdtemp(prefix="convert_int8."), name + ".py")
    with open(path, "w") as f:
        f.write(src)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def render_lines(cm, texts, rng):
    """[N, 3, 48, W] float batches (one per 4 lines), normalized like the C++
    recognizer input: height 48, width squeezed by WIDTH_SCALE, right-padded."""
    import cairo
    import torch
    crops = []
    for t in texts:
        font = ["sans", "serif", "monospace"][int(rng.integers(0, 3))]
        size = int(rng.integers(22, 34))
        tmp = cairo.Context(cairo.ImageSurface(cairo.FORMAT_RGB24, 8, 8))
        tmp.select_font_face(font)
        tmp.set_font_size(size)
        w = int(tmp.text_extents(t).x_advance) + 12

        def draw(ctx, font=font, size=size, t=t):
            ctx.select_font_face(font)
            ctx.set_font_size(size)
            ctx.move_to(6, 48 * 0.70)
            ctx.show_text(t)
        img = cm._render(w, 48, draw).astype(np.float32)
        ink = rng.uniform(0.0, 60.0)
        paper = rng.uniform(200.0, 255.0)
        img = paper - (255.0 - img) / 255.0 * (paper - ink) + rng.normal(0, 8, img.shape)
        img = np.clip(img, 0, 255).astype(np.uint8)
        nw = max(8, int(np.ceil(48 * img.shape[1] / img.shape[0] * WIDTH_SCALE)))
        crops.append(cm.rec_normalize(img, nw))
    batches = []
    order = sorted(range(len(crops)), key=lambda i: crops[i].shape[2])
    for s in range(0, len(order), 4):
        group = [crops[i] for i in order[s:s + 4]]
        width = max(c.shape[2] for c in group)
        width = (width + 31) // 32 * 32
        x = np.zeros((len(group), 3, 48, width), np.float32)
        for k, c in enumerate(group):
            x[k, :, :, :c.shape[2]] = c
        batches.append((order[s:s + 4], torch.from_numpy(x)))
    return batches


def observe(cm, ir, batches):
    """Runs the fp32 graph eagerly on the batches; returns {var: float32 samples}."""
    import torch
    gen = cm.CodeGen(ir, "RecObs")
    src = gen.source("calibration")
    lines = []
    for ln in src.split("\n"):
        lines.append(ln)
        m = re.match(r"        (t\d+) = ", ln)
        if m:
            lines.append(f"        _obs('{m.group(1)}', {m.group(1)})")
        elif ln.startswith("        x = x.contiguous"):
            lines.append("        _obs('x', x)")
    mod = _load_source("\n".join(lines), "deepcompress_rec_observed")
    samples = collections.defaultdict(list)
    gen_torch = torch.Generator().manual_seed(0)

    def _obs(name, t):
        f = t.detach().reshape(-1)
        if f.numel() > 100000:
            f = f[torch.randint(0, f.numel(), (100000,), generator=gen_torch)]
        samples[name].append(f.clone())
    mod._obs = _obs
    tensors = [torch.from_numpy(a.copy()) for _, a in gen.buffers]
    m = mod.RecObs(tensors).eval()
    with torch.no_grad():
        for _, x in batches:
            m(x)
    return {k: torch.cat(v) for k, v in samples.items()}, dict(gen.names)


def qparams(samples, symmetric=False):
    """quint8 (scale, zero point) covering [p0.01, p99.99] of the samples and 0.
    symmetric: zero point 128, for oneDNN convolution outputs (LibTorch 1.13's
    oneDNN int8 convolution writes its output as if the zero point were 128,
    whatever is asked: measured, error = (128 - zero point) x scale)."""
    import torch
    v = samples.float()
    lo = min(float(torch.quantile(v, 1.0 - PERCENTILE / 100.0)), 0.0)
    hi = max(float(torch.quantile(v, PERCENTILE / 100.0)), 0.0)
    if symmetric:
        return max(-lo / 128.0, hi / 127.0, 1e-8), 128
    scale = max(hi - lo, 1e-6) / 255.0
    zero_point = int(min(255, max(0, round(-lo / scale))))
    return scale, zero_point


QHEADER = '''

def fastq(x: Tensor, scale: float, zero_point: int) -> Tensor:
    # quantize_per_tensor is scalar code here (9 ms for 2.8 M values); this is 1.5 ms.
    q = torch.clamp(torch.round(x * (1.0 / scale)) + zero_point, 0, 255).to(torch.uint8)
    return torch._make_per_tensor_quantized_tensor(q, scale, zero_point)


def deq(q: Tensor) -> Tensor:
    # dequantize() is scalar code here; this is ~5x faster.
    return (q.int_repr().float() - q.q_zero_point()) * q.q_scale()
'''


def make_qconv(w, b, stride, pad, groups, scale, zero_point):
    import torch
    cout, cin_g, kh, kw = w.shape
    conv = torch.ao.nn.quantized.Conv2d(cin_g * groups, cout, (kh, kw), stride=stride, padding=pad, groups=groups)
    wt = torch.from_numpy(np.ascontiguousarray(w, np.float32))
    amax = wt.abs().reshape(cout, -1).max(1).values.clamp(min=1e-8)
    qw = torch.quantize_per_channel(wt, amax / 127.0, torch.zeros(cout, dtype=torch.long), 0, torch.qint8)
    conv.set_weight_bias(qw, torch.from_numpy(np.ascontiguousarray(b, np.float32)))
    conv.scale, conv.zero_point = float(scale), int(zero_point)
    return conv


def make_codegen_class(cm):
    class QuantCodeGen(cm.CodeGen):
        """CodeGen whose backbone nodes run on quint8 tensors (see module doc)."""

        def __init__(self, ir, cls_name, stats, var_of):
            super().__init__(ir, cls_name)
            self.stats, self.var_of = stats, var_of
            self.qnames = {}   # onnx value -> python var holding its quint8 version
            self.qconvs = []   # (attr, weight, bias, stride, pad, groups, scale, zero_point)
            self.producer = ir.producer()
            self.last_q = -1
            self.first_q = FIRST_QUANTIZED_NODE
            for i, n in enumerate(ir.nodes):
                if n.op not in QUANT_OPS:
                    break
                self.last_q = i
            self.index = {id(n): i for i, n in enumerate(ir.nodes)}

        def params(self, value, symmetric=False):
            var = "x" if value == self.ir.input else self.var_of[value]
            return qparams(self.stats[var], symmetric)

        def v(self, name):
            # A float use of a quantized value dequantizes it once.
            if name in self.qnames and name not in self.names and name not in self.shape_vals:
                var = f"f{len(self.lines)}"
                self.lines.append(f"        {var} = deq({self.qnames[name]})")
                self.names[name] = var
            return super().v(name)

        def qv(self, name):
            if name in self.qnames:
                return self.qnames[name]
            s, z = self.params(name)
            var = f"q{len(self.lines)}"
            self.lines.append(f"        {var} = fastq({self.v(name)}.contiguous(memory_format=torch.channels_last), "
                              f"{s!r}, {z})")
            self.qnames[name] = var
            return var

        def qout(self, n, expr):
            var = f"q{len(self.lines)}"
            self.lines.append(f"        {var} = {expr}")
            self.qnames[n.outputs[0]] = var

        def emit(self, n):
            if not self.first_q <= self.index[id(n)] <= self.last_q:
                return super().emit(n)
            a, I = n.attrs, n.inputs
            pin = self.producer.get(I[0])
            if n.op == "Conv" and (pin is None or pin.op not in ("GlobalAveragePool", "Relu")):
                pads = a.get("pads", [0, 0, 0, 0])
                if pads[0] == pads[2] and pads[1] == pads[3] and len(I) > 2:
                    qin = self.qv(I[0])
                    s, z = self.params(n.outputs[0], symmetric=True)
                    attr = f"qconv{len(self.qconvs)}"
                    self.qconvs.append((attr, self.ir.const(I[1]), self.ir.const(I[2]), a.get("strides", [1, 1]),
                                        pads[:2], a.get("group", 1), s, z))
                    return self.qout(n, f"self.{attr}({qin})")
            if n.op == "_HardSwish" and I[0] in self.qnames:
                s, z = self.params(n.outputs[0])
                return self.qout(n, f"torch.ops.quantized.hardswish({self.qnames[I[0]]}, {s!r}, {z})")
            if n.op == "_Affine" and I[0] in self.qnames and float(a["s"]) > 0:
                return self.qout(n, f"torch.ops.quantized.add_scalar(torch.ops.quantized.mul_scalar("
                                    f"{self.qnames[I[0]]}, {float(a['s'])!r}), {float(a['b'])!r})")
            if n.op == "GlobalAveragePool" and I[0] in self.qnames:
                q = self.qnames[I[0]]
                return self.out(n, f"({q}.int_repr().float().mean([2, 3], True) - {q}.q_zero_point()) * {q}.q_scale()")
            if (n.op == "Mul" and I[0] in self.qnames and self.producer.get(I[1]) is not None
                    and self.producer[I[1]].op == "HardSigmoid"):
                s, z = self.params(n.outputs[0])
                return self.qout(n, f"torch.ops.quantized.mul({self.qnames[I[0]]}, torch.quantize_per_tensor("
                                    f"{self.v(I[1])}, 1.0 / 255.0, 0, torch.quint8), {s!r}, {z})")
            return super().emit(n)

        def prologue(self):
            return ""  # fastq makes the quantized input channels_last

        def source(self, src_name):
            src = super().source(src_name)
            return src.replace("\n\nclass ", QHEADER + "\n\nclass ", 1)

    return QuantCodeGen


def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def latin_classes(keys):
    """Class ids (blank 0, keys 1..K, space K+1) of Latin-script characters,
    digits, punctuation and common symbols: the C++ default (--charset latin)."""
    ids = [0]
    for i, k in enumerate(keys, 1):
        if len(k) == 1 and (ord(k) < 0x250 or 0x370 <= ord(k) < 0x400 or 0x2000 <= ord(k) < 0x2070
                            or 0x20A0 <= ord(k) < 0x20D0 or 0x2100 <= ord(k) < 0x2300):
            ids.append(i)
    ids.append(len(keys) + 1)
    return ids


def decode(cm, sm, x, ids, keys):
    import torch
    with torch.no_grad():
        f = sm.features(x)
        w, b = sm.head_weight[ids], sm.head_bias[ids]
        p = torch.softmax(torch.nn.functional.linear(f, w, b), -1).numpy()
    sub = ["<blank>"] + [keys[i - 1] if i <= len(keys) else " " for i in ids[1:]]
    out = []
    for row in p:
        text, prev = [], -1
        for i in row.argmax(-1):
            if i != prev and i != 0:
                text.append(sub[i])
            prev = i
        out.append(" ".join("".join(text).split()))
    return out


def build_int8_rec(cm, onnx_path, fp32_module, keys, rng, log, calib=None):
    """Returns (scripted int8 recognizer, report dict with its decoded-text
    difference from fp32 on rendered lines)."""
    import torch
    prev_engine = torch.backends.quantized.engine
    if "onednn" not in torch.backends.quantized.supported_engines:
        raise RuntimeError("this torch has no onednn quantized engine")
    torch.backends.quantized.engine = "onednn"
    try:
        if calib is None:
            calib = render_lines(cm, CALIB_TEXT * 2 + cm.PAGE_TEXT + cm.LINE_TEXT, rng)
        stats, var_of = observe(cm, cm.optimize(cm.IR(onnx_path)), calib)
        gen = make_codegen_class(cm)(cm.optimize(cm.IR(onnx_path)), "RecInt8Net", stats, var_of)
        mod = _load_source(gen.source(onnx_path.split("/")[-1]), "deepcompress_rec_int8")
        tensors = [torch.from_numpy(a.copy()) for _, a in gen.buffers]
        m = mod.RecInt8Net(tensors).eval()
        for attr, w, b, stride, pad, groups, s, z in gen.qconvs:
            setattr(m, attr, make_qconv(w, b, stride, pad, groups, s, z))
        sm = torch.jit.script(m)
        ids = latin_classes(keys)
        n_err = n_chars = 0
        examples = []
        for idx, x in render_lines(cm, CHECK_TEXT + CALIB_TEXT[:8], np.random.default_rng(7)):
            ref, got = decode(cm, fp32_module, x, ids, keys), decode(cm, sm, x, ids, keys)
            for r, g in zip(ref, got):
                n_err += levenshtein(r, g)
                n_chars += max(1, len(r))
                if r != g:
                    examples.append(f"{r!r} -> {g!r}")
        cer = n_err / max(1, n_chars)
        report = dict(n_quantized_convs=len(gen.qconvs), text_cer_vs_fp32=cer,
                      n_check_lines=len(CHECK_TEXT) + 8, differing=examples[:8])
        log(f"int8: {len(gen.qconvs)} convs quantized; decoded text vs fp32 on {len(CHECK_TEXT) + 8} "
            f"rendered lines: {100 * cer:.2f}% character difference")
        for e in examples[:8]:
            log(f"    {e}")
        return sm, report
    finally:
        torch.backends.quantized.engine = prev_engine


def main():
    import argparse
    import time

    import torch
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--onnx-dir", default="models/onnx")
    ap.add_argument("--models", default="models")
    args = ap.parse_args()
    torch.set_num_threads(2)
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("convert_models", os.path.join(here, "convert_models.py"))
    cm = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = cm
    spec.loader.exec_module(cm)
    with open(os.path.join(args.models, "ppocr_keys_v1.txt"), encoding="utf-8") as f:
        keys = f.read().split("\n")
    if keys and keys[-1] == "":
        keys.pop()
    fp32 = torch.jit.load(os.path.join(args.models, "rec.pt")).eval()
    int8, _ = build_int8_rec(cm, os.path.join(args.onnx_dir, cm.MODELS["rec"]), fp32, keys,
                             np.random.default_rng(5), print)
    torch.backends.quantized.engine = "onednn"
    x = torch.rand(4, 3, 48, 960) * 2 - 1

    def ms(m):
        with torch.no_grad():
            for _ in range(3):
                m.features(x)
            t0 = time.perf_counter()
            for _ in range(10):
                m.features(x)
        return (time.perf_counter() - t0) * 100.0
    print(f"features() at 4x3x48x960: fp32 {ms(fp32):.1f} ms, int8 {ms(int8):.1f} ms per call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
