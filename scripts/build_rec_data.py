#!/usr/bin/python3
"""Builds training lines (gray, height 32, exact text) for the Latin recognizer.

Run with Debian's python3 (torch, numpy, PIL, cairo, OpenCV, PyGObject):

    /usr/bin/python3 scripts/build_rec_data.py --install     # apt-get the PDFs, fonts, word lists
    setsid nohup nice -n 19 /usr/bin/python3 scripts/build_rec_data.py \
        --out /work/rec/data >> /work/rec/build.log 2>&1 &

Two kinds of shards, each an .npz written atomically (tmp + rename), so the
builder can be stopped and restarted at any time (existing shards are skipped):

- real_<doc>_<chunk>.npz: pages of a Debian-shipped PDF rendered with Poppler
  (pdftoppm, crop box), half of them degraded like a scan (rotation, shear,
  blur, rescale, contrast, noise, binarization, ink spread, JPEG; the
  text-layer boxes follow the same affine map), run through OUR detector
  (models/det.pt, with the engine's preprocessing, DB post-processing and crop
  geometry mirrored from lib/src/image/preprocess.cpp,
  lib/src/ocr/db_postprocess.cpp and lib/src/pipeline/engine.cpp), each
  detected box labelled with the text-layer words (`pdftotext -bbox-layout
  -cropbox`) it holds, under the rules in `line_text` and `match_page`.
- synth_<k>.npz: page strips typeset with Pango/Cairo in many Debian font
  families (text from the documents' text layers and the Debian word lists),
  degraded the same way and cropped with the same detector, so that both kinds
  look like inference crops.

val/ holds documents never trained on (clean and degraded pages) and a few
synthetic shards. Everything is deterministic for a given --seed and set of
installed packages (the document list is the sorted set of files found).

Each shard holds `images` (uint8, all lines concatenated row-major, 32 rows
each), `widths` (int32), `texts` (UTF-8, one line per entry, '\n'-joined) and
`sources` (doc:page:degraded per line); counts of lines kept and dropped by
reason go to the log and to <shard>.json.
"""

import argparse
import glob
import gzip
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rec_charset  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
HEIGHT = 32  # recognizer input height, px
LINE_END_EXTENSION = 0.3  # engine.cpp kLineEndExtension
DET_CANVAS = 1280  # engine "base" mode
DB = dict(threshold=0.3, box_threshold=0.5, unclip_ratio=1.5, max_candidates=1000, min_size=3.0)

# Debian packages the builder needs (--install). Documentation packages give the
# PDFs; fonts and word lists feed the synthetic lines.
PACKAGES_TOOLS = ["python3-opencv", "python3-gi", "python3-gi-cairo", "gir1.2-pango-1.0", "python3-cairo", "poppler-utils",
                  "python3-torch", "python3-numpy", "python3-pil"]
PACKAGES_FONTS = ["fonts-urw-base35", "fonts-liberation2", "fonts-croscore", "fonts-crosextra-carlito",
                  "fonts-crosextra-caladea", "fonts-noto-core", "fonts-texgyre", "fonts-linuxlibertine",
                  "fonts-dejavu", "fonts-lmodern"]
PACKAGES_WORDS = ["wfrench", "wngerman", "wspanish", "witalian", "wpolish", "wportuguese", "wswiss", "wdutch",
                  "wamerican"]
PACKAGES_DOCS = [
    "texlive-latex-base-doc", "texlive-latex-recommended-doc", "texlive-science-doc", "texlive-humanities-doc",
    "texlive-metapost-doc", "texlive-fonts-recommended-doc", "texlive-latex-extra-doc", "texlive-pictures-doc",
    "texlive-publishers-doc",
    "texlive-lang-french", "texlive-lang-german", "texlive-lang-spanish", "texlive-lang-polish",
    "texlive-lang-czechslovak", "texlive-lang-italian", "texlive-lang-portuguese", "texlive-lang-european",
    "debian-reference-fr", "debian-reference-de", "debian-reference-es", "debian-reference-it",
    "debian-reference-en", "debian-reference-pt",
    "maint-guide", "maint-guide-es", "maint-guide-it", "maint-guide-fr", "maint-guide-de",
    "developers-reference", "developers-reference-fr", "developers-reference-de",
    "lilypond-doc-pdf-de", "lilypond-doc-pdf-fr", "lilypond-doc-pdf-es", "lilypond-doc-pdf-it",
    "r-doc-pdf", "octave-doc", "gnuplot-doc",
]
DOC_ROOTS = ["/usr/share/doc", "/usr/share/texlive", "/usr/share/texmf", "/usr/share/R/doc"]

# Never train, tune or evaluate on these (an independent evaluation uses them),
# nor on scripts/bench_ocr.py's CORPUS (checked against that file at start too).
# Compared by basename without ".gz".
EXCLUDED = {
    "ltnews35.pdf", "tugboat-babelbib.pdf", "amsldoc.pdf", "booktabs.pdf", "listings.pdf", "R-intro.pdf",
    "octave.pdf", "refcard-a4.pdf", "bodeplot.pdf", "maximabook-19-Sept-2004.pdf", "debian-reference.fr.pdf",
    "struktex.de.pdf",
    # scripts/bench_ocr.py CORPUS
    "valgrind_manual.pdf", "fontconfig-user.pdf", "nettle.pdf", "manual.pdf", "libtasn1.pdf",
    "shared-mime-info-spec.pdf", "gnuplot.pdf", "gnucobol.pdf", "R-lang.pdf", "maint-guide.fr.pdf",
    "maint-guide.de.pdf",
    # added to bench_ocr's CORPUS on 2026-12-04 (held out for validation until then, never trained on)
    "R-data.pdf", "dvips.pdf", "MakeCirc-en.pdf", "tikz-feynhand.userguide.pdf", "developers-reference.pdf",
    # other editions of those documents (translations, paper sizes, companion manuals)
    "booktabs-de.pdf", "listings-devel.pdf", "maint-guide.en.pdf", "maint-guide.it.pdf", "maint-guide.es.pdf",
    "refcard-legal.pdf", "refcard-letter.pdf", "struktex.en.pdf",
}
# Documents held out for validation (never trained on): these, plus every
# document whose name hashes to 0 mod VAL_MODULUS.
VAL_DOCS = {"R-data.pdf", "developers-reference.pdf"}
VAL_MODULUS = 37

