#!/usr/bin/python3
"""Side-by-side OCR benchmark: deepcompress vs Tesseract 5.

Builds (once, cached in build/bench_ocr/corpus) a corpus of scanned-style
pages from PDFs that Debian packages ship under /usr/share: each page is
rendered at 200 dpi, slightly rotated, blurred and noised, and saved as a
grayscale PNG; its ground truth is plain `pdftotext -f N -l N` of the
original page. Then OCRs the corpus with both tools, scores them (CER, WER,
bag-of-words error) and prints one table. Run through scripts/bench_ocr,
which installs the Debian packages this needs.
"""
import argparse
import collections
import concurrent.futures
import glob
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
import zlib

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CORPUS_VERSION = 2  # bump when the page list or the degradation changes

# (category, PDF path (may be .gz), 1-based page). Categories are printed in
# this order. Package in the comment: the Debian package that ships the PDF.
R = "/usr/share/R/doc/manual/"  # r-doc-pdf
OCT = "/usr/share/doc/octave/"  # octave-doc
GP = "/usr/share/doc/gnuplot/gnuplot.pdf"  # gnuplot-doc
CORPUS = [
    ("prose", R + "R-intro.pdf", 12),
    ("prose", R + "R-intro.pdf", 11),
    ("prose", "/usr/share/doc/valgrind/valgrind_manual.pdf.gz", 6),  # valgrind
    ("prose", "/usr/share/doc/fontconfig/fontconfig-user.pdf.gz", 2),  # fontconfig
    ("prose", "/usr/share/doc/nettle-dev/nettle.pdf.gz", 12),  # nettle-dev
    ("prose", "/usr/share/doc/bzip2/manual.pdf.gz", 6),  # bzip2-doc
    ("prose", "/usr/share/doc/libtasn1-doc/libtasn1.pdf", 28),  # libtasn1-doc
    ("prose", "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf", 3),  # shared-mime-info
    # the gnuplot index (two columns) and the Octave reference card (three columns, landscape)
    ("two-column", GP, 306),
    ("two-column", GP, 307),
    ("two-column", GP, 308),
    ("two-column", GP, 309),
    ("two-column", OCT + "refcard-a4.pdf", 1),
    ("two-column", OCT + "refcard-a4.pdf", 2),
    ("two-column", OCT + "refcard-a4.pdf", 3),
    ("tables", GP, 38),
    ("tables", GP, 39),
    ("tables", GP, 135),
    ("tables", GP, 151),
    ("tables", GP, 152),
    ("code", "/usr/share/doc/bzip2/manual.pdf.gz", 29),
    ("code", "/usr/share/doc/valgrind/valgrind_manual.pdf.gz", 94),
    ("code", "/usr/share/doc/nettle-dev/nettle.pdf.gz", 45),
    ("code", R + "R-intro.pdf", 27),
    ("code", "/usr/share/doc/gnucobol3/gnucobol.pdf.gz", 19),  # gnucobol3
    ("code", R + "R-lang.pdf", 26),
    # pages of the Octave manual with a figure (axis labels and ticks are in the ground truth)
    ("plots", OCT + "octave.pdf", 332),
    ("plots", OCT + "octave.pdf", 337),
    ("plots", OCT + "octave.pdf", 349),
    ("plots", OCT + "octave.pdf", 353),
    ("plots", OCT + "octave.pdf", 373),
    ("plots", OCT + "octave.pdf", 683),
    ("plots", OCT + "octave.pdf", 689),
    # the Debian New Maintainers' Guide in French and German (maint-guide-fr, maint-guide-de)
    ("non-English", "/usr/share/doc/maint-guide-fr/maint-guide.fr.pdf", 9),
    ("non-English", "/usr/share/doc/maint-guide-fr/maint-guide.fr.pdf", 7),
    ("non-English", "/usr/share/doc/maint-guide-fr/maint-guide.fr.pdf", 13),
    ("non-English", "/usr/share/doc/maint-guide-de/maint-guide.de.pdf", 9),
    ("non-English", "/usr/share/doc/maint-guide-de/maint-guide.de.pdf", 7),
    ("non-English", "/usr/share/doc/maint-guide-de/maint-guide.de.pdf", 13),
]
CATEGORIES = ["prose", "two-column", "tables", "code", "plots", "non-English"]
MIN_GT_CHARS = 200
DPI = 200
STAGES = ["render", "preprocess", "detect", "classify", "recognize", "post-process"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


# ---------------------------------------------------------------- corpus

def page_stem(cat, path, page):
    doc = os.path.basename(path)
    for ext in (".gz", ".pdf"):
        doc = doc[: -len(ext)] if doc.endswith(ext) else doc
    doc = re.sub(r"[^A-Za-z0-9]+", "-", doc).strip("-")
    return f"{cat.lower()}_{doc}_p{page:03d}"


def source_pdf(path, src_dir):
    """Returns a plain PDF path for path (decompressing .pdf.gz into src_dir)."""
    if not path.endswith(".gz"):
        return path
    out = os.path.join(src_dir, os.path.basename(path)[:-3])
    if not os.path.exists(out):
        with gzip.open(path, "rb") as f, open(out + ".tmp", "wb") as g:
            shutil.copyfileobj(f, g)
        os.replace(out + ".tmp", out)
    return out


def degrade(png_in, png_out, seed):
    """Scanned look: small rotation (0.5-1 deg either way), blur, gray paper, noise."""
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    img = Image.open(png_in).convert("L")
    angle = float(rng.uniform(0.5, 1.0) * rng.choice([-1.0, 1.0]))
    img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(radius=0.7))
    a = np.asarray(img, dtype=np.float32)
    a = 14.0 + a * 0.92  # paper not quite white, ink not quite black
    a += rng.normal(0.0, 9.0, a.shape).astype(np.float32)  # sensor noise
    speck = rng.random(a.shape) < 0.0003  # dust
    a[speck] = rng.uniform(0, 120, int(speck.sum()))
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(png_out, optimize=False)
    return angle


