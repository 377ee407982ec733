#!/usr/bin/python3
"""Builds the GPU kit's page set: N scanned-style pages in one PDF.

Pages come from PDFs that Debian packages already installed here ship under
/usr/share/doc, degraded exactly as scripts/bench_ocr.py degrades its corpus
(200 dpi, small rotation, blur, gray paper, noise), then stored as JPEG images
in one PDF, so the kit's binary reads them through Poppler alone (the kit's
build has no OpenCV imgcodecs). Deterministic: same inputs, same pages.

  scripts/gpu_kit_pages.py OUT.pdf [--pages N]
"""
import argparse
import io
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_ocr  # noqa: E402  (degrade, source_pdf, page_stem, normalize)

DOC = "/usr/share/doc/"
# Documents in the order pages are taken from them; each is cycled through
# at a fixed page stride, so the set mixes prose, code and tables.
SOURCES = [
    DOC + "valgrind/valgrind_manual.pdf.gz",
    DOC + "nettle-dev/nettle.pdf.gz",
    DOC + "gnucobol3/gnucobol.pdf.gz",
    DOC + "bzip2/manual.pdf.gz",
    DOC + "libtasn1-doc/libtasn1.pdf",
    DOC + "fontconfig/fontconfig-user.pdf.gz",
    DOC + "shared-mime-info/shared-mime-info-spec.pdf",
]
JPEG_QUALITY = 35  # the noise is what JPEG pays for: ~320 KiB a page, 40 pages ~13 MiB


def n_pages(pdf):
    out = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("Pages:")))


def candidates(src_dir):
    """(path, plain pdf, page) in a fixed round-robin order over SOURCES."""
    docs = []
    for path in SOURCES:
        if os.path.exists(path):
            pdf = bench_ocr.source_pdf(path, src_dir)
            docs.append((path, pdf, n_pages(pdf)))
    if not docs:
        sys.exit("gpu_kit_pages: none of the source PDFs is installed: " + ", ".join(SOURCES))
    for k in range(400):
        for path, pdf, count in docs:
            page = 2 + 7 * k
            if page <= count:
                yield path, pdf, page


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="output PDF")
    ap.add_argument("--pages", type=int, default=40)
    args = ap.parse_args()
    from PIL import Image

    images, pages = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for path, pdf, page in candidates(tmp):
            if len(pages) == args.pages:
                break
            gt = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), pdf, "-"],
                                capture_output=True, check=True).stdout.decode("utf-8", "replace")
            if len(bench_ocr.normalize(gt)) < bench_ocr.MIN_GT_CHARS:
                continue
            raw = os.path.join(tmp, "clean")
            subprocess.run(["pdftoppm", "-r", str(bench_ocr.DPI), "-gray", "-png", "-f", str(page), "-l", str(page),
                            "-singlefile", pdf, raw], check=True)
            stem = bench_ocr.page_stem("kit", path, page)
            degraded = os.path.join(tmp, "degraded.png")
            bench_ocr.degrade(raw + ".png", degraded, bench_ocr.zlib.crc32(stem.encode()))
            with Image.open(degraded) as im:
                buf = io.BytesIO()
                im.save(buf, "JPEG", quality=JPEG_QUALITY)
                images.append(Image.open(io.BytesIO(buf.getvalue())))
            pages.append({"stem": stem, "source": path, "page": page})
    if len(pages) < args.pages:
        print(f"gpu_kit_pages: only {len(pages)} of {args.pages} pages found", file=sys.stderr)
    tmp_out = args.out + ".tmp"
    images[0].save(tmp_out, "PDF", resolution=float(bench_ocr.DPI), save_all=True, append_images=images[1:])
    os.replace(tmp_out, args.out)
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump({"dpi": bench_ocr.DPI, "jpeg_quality": JPEG_QUALITY, "pages": pages}, f, indent=1)
    print(f"{args.out}: {len(pages)} pages, {os.path.getsize(args.out) / 2**20:.1f} MiB", file=sys.stderr)


if __name__ == "__main__":
    main()
