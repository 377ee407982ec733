#!/usr/bin/env bash
# Interrupted runs: SIGTERM exits 143 with a manifest of what finished; SIGINT
# with many pages queued says so at once and finishes only the batch in flight
# (exit 130); kill -9 in the middle leaves no partial or temporary file, and a
# rerun resumes from the cache and ends with the same outputs. About 12 pages.
# Needs models: $DEEPCOMPRESS_MODELS_DIR or SRCDIR/models.
# Usage: bash cli_interrupt.sh BIN SRCDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_models
[[ -f "$sample" ]] || { echo "FAIL: fixture $sample missing"; exit 1; }
work="$(mktemp -d)"
pid=""
trap '[[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"

# start OUTDIR CACHEDIR ARGS... : runs in the background (one page per batch); sets pid.
start() {
  local outdir="$1" cachedir="$2"
  shift 2
  env -i PATH="$PATH" HOME="$work" DEEPCOMPRESS_MODELS_DIR="$models" \
    "$bin" in -o "$outdir" --cache-dir "$cachedir" --batch-size 1 --ocr always "$@" >"$work/out" 2>"$work/err" &
  pid=$!
}
# wait_for_output DIR : until a .txt appears under DIR (at most ~60 s).
wait_for_output() {
  for _ in $(seq 600); do
    [[ -n "$(find "$1" -name '*.txt' 2>/dev/null | head -1)" ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
no_temp_files() {  # no_temp_files DIR...
  local left
  left="$(find "$@" -name '.*.tmp.*' 2>/dev/null)"
  [[ -z "$left" ]] || fail "temporary files left behind: $left"
}

mkdir in
for i in 1 2 3 4; do cp "$sample" "in/c$i.pdf"; done

# SIGTERM: the batch in flight finishes, the manifest is written, exit 143.
start out_term cache_term --manifest term.jsonl
wait_for_output out_term || fail "SIGTERM run: no output appeared (stderr: $(cat err))"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=""
[[ "$rc" == 143 ]] || fail "SIGTERM: exit $rc, expected 143 (stderr: $(cat err))"
[[ -f term.jsonl ]] || fail "SIGTERM: no manifest written"
"$py" - <<'PY' || fail "SIGTERM manifest: $(cat term.jsonl 2>/dev/null)"
import json
rows = [json.loads(l) for l in open("term.jsonl")]
assert len(rows) == 4, rows
statuses = [r["status"] for r in rows]
assert statuses.count("ok") >= 1 and set(statuses) <= {"ok", "skipped"}, statuses
assert all("signal" in r["error"] for r in rows if r["status"] == "skipped"), rows
PY
no_temp_files out_term cache_term

# SIGINT with a queue of many pages left: no new batch starts, the message comes
# at once, only the batch in flight finishes. The process is stopped (SIGSTOP)
# while its finished batches are counted (one page, one document each) and the
# signal sent, so the count is exact: afterwards only the pages the message
# names, plus at most one batch ending in the ~50 ms before the stop is seen.
mkdir in_many
for i in $(seq 10); do cp "$sample" "in_many/m$i.pdf"; done
env -i PATH="$PATH" HOME="$work" DEEPCOMPRESS_MODELS_DIR="$models" \
  "$bin" in_many -o out_int --no-cache --batch-size 1 --workers 1 --ocr always --manifest int.jsonl \
  >"$work/out" 2>"$work/err" &
pid=$!
wait_for_output out_int || fail "SIGINT run: no output appeared (stderr: $(cat err))"
kill -STOP "$pid"
n_seen="$(grep -c 'Batch complete' err)"
kill -INT "$pid"
kill -CONT "$pid"
wait "$pid"
rc=$?
pid=""
[[ "$rc" == 130 ]] || fail "SIGINT: exit $rc, expected 130 (stderr: $(cat err))"
[[ -f int.jsonl ]] || fail "SIGINT: no manifest written"
"$py" - "$n_seen" <<'PY' || fail "SIGINT: more work after the signal than the batch in flight ($n_seen batches before; stderr: $(cat err); manifest: $(cat int.jsonl 2>/dev/null))"
import json, re, sys
n_seen = int(sys.argv[1])
err = open("err").read().splitlines()
notes = [i for i, l in enumerate(err) if re.fullmatch(r"deepcompress: interrupted: finishing \d+ page\(s\) in flight", l)]
assert len(notes) == 1, "the interrupted line is missing or repeated"
n_in_flight = int(re.search(r"\d+", err[notes[0]]).group())
assert n_in_flight <= 1, f"{n_in_flight} pages in flight with one worker and --batch-size 1"
# Printed when the stop is seen, not at the end: at most the batch in flight completes after it.
n_batches_after = sum("Batch complete" in l for l in err[notes[0]:])
assert n_batches_after <= n_in_flight, f"{n_batches_after} batch(es) completed after the message"
rows = [json.loads(l) for l in open("int.jsonl")]
assert len(rows) == 10, rows
n_ok = sum(r["status"] == "ok" for r in rows)
assert n_ok <= n_seen + n_in_flight + 1, f"{n_ok} documents ok, {n_seen} batches done when the signal came"
assert all(r["status"] in ("ok", "skipped") for r in rows), rows
assert all("signal 2" in r["error"] for r in rows if r["status"] == "skipped"), rows
PY
no_temp_files out_int

# kill -9 mid-run: whatever exists is complete; a rerun resumes and matches.
start out_kill cache_kill
wait_for_output out_kill || fail "kill -9 run: no output appeared (stderr: $(cat err))"
kill -9 "$pid"
wait "$pid" 2>/dev/null
pid=""
no_temp_files out_kill cache_kill
ref="$(find out_term -name '*.txt' | head -1)"
for f in $(find out_kill -name '*.txt'); do
  cmp -s "$f" "$ref" || fail "after kill -9, $f is not a complete output"
done
n_before="$(find out_kill -name '*.txt' | wc -l)"
# What a kill -9 during a write leaves: a temporary file of a writer that is gone.
dead_pid="$(bash -c 'echo $$')"
# Named with this host as write_file_atomic does (temporary_host_tag: not [A-Za-z0-9-] -> _).
host_tag="$(printf '%s' "$(uname -n)" | tr -c 'A-Za-z0-9-' '_' | cut -c1-64)"
mkdir -p out_kill && : >"out_kill/.planted.txt.tmp.$host_tag.$dead_pid.AbC123"
env -i PATH="$PATH" HOME="$work" DEEPCOMPRESS_MODELS_DIR="$models" \
  "$bin" in -o out_kill --cache-dir cache_kill --batch-size 2 --ocr always --manifest resume.jsonl >out 2>err
rc=$?
[[ "$rc" == 0 ]] || fail "rerun after kill -9: exit $rc (stderr: $(cat err))"
[[ "$(find out_kill -name '*.txt' | wc -l)" == 4 ]] || fail "rerun after kill -9: outputs $(find out_kill)"
for f in $(find out_kill -name '*.txt'); do
  cmp -s "$f" "$ref" || fail "after the rerun, $f differs from the uninterrupted output"
done
"$py" - "$n_before" <<'PY' || fail "rerun manifest does not show the resumed documents as cached: $(cat resume.jsonl)"
import json, sys
rows = [json.loads(l) for l in open("resume.jsonl")]
n_cached = sum(r["status"] == "cached" for r in rows)
assert n_cached >= int(sys.argv[1]) and all(r["status"] in ("ok", "cached") for r in rows), rows
PY
no_temp_files out_kill cache_kill

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
