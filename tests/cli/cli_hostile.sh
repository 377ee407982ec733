#!/usr/bin/env bash
# Hostile and broken inputs (docs/robustness.md): a corpus generated here
# (tests/fixtures/make_bad_inputs.py; nothing downloaded) goes through a few
# deepcompress runs mixed with good copies of sample.pdf. For each input: the
# documented exit code, a one-line stderr error naming the file (and page),
# the good documents still written, no output for failed ones and no leftover
# temporary files. OCRs about 13 small pages; later runs reuse the cache.
# Needs models: $DEEPCOMPRESS_MODELS_DIR or SRCDIR/models, qpdf, /usr/bin/python3
# with PIL. Root-only parts (unreadable file, tmpfs) adapt and say what they did.
# Usage: bash cli_hostile.sh BIN SRCDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_models
[[ -f "$sample" ]] || { echo "FAIL: fixture $sample missing"; exit 1; }
need_command qpdf qpdf
"$py" -c 'import PIL' 2>/dev/null || { echo "FAIL: $py cannot import PIL (apt-get install python3-pil)"; exit 1; }

work="$(mktemp -d)"
mnt=""
cleanup() {
  [[ -n "$mnt" ]] && umount "$mnt" 2>/dev/null
  chmod -R u+rwX "$work" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"  # the unreadable-file run may run as nobody
cd "$work"
note() { echo "note: $*"; }

# run [VAR=value...] -- ARGS... : clean env, shared cache; sets rc, out, err.
# $runner (e.g. "setpriv --reuid nobody ...") prefixes the command when set;
# a run that hangs (e.g. on a symlink loop) is killed after 300 s (exit 124).
runner=()
run() {
  local vars=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do vars+=("$1"); shift; done
  shift
  env -i PATH="$PATH" HOME="$work" "${vars[@]}" timeout 300 "${runner[@]}" \
    "$bin" --model-dir "$models" --cache-dir "$work/cache" --dpi 100 --mode small "$@" \
    </dev/null >"$work/stdout" 2>"$work/stderr"
  rc=$?
  out="$(cat "$work/stdout")"
  err="$(cat "$work/stderr")"
  # A transcript for the test log: each run's exit code, errors and warnings.
  echo "--- exit $rc: ${*:1:12}"
  grep -E '^deepcompress: error:|\[warning\]' "$work/stderr" | sed -E 's/^[0-9-]+ [0-9:.]+ //; s/^/    /'
}
# expect_error FILE-TEXT PATTERN : exactly one "deepcompress: error:" line names
# FILE-TEXT, and it matches the glob PATTERN.
expect_error() {
  local line n
  n="$(grep -cF -- "deepcompress: error: $1: " "$work/stderr")"
  line="$(grep -F -- "deepcompress: error: $1: " "$work/stderr" | head -1)"
  [[ "$n" == 1 ]] || { fail "$1: expected one error line, found $n (stderr: $err)"; return; }
  # shellcheck disable=SC2053
  [[ "$line" == $2 ]] || fail "$1: error line '$line' does not match '$2'"
}
# no_output DIR BASE... : no output (any format) for these bases, no temp files.
no_output() {
  local dir="$1" base
  shift
  for base in "$@"; do
    compgen -G "$dir/$base.*" >/dev/null && fail "output written for failed input $base: $(ls "$dir/$base".*)"
  done
  no_temp "$dir"
}
no_temp() {
  local left
  left="$(find "$1" -name '.*.tmp.*' 2>/dev/null)"
  [[ -z "$left" ]] || fail "temporary files left in $1: $left"
}
same_as_good() { cmp -s "$1" "$work/reference.txt" || fail "$1 differs from the sample's text"; }

mkdir c
"$py" "$src/tests/fixtures/make_bad_inputs.py" c "$sample" || { echo "FAIL: corpus generator"; exit 1; }
cp "$sample" c/good.pdf

# 1. The corpus in one run, no password. ------------------------------------
run -- c/good.pdf c/empty.pdf c/random.pdf c/trunc10.pdf c/trunc50.pdf c/trunc90.pdf \
  c/badxref.pdf c/enc_user.pdf c/enc_owner.pdf c/zero_pages.pdf c/vector.pdf \
  c/gray16.tif c/cmyk.jpg c/alpha.png c/one_pixel.png c/wide.png c/tall.png "c/bad"$'\n'"name.pdf" \
  -o out1 --manifest m1.jsonl
[[ "$rc" == 4 ]] || fail "corpus run: exit $rc, expected 4 (stderr: $err)"
[[ -s out1/c/good.txt ]] || fail "corpus run: the good document was not written"
grep -q Welcome out1/c/good.txt || fail "out1/c/good.txt lacks the sample text"
cp out1/c/good.txt reference.txt
expect_error c/empty.pdf '*c/empty.pdf: not a PDF or a supported image*'
expect_error c/random.pdf '*c/random.pdf: not a PDF or a supported image*'
expect_error c/trunc10.pdf '*c/trunc10.pdf: *'
expect_error c/trunc50.pdf '*c/trunc50.pdf: *'
expect_error c/enc_user.pdf '*c/enc_user.pdf: encrypted: supply the password*'
no_output out1/c empty random trunc10 trunc50 enc_user "bad"$'\n'"name"
# Poppler reconstructs a broken xref; the page text must be the sample's.
[[ -s out1/c/badxref.txt ]] && same_as_good out1/c/badxref.txt || fail "badxref.pdf was not repaired: $err"
# Cut at 90% the page content may survive; either way: all or nothing, named.
if [[ -e out1/c/trunc90.txt ]]; then
  note "trunc90.pdf: repaired by Poppler, text written"
else
  expect_error c/trunc90.pdf '*c/trunc90.pdf: *'
fi
[[ -s out1/c/enc_owner.txt ]] && same_as_good out1/c/enc_owner.txt || fail "owner-only encrypted PDF not read"
[[ -e out1/c/zero_pages.txt && ! -s out1/c/zero_pages.txt ]] || fail "zero-page PDF: expected an empty output"
[[ -e out1/c/vector.txt ]] || fail "vector-only page: no output (must be an empty page, not a failure)"
grep -q '[[:alnum:]]' out1/c/vector.txt 2>/dev/null && fail "vector-only page produced text: $(cat out1/c/vector.txt)"
for image in gray16 cmyk alpha one_pixel wide tall; do
  [[ -e "out1/c/$image.txt" ]] || fail "$image image: no output"
done
# Newlines in file names are escaped so each error stays on one line.
expect_error 'c/bad\nname.pdf' '*c/bad\\nname.pdf: not a PDF or a supported image*'
"$py" - m1.jsonl <<'PY' || fail "manifest m1.jsonl: statuses"
import json, sys
rows = {r["input"]: r for r in map(json.loads, open(sys.argv[1]))}
want_failed = ["c/empty.pdf", "c/random.pdf", "c/trunc10.pdf", "c/trunc50.pdf", "c/enc_user.pdf", "c/bad\nname.pdf"]
want_ok = ["c/good.pdf", "c/badxref.pdf", "c/enc_owner.pdf", "c/zero_pages.pdf", "c/vector.pdf",
           "c/gray16.tif", "c/cmyk.jpg", "c/alpha.png", "c/one_pixel.png", "c/wide.png", "c/tall.png"]
bad = [(k, rows[k]["status"], rows[k]["error"]) for k in want_failed if rows[k]["status"] != "failed"]
bad += [(k, rows[k]["status"], rows[k]["error"]) for k in want_ok if rows[k]["status"] != "ok"]
print(*bad, sep="\n")
sys.exit(1 if bad else 0)
PY
# 1b. A 200 x 200 inch page, alone and one page per batch so that the peak RSS
# is the models plus this page: rendering is capped (100 megapixels), not
# 40000 x 40000 px (4.8 GB as BGR) at 200 dpi.
mem_cmd=()
[[ -x /usr/bin/time ]] && mem_cmd=(/usr/bin/time -f 'maxrss_kb=%M' -o "$work/time1")
runner=("${mem_cmd[@]}")
run -- c/giant.pdf -o out1 --batch-size 1 --dpi 200 --ocr always
runner=()
[[ "$rc" == 0 ]] || fail "giant page: exit $rc (stderr: $err)"
[[ "$err" == *"c/giant.pdf: page 1: "*"rendering at "*" dpi"* ]] || fail "giant page: no downscale warning: $err"
[[ -e out1/c/giant.txt ]] || fail "giant page: no output"
if [[ -s "$work/time1" ]]; then
  rss_kb="$(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' "$work/time1" | tail -1)"
  echo "giant page: peak RSS $((rss_kb / 1024)) MiB"
  ((rss_kb < 1536 * 1024)) || fail "giant page: peak RSS $((rss_kb / 1024)) MiB, the render was not capped"
else
  note "/usr/bin/time not available: peak RSS of the giant page not checked"
fi

# 2. Names, duplicates, symlink loops, directories (served from the cache). ----
mkdir -p d/sub d/dir.pdf
cp "$sample" "d/with space.pdf"
cp "$sample" "d/ünïcødé.pdf"
cp "$sample" "d/new"$'\n'"line.pdf"
ln -s loop d/loop.pdf                # a symlink to itself
ln -s ../d d/sub/up                   # a directory loop
ln -s b.pdf d/a.pdf && ln -s a.pdf d/b.pdf  # a two-link loop
run -- d c/good.pdf c/good.pdf ./c/good.pdf -o out2 --manifest m2.jsonl
# Looping links are not regular files: directory expansion skips them (and
# never follows directory links), so the run ends and succeeds.
[[ "$rc" == 0 ]] || fail "names run: exit $rc, expected 0 (stderr: $err)"
for name in "with space" "ünïcødé" "new"$'\n'"line"; do
  [[ -s "out2/d/$name.txt" ]] && same_as_good "out2/d/$name.txt" || fail "'$name.pdf': no or wrong output"
done
[[ -s out2/c/good.txt ]] || fail "duplicate input: c/good.pdf not written once"
[[ "$err" == *"given more than once"* || "$err" == *"more than once"* ]] || fail "duplicate input not reported: $err"
[[ ! -e out2/d/dir.txt ]] || fail "a directory named dir.pdf was treated as a document"
no_output out2/d loop a b
"$py" - m2.jsonl <<'PY' || fail "manifest m2.jsonl: duplicates"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
skipped = [r for r in rows if r["status"] == "skipped"]
ok = [r for r in rows if r["input"].endswith("good.pdf") and r["status"] in ("ok", "cached")]
sys.exit(0 if len(skipped) == 2 and len(ok) == 1 else 1)
PY

# 3. A directory or a missing file where a file is expected. ------------------
mkdir pwdir
run -- c/good.pdf --password-file pwdir -o out3
[[ "$rc" == 2 ]] || fail "--password-file DIR: exit $rc, expected 2 (stderr: $err)"
[[ "$err" == *"pwdir"* ]] || fail "--password-file DIR: message does not name it: $err"
run -- @pwdir -o out3
[[ "$rc" == 2 ]] || fail "@DIR list: exit $rc, expected 2 (stderr: $err)"
[[ "$err" == *"pwdir"* ]] || fail "@DIR list: message does not name it: $err"
run -- c/good.pdf --config pwdir -o out3
[[ "$rc" == 2 ]] || fail "--config DIR: exit $rc, expected 2 (stderr: $err)"
[[ "$err" == *"pwdir"* ]] || fail "--config DIR: message does not name it: $err"

# 4. Passwords: wrong user password; owner-only encryption must still open. --
printf 'wrong\n' >wrong.txt
printf 'U\n' >right.txt
run -- c/enc_user.pdf c/enc_owner.pdf --password-file wrong.txt --no-cache -o out4
[[ "$rc" == 4 ]] || fail "wrong password: exit $rc, expected 4 (stderr: $err)"
expect_error c/enc_user.pdf '*c/enc_user.pdf: encrypted: the supplied password is wrong*'
[[ "$err" != *"wrong"$'\n'* && "$err" != *": wrong"* ]] || fail "the password leaked into the log: $err"
[[ -s out4/c/enc_owner.txt ]] && same_as_good out4/c/enc_owner.txt ||
  fail "owner-only encrypted PDF not read when a (wrong) password is supplied: $err"
no_output out4/c enc_user
run -- c/enc_user.pdf --password-file right.txt -o out4
[[ "$rc" == 0 ]] || fail "right password: exit $rc (stderr: $err)"
[[ -s out4/c/enc_user.txt ]] && same_as_good out4/c/enc_user.txt || fail "right password: wrong output"

# 5. Unreadable file (mode 000). Root reads anything: run as nobody then. -----
cp "$sample" c/locked.pdf
chmod 000 c/locked.pdf
mkdir out5 && chmod 777 out5
chmod -R a+rX cache
if [[ "$(id -u)" == 0 ]]; then
  if command -v setpriv >/dev/null; then
    runner=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  elif command -v runuser >/dev/null; then
    runner=(runuser -u nobody --)
  else
    runner=()
    note "root without setpriv/runuser: unreadable-file case not tested"
  fi
fi
if [[ "$(id -u)" != 0 || ${#runner[@]} -gt 0 ]]; then
  # --no-cache: nobody cannot write the cache; good.pdf costs one page.
  run -- c/locked.pdf c/good.pdf -o out5 --no-cache
  runner=()
  [[ "$rc" == 4 ]] || fail "unreadable file: exit $rc, expected 4 (stderr: $err)"
  expect_error c/locked.pdf '*c/locked.pdf: *ermission denied*'
  [[ -s out5/c/good.txt ]] || fail "unreadable file: the good document was not written"
  no_output out5/c locked
fi

# 6. Output directory that cannot be written (under a regular file). ---------
echo file >afile
run -- c/good.pdf c/random.pdf -o afile/out
[[ "$rc" == 5 ]] || fail "-o under a file: exit $rc, expected 5 (stderr: $err)"
[[ "$err" == *"deepcompress: error: afile/out"* ]] || fail "-o under a file: message does not name the path: $err"

# 7. Full disk: a 64 KiB tmpfs filled up, else a 0-block file size limit. ----
mkdir full
if mount -t tmpfs -o size=64k tmpfs full 2>/dev/null; then
  mnt="$work/full"
  mkdir full/out
  dd if=/dev/zero of=full/filler bs=1k 2>/dev/null
  run -- c/good.pdf -o full/out --manifest full/out/m.jsonl
  [[ "$rc" == 5 ]] || fail "full disk (tmpfs): exit $rc, expected 5 (stderr: $err)"
  [[ "$err" == *"No space left on device"* ]] || fail "full disk: message lacks ENOSPC: $err"
  [[ ! -e full/out/c/good.txt ]] || fail "full disk: a partial output was left: $(ls -la full/out/c)"
  no_temp full
  echo "full disk: tested with a 64 KiB tmpfs"
else
  (
    trap '' XFSZ
    ulimit -f 0
    run -- c/good.pdf -o full/out
    echo "$rc" >full.rc
  )
  rc="$(cat full.rc)"
  err="$(cat "$work/stderr")"
  [[ "$rc" == 5 ]] || fail "full disk (ulimit -f 0): exit $rc, expected 5 (stderr: $err)"
  [[ ! -e full/out/c/good.txt ]] || fail "full disk: a partial output was left"
  no_temp full
  note "no mount privilege: full disk simulated with ulimit -f 0 (EFBIG, SIGXFSZ ignored)"
fi

no_temp out1
no_temp out2
if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
