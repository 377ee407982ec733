#!/usr/bin/env bash
# Outputs that cannot be written. During OCR (a real 48 KiB tmpfs that fills up
# while later documents are still in flight; a file size limit, ulimit -f):
# each failing document is named in one line, the run goes on with the others,
# exits 5, writes its manifest; no abort, no temporary file. Before any work
# (-o, --manifest, --redact-report that cannot be written): exit 5 naming the
# path, before a page is read. About 9 small pages.
# Needs models: $DEEPCOMPRESS_MODELS_DIR or SRCDIR/models, qpdf.
# Usage: bash cli_output_errors.sh BIN SRCDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_models
need_command qpdf qpdf
[[ -f "$sample" ]] || { echo "FAIL: fixture $sample missing"; exit 1; }
work="$(mktemp -d)"
mnt=""
cleanup() {
  [[ -n "$mnt" ]] && umount "$mnt" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

# run ARGS... : clean env, no cache (every document is OCRed); sets rc, err.
run() {
  env -i PATH="$PATH" HOME="$work" DEEPCOMPRESS_MODELS_DIR="$models" \
    "$bin" --no-cache --ocr always "$@" >"$work/stdout" 2>"$work/stderr"
  rc=$?
  err="$(cat "$work/stderr")"
}
no_temp_files() {  # no_temp_files DIR...
  local left
  left="$(find "$@" -name '.*.tmp.*' 2>/dev/null)"
  [[ -z "$left" ]] || fail "temporary files left behind: $left"
}
# check_manifest FILE N_DOCS ERRNO_TEXT: every document is listed, ok or failed
# with a write error naming an output file; listed outputs exist and are whole.
check_manifest() {
  "$py" - "$@" <<'PY'
import json, os, sys
path, n_docs, errno_text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [json.loads(l) for l in open(path)]
assert len(rows) == n_docs, f"{len(rows)} rows"
for r in rows:
    assert r["status"] in ("ok", "failed"), r  # never skipped: the run went on
    if r["status"] == "failed":
        assert errno_text in r["error"] and ": cannot write: " in r["error"], r
    for out in r["outputs"]:
        assert os.path.getsize(out) > 0, out
        if out.endswith(".json"):
            json.load(open(out))
assert any(r["status"] == "failed" for r in rows), "no document failed"
PY
}

mkdir in
for i in 1 2 3; do cp "$sample" "in/c$i.pdf"; done

# 1. A real small tmpfs, filled while OCR of c3 is in flight (c1 and c2 share
# the first batch of 2: c1's three outputs fit, c2's do not).
mkdir full
if mount -t tmpfs -o size=48k tmpfs full 2>/dev/null; then
  mnt="$work/full"
  head -c 32768 /dev/zero >full/filler
  run in -o full/out --format txt,json,md --batch-size 2 --manifest m_full.jsonl
  [[ "$rc" == 5 ]] || fail "tmpfs: exit $rc, expected 5 (stderr: $err)"
  [[ "$err" != *terminate* && "$err" != *Aborted* ]] || fail "tmpfs: the process aborted: $err"
  errors="$(grep '^deepcompress: error:' stderr)"
  [[ "$errors" == *"full/out/in/c2."*": cannot write: write: No space left on device"* ]] ||
    fail "tmpfs: no one-line error naming c2's output: $err"
  [[ "$(grep -c 'No space left' stderr)" == "$(grep -c '^deepcompress: error:.*No space left' stderr)" ]] ||
    fail "tmpfs: a write error that is not one deepcompress: error: line: $err"
  [[ -f m_full.jsonl ]] || fail "tmpfs: no manifest"
  check_manifest m_full.jsonl 3 "No space left on device" || fail "tmpfs manifest: $(cat m_full.jsonl)"
  "$py" -c 'import json,sys; r=[json.loads(l) for l in open("m_full.jsonl")]; sys.exit(r[0]["status"]!="ok")' ||
    fail "tmpfs: the first document, which fits, was not written"
  no_temp_files full
  umount "$mnt" && mnt=""
else
  echo "SKIPPED: the tmpfs check (mount -t tmpfs not permitted here; run as root); the ulimit -f check still runs"
fi

# 2. A file size limit (ulimit -f, 3 KiB; it applies to stderr and the manifest
# too, hence --log-level warn): the text of the 4-page c2 (~3.7 KB) is too
# large, the 1-page documents after it (~0.9 KB) are still written in full.
qpdf --empty --pages "$sample" "$sample" "$sample" "$sample" -- in/c2.pdf
(
  ulimit -f 3
  run in -o lim --format txt --batch-size 2 --manifest m_lim.jsonl --log-level warn
  echo "$rc" >lim.rc
)
rc="$(cat lim.rc)"
err="$(cat stderr)"
[[ "$rc" == 5 ]] || fail "ulimit -f: exit $rc, expected 5 (153 = killed by SIGXFSZ) (stderr: $err)"
[[ "$err" == *"deepcompress: error: lim/in/c2.txt: cannot write: write: File too large"* ]] ||
  fail "ulimit -f: no one-line error naming lim/in/c2.txt: $err"
[[ -s lim/in/c1.txt && -s lim/in/c3.txt && ! -e lim/in/c2.txt ]] || fail "ulimit -f: outputs $(ls -la lim/in)"
check_manifest m_lim.jsonl 3 "File too large" || fail "ulimit -f manifest: $(cat m_lim.jsonl)"
no_temp_files lim

# 3. stdout that cannot be written (a single document to /dev/full).
env -i PATH="$PATH" HOME="$work" DEEPCOMPRESS_MODELS_DIR="$models" \
  "$bin" --no-cache --ocr always in/c1.pdf >/dev/full 2>stderr
rc=$?
[[ "$rc" == 5 ]] || fail "stdout /dev/full: exit $rc, expected 5 (stderr: $(cat stderr))"
grep -q '^deepcompress: error: in/c1.pdf: cannot write to stdout' stderr ||
  fail "stdout /dev/full: no error line naming the document: $(cat stderr)"

# 4. Output locations checked before any page is read: exit 5 naming the path.
: >afile
mkdir adir
checks=(
  "--manifest afile/run.jsonl|afile/run.jsonl"
  "--manifest adir|adir"
  "-o afile/out|afile/out"
  "--redact email --redact-report afile/r.jsonl|afile/r.jsonl"
)
for c in "${checks[@]}"; do
  read -ra opts <<<"${c%%|*}"
  named="${c##*|}"
  output=(-o ok_out)
  [[ "${opts[0]}" == -o ]] && output=()
  run in/c1.pdf "${output[@]}" "${opts[@]}" --log-level info
  [[ "$rc" == 5 ]] || fail "${opts[*]}: exit $rc, expected 5 (stderr: $err)"
  [[ "$(grep -c '^deepcompress: error: ' stderr)" == 1 && "$err" == *"deepcompress: error: $named: "* ]] ||
    fail "${opts[*]}: not one error line naming $named: $err"
  [[ "$err" != *"Processing batch"* && "$err" != *"loaded in"* ]] ||
    fail "${opts[*]}: pages were read before the unwritable path was found: $err"
done
[[ -z "$(find ok_out -type f 2>/dev/null)" ]] || fail "the refused runs wrote outputs: $(find ok_out)"
no_temp_files .

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