def build_corpus(cdir, rebuild=False):
    """Builds or loads the cached corpus; returns its list of page dicts."""
    os.makedirs(cdir, exist_ok=True)
    src_dir = os.path.join(cdir, "src")
    os.makedirs(src_dir, exist_ok=True)
    manifest_path = os.path.join(cdir, "manifest.json")
    if not rebuild and os.path.exists(manifest_path):
        with open(manifest_path) as f:
            m = json.load(f)
        if m.get("version") == CORPUS_VERSION and all(
            os.path.exists(os.path.join(cdir, p["stem"] + ".png")) for p in m["pages"]
        ):
            log(f"corpus: {len(m['pages'])} cached pages in {os.path.relpath(cdir, ROOT)}")
            return m["pages"]
    log(f"building corpus in {os.path.relpath(cdir, ROOT)} ({len(CORPUS)} candidate pages)")
    pages, skipped = [], []
    for cat, path, page in CORPUS:
        stem = page_stem(cat, path, page)
        if not os.path.exists(path):
            skipped.append(f"{stem}: {path} not installed")
            continue
        pdf = source_pdf(path, src_dir)
        gt = run(["pdftotext", "-f", str(page), "-l", str(page), pdf, "-"]).stdout.decode("utf-8", "replace")
        n = len(normalize(gt))
        if n < MIN_GT_CHARS:
            skipped.append(f"{stem}: only {n} characters of ground truth")
            continue
        with open(os.path.join(cdir, stem + ".gt.txt"), "w") as f:
            f.write(gt)
        raw = os.path.join(cdir, stem + ".clean")
        run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-f", str(page), "-l", str(page), "-singlefile", pdf, raw])
        angle = degrade(raw + ".png", os.path.join(cdir, stem + ".png"), zlib.crc32(stem.encode()))
        os.remove(raw + ".png")
        pages.append({"stem": stem, "category": cat, "source": path, "page": page,
                      "gt_chars": n, "angle": round(angle, 3)})
        log(f"  {stem}: {n} chars, rotated {angle:+.2f} deg")
    for s in skipped:
        log(f"  skipped {s}")
    keep = {p["stem"] for p in pages}
    for f in glob.glob(os.path.join(cdir, "*.png")) + glob.glob(os.path.join(cdir, "*.gt.txt")):
        if os.path.basename(f).split(".")[0] not in keep:
            os.remove(f)  # pages of an older corpus version
    with open(manifest_path, "w") as f:
        json.dump({"version": CORPUS_VERSION, "dpi": DPI, "pages": pages}, f, indent=1)
    return pages


