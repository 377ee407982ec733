#!/usr/bin/python3
"""Trains the Latin line recognizer (all-convolutional CTC) on build_rec_data.py's shards.

Start, or resume from the latest checkpoint in /work/rec/ckpt (the same command does both):

    cd /work/wt/rec && setsid nohup nice -n 19 /usr/bin/python3 scripts/train_recognizer.py \
        --data /work/rec/data --ckpt /work/rec/ckpt --resume >> /work/rec/train.log 2>&1 &

Export the latest checkpoint (TorchScript + charset + manifest entry, scripted vs eager checked):

    /usr/bin/python3 scripts/train_recognizer.py --ckpt /work/rec/ckpt --export OUT_DIR

Print the model's FLOPs per pixel of input width and exit: --flops.

Model (issue 13, section 2): gray input of height 32, normalized (x/255 - 0.5) / 0.5,
zero (mid-gray in normalized space) padding on the right as the engine pads a
batch; a dense 3x3 stem (24-48-96-96-144-192 channels, BN, ReLU) that
collapses the height to 1 with a width stride of 4; residual depthwise-separable
1-D blocks (kernel 7, expansion 2, dilations 1, 1, 2, 2); a linear head over
blank + the charset of rec_charset.py. Output [N, T = ceil(W / 4), C] logits.

Training: CTC loss, AdamW, linear warm-up then cosine decay, a seeded order
over shards (a shuffle window of a few shards, batches of similar width under a
pixel budget), light line-level augmentation (width scale, jitter, contrast,
noise, blur). Checkpoints (weights, optimizer, schedule, data position, RNG
state) every --ckpt-minutes to --ckpt, keeping the latest two; validation CER
on the held-out documents (clean and degraded pages) and synthetic lines,
logged every --val-minutes.
"""

import argparse
import glob
import hashlib
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rec_charset  # noqa: E402
from build_rec_data import levenshtein as edit_distance, short_letters  # noqa: E402

HEIGHT = 32
STRIDE = 4
PAD_STEP = 64  # the engine rounds batch widths up to a multiple of this
MAX_WIDTH = 2048


def log(msg):
    print(time.strftime("%Y-%m-%d %H:%M:%S ") + msg, flush=True)


# ---------------------------------------------------------------- model