MAX_PAGES_PER_DOC = 48
PAGES_PER_SHARD = 24
VAL_PAGES_PER_DOC = 6


def log(msg):
    print(time.strftime("%H:%M:%S ") + msg, file=sys.stderr, flush=True)


def stable_hash(*parts):
    return int.from_bytes(hashlib.sha1("\x1f".join(map(str, parts)).encode()).digest()[:8], "little")


def doc_key(path):
    b = os.path.basename(path)
    return b[:-3] if b.endswith(".gz") else b


def check_exclusions():
    """Every document of bench_ocr's CORPUS must be in EXCLUDED."""
    src = open(os.path.join(ROOT, "scripts", "bench_ocr.py"), encoding="utf-8").read()
    missing = set()
    for m in re.finditer(r'"([^"]*\.pdf(?:\.gz)?)"', src):
        if not doc_key(m.group(1)).startswith(".") and doc_key(m.group(1)) not in EXCLUDED:
            missing.add(doc_key(m.group(1)))
    if missing:
        sys.exit(f"build_rec_data: bench_ocr.py documents missing from EXCLUDED: {sorted(missing)}")


def install():
    cmd = ["apt-get", "-o", "DPkg::Lock::Timeout=900", "install", "-y", "-q", "--no-install-recommends"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for group in (PACKAGES_TOOLS + PACKAGES_FONTS + PACKAGES_WORDS, PACKAGES_DOCS):
        subprocess.run(cmd + group, check=True, env=env)


def find_docs():
    seen, docs = set(), []
    for root in DOC_ROOTS:
        for dirpath, _, files in os.walk(root):
            for f in files:
                if not (f.endswith(".pdf") or f.endswith(".pdf.gz")):
                    continue
                p = os.path.join(dirpath, f)
                try:
                    real = os.path.realpath(p)
                    size = os.path.getsize(real)
                except OSError:
                    continue
                if real in seen or size < 2000:
                    continue
                seen.add(real)
                docs.append(real)
    docs.sort()
    # One copy per basename (the same manual ships in several packages).
    out, names = [], set()
    for d in docs:
        k = doc_key(d)
        if k in EXCLUDED or k in names:
            continue
        names.add(k)
        out.append(d)
    return out


def is_val_doc(path):
    k = doc_key(path)
    return k in VAL_DOCS or stable_hash("val", k) % VAL_MODULUS == 0


# ---------------------------------------------------------------- PDF access

def plain_pdf(path, tmp_dir):
    if not path.endswith(".gz"):
        return path
    out = os.path.join(tmp_dir, "%016x.pdf" % stable_hash(path))
    if not os.path.exists(out):
        with gzip.open(path, "rb") as f, open(out + ".tmp", "wb") as g:
            shutil.copyfileobj(f, g)
        os.replace(out + ".tmp", out)
    return out


def n_pages(pdf):
    r = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, errors="replace", timeout=60)
    m = re.search(r"^Pages:\s+(\d+)", r.stdout, re.M)
    return int(m.group(1)) if m else 0


WORD_RE = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def text_layer(pdf, page):
    """Words of one page: (x0, y0, x1, y1 in points, text, line id), page size in points."""
    r = subprocess.run(["pdftotext", "-bbox-layout", "-cropbox", "-f", str(page), "-l", str(page), pdf, "-"],
                       capture_output=True, text=True, errors="replace", timeout=120)
    m = re.search(r'<page width="([\d.]+)" height="([\d.]+)">', r.stdout)
    if not m:
        return None, None
    size = (float(m.group(1)), float(m.group(2)))
    words = []
    for line_id, line in enumerate(r.stdout.split("<line ")[1:]):
        for w in WORD_RE.finditer(line):
            words.append((float(w.group(1)), float(w.group(2)), float(w.group(3)), float(w.group(4)),
                          html.unescape(w.group(5)), line_id))
    return words, size


def render_page(pdf, page, dpi):
    from PIL import Image
    r = subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-cropbox", "-f", str(page), "-l", str(page), pdf],
                       capture_output=True, timeout=300)
    if r.returncode != 0 or not r.stdout:
        return None
    import io
    return np.asarray(Image.open(io.BytesIO(r.stdout)).convert("L"))


# ---------------------------------------------------------------- detector (mirrors the engine)

class Detector:
    MEAN = np.array([0.485, 0.456, 0.406], np.float32)
    STD = np.array([0.229, 0.224, 0.225], np.float32)

    def __init__(self, path):
        import torch
        self.torch = torch
        self.model = torch.jit.load(path).eval()

    def boxes(self, gray, canvas_scale=None):
        """DB boxes of a gray page in page px (engine: to_detector_canvas, db_boxes, to_page_px).

        canvas_scale: the page->canvas scale (default: fit the page into the 1280 canvas).
        The canvas is cut to the resized page rounded up to 32 px (the engine's
        zero margin beyond it changes nothing at the page's own pixels but the
        last few)."""
        import cv2
        h, w = gray.shape
        scale = canvas_scale or min(DET_CANVAS / w, DET_CANVAS / h)
        rw = min(max(int(round(w * scale)), 1), DET_CANVAS)
        rh = min(max(int(round(h * scale)), 1), DET_CANVAS)
        resized = gray if (rw, rh) == (w, h) else cv2.resize(gray, (rw, rh), interpolation=cv2.INTER_LINEAR)
        cw, ch = (rw + 31) // 32 * 32, (rh + 31) // 32 * 32
        x = np.zeros((1, 3, ch, cw), np.float32)
        for c in range(3):
            x[0, c, :rh, :rw] = resized.astype(np.float32) * (1.0 / (255.0 * self.STD[c])) - self.MEAN[c] / self.STD[c]
        with self.torch.no_grad():
            prob = self.model(self.torch.from_numpy(x))[0, 0].numpy()
        quads = db_boxes(prob, DET_CANVAS if canvas_scale is None else ch, DET_CANVAS if canvas_scale is None else cw)
        out = []
        for q, score in quads:
            q = q / scale
            q[:, 0] = np.clip(q[:, 0], 0, w - 1)
            q[:, 1] = np.clip(q[:, 1], 0, h - 1)
            out.append((q, score))
        return out


