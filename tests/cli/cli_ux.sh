#!/usr/bin/env bash
# What a person sees (issue 14, items 7, 8, 10-14): --pages clamped to short
# documents, inputs that stand for nothing, the progress line on a real
# terminal (a pty), the config file named in the log, JSON-only stderr,
# --help layout and "did you mean", and models found outside the repository
# (or not needed at all). Needs models ($DEEPCOMPRESS_MODELS_DIR or
# SRCDIR/models), qpdf, pdftoppm, /usr/bin/python3.
# Usage: bash cli_ux.sh BIN SRCDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_models
need_command qpdf qpdf
need_command pdftoppm poppler-utils
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# run ARGS... : the binary with a clean environment plus ${vars[@]}; sets rc, out, err.
vars=()
run() {
  env -i PATH="$PATH" HOME="$work" "${vars[@]}" "$bin" "$@" >"$work/out" 2>"$work/err"
  rc=$?
  out="$(cat "$work/out")"
  err="$(cat "$work/err")"
}
expect_rc() {  # expect_rc CODE WHAT
  [[ "$rc" == "$1" ]] || fail "$2: exit $rc, expected $1 (stderr: $err)"
}
expect_err() {  # expect_err TEXT WHAT
  [[ "$err" == *"$1"* ]] || fail "$2: stderr lacks '$1': $err"
}

cp "$sample" one.pdf                                # 1 page with a text layer
qpdf --empty --pages one.pdf one.pdf -- two.pdf     # 2 pages
pdftoppm -r 40 -png -singlefile one.pdf scan        # scan.png, a single image
first_line="$(head -n 1 "$src/tests/fixtures/sample.txt")"

# ---- 7. --pages past the end of a document: clamped with a warning naming it.
vars=(DEEPCOMPRESS_MODELS_DIR="$models")
run one.pdf --pages 1-3
expect_rc 0 "--pages 1-3 on a 1-page PDF"
[[ "$out" == "$first_line"* ]] || fail "--pages 1-3 on a 1-page PDF: text missing: $out"
expect_err "one.pdf: page selection '1-3' goes past the last page: the document has 1 page" "--pages 1-3 warning"
run scan.png --pages 1-3 --ocr never
expect_rc 0 "--pages 1-3 on a single image"
expect_err "scan.png: page selection '1-3' goes past the last page" "--pages 1-3 on an image"
run two.pdf --pages 2- --format json
expect_rc 0 "--pages 2- (open range)"
n_pages="$($py -c 'import json,sys; print([p["page"] for p in json.load(sys.stdin)["pages"]])' <<<"$out")"
[[ "$n_pages" == "[2]" ]] || fail "--pages 2- on 2 pages read pages $n_pages, expected [2]"
[[ "$err" != *"goes past"* ]] || fail "--pages 2- reaches the last page exactly, yet warned: $err"
run two.pdf --pages -1 --format json
expect_rc 0 "--pages -1 (open start)"
n_pages="$($py -c 'import json,sys; print([p["page"] for p in json.load(sys.stdin)["pages"]])' <<<"$out")"
[[ "$n_pages" == "[1]" ]] || fail "--pages -1 read pages $n_pages, expected [1]"
# A selection with no page of the document is still an error naming the file;
# the other documents are processed.
run one.pdf two.pdf --pages 2- -o sel
expect_rc 4 "--pages 2- with a 1-page document"
expect_err "one.pdf: page selection '2-' selects no page: the document has 1 page" "--pages 2- on one.pdf"
[[ -s sel/two.txt && ! -e sel/one.txt ]] || fail "--pages 2-: two.pdf not written or one.pdf written"
run one.pdf --pages 2-1
expect_rc 2 "--pages 2-1 (reversed) is a usage error"

# ---- 8. An argument that stands for no input is an error naming it, exit 2.
mkdir -p empty/sub texts
echo notes >texts/notes.txt
for arg in empty texts/; do
  run "$arg" -o o8
  expect_rc 2 "no inputs under $arg"
  expect_err "no inputs found under $arg" "no inputs under $arg"
done
mkdir -p pdfs && cp one.pdf pdfs/
run pdfs --glob '*.png' -o o8
expect_rc 2 "--glob matching nothing"
expect_err "no inputs found under pdfs (no file matching --glob '*.png')" "--glob matching nothing"
: >list.txt
run @list.txt -o o8
expect_rc 2 "empty @list"
expect_err "no inputs found in the list list.txt" "empty @list"
[[ ! -e o8 ]] || fail "a run with an empty input argument created its output directory"