class ConvBN(nn.Sequential):
    def __init__(self, cin, cout, stride, groups=1):
        super().__init__(nn.Conv2d(cin, cout, 3, stride, 1, groups=groups, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class Block1d(nn.Module):
    """x + pw2(relu(pw1(dw(x)))): depthwise k7 (dilated), pointwise expand, pointwise project."""

    def __init__(self, ch, kernel, dilation, expand):
        super().__init__()
        self.dw = nn.Conv1d(ch, ch, kernel, padding=dilation * (kernel // 2), dilation=dilation, groups=ch,
                            bias=False)
        self.bn1 = nn.BatchNorm1d(ch)
        self.pw1 = nn.Conv1d(ch, ch * expand, 1, bias=False)
        self.bn2 = nn.BatchNorm1d(ch * expand)
        self.pw2 = nn.Conv1d(ch * expand, ch, 1, bias=False)
        self.bn3 = nn.BatchNorm1d(ch)

    def forward(self, x):
        y = self.bn1(self.dw(x))
        y = F.relu(self.bn2(self.pw1(y)))
        return F.relu(x + self.bn3(self.pw2(y)))


class LatinRec(nn.Module):
    def __init__(self, n_classes, arch="base"):
        super().__init__()
        if arch == "base":
            # stride (h, w): 32x W -> 16 x W/2 -> 8 x W/4 -> 4 -> 4 -> 2 -> 1
            self.stem = nn.Sequential(ConvBN(1, 24, (2, 2)), ConvBN(24, 48, (2, 2)), ConvBN(48, 96, (2, 1)),
                                      ConvBN(96, 96, 1), ConvBN(96, 144, (2, 1)), ConvBN(144, 192, (2, 1)))
            ch, blocks = 192, [(7, 1), (7, 1), (7, 2), (7, 2)]
            expand = 2
        else:  # "narrow": depthwise-separable stem, for debugging the pipeline
            def sep(cin, cout, stride):
                return nn.Sequential(ConvBN(cin, cin, stride, groups=cin), nn.Conv2d(cin, cout, 1, bias=False),
                                     nn.BatchNorm2d(cout), nn.ReLU(inplace=True))
            self.stem = nn.Sequential(ConvBN(1, 24, (2, 2)), sep(24, 48, (2, 2)), sep(48, 96, (2, 1)),
                                      sep(96, 96, 1), sep(96, 144, (2, 1)), sep(144, 192, (2, 1)))
            ch, blocks = 192, [(7, 1), (7, 1), (7, 2), (7, 2)]
            expand = 1
        self.blocks = nn.Sequential(*[Block1d(ch, k, d, expand) for k, d in blocks])
        self.head = nn.Conv1d(ch, n_classes, 1)

    def forward(self, x):
        """x: [N, 1, 32, W] normalized; returns logits [N, T, C], T = ceil(W / 4)."""
        y = self.stem(x).squeeze(2)  # [N, C, T]
        y = self.blocks(y)
        return self.head(y).transpose(1, 2)


def count_flops(model, width=512):
    """FLOPs (2 x multiply-adds of convolutions and linear layers) per pixel of input width."""
    macs = [0]

    def hook(m, inp, out):
        if isinstance(m, (nn.Conv1d, nn.Conv2d)):
            k = int(np.prod(m.kernel_size)) * (m.in_channels // m.groups)
            macs[0] += out.numel() * k
        elif isinstance(m, nn.Linear):
            macs[0] += out.numel() * m.in_features

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model.eval()(torch.zeros(1, 1, HEIGHT, width))
    for h in hs:
        h.remove()
    return 2.0 * macs[0] / width


# ---------------------------------------------------------------- data

def load_shard(path):
    z = np.load(path)
    widths = z["widths"]
    if len(widths) == 0:
        return [], [], []
    texts = bytes(z["texts"]).decode("utf-8").split("\n")
    sources = bytes(z["sources"]).decode("utf-8").split("\n")
    flat = z["images"]
    offs = np.concatenate([[0], np.cumsum(widths.astype(np.int64) * HEIGHT)])
    imgs = [flat[offs[i]:offs[i + 1]].reshape(HEIGHT, widths[i]) for i in range(len(widths))]
    return imgs, texts, sources


def encode_ok(text, width):
    ids = rec_charset.encode(text)
    if not ids:
        return None
    t = math.ceil(width / STRIDE)
    repeats = sum(1 for a, b in zip(ids, ids[1:]) if a == b)
    return ids if len(ids) + repeats <= t else None


def augment(img, rng):
    """Line-level augmentation of a uint8 HEIGHT x W line (pages were degraded by the builder)."""
    import cv2
    h, w = img.shape
    if rng.random() < 0.5:  # width scale
        nw = int(np.clip(round(w * rng.uniform(0.85, 1.15)), 8, MAX_WIDTH))
        img = cv2.resize(img, (nw, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.3:  # crop jitter: shift a few px, cut or extend the ends
        dy = int(rng.integers(-1, 2))
        l, r = int(rng.integers(-3, 4)), int(rng.integers(-3, 4))
        img = cv2.copyMakeBorder(img, max(dy, 0), max(-dy, 0), max(l, 0), max(r, 0), cv2.BORDER_REPLICATE)
        img = img[max(-dy, 0):max(-dy, 0) + h, max(-l, 0):img.shape[1] - max(-r, 0)]
        if img.shape[0] != h:
            img = cv2.resize(img, (img.shape[1], h), interpolation=cv2.INTER_LINEAR)
    a = img.astype(np.float32)
    if rng.random() < 0.2:
        a = cv2.GaussianBlur(a, (0, 0), float(rng.uniform(0.3, 0.9)))
    if rng.random() < 0.3:  # contrast / brightness
        lo, hi = rng.uniform(0, 80), rng.uniform(170, 255)
        a = lo + a * ((hi - lo) / 255.0)
    if rng.random() < 0.25:
        a = a + rng.normal(0, rng.uniform(2, 12), a.shape).astype(np.float32)
    return np.clip(a, 0, 255)


def make_batch(items, train, rng):
    """items: [(img uint8, ids)] -> (x [N,1,32,W], targets, input_lengths, target_lengths)."""
    imgs = [augment(im, rng) if train else im.astype(np.float32) for im, _ in items]
    w = max(im.shape[1] for im in imgs)
    w = min(MAX_WIDTH, (w + PAD_STEP - 1) // PAD_STEP * PAD_STEP)
    x = np.zeros((len(imgs), 1, HEIGHT, w), np.float32)  # 0 = the engine's padding value
    lengths = []
    for i, im in enumerate(imgs):
        im = im[:, :w]
        x[i, 0, :, :im.shape[1]] = im * (1.0 / 127.5) - 1.0
        lengths.append(math.ceil(im.shape[1] / STRIDE))
    t = math.ceil(w / STRIDE)
    targets = torch.tensor([k for _, ids in items for k in ids], dtype=torch.long)
    return (torch.from_numpy(x), targets, torch.tensor([t] * len(items), dtype=torch.long),
            torch.tensor([len(ids) for _, ids in items], dtype=torch.long))


def batches_of(lines, rng, px_budget, max_batch):
    """Batches of similar width: sort by width, cut under the pixel budget, shuffle batch order."""
    order = sorted(range(len(lines)), key=lambda i: (lines[i][0].shape[1], rng.random()))
    out, cur, cur_w = [], [], 0
    for i in order:
        w = lines[i][0].shape[1]
        pw = (int(w * 1.15) + PAD_STEP - 1) // PAD_STEP * PAD_STEP
        if cur and (max(cur_w, pw) * (len(cur) + 1) > px_budget or len(cur) >= max_batch):
            out.append(cur)
            cur, cur_w = [], 0
        cur.append(i)
        cur_w = max(cur_w, pw)
    if cur:
        out.append(cur)
    rng.shuffle(out)
    return out


def seeded(*parts):
    return int.from_bytes(hashlib.sha1("\x1f".join(map(str, parts)).encode()).digest()[:8], "little")


def load_val(data_dir, max_lines):
    sets = {"real_clean": [], "real_degraded": [], "synth": []}
    for p in sorted(glob.glob(os.path.join(data_dir, "val", "*.npz"))):
        imgs, texts, sources = load_shard(p)
        for im, t, s in zip(imgs, texts, sources):
            ids = encode_ok(t, im.shape[1])
            if ids is None:
                continue
            if not s.startswith("synth") and short_letters(t):
                continue
            key = "synth" if s.startswith("synth") else ("real_degraded" if s.endswith(":1") else "real_clean")
            sets[key].append((im, ids))
    rng = random.Random(1)
    for k in sets:
        if len(sets[k]) > max_lines:
            sets[k] = rng.sample(sets[k], max_lines)
    return sets


def greedy_decode(logits):
    """[N, T, C] -> list of id lists (CTC: collapse repeats, drop blanks)."""
    best = logits.argmax(-1).numpy()
    out = []
    for row in best:
        ids, last = [], 0
        for k in row:
            if k != last and k != 0:
                ids.append(int(k))
            last = k
        out.append(ids)
    return out


def evaluate(model, sets, px_budget=16000):
    model.eval()
    res = {}
    with torch.no_grad():
        for name, lines in sets.items():
            if not lines:
                continue
            errs = chars = werrs = words = 0
            rng = random.Random(0)
            for b in batches_of(lines, rng, px_budget, 64):
                x, _, _, _ = make_batch([lines[i] for i in b], False, None)
                hyp = greedy_decode(model(x))
                for i, h in zip(b, hyp):
                    ref = lines[i][1]
                    errs += edit_distance(ref, h)
                    chars += len(ref)
                    rw = "".join(rec_charset.CHARSET[k - 1] for k in ref).split()
                    hw = "".join(rec_charset.CHARSET[k - 1] for k in h).split()
                    werrs += edit_distance(rw, hw)
                    words += len(rw)
            res[name] = (100.0 * errs / max(chars, 1), 100.0 * werrs / max(words, 1), len(lines))
    model.train()
    return res


# ---------------------------------------------------------------- checkpoints

def latest_ckpts(ckpt_dir):
    return sorted(glob.glob(os.path.join(ckpt_dir, "ckpt_*.pt")))


def save_ckpt(ckpt_dir, state):
    os.makedirs(ckpt_dir, exist_ok=True)
    path = os.path.join(ckpt_dir, "ckpt_%08d.pt" % state["step"])
    torch.save(state, path + ".tmp")
    os.replace(path + ".tmp", path)
    for old in latest_ckpts(ckpt_dir)[:-2]:
        os.remove(old)
    return path


def lr_at(step, args):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    p = min(1.0, (step - args.warmup) / max(1, args.total_steps - args.warmup))
    return args.lr * (args.min_lr_ratio + (1 - args.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * p)))


# ---------------------------------------------------------------- export

def export(args):
    ck = torch.load(latest_ckpts(args.ckpt)[-1], map_location="cpu")
    model = LatinRec(rec_charset.N_CLASSES, ck["args"]["arch"])
    model.load_state_dict(ck["model"])
    model.eval()
    os.makedirs(args.export, exist_ok=True)
    with torch.no_grad():
        scripted = torch.jit.freeze(torch.jit.script(model))
        cases = [torch.randn(2, 1, HEIGHT, 256), torch.randn(1, 1, HEIGHT, 64), torch.zeros(3, 1, HEIGHT, 1024)]
        sets = load_val(args.data, 64)
        real = [l for v in sets.values() for l in v][:16]
        if real:
            cases.append(make_batch(real, False, None)[0])
        max_diff = 0.0
        agree = []
        for x in cases:
            a, b = model(x), scripted(x)
            max_diff = max(max_diff, float((a - b).abs().max()))
            agree.append(bool((a.argmax(-1) == b.argmax(-1)).all()))
    if max_diff > 1e-3 or not all(agree):
        sys.exit(f"export: scripted differs from eager (max |diff| {max_diff:g}, argmax agree {agree})")
    pt = os.path.join(args.export, "rec_latin.pt")
    scripted.save(pt + ".tmp")
    os.replace(pt + ".tmp", pt)
    cs = os.path.join(args.export, "rec_latin_charset.txt")
    rec_charset.write_charset(cs)
    sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()  # noqa: E731
    entry = {
        "name": "latin",
        "file": "rec_latin.pt", "sha256": sha(pt),
        "charset_file": "rec_latin_charset.txt", "charset_sha256": sha(cs),
        "input": {"height_px": HEIGHT, "channels": 1, "color": "gray (0.299 R + 0.587 G + 0.114 B)",
                  "normalize": {"scale": 1 / 127.5, "shift": -1.0, "formula": "x / 127.5 - 1"},
                  "pad_value": 0.0, "pad_side": "right", "resize": "linear",
                  "width_scale": 1.0, "width_px": "ceil(32 * crop_w / crop_h * width_scale)",
                  "min_width_px": 8, "max_width_px": MAX_WIDTH, "width_step_px": PAD_STEP},
        "output": {"layout": "NTC logits (softmax not applied)", "width_stride_px": STRIDE,
                   "n_classes": rec_charset.N_CLASSES, "blank_id": rec_charset.BLANK_ID,
                   "space_id": rec_charset.SPACE_ID, "class_k": "charset line k-1 (k >= 1)"},
        "decoder": {"space_heuristics": False, "accent_heuristics": False},
        "flops_per_px": count_flops(model),
        "n_params": sum(p.numel() for p in model.parameters()),
        "training": {"step": ck["step"], "samples": ck["samples"], "val": ck.get("val", {}), "arch": ck["args"]["arch"]},
        "verification": {"max_abs_diff": max_diff, "argmax_agree": agree, "tolerance": 1e-3},
        "torch_version": torch.__version__,
    }
    with open(os.path.join(args.export, "rec_latin.manifest.json"), "w") as f:
        json.dump(entry, f, indent=2, ensure_ascii=False)
    log(f"exported {pt} (step {ck['step']}, max |scripted - eager| {max_diff:.2e})")


# ---------------------------------------------------------------- training

def train(args):
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(args.seed)
    model = LatinRec(rec_charset.N_CLASSES, args.arch)
    log(f"model {args.arch}: {sum(p.numel() for p in model.parameters()) / 1e6:.3f} M parameters, "
        f"{count_flops(model) / 1e6:.3f} MFLOP per px of input width (rec.pt: 4.2)")
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    ctc = nn.CTCLoss(blank=rec_charset.BLANK_ID, zero_infinity=True)
    step, samples, epoch, window, batch_pos, shards = 0, 0, 0, 0, 0, None
    cks = latest_ckpts(args.ckpt) if args.resume else []
    if cks:
        ck = torch.load(cks[-1], map_location="cpu")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, samples = ck["step"], ck["samples"]
        epoch, window, batch_pos, shards = ck["epoch"], ck["window"], ck["batch_pos"], ck["shards"]
        torch.set_rng_state(ck["torch_rng"])
        log(f"resumed {cks[-1]}: step {step}, {samples} samples, epoch {epoch} window {window} batch {batch_pos}")
    val_files, val_sets = None, {}
    t_ckpt = t_val = t_log = time.time()
    n_log, loss_log, t_log_samples = 0, 0.0, samples
    last_val = {}

    def state():
        return dict(model=model.state_dict(), opt=opt.state_dict(), step=step, samples=samples, epoch=epoch,
                    window=window, batch_pos=batch_pos, shards=shards, torch_rng=torch.get_rng_state(),
                    args=vars(args), val=last_val)

    while True:
        if shards is None:  # a new epoch: the shards present now, in a seeded order
            shards = sorted(os.path.basename(p) for p in glob.glob(os.path.join(args.data, "train", "*.npz")))
            if len(shards) < args.min_shards:  # the builder is still starting
                log(f"{len(shards)} training shards, waiting for {args.min_shards}")
                time.sleep(120)
                shards = None
                continue
            random.Random(seeded(args.seed, "epoch", epoch)).shuffle(shards)
            log(f"epoch {epoch}: {len(shards)} shards")
        names = shards[window * args.window_shards:(window + 1) * args.window_shards]
        if not names:
            epoch, window, batch_pos, shards = epoch + 1, 0, 0, None
            continue
        lines = []
        for n in names:
            try:
                imgs, texts, sources = load_shard(os.path.join(args.data, "train", n))
            except Exception as e:  # noqa: BLE001 (a damaged shard must not stop a day-long run)
                log(f"shard {n} unreadable: {e}")
                continue
            for im, t, src in zip(imgs, texts, sources):
                if not src.startswith("synth") and short_letters(t):
                    continue  # shards built before build_rec_data.py dropped these
                ids = encode_ok(t, im.shape[1] * 0.85)
                if ids is not None and im.shape[1] <= MAX_WIDTH:
                    lines.append((im, ids))
        wrng = np.random.default_rng(seeded(args.seed, epoch, window))
        batches = batches_of(lines, wrng, args.px_budget, args.max_batch)
        while batch_pos < len(batches):
            brng = np.random.default_rng(seeded(args.seed, epoch, window, batch_pos))
            x, tg, il, tl = make_batch([lines[i] for i in batches[batch_pos]], True, brng)
            for g in opt.param_groups:
                g["lr"] = lr_at(step, args)
            logp = model(x).log_softmax(-1).transpose(0, 1)  # [T, N, C]
            loss = ctc(logp, tg, il, tl)
            opt.zero_grad(set_to_none=True)
            if not torch.isfinite(loss):
                log(f"step {step}: loss {float(loss)}, batch skipped")
                batch_pos += 1
                continue
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            step += 1
            batch_pos += 1
            samples += x.shape[0]
            loss_log += float(loss)
            n_log += 1
            now = time.time()
            if now - t_log > 60:
                log(f"step {step} samples {samples} epoch {epoch} win {window} loss {loss_log / n_log:.4f} "
                    f"lr {lr_at(step, args):.2e} {(samples - t_log_samples) / (now - t_log):.1f} lines/s")
                t_log, n_log, loss_log, t_log_samples = now, 0, 0.0, samples
            if now - t_val > args.val_minutes * 60:
                files = sorted(glob.glob(os.path.join(args.data, "val", "*.npz")))
                if files != val_files:  # the builder writes val/ first; reload until it is complete
                    val_files, val_sets = files, load_val(args.data, args.val_lines)
                    log(f"validation: {len(files)} shards, lines: "
                        + ", ".join(f"{k} {len(v)}" for k, v in val_sets.items()))
                res = evaluate(model, val_sets)
                last_val = {k: {"cer": v[0], "wer": v[1], "n": v[2]} for k, v in res.items()}
                log(f"val step {step}: " + ", ".join(f"{k} CER {v[0]:.2f}% WER {v[1]:.2f}% (n={v[2]})"
                                                   for k, v in res.items()))
                t_val = time.time()
            if now - t_ckpt > args.ckpt_minutes * 60:
                log(f"checkpoint {save_ckpt(args.ckpt, state())}")
                t_ckpt = time.time()
            if args.max_steps and step >= args.max_steps:
                log(f"checkpoint {save_ckpt(args.ckpt, state())}")
                return
        window, batch_pos = window + 1, 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/work/rec/data")
    ap.add_argument("--ckpt", default="/work/rec/ckpt")
    ap.add_argument("--arch", choices=["base", "narrow"], default="base")
    ap.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --ckpt")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr-ratio", type=float, default=0.03)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--warmup", type=int, default=800)
    ap.add_argument("--total-steps", type=int, default=40000, help="cosine schedule length (~1.4M lines)")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: never)")
    ap.add_argument("--px-budget", type=int, default=24576, help="padded input px (width x lines) per batch")
    ap.add_argument("--max-batch", type=int, default=48)
    ap.add_argument("--window-shards", type=int, default=6)
    ap.add_argument("--val-lines", type=int, default=400, help="per validation set")
    ap.add_argument("--val-minutes", type=float, default=30)
    ap.add_argument("--min-shards", type=int, default=8, help="wait until this many training shards exist")
    ap.add_argument("--ckpt-minutes", type=float, default=8)
    ap.add_argument("--export", default="", help="export the latest checkpoint to this folder and exit")
    ap.add_argument("--flops", action="store_true")
    args = ap.parse_args()
    if args.flops:
        for arch in ("base", "narrow"):
            m = LatinRec(rec_charset.N_CLASSES, arch)
            print(f"{arch}: {sum(p.numel() for p in m.parameters()) / 1e6:.3f} M params, "
                  f"{count_flops(m) / 1e6:.3f} MFLOP/px of input width")
        return
    if args.export:
        export(args)
        return
    train(args)


if __name__ == "__main__":
    main()
