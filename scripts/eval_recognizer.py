#!/usr/bin/python3
"""Line CER / WER of the Latin recognizer on the held-out lines of build_rec_data.py.

    /usr/bin/python3 scripts/eval_recognizer.py [--ckpt /work/rec/ckpt | --model rec_latin.pt]
        [--data /work/rec/data] [--max-lines N] [--show 10]

Reads the latest checkpoint (or a TorchScript export), greedy-decodes every
validation line (documents never trained on: clean and scan-degraded pages,
plus synthetic lines) and prints CER and WER per set, the worst documents,
and a few misread lines.

    /usr/bin/python3 scripts/eval_recognizer.py --engine-check PAGE.pdf [--dpi 200]

instead checks build_rec_data.py's port of the engine's detection against the
C++ engine: runs `deepcompress --ocr always --format json` on a one-page PDF,
detects the same page in Python, and prints how far the line boxes are apart.
"""

import argparse
import os
import random
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rec_charset  # noqa: E402
import train_recognizer as tr  # noqa: E402


def engine_check(pdf, dpi, exe, model_dir):
    import json
    import subprocess
    import tempfile

    import numpy as np

    import build_rec_data as brd
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([exe, pdf, "--ocr", "always", "--format", "json", "--dpi", str(dpi), "-o", tmp,
                        "--model-dir", model_dir, "--cache-dir", os.path.join(tmp, "cache")], check=True,
                       capture_output=True)
        name = os.path.splitext(os.path.basename(pdf))[0] + ".json"
        page = json.load(open(os.path.join(tmp, name)))["pages"][0]
    eng = [np.array(line["box"], np.float32).reshape(4, 2) for line in page["lines"]]
    det = brd.Detector(os.path.join(model_dir, "det.pt"))
    gray = brd.render_page(pdf, 1, dpi)
    py = [q for q, _ in det.boxes(gray)]
    d = np.array([min(float(np.abs(q - e).max()) for q in py) for e in eng]) if py and eng else np.zeros(0)
    print(f"{pdf}: engine {len(eng)} lines ({page['width_px']}x{page['height_px']} px), Python {len(py)} boxes "
          f"({gray.shape[1]}x{gray.shape[0]} px)")
    if len(d):
        print(f"largest corner distance to the nearest Python box: median {np.median(d):.2f} px, "
              f"90th percentile {np.percentile(d, 90):.2f}, max {d.max():.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default="/work/rec/ckpt")
    ap.add_argument("--model", default="", help="a TorchScript export instead of a checkpoint")
    ap.add_argument("--data", default="/work/rec/data")
    ap.add_argument("--max-lines", type=int, default=0, help="per set, sampled with a fixed seed (0: all)")
    ap.add_argument("--show", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--engine-check", default="", help="a one-page PDF: compare line boxes with the C++ engine")
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--exe", default=os.path.join(tr.os.path.dirname(__file__), "..", "build", "ci", "apps",
                                                  "deepcompress", "deepcompress"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.engine_check:
        engine_check(args.engine_check, args.dpi, args.exe, os.path.join(os.path.dirname(tr.__file__), "..", "models"))
        return
    if args.model:
        model = torch.jit.load(args.model).eval()
        what = args.model
    else:
        path = tr.latest_ckpts(args.ckpt)[-1]
        ck = torch.load(path, map_location="cpu")
        model = tr.LatinRec(rec_charset.N_CLASSES, ck["args"]["arch"])
        model.load_state_dict(ck["model"])
        model.eval()
        what = f"{path} (step {ck['step']}, {ck['samples']} samples)"
    print(what)
    sets = {}
    for p in sorted(tr.glob.glob(os.path.join(args.data, "val", "*.npz"))):
        imgs, texts, sources = tr.load_shard(p)
        for im, t, s in zip(imgs, texts, sources):
            ids = tr.encode_ok(t, im.shape[1])
            if ids is None or (not s.startswith("synth") and tr.short_letters(t)):
                continue
            key = "synth" if s.startswith("synth") else ("real_degraded" if s.endswith(":1") else "real_clean")
            sets.setdefault(key, []).append((im, ids, s.split(":")[0]))
    dec = lambda ids: "".join(rec_charset.CHARSET[k - 1] for k in ids)  # noqa: E731
    t0 = time.time()
    n_lines = 0
    for name, lines in sorted(sets.items()):
        if args.max_lines and len(lines) > args.max_lines:
            lines = random.Random(1).sample(lines, args.max_lines)
        errs = chars = werrs = words = 0
        per_doc, bad = {}, []
        with torch.no_grad():
            for b in tr.batches_of([(im, ids) for im, ids, _ in lines], random.Random(0), 16000, 64):
                x, _, _, _ = tr.make_batch([(lines[i][0], lines[i][1]) for i in b], False, None)
                for i, h in zip(b, tr.greedy_decode(model(x))):
                    ref, doc = lines[i][1], lines[i][2]
                    e = tr.edit_distance(ref, h)
                    rw, hw = dec(ref).split(), dec(h).split()
                    we = tr.edit_distance(rw, hw)
                    errs, chars, werrs, words = errs + e, chars + len(ref), werrs + we, words + len(rw)
                    d = per_doc.setdefault(doc, [0, 0])
                    d[0] += e
                    d[1] += len(ref)
                    if e:
                        bad.append((e, dec(ref), dec(h)))
        n_lines += len(lines)
        print(f"{name}: {len(lines)} lines, CER {100.0 * errs / max(chars, 1):.2f}%, "
              f"WER {100.0 * werrs / max(words, 1):.2f}%")
        worst = sorted(per_doc.items(), key=lambda kv: -kv[1][0] / max(kv[1][1], 1))[:5]
        print("  worst documents: " + ", ".join(f"{k} {100.0 * e / max(n, 1):.1f}%" for k, (e, n) in worst))
        for e, r, h in random.Random(2).sample(bad, min(args.show, len(bad))):
            print(f"  ref {r!r}\n  hyp {h!r}")
    print(f"{n_lines} lines in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