def order_quad(pts):
    p = sorted([tuple(map(float, v)) for v in pts], key=lambda v: v[0])  # stable, as std::stable_sort
    tl, bl = (p[0], p[1]) if p[0][1] <= p[1][1] else (p[1], p[0])
    tr, br = (p[2], p[3]) if p[2][1] <= p[3][1] else (p[3], p[2])
    return np.array([tl, tr, br, bl], np.float32)


def box_mean(prob, q):
    import cv2
    h, w = prob.shape
    x0 = int(np.clip(np.floor(q[:, 0].min()), 0, w - 1))
    x1 = int(np.clip(np.ceil(q[:, 0].max()), 0, w - 1))
    y0 = int(np.clip(np.floor(q[:, 1].min()), 0, h - 1))
    y1 = int(np.clip(np.ceil(q[:, 1].max()), 0, h - 1))
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
    poly = np.array([[int(round(p[0] - x0)), int(round(p[1] - y0))] for p in q], np.int32)
    cv2.fillPoly(mask, [poly], 1)
    return float(cv2.mean(prob[y0:y1 + 1, x0:x1 + 1], mask)[0])


def db_boxes(prob, clamp_h, clamp_w):
    """db_postprocess.cpp: contours of prob > threshold, scored, unclipped, clamped."""
    import cv2
    bitmap = ((prob > DB["threshold"]) * 255).astype(np.uint8)
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in contours[: DB["max_candidates"]]:
        rect = cv2.minAreaRect(c)
        (cx, cy), (rw, rh), ang = rect
        if min(rw, rh) < DB["min_size"]:
            continue
        score = box_mean(prob, order_quad(cv2.boxPoints(rect)))
        if score < DB["box_threshold"]:
            continue
        perim = 2 * (rw + rh)
        dist = rw * rh * DB["unclip_ratio"] / perim if perim > 0 else 0
        grown = ((cx, cy), (rw + 2 * dist, rh + 2 * dist), ang)
        if min(grown[1]) < DB["min_size"] + 2:
            continue
        q = order_quad(cv2.boxPoints(grown))
        q[:, 0] = np.clip(q[:, 0], 0, clamp_w)
        q[:, 1] = np.clip(q[:, 1], 0, clamp_h)
        if np.hypot(*(q[0] - q[1])) <= DB["min_size"] or np.hypot(*(q[0] - q[3])) <= DB["min_size"]:
            continue
        out.append((order_quad(q), score))
    return out


def extend_along_text(q, ratio, w, h):
    """preprocess.cpp extend_along_text."""
    L = lambda a, b: float(np.hypot(*(b - a)))  # noqa: E731
    along = max(L(q[0], q[1]), L(q[3], q[2]))
    across = max(L(q[0], q[3]), L(q[1], q[2]))
    if not (along > 0 and across > 0):
        return q
    order = [0, 3, 1, 2] if along >= across else [0, 1, 3, 2]
    a = 0.5 * (q[order[0]] + q[order[1]])
    b = 0.5 * (q[order[2]] + q[order[3]])
    axis = L(a, b)
    if not axis > 0:
        return q
    step = ratio * min(along, across) / axis
    d = (b - a) * step
    out = q.copy()
    for k in order[:2]:
        out[k] = q[k] - d
    for k in order[2:]:
        out[k] = q[k] + d
    out[:, 0] = np.clip(out[:, 0], 0, w - 1)
    out[:, 1] = np.clip(out[:, 1], 0, h - 1)
    return out