# ---- 10. The progress line on a terminal (a pty; stdout and/or stderr on it).
# pty_run OUT_MODE ARGS...: OUT_MODE "tty" (stdout on the terminal too) or
# "file" (stdout to $work/pty_out); the terminal transcript goes to $work/pty.
pty_run() {
  local mode="$1"
  shift
  $py - "$mode" "$work/pty" "$work/pty_out" env -i PATH="$PATH" HOME="$work" DEEPCOMPRESS_MODELS_DIR="$models" \
    "$bin" "$@" <<'PY'
import os, subprocess, sys
mode, transcript, out_path, *cmd = sys.argv[1:]
master, slave = os.openpty()
out = slave if mode == "tty" else open(out_path, "wb")
proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: the child closed the terminal
        break
    if not chunk:
        break
    data += chunk
proc.wait()
open(transcript, "wb").write(data)
sys.exit(proc.returncode)
PY
  rc=$?
}
# glued LINE: exit 0 when LINE is written behind other text on the same terminal line.
glued() {
  $py - "$work/pty" "$1" <<'PY'
import sys
data = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
at = data.find(sys.argv[2])
ok = at >= 0 and (at == 0 or data[:at].endswith(("\n", "\r\x1b[K")))
sys.exit(0 if at >= 0 and not ok else 1)
PY
}
pty_run tty two.pdf --no-cache
[[ "$rc" == 0 ]] || fail "pty, stdout on the terminal: exit $rc: $(cat "$work/pty")"
grep -q "$first_line" "$work/pty" || fail "pty, stdout on the terminal: text missing"
! grep -q "ETA " "$work/pty" || fail "progress drawn although stdout is the same terminal (collides with the text)"
pty_run file two.pdf --no-cache
[[ "$rc" == 0 ]] || fail "pty, stdout to a file: exit $rc"
grep -q "ETA " "$work/pty" || fail "no progress on a terminal stderr with stdout in a file: $(cat "$work/pty")"
grep -q "$first_line" "$work/pty_out" || fail "pty, stdout to a file: text missing from the file"
pty_run file two.pdf --no-cache --no-progress
! grep -q "ETA " "$work/pty" || fail "--no-progress still drew the progress line"
# Forced, on the shared terminal and with only warnings logged: drawn, and cleared before the text.
pty_run tty two.pdf --no-cache --progress --quiet
[[ "$rc" == 0 ]] || fail "--progress --quiet: exit $rc: $(cat "$work/pty")"
grep -q "ETA " "$work/pty" || fail "--progress --quiet drew no progress line: $(cat "$work/pty")"
grep -q "$first_line" "$work/pty" || fail "--progress on the shared terminal: text missing"
! glued "$first_line" || fail "--progress: the text was written behind the progress line: $(cat -v "$work/pty")"
run one.pdf --progress --log-format json
expect_rc 2 "--progress with --log-format json"

# ---- 11. The configuration file read is named in the log.
mkdir -p cfg && cp one.pdf cfg/ && printf '[output]\nformat = "md"\n' >cfg/deepcompress.toml
(cd cfg && env -i PATH="$PATH" HOME="$work" DEEPCOMPRESS_MODELS_DIR="$models" "$bin" one.pdf \
  >"$work/out" 2>"$work/err")
rc=$?
err="$(cat "$work/err")"
expect_rc 0 "./deepcompress.toml run"
expect_err "configuration read from deepcompress.toml (found in the working directory)" "./deepcompress.toml"
run one.pdf --config cfg/deepcompress.toml
expect_err "configuration read from cfg/deepcompress.toml (--config)" "--config"
vars=(DEEPCOMPRESS_MODELS_DIR="$models" DEEPCOMPRESS_CONFIG=cfg/deepcompress.toml)
run one.pdf
expect_err "configuration read from cfg/deepcompress.toml (\$DEEPCOMPRESS_CONFIG)" "DEEPCOMPRESS_CONFIG"
vars=(DEEPCOMPRESS_MODELS_DIR="$models")
run one.pdf
[[ "$err" != *"configuration read"* ]] || fail "a run without a config file names one: $err"

