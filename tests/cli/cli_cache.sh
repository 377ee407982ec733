#!/usr/bin/env bash
# The output cache: an encrypted PDF's entries are bound to its password (a
# cached run without it, or with a wrong one, fails exactly as a --no-cache
# run), entries are private (files 0600, directories 0700), and a cached run
# reports the pages and sources of the first run in its manifest and summary.
# Needs models and qpdf (installed by scripts/setup).
# Usage: bash cli_cache.sh BIN SRCDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_models
need_command qpdf qpdf
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
run() {
  env -i PATH="$PATH" HOME="$work" DEEPCOMPRESS_MODELS_DIR="$models" "$@" >"$work/out" 2>"$work/err"
  rc=$?
}

secret="s3cret-Pa55"
qpdf --encrypt "$secret" owner-pw 256 -- "$sample" locked.pdf
printf '%s\n' "$secret" >pw.txt
printf 'wrong-Pa55\n' >wrong.txt

# What a run without the cache says: the reference for the cached runs below.
run "$bin" locked.pdf -q --no-cache
rc_none="$rc"
cp err err_none
run "$bin" locked.pdf -q --no-cache --password-file wrong.txt
rc_wrong="$rc"
cp err err_wrong
[[ "$rc_none" == 4 && "$rc_wrong" == 4 ]] || fail "--no-cache without the password: exit $rc_none and $rc_wrong, expected 4"

# Fill the cache with the right password; a rerun with it is served from the cache.
run "$bin" locked.pdf -q --cache-dir cache --password-file pw.txt
[[ "$rc" == 0 ]] || fail "right password: exit $rc: $(cat err)"
grep -q "Welcome to deepcompress" out || fail "right password: text not recognized"
run "$bin" locked.pdf -q --cache-dir cache --password-file pw.txt -o served --manifest served.jsonl
grep -q '"status": "cached"' served.jsonl || fail "right password again: not served from the cache: $(cat served.jsonl)"

# Without the password, or with a wrong one, the cache does not help.
run "$bin" locked.pdf -q --cache-dir cache
[[ "$rc" == "$rc_none" ]] || fail "cached, no password: exit $rc, expected $rc_none as with --no-cache"
cmp -s err err_none || fail "cached, no password: stderr '$(cat err)' differs from --no-cache's '$(cat err_none)'"
grep -q "Welcome" out && fail "cached, no password: the text was printed"
run "$bin" locked.pdf -q --cache-dir cache --password-file wrong.txt
[[ "$rc" == "$rc_wrong" ]] || fail "cached, wrong password: exit $rc, expected $rc_wrong as with --no-cache"
cmp -s err err_wrong || fail "cached, wrong password: stderr '$(cat err)' differs from --no-cache's '$(cat err_wrong)'"
grep -q "Welcome" out && fail "cached, wrong password: the text was printed"
grep -rq "$secret" cache && fail "the password is stored in the cache"

# Entries are private, encrypted or not.
run "$bin" "$sample" -q --cache-dir cache
[[ "$rc" == 0 ]] || fail "plain sample: exit $rc: $(cat err)"
[[ -z "$(find cache -type f ! -perm 600)" ]] || fail "cache files not 0600: $(find cache -type f -printf '%m %p\n')"
[[ -z "$(find cache -type d ! -perm 700)" ]] || fail "cache directories not 0700: $(find cache -type d -printf '%m %p\n')"

# A cached document reports the pages and sources of its first run.
for n in 1 2; do
  run "$bin" "$sample" locked.pdf -q --cache-dir facts --password-file pw.txt --ocr always --format md \
    -o "md$n" --manifest "m$n.jsonl" --summary-json
  [[ "$rc" == 0 ]] || fail "manifest run $n: exit $rc: $(cat err)"
  cp out "summary$n.json"
done
"$py" - <<'PY' || fail "the cached run's manifest or summary differs: $(cat m1.jsonl m2.jsonl summary2.json)"
import json
first = [json.loads(l) for l in open("m1.jsonl")]
second = [json.loads(l) for l in open("m2.jsonl")]
assert [r["status"] for r in first] == ["ok", "ok"], first
assert [r["status"] for r in second] == ["cached", "cached"], second
for a, b in zip(first, second):
    assert a["pages"] == b["pages"] == 1, (a, b)
    assert a["sources"] == b["sources"] == {"ocr": 1, "text_layer": 0, "none": 0}, (a, b)
s1, s2 = (json.load(open(f"summary{n}.json")) for n in (1, 2))
assert s1["pages"] == 2 and s1["pages_cached"] == 0, s1
assert s2["pages"] == 0 and s2["pages_cached"] == 2, s2
PY

[[ "$failures" == 0 ]] && echo "PASS" || exit 1