def select_pages(pages, n):
    """First n pages taking categories round-robin, so small runs cover all of them."""
    if not n or n >= len(pages):
        return pages
    by = collections.OrderedDict((c, [p for p in pages if p["category"] == c]) for c in CATEGORIES)
    out = []
    while len(out) < n:
        for c in by:
            if by[c] and len(out) < n:
                out.append(by[c].pop(0))
    return out


# ---------------------------------------------------------------- scoring

_PUNCT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                        "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u2022": "*", "\u00b7": "*"})


def normalize(text):
    """NFKC (splits ligatures), typographic quotes/dashes to ASCII, whitespace runs to one space."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT)
    return " ".join(text.split())


def edit_distance(a, b):
    """Levenshtein distance of two int sequences, one numpy pass per row.

    Row recurrence: cur[j] = min(prev[j] + 1, prev[j-1] + (a_i != b_j), cur[j-1] + 1);
    the last term is a running minimum: cur[j] = j + cummin_k<=j(tmp[k] - k).
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if len(a) > len(b):
        a, b = b, a
    n, m = len(a), len(b)
    if n == 0:
        return m
    j = np.arange(m + 1, dtype=np.int64)
    prev = j.copy()
    tmp = np.empty(m + 1, dtype=np.int64)
    for i in range(1, n + 1):
        tmp[0] = i
        np.minimum(prev[1:] + 1, prev[:-1] + (b != a[i - 1]), out=tmp[1:])
        prev = np.minimum.accumulate(tmp - j) + j
    return int(prev[m])


def score(ref_text, hyp_text):
    ref, hyp = normalize(ref_text), normalize(hyp_text)
    ref_w, hyp_w = ref.split(), hyp.split()
    vocab = {}
    ids = lambda ws: [vocab.setdefault(w, len(vocab)) for w in ws]
    rc, hc = collections.Counter(ref_w), collections.Counter(hyp_w)
    return {
        "ref_chars": len(ref), "ref_words": len(ref_w),
        "char_edits": edit_distance([ord(c) for c in ref], [ord(c) for c in hyp]),
        "word_edits": edit_distance(ids(ref_w), ids(hyp_w)),
        "bow_hits": sum(min(v, hc[w]) for w, v in rc.items()),
    }