def crop_quad(gray, q, with_matrix=False):
    """preprocess.cpp crop_quad (gray instead of BGR); None for a vertical or degenerate crop.
    with_matrix: (crop, page -> crop perspective matrix)."""
    import cv2
    width = int(max(np.hypot(*(q[0] - q[1])), np.hypot(*(q[2] - q[3]))))
    height = int(max(np.hypot(*(q[0] - q[3])), np.hypot(*(q[1] - q[2]))))
    if width < 1 or height < 1:
        return None
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    try:
        m = cv2.getPerspectiveTransform(q.astype(np.float32), dst)
    except cv2.error:
        return None
    crop = cv2.warpPerspective(gray, m, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    if crop.shape[0] / crop.shape[1] >= 1.5:
        return None  # vertical text: not trained on
    return (crop, m) if with_matrix else crop


def to_height(crop):
    """The recognizer input: height 32, width ceil(32 * w / h) (width scale 1), linear."""
    import cv2
    h, w = crop.shape
    nw = max(8, int(np.ceil(HEIGHT * w / h)))
    return cv2.resize(crop, (nw, HEIGHT), interpolation=cv2.INTER_LINEAR)


# ---------------------------------------------------------------- text rules

def line_text(words):
    """The label of a line from its words (sorted by x): (text, None) or (None, reason)."""
    raw = " ".join(w for w in words)
    t = raw
    for k, v in rec_charset.REWRITE.items():
        if k in t:
            t = t.replace(k, v)
    # TeX's detached accents: a spacing accent glyph next to its letter (either
    # order, the text layer gives both) becomes the composed letter.
    if any(c in rec_charset.SPACING_ACCENTS for c in t):
        t2 = re.sub("([" + "".join(rec_charset.SPACING_ACCENTS) + "])([A-Za-z\u0131])",
                    lambda m: ("i" if m.group(2) == "\u0131" else m.group(2)) + rec_charset.SPACING_ACCENTS[m.group(1)],
                    t)
        t2 = re.sub("([A-Za-z])([" + "".join(rec_charset.SPACING_ACCENTS) + "])",
                    lambda m: m.group(1) + rec_charset.SPACING_ACCENTS[m.group(2)], t2)
        t2 = unicodedata.normalize("NFC", t2)
        if any(unicodedata.combining(c) for c in t2):
            return None, "detached_accent"
        t = t2
    t = unicodedata.normalize("NFC", t)
    t = re.sub(r"\s+", " ", t).strip()
    if not t:
        return None, "empty"
    if any(unicodedata.combining(c) for c in t):
        return None, "combining_mark"
    if any(rec_charset.is_private_or_control(c) for c in t):
        return None, "private_or_control"
    if "\ufffd" in t or rec_charset.encode(t) is None:
        return None, "unmapped"
    return t, None


def short_letters(text):
    """One or two characters, a letter among them: often a math-extension glyph the text
    layer names by a letter (a big sum sign given as "X")."""
    t = text.replace(" ", "")
    return len(t) <= 2 and any(c.isalpha() for c in t)


def ink_ok(crop):
    """Some dark ink on a lighter ground (invisible or white text fails)."""
    lo, hi = np.percentile(crop, 2), np.percentile(crop, 98)
    if hi - lo < 40:
        return False
    dark = (crop < (lo + hi) / 2).mean()
    return 0.01 < dark < 0.7


# ---------------------------------------------------------------- matching detector boxes to the text layer

def match_page(dets, words, page_w, page_h, stats):
    """[(quad, text)] for detector boxes whose text is unambiguous.

    words: [(x0, y0, x1, y1, text, line id)] in page px (axis-aligned).
    A box keeps a label when: every word whose centre lies in it is claimed by
    no other box; the words sit on one line (vertical centres within 0.5 word
    heights, heights within 30%, no sub/superscripts); each lies >= 90% inside
    the box horizontally; no other word reaches into the crop (box extended by
    0.3 line heights along the text); no word gap is too tight to tell a space;
    the box is no more than 2.6 word heights tall (one line)."""
    if not words:
        stats["no_text_layer_box"] = stats.get("no_text_layer_box", 0) + len(dets)
        return []
    W = np.array([w[:4] for w in words], np.float64)
    cx, cy = (W[:, 0] + W[:, 2]) / 2, (W[:, 1] + W[:, 3]) / 2
    owner = np.full(len(words), -1)
    rects = []
    for i, (q, _) in enumerate(dets):
        x0, y0 = q[:, 0].min(), q[:, 1].min()
        x1, y1 = q[:, 0].max(), q[:, 1].max()
        rects.append((x0, y0, x1, y1))
        inside = (cx >= x0) & (cx <= x1) & (cy >= y0) & (cy <= y1)
        owner[inside & (owner >= 0)] = -2  # claimed twice
        owner[inside & (owner == -1)] = i
    out = []

    def drop(reason):
        stats[reason] = stats.get(reason, 0) + 1

    for i, (q, _) in enumerate(dets):
        x0, y0, x1, y1 = rects[i]
        inside = np.where((cx >= x0) & (cx <= x1) & (cy >= y0) & (cy <= y1))[0]
        if len(inside) == 0:
            drop("box_without_text")
            continue
        if (owner[inside] != i).any():
            drop("word_in_two_boxes")
            continue
        hs = W[inside, 3] - W[inside, 1]
        hw = float(np.median(hs))
        if hw <= 0:
            drop("degenerate_word")
            continue
        if (np.abs(hs - hw) > 0.3 * hw).any() or (np.abs(W[inside, 3] - np.median(W[inside, 3])) > 0.2 * hw).any():
            drop("sub_superscript_or_size_change")
            continue
        if cy[inside].max() - cy[inside].min() > 0.5 * hw:
            drop("several_lines")
            continue
        across = max(np.hypot(*(q[0] - q[3])), np.hypot(*(q[1] - q[2])))
        along = max(np.hypot(*(q[0] - q[1])), np.hypot(*(q[3] - q[2])))
        if across > along or across > 2.6 * hw or across < 0.8 * hw:
            drop("box_height_off")
            continue
        ww = W[inside, 2] - W[inside, 0]
        ov = np.minimum(W[inside, 2], x1) - np.maximum(W[inside, 0], x0)
        if (ov < 0.9 * ww).any():
            drop("word_cut_by_box")
            continue
        qe = extend_along_text(q, LINE_END_EXTENSION, page_w, page_h)
        ex0, ey0, ex1, ey1 = qe[:, 0].min(), qe[:, 1].min(), qe[:, 0].max(), qe[:, 1].max()
        others = np.ones(len(words), bool)
        others[inside] = False
        hov = np.minimum(W[:, 2], ex1) - np.maximum(W[:, 0], ex0)
        vov = np.minimum(W[:, 3], ey1 - 0.1 * hw) - np.maximum(W[:, 1], ey0 + 0.1 * hw)
        if (others & (hov > 0) & (vov > 0.25 * (W[:, 3] - W[:, 1]))).any():
            drop("other_word_in_crop")
            continue
        order = inside[np.argsort(W[inside, 0], kind="stable")]
        gaps = W[order[1:], 0] - W[order[:-1], 2]
        if (gaps < 0.12 * hw).any():
            drop("tight_word_gap")
            continue
        text, reason = line_text([words[k][4] for k in order])
        if text is None:
            drop(reason)
            continue
        if short_letters(text):
            drop("short_letters")
            continue
        out.append((q, text, order))
    return out


def ink_outside_words(crop, m, word_rects):
    """Ink in the crop's middle band beyond the text-layer words (a bullet drawn as a
    graphic, a glyph the text layer lacks): the label would miss it."""
    import cv2
    ch, cw = crop.shape
    covered = np.zeros(cw, bool)
    pad = 0.12 * ch
    for x0, y0, x1, y1 in word_rects:
        pts = cv2.perspectiveTransform(np.array([[[x0, (y0 + y1) / 2], [x1, (y0 + y1) / 2]]], np.float32), m)[0]
        a, b = int(max(0, pts[:, 0].min() - pad)), int(min(cw, pts[:, 0].max() + pad + 1))
        covered[a:b] = True
    band = crop[int(0.25 * ch):max(int(0.75 * ch), int(0.25 * ch) + 1)]
    lo, hi = np.percentile(crop, 2), np.percentile(crop, 98)
    ink = (band < (lo + hi) / 2).sum(0) >= max(1, 0.08 * ch)
    return int((ink & ~covered).sum()) > 0.08 * ch


# ---------------------------------------------------------------- check against the current recognizer

REC_CHECK_LINES = 16  # clean lines per document read by rec.pt
REC_CHECK_MAX_CER = 0.25  # a document whose text layer rec.pt disagrees with more is dropped


class RecCheck:
    """Reads a sample of a document's clean lines with models/rec.pt (PP-OCRv4) and compares
    with the labels, accents, case and spaces stripped: a broken text layer (wrong ToUnicode
    maps, Type3 fonts) disagrees on nearly every line, rec.pt's own misreads on few."""

    def __init__(self, model_dir):
        import torch
        self.torch = torch
        self.model = torch.jit.load(os.path.join(model_dir, "rec.pt")).eval()
        with open(os.path.join(model_dir, "ppocr_keys_v1.txt"), encoding="utf-8") as f:
            self.keys = f.read().split("\n")
        if self.keys and self.keys[-1] == "":
            self.keys.pop()

    @staticmethod
    def fold(t):
        t = unicodedata.normalize("NFKD", t)
        return "".join(c for c in t if not unicodedata.combining(c) and not c.isspace()).casefold()

    def read(self, img):
        import cv2
        h, w = img.shape
        nw = max(8, int(np.ceil(48 * w / h)))
        x = cv2.resize(img, (nw, 48), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 127.5 - 1.0
        with self.torch.no_grad():
            probs = self.model(self.torch.from_numpy(np.repeat(x[None, None], 3, axis=1)))[0].numpy()
        out, prev = [], -1
        for i in probs.argmax(-1):
            if i != prev and i != 0:
                out.append(self.keys[i - 1] if i - 1 < len(self.keys) else " ")
            prev = i
        return "".join(out)

    def cer(self, imgs, texts, seed):
        """Folded CER of rec.pt on up to REC_CHECK_LINES of the given lines (None if none)."""
        idx = [i for i, t in enumerate(texts) if len(self.fold(t)) >= 8]
        if not idx:
            return None
        rng = np.random.default_rng(seed)
        pick = sorted(rng.choice(idx, size=min(REC_CHECK_LINES, len(idx)), replace=False))
        errs = chars = 0
        for i in pick:
            ref, hyp = self.fold(texts[i]), self.fold(self.read(imgs[i]))
            errs += levenshtein(ref, hyp)
            chars += len(ref)
        return errs / max(chars, 1)


def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


# ---------------------------------------------------------------- degradation (page level)

def degrade(gray, rng):
    """A scanned look; returns (image, 2x3 affine map from original to new px)."""
    import cv2
    h, w = gray.shape
    m = np.array([[1, 0, 0], [0, 1, 0]], np.float64)
    img = gray
    if rng.random() < 0.8:
        ang = float(rng.uniform(-1.5, 1.5))
        sh = float(rng.uniform(-0.03, 0.03)) if rng.random() < 0.25 else 0.0
        r = cv2.getRotationMatrix2D((w / 2, h / 2), ang, 1.0)
        s = np.array([[1, sh, -sh * h / 2], [0, 1, 0], [0, 0, 1]])
        m = (np.vstack([r, [0, 0, 1]]) @ s)[:2]
        img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    if rng.random() < 0.2:
        k = np.ones((2, 2), np.uint8)
        img = cv2.erode(img, k) if rng.random() < 0.7 else cv2.dilate(img, k)  # ink spread / thinning
    if rng.random() < 0.3:
        f = float(rng.uniform(0.5, 0.9))
        small = cv2.resize(img, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.6:
        img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.3, 1.2)))
    a = img.astype(np.float32)
    if rng.random() < 0.7:
        paper, ink = float(rng.uniform(165, 255)), float(rng.uniform(0, 90))
        a = ink + a * ((paper - ink) / 255.0)
    if rng.random() < 0.6:
        a += rng.normal(0, float(rng.uniform(2, 14)), a.shape).astype(np.float32)
    img = np.clip(a, 0, 255).astype(np.uint8)
    if rng.random() < 0.08:
        t, _ = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        img = np.where(img > t, 255, 0).astype(np.uint8)
    if rng.random() < 0.4:
        ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 90))])
        img = cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE)
    return img, m