# ---- 12. --log-format json: every stderr line is a JSON object, errors included.
all_json() {  # all_json WHAT: every line of $err parses as {"ts","level","msg"}
  $py -c '
import json, sys
lines = sys.stdin.read().splitlines()
assert lines, "no stderr lines"
for line in lines:
    o = json.loads(line)
    assert {"ts", "level", "msg"} <= o.keys(), line
' <<<"$err" 2>"$work/why" || fail "$1: stderr is not all JSON ($(tail -n 1 "$work/why")): $err"
}
echo "this is not a PDF" >bad.pdf
run bad.pdf missing.pdf one.pdf -o o12 --log-format json --stats --pages 1-2
expect_rc 4 "json: bad inputs"
all_json "bad and missing inputs"
[[ "$err" == *'"level":"error"'*"bad.pdf"* ]] || fail "json: no error object naming bad.pdf: $err"
run --pgaes 1 --log-format json one.pdf
expect_rc 2 "json: unknown flag"
all_json "unknown flag"
run empty --log-format=json -o o12
expect_rc 2 "json: empty directory"
all_json "empty directory"
vars=(DEEPCOMPRESS_MODELS_DIR="$models" DEEPCOMPRESS_LOG_FORMAT=json)
run one.pdf --batch-size 0
expect_rc 2 "json (from env): bad flag value"
all_json "bad flag value"
vars=(DEEPCOMPRESS_MODELS_DIR="$models")

# ---- 13. --help: 80 columns, common options first; "did you mean" for flags.
run --help
expect_rc 0 "--help"
long="$(awk 'length($0) > 80' "$work/out")"
[[ -z "$long" ]] || fail "--help lines over 80 columns: $long"
first_options="$(sed -n '/^Common options:/,/^$/p' "$work/out" | grep -o '^  [-A-Z][^ ]*' | head -n 4 | tr -d ' ' | tr '\n' ' ')"
[[ "$first_options" == "INPUT... -o, --format --pages " ]] || fail "--help: first options are '$first_options'"
for text in "deepcompress scan.pdf --format md" "--manifest" "--password-file pw.txt" "Exit codes"; do
  [[ "$out" == *"$text"* ]] || fail "--help lacks '$text'"
done
run --pgaes 1-3 one.pdf
expect_rc 2 "--pgaes"
expect_err "did you mean --pages?" "--pgaes"
run --batchsize=4 one.pdf
expect_err "did you mean --batch-size?" "--batchsize"
run --zzzzzz one.pdf
[[ "$err" != *"did you mean"* ]] || fail "--zzzzzz got a suggestion: $err"

# ---- 14. Models outside the repository; --ocr never and --version need none.
mkdir -p nomodels
vars=(DEEPCOMPRESS_MODELS_DIR="$work/nomodels")
run one.pdf --ocr never
expect_rc 0 "--ocr never without models"
[[ "$out" == "$first_line"* ]] || fail "--ocr never without models: text missing: $out"
run one.pdf --ocr never -o o14 --format txt,md
expect_rc 0 "--ocr never without models, to files (cache on)"
[[ -s o14/one.md ]] || fail "--ocr never without models: o14/one.md missing"
run --version
expect_rc 0 "--version without models"
# No models anywhere: the error names every place looked in and how to point at them.
vars=()
run one.pdf
if [[ -f /usr/share/deepcompress/models/manifest.json ]]; then
  expect_rc 0 "models installed in /usr/share/deepcompress/models"
else
  expect_rc 3 "no models anywhere"
  for place in "models" "$(dirname "$bin")/models" "share/deepcompress/models" "$work/.cache/deepcompress/models" \
               "/usr/share/deepcompress/models" "--model-dir" "DEEPCOMPRESS_MODELS_DIR"; do
    expect_err "$place" "no models anywhere"
  done
fi
# Installed next to the binary: <prefix>/bin/deepcompress with <prefix>/share/deepcompress/models, or bin/models.
mkdir -p prefix/bin prefix/share/deepcompress other/bin
cp "$bin" prefix/bin/deepcompress
cp "$bin" other/bin/deepcompress
ln -s "$models" prefix/share/deepcompress/models
ln -s "$models" other/bin/models
for installed in prefix/bin/deepcompress other/bin/deepcompress; do
  env -i PATH="$PATH" HOME="$work" "$work/$installed" one.pdf --ocr always >"$work/out" 2>"$work/err"
  rc=$?
  err="$(cat "$work/err")"
  expect_rc 0 "models next to $installed"
  grep -q "deepcompress" "$work/out" || fail "models next to $installed: no text"
done

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