def fold_accents(text):
    """Drops combining marks after NFD: é -> e, ü -> u, ß stays."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def error_breakdown(ref_text, hyp_text):
    """Character edits of one page with spaces ignored, then accents folded too
    (both texts transformed alike), to tell spacing and accent errors apart."""
    ref, hyp = normalize(ref_text).replace(" ", ""), normalize(hyp_text).replace(" ", "")
    codes = lambda t: [ord(c) for c in t]
    ref_f, hyp_f = fold_accents(ref), fold_accents(hyp)
    return {"ref_chars": len(normalize(ref_text)),
            "no_space_edits": edit_distance(codes(ref), codes(hyp)),
            "no_space_folded_edits": edit_distance(codes(ref_f), codes(hyp_f))}


def aggregate(scores):
    rc = sum(s["ref_chars"] for s in scores) or 1
    rw = sum(s["ref_words"] for s in scores) or 1
    return {"cer": sum(s["char_edits"] for s in scores) / rc,
            "wer": sum(s["word_edits"] for s in scores) / rw,
            "bow": 1.0 - sum(s["bow_hits"] for s in scores) / rw}


# ---------------------------------------------------------------- runs

def run_tesseract(pages, cdir, out_dir, jobs):
    os.makedirs(out_dir, exist_ok=True)
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def one(p):
        r = subprocess.run(["tesseract", os.path.join(cdir, p["stem"] + ".png"), "-", "--oem", "1", "--psm", "3",
                            "-l", "eng"], capture_output=True, env=env)
        if r.returncode != 0:
            log(f"  tesseract failed on {p['stem']}: {r.stderr.decode(errors='replace').strip()}")
        return p["stem"], r.stdout.decode("utf-8", "replace")

    log(f"tesseract: {len(pages)} pages, --oem 1 --psm 3 -l eng, OMP_THREAD_LIMIT=1, {jobs} in parallel")
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        texts = dict(ex.map(one, pages))
    wall = time.monotonic() - t0
    for stem, text in texts.items():
        with open(os.path.join(out_dir, stem + ".txt"), "w") as f:
            f.write(text)
    return texts, wall


def find_output(out_dir, stem, ext):
    hits = glob.glob(os.path.join(out_dir, "**", stem + "." + ext), recursive=True)
    return hits[0] if hits else None


def run_deepcompress(pages, cdir, out_dir, args):
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    cmd = [args.bin] + [os.path.join(cdir, p["stem"] + ".png") for p in pages]
    cmd += ["-o", out_dir, "--format", "json", "--model-dir", args.model_dir, "--device", args.device]
    # deepcompress keeps an output cache of unchanged inputs: a rerun would be
    # served from it and time nothing, so turn it off when the binary has it
    helptext = subprocess.run([args.bin, "--help"], capture_output=True, text=True).stdout
    if "--no-cache" in helptext:
        cmd.append("--no-cache")
    # debug level: the engine logs every recognizer batch ("recognizer: N lines
    # at width W px"), which gives the recognizer's real input size for the FLOP count
    cmd += ["--log-level", "debug"] + args.dc_arg
    shown = [args.bin, f"<{len(pages)} PNGs>"] + cmd[1 + len(pages):]
    log("deepcompress: " + " ".join(shown))
    t0 = time.monotonic()
    with open(os.path.join(out_dir, "stderr.log"), "w") as errf:
        rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=errf).returncode
    wall = time.monotonic() - t0
    with open(os.path.join(out_dir, "stderr.log")) as f:
        err = f.read()
    if rc != 0:
        log(f"  deepcompress exited {rc}; last log lines:\n    " + "\n    ".join(err.strip().splitlines()[-5:]))
    stages = {}
    m = re.search(r"stage totals \(s\):(.*)", err)
    if m:
        for name, val in re.findall(r"([a-z-]+) ([0-9.]+)", m.group(1)):
            stages[name] = float(val)
    else:
        log("  no 'stage totals' line in the log")
    # recognizer batches: (lines, input width px at height 48), padded widths as run
    rec_batches = [(int(n), int(w)) for n, w in re.findall(r"recognizer: (\d+) lines at width (\d+) px", err)]
    # classes the recognizer head scored (--charset), from "Recognizer: charset latin (178 of 6625 classes)"
    m = re.search(r"Recognizer: charset \S+ \((\d+) of \d+ classes\)", err)
    rec_classes = int(m.group(1)) if m else 6625
    # lines the angle classifier saw (it votes per page on a sample of lines)
    cls_lines = sum(int(k) for k in re.findall(r"classifier: (\d+) lines in", err))
    # the precision the models ran in ("Models loaded from DIR on cpu (2 threads, bf16)")
    m = re.search(r"Models loaded from .* \(\d+ threads, (\w+)\)", err)
    precision = m.group(1) if m else "fp32"
    texts, n_lines = {}, {}
    for p in pages:
        path = find_output(out_dir, p["stem"], "json")
        if path:
            with open(path) as f:
                doc = json.load(f)
            texts[p["stem"]] = "\n\f".join(pg.get("text", "") for pg in doc.get("pages", []))
            n_lines[p["stem"]] = sum(len(pg.get("lines", [])) for pg in doc.get("pages", []))
        else:
            path = find_output(out_dir, p["stem"], "txt")
            if path:
                with open(path) as f:
                    texts[p["stem"]] = f.read()
            else:
                log(f"  no deepcompress output for {p['stem']} (scored as empty)")
                texts[p["stem"]] = ""
    return texts, wall, stages, n_lines, (rec_batches, rec_classes, cls_lines, precision), rc


# ---------------------------------------------------------------- roofline

def roofline(model_dir, canvas, lines_per_page, cls_lines_per_page, rec_px_per_page, rec_classes, precision,
             threads=2):
    """GFLOP per page per model (torch profiler FLOPs: 2 x MACs) and a measured conv peak in the
    precision deepcompress ran in (fp32 or bf16)."""
    # The profiler warns (through glog) for each conv whose stride it cannot
    # read. Those are the squeeze-excite convs on 1x1 maps: counted by hand from
    # the graph, all uncounted convs together are < 1% of each model's FLOPs.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TORCH_CPP_LOG_LEVEL", "ERROR")
    import torch

    torch.set_num_threads(threads)
    out = {}
    # measured conv throughput: 3x3, 128->128 channels on 128x128, batch 2, best of 20 (glibc page-faults
    # the fresh 16 MB outputs of the first calls: best of 5 read 80-390 GFLOP/s on a quiet machine)
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    conv = torch.nn.Conv2d(128, 128, 3, padding=1, bias=False).eval().to(dtype)
    x = torch.randn(2, 128, 128, 128).to(dtype)
    flop = 2 * 2 * 128 * 128 * 9 * 128 * 128
    with torch.no_grad():
        conv(x)
        best = min(_timed(lambda: conv(x)) for _ in range(20))
    out["peak_gflops"] = flop / best / 1e9
    out["precision"] = "bf16" if dtype == torch.bfloat16 else "fp32"

    def gflop(name, shape, method="forward"):
        m = torch.jit.load(os.path.join(model_dir, name + ".pt"), map_location="cpu").eval()
        f = getattr(m, method)
        with torch.no_grad():
            f(torch.zeros(*shape))  # the first call runs the profiling executor's unoptimized graph
            with torch.profiler.profile(with_flops=True, record_shapes=True) as prof:
                f(torch.zeros(*shape))
        total = 0.0
        for e in prof.events():
            if e.flops:
                total += e.flops
            elif e.name == "aten::conv_transpose2d" and e.input_shapes and len(e.input_shapes[0]) == 4:
                n, _, h, w = e.input_shapes[0]  # the profiler counts no FLOPs for transposed convs
                total += 2.0 * n * h * w * float(np.prod(e.input_shapes[1]))
        return total / 1e9

    out["det"] = gflop("det", (1, 3, canvas, canvas))
    # classifier: one 48x192 crop per line. Recognizer: FLOPs are linear in the
    # input width (the attention over width is < 1%), so measure 48x1024 and scale
    # by the summed widths of the batches the engine actually ran (padded to their bucket).
    out["lines_per_page"] = lines_per_page
    out["cls_lines_per_page"] = cls_lines_per_page
    out["cls"] = gflop("cls", (1, 3, 48, 192)) * cls_lines_per_page
    out["rec_px_per_page"] = rec_px_per_page
    # The engine runs rec.features() and a head sliced to the classes of
    # --charset: 2 x T x 120 x classes FLOPs, T = W / 8 steps.
    head = 2.0 * (1024 // 8) * 120 * rec_classes / 1e9
    out["rec"] = (gflop("rec", (1, 3, 48, 1024), "features") + head) * rec_px_per_page / 1024
    out["rec_classes"] = rec_classes
    return out


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# ---------------------------------------------------------------- report

def fmt_table(rows, header, align=None):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    align = align or ["<"] + [">"] * (len(header) - 1)
    line = lambda r: "  ".join(f"{str(c):{a}{w}}" for c, a, w in zip(r, align, widths)).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=0, help="use only N pages (categories round-robin); 0 = all")
    ap.add_argument("--bin", default=None, help="deepcompress binary (default build/release/apps/deepcompress/deepcompress)")
    ap.add_argument("--model-dir", default=None, help="model directory (default models/)")
    ap.add_argument("--device", default="cpu",
                    help="deepcompress --device (default cpu; this machine has no GPU, so GPU figures cannot be measured here)")
    ap.add_argument("--mode", default="base", choices=["small", "base", "large"], help="deepcompress --mode")
    ap.add_argument("--dc-arg", action="append", default=[], metavar="ARG",
                    help="extra argument passed to deepcompress (repeatable), e.g. --dc-arg=--batch-size=4")
    ap.add_argument("--tesseract-jobs", type=int, default=2, help="tesseract pages in parallel (default 2)")
    ap.add_argument("--work-dir", default=os.path.join(ROOT, "build", "bench_ocr"))
    ap.add_argument("--rebuild-corpus", action="store_true", help="ignore the cached corpus")
    ap.add_argument("--no-roofline", action="store_true", help="skip the FLOP / conv-throughput lines")
    ap.add_argument("--skip-tesseract", action="store_true")
    ap.add_argument("--skip-deepcompress", action="store_true")
    args = ap.parse_args()

    args.bin = os.path.abspath(args.bin or os.path.join(ROOT, "build", "release", "apps", "deepcompress", "deepcompress"))
    args.model_dir = os.path.abspath(args.model_dir or os.path.join(ROOT, "models"))
    args.dc_arg = args.dc_arg + ["--mode", args.mode]
    if not args.skip_deepcompress:
        if not os.access(args.bin, os.X_OK):
            sys.exit(f"bench_ocr: no deepcompress binary at {args.bin} (run scripts/setup release, or pass --bin)")
        if not os.path.exists(os.path.join(args.model_dir, "manifest.json")):
            sys.exit(f"bench_ocr: no models in {args.model_dir} (run scripts/fetch_models, or pass --model-dir)")
    for tool in ("pdftotext", "pdftoppm") + (() if args.skip_tesseract else ("tesseract",)):
        if not shutil.which(tool):
            sys.exit(f"bench_ocr: {tool} not found (run through scripts/bench_ocr, which installs it)")

    cdir = os.path.join(args.work_dir, "corpus")
    corpus = build_corpus(cdir, args.rebuild_corpus)
    pages = select_pages(corpus, args.pages)
    if not pages:
        sys.exit("bench_ocr: empty corpus")
    cats = [c for c in CATEGORIES if any(p["category"] == c for p in pages)]
    counts = ", ".join("%s %d" % (c, sum(p["category"] == c for p in pages)) for c in cats)
    log(f"pages: {len(pages)} ({counts})")
    load_before = os.getloadavg()

    results = {}  # tool -> (texts, wall)
    if not args.skip_tesseract:
        texts, wall = run_tesseract(pages, cdir, os.path.join(args.work_dir, "out", "tesseract"), args.tesseract_jobs)
        results["tesseract"] = (texts, wall)
        log(f"  {wall:.1f} s")
    stages, n_lines, rec_batches, rec_classes, cls_lines, precision, dc_rc = {}, {}, [], 6625, 0, "fp32", 0
    if not args.skip_deepcompress:
        texts, wall, stages, n_lines, (rec_batches, rec_classes, cls_lines, precision), dc_rc = run_deepcompress(
            pages, cdir, os.path.join(args.work_dir, "out", "deepcompress"), args)
        results["deepcompress"] = (texts, wall)
        log(f"  {wall:.1f} s")
    load_after = os.getloadavg()

    log("scoring")
    gt_texts = {}
    for p in pages:
        with open(os.path.join(cdir, p["stem"] + ".gt.txt")) as f:
            gt_texts[p["stem"]] = f.read()
    per_page = {}  # tool -> stem -> score
    for tool, (texts, _) in results.items():
        per_page[tool] = {p["stem"]: score(gt_texts[p["stem"]], texts.get(p["stem"], "")) for p in pages}

    # per-page CSV next to the outputs
    csv_path = os.path.join(args.work_dir, "pages.csv")
    with open(csv_path, "w") as f:
        f.write("stem,category,ref_chars," + ",".join(f"{t}_cer,{t}_wer,{t}_bow" for t in per_page) + "\n")
        for p in pages:
            row = [p["stem"], p["category"], str(per_page[next(iter(per_page))][p["stem"]]["ref_chars"])] if per_page else []
            for t in per_page:
                a = aggregate([per_page[t][p["stem"]]])
                row += [f"{a['cer']:.4f}", f"{a['wer']:.4f}", f"{a['bow']:.4f}"]
            f.write(",".join(row) + "\n")

    # ---- the table
    n = len(pages)
    t_pps = n / results["tesseract"][1] if "tesseract" in results else None
    rows = []
    for tool, (_, wall) in results.items():
        a = aggregate(list(per_page[tool].values()))
        pps = n / wall
        ratio = f"{pps / t_pps:.2f}x" if t_pps else "-"
        rows.append([tool, n, f"{wall:.1f}", f"{pps:.3f}", ratio,
                     f"{100 * a['cer']:.1f}%", f"{100 * a['wer']:.1f}%", f"{100 * a['bow']:.1f}%"])
    print(f"OCR benchmark: {n} scanned-style pages ({DPI} dpi, rotated 0.5-1 deg, blur + noise), "
          f"{os.cpu_count()} cores, load average {load_before[0]:.2f} before / {load_after[0]:.2f} after")
    print(fmt_table(rows, ["tool", "pages", "wall s", "pages/s", "speed vs tesseract", "CER", "WER", "BoW err"]))
    if dc_rc:
        print(f"(deepcompress exited {dc_rc}: see {os.path.join(args.work_dir, 'out', 'deepcompress', 'stderr.log')})")

    if stages:
        print()
        print(f"deepcompress per-stage time per page (s, from its 'stage totals'; mode {args.mode}):")
        srow = [f"{stages.get(s, float('nan')) / n:.2f}" for s in STAGES]
        tot = sum(stages.get(s, 0.0) for s in STAGES)
        print(fmt_table([srow + [f"{tot / n:.2f}"]], STAGES + ["sum"], [">"] * (len(STAGES) + 1)))

    print()
    print("CER by category (pages):")
    crow = []
    for c in cats:
        stems = [p["stem"] for p in pages if p["category"] == c]
        crow.append([f"{c} ({len(stems)})"] + [f"{100 * aggregate([per_page[t][s] for s in stems])['cer']:.1f}%"
                                              for t in per_page])
    print(fmt_table(crow, ["category"] + list(per_page)))

    # Where the errors are: the same transformations applied to both tools. CER
    # minus the no-space CER is spacing; the accent step is what a dictionary or
    # model without those letters costs; BoW err ignores reading order.
    print()
    print("error breakdown (pooled CER; the same transformation applied to reference and both outputs):")
    brow = []
    for tool, (texts, _) in results.items():
        parts = [error_breakdown(gt_texts[p["stem"]], texts.get(p["stem"], "")) for p in pages]
        rc = sum(b["ref_chars"] for b in parts) or 1
        a = aggregate(list(per_page[tool].values()))
        brow.append([tool, f"{100 * a['cer']:.1f}%", f"{100 * sum(b['no_space_edits'] for b in parts) / rc:.1f}%",
                     f"{100 * sum(b['no_space_folded_edits'] for b in parts) / rc:.1f}%", f"{100 * a['bow']:.1f}%"])
    print(fmt_table(brow, ["tool", "CER", "spaces ignored", "+ accents folded", "BoW err"]))
    dict_path = os.path.join(args.model_dir, "ppocr_keys_v1.txt")
    if os.path.exists(dict_path):
        with open(dict_path, encoding="utf-8") as f:
            known = set(f.read().split("\n")) | {" "}
        missing = collections.Counter(c for p in pages for c in normalize(gt_texts[p["stem"]]) if c not in known)
        n_ref = sum(len(normalize(gt_texts[p["stem"]])) for p in pages) or 1
        top = " ".join(f"{c} {k}" for c, k in missing.most_common(8))
        print(f"reference characters the recognizer's dictionary lacks: {sum(missing.values())} of {n_ref} "
              f"({100 * sum(missing.values()) / n_ref:.2f}%){': ' + top if missing else ''}")

    if not args.no_roofline and not args.skip_deepcompress:
        try:
            canvas = {"small": 960, "base": 1280, "large": 1600}[args.mode]
            if not rec_batches:
                raise RuntimeError("no 'recognizer: N lines at width W px' debug lines in the log")
            rf = roofline(args.model_dir, canvas, sum(n_lines.values()) / n, cls_lines / n,
                          sum(k * w for k, w in rec_batches) / n, rec_classes, precision)
            print()
            print(f"roofline (FLOPs = 2 x MACs from the TorchScript graphs via the torch profiler; measured 3x3 conv "
                  f"throughput in {rf['precision']} (deepcompress's precision) with 2 threads: "
                  f"{rf['peak_gflops']:.1f} GFLOP/s; "
                  f"{rf['lines_per_page']:.0f} text lines per page):")
            for model, stage in (("det", "detect"), ("cls", "classify"), ("rec", "recognize")):
                name = {"det": "detector", "cls": "classifier", "rec": "recognizer"}[model]
                floor = rf[model] / rf["peak_gflops"]
                actual = stages.get(stage, float("nan")) / n
                shape = {"det": f"1x3x{canvas}x{canvas}",
                         "cls": f"48x192 per classified line, {rf['cls_lines_per_page']:.0f} lines per page",
                         "rec": f"48xW per line, {rf['rec_px_per_page']:.0f} px of W per page as run, "
                                f"{rf['rec_classes']} classes"}[model]
                print(f"  {name}: {rf[model]:.1f} GFLOP/page ({shape}) at {rf['peak_gflops']:.1f} GFLOP/s measured"
                      f" = {floor:.2f} s/page floor vs {actual:.2f} s/page actual ({actual / floor:.1f}x)")
        except Exception as e:  # optional lines: never lose the table for them
            print(f"(roofline skipped: {e})")
    log(f"per-page scores: {csv_path}; outputs: {os.path.join(args.work_dir, 'out')}")


if __name__ == "__main__":
    main()