def map_rects(rects, m):
    """Axis-aligned bounds of rects (x0, y0, x1, y1) after the affine map m."""
    out = []
    for x0, y0, x1, y1 in rects:
        pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]]) @ m.T
        out.append((pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()))
    return out


# ---------------------------------------------------------------- shards

class ShardWriter:
    def __init__(self):
        self.images, self.widths, self.texts, self.sources = [], [], [], []

    def add(self, img, text, source):
        self.images.append(np.ascontiguousarray(img).reshape(-1))
        self.widths.append(img.shape[1])
        self.texts.append(text)
        self.sources.append(source)

    def save(self, path, stats):
        """Writes path (.npz) and its .json counts, each through a temporary name and a rename
        (not *.npz: readers never see a half-written shard; the .npz comes last)."""
        with open(path[:-4] + ".json.tmp", "w") as f:
            json.dump(dict(n_lines=len(self.texts), stats=stats), f, indent=1, sort_keys=True)
        os.replace(path[:-4] + ".json.tmp", path[:-4] + ".json")
        with open(path + ".tmp", "wb") as f:
            np.savez(f, images=np.concatenate(self.images) if self.images else np.zeros(0, np.uint8),
                     widths=np.array(self.widths, np.int32),
                     texts=np.frombuffer("\n".join(self.texts).encode("utf-8"), np.uint8),
                     sources=np.frombuffer("\n".join(self.sources).encode("utf-8"), np.uint8))
        os.replace(path + ".tmp", path)


def load_shard(path):
    """(list of HxW uint8 arrays, texts, sources) of one shard."""
    z = np.load(path)
    widths = z["widths"]
    texts = bytes(z["texts"]).decode("utf-8").split("\n") if len(widths) else []
    sources = bytes(z["sources"]).decode("utf-8").split("\n") if len(widths) else []
    flat = z["images"]
    imgs, off = [], 0
    for w in widths:
        imgs.append(flat[off:off + HEIGHT * w].reshape(HEIGHT, w))
        off += HEIGHT * w
    return imgs, texts, sources


def page_lines(det, gray, words_pt, page_size_pt, dpi, rng, degraded, stats, canvas_scale=None):
    """Detects, matches and crops the lines of one rendered page."""
    h, w = gray.shape
    sx, sy = w / page_size_pt[0], h / page_size_pt[1]
    rects = [(x0 * sx, y0 * sy, x1 * sx, y1 * sy) for x0, y0, x1, y1, _, _ in words_pt]
    if degraded:
        gray, m = degrade(gray, rng)
        rects = map_rects(rects, m)
    words = [r + (wd[4], wd[5]) for r, wd in zip(rects, words_pt)]
    dets = det.boxes(gray, canvas_scale)
    stats["boxes"] = stats.get("boxes", 0) + len(dets)
    out = []
    for q, text, idx in match_page(dets, words, w, h, stats):
        cm = crop_quad(gray, extend_along_text(q, LINE_END_EXTENSION, w, h), with_matrix=True)
        if cm is None:
            stats["vertical_or_degenerate"] = stats.get("vertical_or_degenerate", 0) + 1
            continue
        crop, m = cm
        if ink_outside_words(crop, m, [words[k][:4] for k in idx]):
            stats["ink_outside_words"] = stats.get("ink_outside_words", 0) + 1
            continue
        if not ink_ok(crop):
            stats["no_ink"] = stats.get("no_ink", 0) + 1
            continue
        out.append((to_height(crop), text))
    stats["kept"] = stats.get("kept", 0) + len(out)
    return out


