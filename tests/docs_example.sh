#!/usr/bin/env bash
# Renders the shipped sample with pdftoppm, runs the docs example on the PPM
# pages and on the PDF itself, and checks both give the same, non-empty text.
set -euo pipefail
example="$1"; src="$2"
models="${DEEPCOMPRESS_MODELS_DIR:-$src/models}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pdftoppm -r 200 "$src/tests/fixtures/sample.pdf" "$tmp/page"
"$example" "$models" "$tmp"/page*.ppm > "$tmp/from_pages.txt"
"$example" "$models" "$src/tests/fixtures/sample.pdf" > "$tmp/from_pdf.txt"
n_words=$(wc -w < "$tmp/from_pages.txt")
echo "example read $n_words words from caller-rendered pages"
[ "$n_words" -ge 20 ] || { echo "FAIL: too few words"; exit 1; }
cmp "$tmp/from_pages.txt" "$tmp/from_pdf.txt" || { echo "FAIL: caller-rendered pages and PDF differ"; diff "$tmp/from_pages.txt" "$tmp/from_pdf.txt" | head; exit 1; }
echo "PASS"
