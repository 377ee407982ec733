#!/usr/bin/env python3
"""Table of scripts/gpu_check's runs: throughput, stage seconds, GPU memory and
the text difference against the kit's CPU fp32 reference.

  gpu_check_report.py REFERENCE.json RUNS.tsv > table.md

RUNS.tsv: one run a line, tab-separated: name device precision tf32 batch
n_copies n_pages rc log_path out_dir (out_dir holds pages_NN.json; n_pages:
the run read the first n_pages pages of each copy, 0 = all).
CER: character edits (after bench_ocr's normalisation) of each page against
the same page of the reference, summed over pages, over the reference's
characters. Uses numpy when it is there, else torch (the GPU machine has torch).
"""
import glob
import json
import os
import re
import sys
import unicodedata
from datetime import datetime

_PUNCT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                        "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u2022": "*", "\u00b7": "*"})


def normalize(text):
    """As scripts/bench_ocr.py: NFKC, typographic quotes/dashes to ASCII, whitespace runs to one space."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_PUNCT).split())


try:
    import numpy as _np

    def edit_distance(a, b):
        """Levenshtein distance, one vector pass per row (cur[j] = j + cummin(tmp - j))."""
        a, b = (a, b) if len(a) <= len(b) else (b, a)
        if not a:
            return len(b)
        av, bv = _np.array(a, dtype=_np.int64), _np.array(b, dtype=_np.int64)
        j = _np.arange(len(b) + 1, dtype=_np.int64)
        prev, tmp = j.copy(), _np.empty(len(b) + 1, dtype=_np.int64)
        for i in range(1, len(a) + 1):
            tmp[0] = i
            _np.minimum(prev[1:] + 1, prev[:-1] + (bv != av[i - 1]), out=tmp[1:])
            prev = _np.minimum.accumulate(tmp - j) + j
        return int(prev[-1])
except ImportError:
    import torch as _torch

    def edit_distance(a, b):
        a, b = (a, b) if len(a) <= len(b) else (b, a)
        if not a:
            return len(b)
        bv = _torch.tensor(b, dtype=_torch.int64)
        j = _torch.arange(len(b) + 1, dtype=_torch.int64)
        prev = j.clone()
        tmp = _torch.empty(len(b) + 1, dtype=_torch.int64)
        for i, ai in enumerate(a, start=1):
            tmp[0] = i
            _torch.minimum(prev[1:] + 1, prev[:-1] + (bv != ai).long(), out=tmp[1:])
            prev = _torch.cummin(tmp - j, dim=0).values + j
        return int(prev[-1])


def page_texts(path):
    with open(path) as f:
        return [normalize(p.get("text", "")) for p in json.load(f).get("pages", [])]


_cache = {}


def cer(ref_pages, hyp_pages):
    """(character edits, reference characters, pages identical) over the reference's pages."""
    edits = same = 0
    for k, ref in enumerate(ref_pages):
        hyp = hyp_pages[k] if k < len(hyp_pages) else ""
        if hyp == ref:
            same += 1
            continue
        key = (ref, hyp)
        if key not in _cache:
            _cache[key] = edit_distance([ord(c) for c in ref], [ord(c) for c in hyp])
        edits += _cache[key]
    return edits, sum(len(r) for r in ref_pages), same


def stamp(line):
    m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)", line)
    return datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp() if m else None


def parse_log(path):
    facts = {}
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError:
        return facts
    for line in lines:
        if "Engine ready" in line and "t_ready" not in facts:
            facts["t_ready"] = stamp(line)
        m = re.search(r"done: .* (\d+) page\(s\) OCRed .* in ([0-9.]+) s", line)
        if m:
            facts.update(pages=int(m.group(1)), wall_s=float(m.group(2)), t_done=stamp(line))
        m = re.search(r"stage totals \(s\): (.*)", line)
        if m:
            facts["stages"] = {k: float(v) for k, v in re.findall(r"([a-z-]+) ([0-9.]+)", m.group(1))}
        m = re.search(r"GPU memory peak on \S+: ([0-9]+) MiB allocated, ([0-9]+) MiB reserved", line)
        if m:
            facts["peak_alloc_mib"] = max(facts.get("peak_alloc_mib", 0), int(m.group(1)))
            facts["peak_reserved_mib"] = max(facts.get("peak_reserved_mib", 0), int(m.group(2)))
        m = re.search(r"Batch size (\d+),", line)
        if m:
            facts["batch_used"] = int(m.group(1))
    return facts


def main():
    ref_pages = page_texts(sys.argv[1])
    rows = []
    for line in open(sys.argv[2]):
        if not line.strip():
            continue
        name, device, precision, tf32, batch, n_copies, n_pages, rc, log, out_dir = line.rstrip("\n").split("\t")
        ref = ref_pages[: int(n_pages)] if int(n_pages) > 0 else ref_pages
        f = parse_log(log)
        edits = chars = same = 0
        outs = sorted(glob.glob(os.path.join(out_dir, "*.json")))
        for o in outs:
            e, c, s = cer(ref, page_texts(o))
            edits, chars, same = edits + e, chars + c, same + s
        n_ref = len(ref) * max(1, len(outs))
        pages = f.get("pages", 0)
        after_load = (f["t_done"] - f["t_ready"]) if f.get("t_done") and f.get("t_ready") else None
        st = f.get("stages", {})
        rows.append([
            name, device, precision, tf32, f"{batch}" + (f" ({f['batch_used']})" if batch == "auto" and "batch_used" in f else ""),
            str(pages), rc,
            f"{f['wall_s']:.1f}" if "wall_s" in f else "-",
            f"{pages / f['wall_s']:.2f}" if f.get("wall_s") else "-",
            f"{pages / after_load:.2f}" if after_load else "-",
            *[f"{st[k]:.2f}" if k in st else "-" for k in ("render", "preprocess", "detect", "classify", "recognize",
                                                           "post-process")],
            str(f.get("peak_alloc_mib", "-")), str(f.get("peak_reserved_mib", "-")),
            f"{100.0 * edits / chars:.3f}" if outs and chars else "-",
            f"{same}/{n_ref}" if outs else "-",
        ])
    header = ["run", "device", "precision", "tf32", "batch", "pages", "rc", "wall s", "pages/s", "pages/s after load",
              "render s", "preprocess s", "detect s", "classify s", "recognize s", "post s", "peak alloc MiB",
              "peak reserved MiB", "CER vs CPU fp32 %", "pages identical"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(f"\nReference: {len(ref_pages)} pages, {sum(len(r) for r in ref_pages)} characters (CPU fp32, the kit's "
          "reference/pages.json). Stage seconds are summed over workers and threads' wall time; pages/s after load "
          "counts from 'Engine ready' to 'done'.")


if __name__ == "__main__":
    main()