def build_real_shard(det, doc, pages, path, seed, val, tmp_dir, rec_check=None):
    stats = {}
    sw = ShardWriter()
    pdf = plain_pdf(doc, tmp_dir)
    for page in pages:
        rng = np.random.default_rng(stable_hash(seed, doc_key(doc), page))
        dpi = int(rng.choice([150, 200, 200, 200, 250, 300]))
        degraded = rng.random() < 0.5
        words, size = text_layer(pdf, page)
        if not words:
            stats["page_without_text"] = stats.get("page_without_text", 0) + 1
            continue
        gray = render_page(pdf, page, dpi)
        if gray is None:
            stats["page_render_failed"] = stats.get("page_render_failed", 0) + 1
            continue
        for img, text in page_lines(det, gray, words, size, dpi, rng, degraded, stats):
            sw.add(img, text, f"{doc_key(doc)}:{page}:{int(degraded)}")
    if rec_check is not None:
        apply_rec_check(rec_check, sw, stats, stable_hash(seed, "reccheck", doc_key(doc)))
    sw.save(path, stats)
    return stats


def apply_rec_check(rec_check, sw, stats, seed):
    """Empties the shard when rec.pt disagrees with its clean lines' labels (stats say why)."""
    clean = [i for i, s in enumerate(sw.sources) if s.endswith(":0")]
    cer = rec_check.cer([sw.images[i].reshape(HEIGHT, -1) for i in clean], [sw.texts[i] for i in clean], seed)
    stats["rec_check_cer"] = cer
    if cer is not None and cer > REC_CHECK_MAX_CER:
        stats["dropped_by_rec_check"] = len(sw.texts)
        stats["kept"] = 0
        sw.images, sw.widths, sw.texts, sw.sources = [], [], [], []


# ---------------------------------------------------------------- synthetic pages

class Synth:
    def __init__(self, pool_texts, seed):
        import gi
        gi.require_version("Pango", "1.0")
        gi.require_version("PangoCairo", "1.0")
        from gi.repository import Pango, PangoCairo
        self.Pango, self.PangoCairo = Pango, PangoCairo
        r = subprocess.run(["fc-list", ":charset=c5 df 153 20ac 107 17e", "family"], capture_output=True, text=True)
        fams = sorted({l.split(",")[0].strip() for l in r.stdout.splitlines() if l.strip()})
        self.families = [f for f in fams if "Math" not in f and "Symbol" not in f and "Dingbat" not in f]
        self.pool = pool_texts
        self.words = []
        for f in sorted(glob.glob("/usr/share/dict/*")):
            if os.path.basename(f).startswith("README") or os.path.isdir(f):
                continue
            with open(f, encoding="utf-8", errors="ignore") as fh:
                ws = [w.strip() for w in fh if w.strip() and rec_charset.encode(w.strip()) is not None]
            rng = np.random.default_rng(stable_hash(seed, f))
            self.words += list(rng.choice(ws, size=min(len(ws), 20000), replace=False)) if ws else []

    def random_text(self, rng):
        u = rng.random()
        if u < 0.5 and self.pool:
            t = self.pool[int(rng.integers(len(self.pool)))]
        elif u < 0.85:
            n = int(rng.integers(2, 12))
            ws = [self.words[int(rng.integers(len(self.words)))] for _ in range(n)]
            if rng.random() < 0.3:
                ws = [w.capitalize() if rng.random() < 0.5 else w for w in ws]
            if rng.random() < 0.1:
                ws = [w.upper() for w in ws]
            punct = [",", ".", ";", ":", "!", "?", " –", " —", ")", "”", "’", "…", "»", " «"]
            t = " ".join(w + (punct[int(rng.integers(len(punct)))] if rng.random() < 0.15 else "") for w in ws)
            if rng.random() < 0.15:
                t = "“" + t + "”"
        else:  # numbers, symbols, code
            cs = rec_charset.CHARSET
            n = int(rng.integers(3, 40))
            common = "0123456789.,-+()=/%$#@[]{}<>_*&:;'\"abcdefxyz "
            t = "".join(cs[int(rng.integers(len(cs)))] if rng.random() < 0.3 else
                        common[int(rng.integers(len(common)))] for _ in range(n))
        t = re.sub(r"\s+", " ", t).strip()
        return t

    def page(self, rng, dpi):
        """A page strip: gray uint8, [(ink rect (x0, y0, x1, y1) in px, text)]."""
        import cairo
        Pango, PangoCairo = self.Pango, self.PangoCairo
        W, H = int(8.5 * dpi), int(5.5 * dpi)
        surf = cairo.ImageSurface(cairo.FORMAT_RGB24, W, H)
        ctx = cairo.Context(surf)
        ctx.set_source_rgb(1, 1, 1)
        ctx.paint()
        lines = []
        y = float(rng.uniform(0.2, 0.6)) * dpi
        margin = float(rng.uniform(0.3, 1.2)) * dpi
        while True:
            fam = self.families[int(rng.integers(len(self.families)))]
            pt = float(rng.uniform(7, 14)) if rng.random() < 0.9 else float(rng.uniform(14, 24))
            style = ""
            u = rng.random()
            if u < 0.15:
                style = " Italic"
            elif u < 0.27:
                style = " Bold"
            desc = Pango.FontDescription.from_string(f"{fam}{style} {pt * dpi / 72.0:.1f}px")
            layout = PangoCairo.create_layout(ctx)
            layout.set_font_description(desc)
            text = self.random_text(rng)
            x = margin + (float(rng.uniform(0, 2)) * dpi if rng.random() < 0.2 else 0)
            maxw = W - x - 0.3 * dpi
            words = text.split(" ")
            while words:
                layout.set_text(" ".join(words), -1)
                ink, logical = layout.get_pixel_extents()
                if logical.width <= maxw:
                    break
                words = words[: max(1, int(len(words) * maxw / logical.width)) - (1 if len(words) > 1 else 0)] \
                    if len(words) > 1 else []
            if not words:
                continue
            text = " ".join(words)
            if y + logical.height > H - 0.2 * dpi:
                break
            g = float(rng.uniform(0, 0.35)) if rng.random() < 0.3 else 0.0
            ctx.set_source_rgb(g, g, g)
            ctx.move_to(x, y)
            PangoCairo.show_layout(ctx, layout)
            if ink.width > 0 and ink.height > 0:
                lines.append(((x + ink.x, y + logical.y, x + ink.x + ink.width, y + logical.y + logical.height),
                              (x + ink.x, y + ink.y, x + ink.x + ink.width, y + ink.y + ink.height), text))
            y += logical.height * float(rng.uniform(1.25, 2.2))
        buf = np.frombuffer(surf.get_data(), np.uint8).reshape(H, surf.get_stride() // 4, 4)[:, :W, :3]
        gray = (0.299 * buf[..., 2] + 0.587 * buf[..., 1] + 0.114 * buf[..., 0]).astype(np.uint8)
        return gray, lines


def match_synth(dets, lines, page_w, page_h, stats):
    """Boxes that hold exactly one typeset line, whole (its ink inside the box along the text)."""
    out = []
    for q, _ in dets:
        x0, y0, x1, y1 = q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max()
        hits = [k for k, (r, ink, _) in enumerate(lines)
                if min(r[2], x1) - max(r[0], x0) > 0 and min(r[3], y1) - max(r[1], y0) > 0.3 * (r[3] - r[1])]
        if len(hits) != 1:
            stats["synth_box_lines_%s" % ("0" if not hits else "many")] = \
                stats.get("synth_box_lines_%s" % ("0" if not hits else "many"), 0) + 1
            continue
        r, ink, text = lines[hits[0]]
        hw = r[3] - r[1]
        if ink[0] < x0 - 0.25 * hw or ink[2] > x1 + 0.25 * hw:  # the crop reaches 0.3 box heights further
            stats["synth_box_cuts_line"] = stats.get("synth_box_cuts_line", 0) + 1
            continue
        t, reason = line_text(text.split(" "))
        if t is None:
            stats[reason] = stats.get(reason, 0) + 1
            continue
        out.append((q, t))
    return out


def build_synth_shard(det, synth, k, path, seed, n_pages):
    stats = {}
    sw = ShardWriter()
    for p in range(n_pages):
        rng = np.random.default_rng(stable_hash(seed, "synth", k, p))
        dpi = int(rng.choice([150, 200, 200, 200, 250, 300]))
        gray, lines = synth.page(rng, dpi)
        degraded = rng.random() < 0.75
        m = np.array([[1, 0, 0], [0, 1, 0]], np.float64)
        if degraded:
            gray, m = degrade(gray, rng)
        lines = [(mr, mi, t) for mr, mi, t in zip(map_rects([l[0] for l in lines], m),
                                                   map_rects([l[1] for l in lines], m), [l[2] for l in lines])]
        h, w = gray.shape
        # The page scale a full page at this dpi gets on the 1280 canvas.
        dets = det.boxes(gray, canvas_scale=DET_CANVAS / (11.0 * dpi))
        stats["boxes"] = stats.get("boxes", 0) + len(dets)
        for q, text in match_synth(dets, lines, w, h, stats):
            crop = crop_quad(gray, extend_along_text(q, LINE_END_EXTENSION, w, h))
            if crop is None or not ink_ok(crop):
                stats["no_ink"] = stats.get("no_ink", 0) + 1
                continue
            sw.add(to_height(crop), text, f"synth:{k}:{p}:{int(degraded)}")
            stats["kept"] = stats.get("kept", 0) + 1
    sw.save(path, stats)
    return stats


def text_pool(docs, tmp_dir, seed, path, max_docs=300):
    """Lines of the training documents' text layers (frozen to path at first use)."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return [l.rstrip("\n") for l in f]
    rng = np.random.default_rng(stable_hash(seed, "pool"))
    pick = [docs[i] for i in sorted(rng.choice(len(docs), size=min(max_docs, len(docs)), replace=False))]
    pool = []
    for d in pick:
        try:
            r = subprocess.run(["pdftotext", "-l", "30", plain_pdf(d, tmp_dir), "-"], capture_output=True,
                               text=True, errors="replace", timeout=120)
        except subprocess.TimeoutExpired:
            continue
        for l in r.stdout.splitlines():
            t, _ = line_text(l.split())
            if t and 8 <= len(t) <= 120:
                pool.append(t)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write("\n".join(pool) + "\n")
    os.replace(path + ".tmp", path)
    return pool


def recheck(rec_check, out, seed):
    for path in sorted(glob.glob(os.path.join(out, "*", "real_*.npz"))):
        meta_path = path[:-4] + ".json"
        meta = json.load(open(meta_path))
        if "rec_check_cer" in meta["stats"]:
            continue
        imgs, texts, sources = load_shard(path)
        sw = ShardWriter()
        for im, t, s in zip(imgs, texts, sources):
            sw.add(im, t, s)
        stats = meta["stats"]
        apply_rec_check(rec_check, sw, stats, stable_hash(seed, "reccheck", sources[0].split(":")[0] if sources else ""))
        sw.save(path, stats)
        log(f"{os.path.basename(path)}: rec.pt CER {stats['rec_check_cer']}"
            + (f", dropped {stats['dropped_by_rec_check']} lines" if "dropped_by_rec_check" in stats else ""))


# ---------------------------------------------------------------- self-test

def self_test():
    """The label rules on fixed inputs (no PDFs, no models); exits non-zero on a mismatch."""
    cases = [
        (["caf\u00b4e", "na\u00a8\u0131ve"], "café naïve"),  # TeX accents before the letter, dotless i
        (["cafe\u00b4"], "café"),  # accent after its letter
        (["\ufb01le", "e\ufb00ort"], "file effort"),  # ligatures
        (["a\u00a0b", "  c"], "a b c"),  # no-break space, runs of spaces
        (["end-"], "end-"),  # end-of-line hyphen kept
        (["x\ue000"], None),  # private use
        (["\u4e2d"], None),  # outside the charset
        (["\u00b4", "e"], "\u00b4 e"),  # a spacing accent apart from letters is a character
        (["\u0219i", "\u021b"], "și ț"),
    ]
    bad = 0
    for words, want in cases:
        got, reason = line_text(words)
        if got != want:
            print(f"line_text({words!r}) = {got!r} ({reason}), want {want!r}")
            bad += 1
    if short_letters("12") or not short_letters("X") or short_letters("abc"):
        print("short_letters wrong")
        bad += 1
    for name in ("R-intro.pdf", "refcard-a4.pdf", "maint-guide.fr.pdf", "struktex.de.pdf"):
        if name not in EXCLUDED:
            print(f"{name} not excluded")
            bad += 1
    check_exclusions()
    print("self-test: %d failure(s)" % bad)
    sys.exit(1 if bad else 0)


# ---------------------------------------------------------------- main

def pages_of(doc, n, seed, limit):
    rng = np.random.default_rng(stable_hash(seed, "pages", doc_key(doc)))
    if n <= limit:
        return list(range(1, n + 1))
    return sorted(int(p) + 1 for p in rng.choice(n, size=limit, replace=False))


def shard_name(doc):
    stem = re.sub(r"[^A-Za-z0-9]+", "-", doc_key(doc)).strip("-")[:60]
    return "%s-%08x" % (stem, stable_hash(doc) & 0xFFFFFFFF)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/work/rec/data")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--install", action="store_true", help="apt-get the packages and exit")
    ap.add_argument("--worker", default="0/1", help="i/n: build every n-th job from the i-th")
    ap.add_argument("--synth-shards", type=int, default=2000)
    ap.add_argument("--synth-pages", type=int, default=12, help="page strips per synthetic shard")
    ap.add_argument("--max-jobs", type=int, default=0, help="stop after this many shards (0: all)")
    ap.add_argument("--only", choices=["all", "val", "train"], default="all")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--recheck", action="store_true",
                    help="apply the rec.pt check to real shards built without it, then exit")
    ap.add_argument("--self-test", action="store_true", help="check the label rules and exclusions, then exit")
    args = ap.parse_args()
    if args.self_test:
        self_test()
    if args.install:
        install()
        return
    check_exclusions()
    import torch
    torch.set_num_threads(args.threads)
    wi, wn = map(int, args.worker.split("/"))
    tmp_dir = os.path.join(args.out, "tmp")
    for d in ("train", "val", "tmp"):
        os.makedirs(os.path.join(args.out, d), exist_ok=True)
    docs = find_docs()
    val_docs = [d for d in docs if is_val_doc(d)]
    train_docs = [d for d in docs if not is_val_doc(d)]
    log(f"{len(docs)} documents: {len(train_docs)} train, {len(val_docs)} held out: "
        + ", ".join(doc_key(d) for d in val_docs))
    docs_json = os.path.join(args.out, "docs.json")
    with open(docs_json + ".%d.tmp" % os.getpid(), "w") as f:  # workers write it side by side
        json.dump(dict(train=[doc_key(d) for d in train_docs], val=[doc_key(d) for d in val_docs],
                       excluded=sorted(EXCLUDED)), f, indent=1)
    os.replace(docs_json + ".%d.tmp" % os.getpid(), docs_json)
    det = Detector(os.path.join(ROOT, "models", "det.pt"))
    rec_check = RecCheck(os.path.join(ROOT, "models"))
    synth = None
    if args.recheck:
        recheck(rec_check, args.out, args.seed)
        return

    # The job list: held-out docs first (small), then train docs and synthetic
    # shards interleaved one for one, each list in a seeded order. A job's slot
    # picks its worker: a (real, synthetic) pair goes to one worker, so every
    # worker builds both kinds.
    jobs = []
    if args.only in ("all", "val"):
        jobs += [("val", d, j) for j, d in enumerate(val_docs)]
        jobs += [("valsynth", k, k) for k in range(4)]
    if args.only in ("all", "train"):
        order = sorted(train_docs, key=lambda d: stable_hash(args.seed, "order", doc_key(d)))
        for i in range(max(len(order), args.synth_shards)):
            if i < len(order):
                jobs.append(("real", order[i], i))
            if i < args.synth_shards:
                jobs.append(("synth", i, i))
    totals, n_done, t0 = {}, 0, time.time()
    for kind, item, slot in jobs:
        if slot % wn != wi:
            continue
        if kind in ("val", "real"):
            path = os.path.join(args.out, "val" if kind == "val" else "train", f"real_{shard_name(item)}.npz")
        else:
            path = os.path.join(args.out, "val" if kind == "valsynth" else "train",
                                "synth_%05d.npz" % (item + (100000 if kind == "valsynth" else 0)))
        if os.path.exists(path):
            continue
        try:
            if kind in ("val", "real"):
                pdf = plain_pdf(item, tmp_dir)
                n = n_pages(pdf)
                pages = pages_of(item, n, args.seed, VAL_PAGES_PER_DOC if kind == "val" else MAX_PAGES_PER_DOC)
                stats = build_real_shard(det, item, pages, path, args.seed, kind == "val", tmp_dir, rec_check)
            else:
                if synth is None:
                    synth = Synth(text_pool(train_docs, tmp_dir, args.seed, os.path.join(args.out, "textpool.txt")),
                                  args.seed)
                    log(f"synthetic: {len(synth.families)} font families, {len(synth.pool)} pool lines, "
                        f"{len(synth.words)} words")
                stats = build_synth_shard(det, synth, item + (100000 if kind == "valsynth" else 0), path,
                                          args.seed, 4 if kind == "valsynth" else args.synth_pages)
        except Exception as e:  # noqa: BLE001 (one bad document must not stop an unattended build)
            log(f"{kind} {item}: skipped ({type(e).__name__}: {e})")
            continue
        n_done += 1
        for k, v in stats.items():
            if isinstance(v, int):  # counts (rec_check_cer is a rate, or None)
                totals[k] = totals.get(k, 0) + v
        log(f"{os.path.basename(path)}: kept {stats.get('kept', 0)} of {stats.get('boxes', 0)} boxes | totals "
            + json.dumps(totals, sort_keys=True) + f" | {n_done} shards, {time.time() - t0:.0f} s")
        if args.max_jobs and n_done >= args.max_jobs:
            break
    log("done: " + json.dumps(totals, sort_keys=True))


if __name__ == "__main__":
    main()
