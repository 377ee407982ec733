#!/usr/bin/env bash
# Batch runs: directory inputs mirrored under -o, a bad file failing alone
# (exit 4), the manifest, @list and stdin inputs, an all-cached rerun that
# loads no models and touches no output, --summary-json, --fail-fast and
# sharding (--shard and Slurm/Kubernetes env). OCRs two pages in total.
# Needs models: $DEEPCOMPRESS_MODELS_DIR or SRCDIR/models.
# Usage: bash cli_batch.sh BIN SRCDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_models
[[ -f "$sample" ]] || { echo "FAIL: fixture $sample missing"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# run [VAR=value...] -- ARGS... : clean env, models from $models; sets rc, out, err.
run() {
  local vars=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do vars+=("$1"); shift; done
  shift
  env -i PATH="$PATH" HOME="$work" DEEPCOMPRESS_MODELS_DIR="$models" "${vars[@]}" \
    "$bin" --model-dir "$models" "$@" <"${stdin_file:-/dev/null}" >"$work/stdout" 2>"$work/stderr"
  rc=$?
  out="$(cat "$work/stdout")"
  err="$(cat "$work/stderr")"
}
# manifest_check FILE PYTHON-EXPR : every line is a JSON object; EXPR over `rows` holds.
manifest_check() {
  "$py" - "$1" "$2" <<'PY' || fail "manifest $1: $2"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
for r in rows:
    assert {"input", "sha256", "status", "pages", "times_ms", "error", "outputs"} <= r.keys(), r
    assert r["status"] in ("ok", "failed", "cached", "skipped"), r
by = {r["input"]: r for r in rows}
ok = eval("(" + sys.argv[2] + ")")
if not ok:
    print(json.dumps(rows, indent=1))
sys.exit(0 if ok else 1)
PY
}
mtimes() { find "$1" -type f -printf '%p %T@\n' | sort; }

mkdir -p in/sub
cp "$sample" in/a.pdf
cp "$sample" in/sub/b.pdf
echo "this is not a PDF" >in/bad.pdf
echo "not an input" >in/notes.txt

# 1. A directory with a bad file: the others are written, exit 4, manifest lines parse.
run -- in -o out --manifest m1.jsonl
[[ "$rc" == 4 ]] || fail "dir with a bad file: exit $rc, expected 4 (stderr: $err)"
[[ -s out/in/a.txt && -s out/in/sub/b.txt ]] || fail "mirrored outputs missing: $(find out 2>/dev/null)"
[[ ! -e out/in/bad.txt && ! -e out/in/notes.txt ]] || fail "output written for bad.pdf or notes.txt"
[[ "$err" == *"deepcompress: error: "*"bad.pdf"* ]] || fail "bad.pdf not named on stderr: $err"
grep -q "Welcome" out/in/a.txt || fail "out/in/a.txt lacks the sample text"
cmp -s out/in/a.txt out/in/sub/b.txt || fail "two copies of one PDF gave different text"
manifest_check m1.jsonl 'len(rows) == 3 and by["in/a.pdf"]["status"] == "ok" and by["in/a.pdf"]["pages"] == 1
  and by["in/sub/b.pdf"]["status"] == "ok" and by["in/bad.pdf"]["status"] == "failed"
  and "bad.pdf" in by["in/bad.pdf"]["error"] and by["in/a.pdf"]["times_ms"]["total"] > 0
  and by["in/a.pdf"]["outputs"] == ["out/in/a.txt"] and len(by["in/a.pdf"]["sha256"]) == 64'

# 2. Rerun of the good inputs from an @list: all cached, no models, no output rewritten.
printf '# good ones\nin/a.pdf\n\nin/sub/b.pdf\n' >list.txt
before="$(mtimes out)"
sleep 1
run -- @list.txt -o out --manifest m2.jsonl
[[ "$rc" == 0 ]] || fail "cached @list rerun: exit $rc (stderr: $err)"
[[ "$err" == *"no OCR needed, models not loaded"* ]] || fail "cached rerun: log does not say no OCR: $err"
[[ "$err" != *"Processing batch"* ]] || fail "cached rerun ran batches: $err"
[[ "$(mtimes out)" == "$before" ]] || fail "cached rerun touched outputs: $before VS $(mtimes out)"
manifest_check m2.jsonl 'len(rows) == 2 and all(r["status"] == "cached" and r["pages"] == 1 for r in rows)'

# 3. Paths on stdin, txt and json at once; json names its own input.
printf 'in/a.pdf\n' >stdin.txt
stdin_file=stdin.txt run -- - -o out2 --format txt,json
[[ "$rc" == 0 ]] || fail "stdin input: exit $rc (stderr: $err)"
cmp -s out2/in/a.txt out/in/a.txt || fail "stdin input: out2/in/a.txt differs from out/in/a.txt"
"$py" -c 'import json,sys; d=json.load(open("out2/in/a.json")); assert d["path"]=="in/a.pdf", d["path"]; assert len(d["pages"])==1' \
  || fail "out2/in/a.json is not valid JSON naming in/a.pdf"
stdin_file=stdin.txt run -- - -o out2 --format txt,json
[[ "$err" == *"no OCR needed"* ]] || fail "txt,json rerun not cached: $err"

# 4. --summary-json: one object on stdout; it needs -o.
run -- in/a.pdf -o out3 --summary-json
[[ "$rc" == 0 ]] || fail "--summary-json: exit $rc (stderr: $err)"
"$py" -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["cached"]==1 and d["documents"]==1, d' "$out" \
  || fail "--summary-json stdout is not the summary object: $out"
run -- in/a.pdf --summary-json
[[ "$rc" == 2 ]] || fail "--summary-json without -o: exit $rc, expected 2"

# 5. Duplicates are processed once; a single cached input goes to stdout.
run -- in/a.pdf ./in/a.pdf -o out4 --manifest m4.jsonl
[[ "$rc" == 0 ]] || fail "duplicate input: exit $rc (stderr: $err)"
[[ "$err" == *"more than once"* ]] || fail "duplicate input: no warning: $err"
manifest_check m4.jsonl '[r["status"] for r in rows] == ["cached", "skipped"]'
run -- in/a.pdf
[[ "$rc" == 0 && "$out" == *"Welcome"* ]] || fail "single cached input to stdout: exit $rc, out: $out"

# 6. --fail-fast stops at the first failure (exit 4); the rest is skipped.
run -- in/bad.pdf in/a.pdf --no-cache --fail-fast -o out5 --manifest m5.jsonl
[[ "$rc" == 4 ]] || fail "--fail-fast: exit $rc, expected 4 (stderr: $err)"
[[ ! -e out5/in/a.txt ]] || fail "--fail-fast: in/a.pdf was still processed"
manifest_check m5.jsonl 'by["in/bad.pdf"]["status"] == "failed" and by["in/a.pdf"]["status"] == "skipped"'

# 7. Shards: complete and disjoint (copies of one PDF: all served from the cache).
mkdir -p many
for i in 1 2 3 4 5 6; do cp "$sample" "many/c$i.pdf"; done
for k in 0 1 2; do
  run -- many -o out6 --shard "$k/3" --manifest "s$k.jsonl"
  [[ "$rc" == 0 ]] || fail "--shard $k/3: exit $rc (stderr: $err)"
done
"$py" - <<'PY' || fail "shards 0..2 of 3 are not complete and disjoint"
import json
sets = [{json.loads(l)["input"] for l in open(f"s{k}.jsonl")} for k in range(3)]
union = set().union(*sets)
assert union == {f"many/c{i}.pdf" for i in range(1, 7)}, union
assert sum(len(s) for s in sets) == len(union), sets
PY
[[ "$(ls out6/many | wc -l)" == 6 ]] || fail "shards did not write all 6 outputs: $(ls out6/many)"
run SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=3 -- many -o out6 --manifest slurm.jsonl
[[ "$rc" == 0 ]] || fail "Slurm array: exit $rc (stderr: $err)"
[[ "$err" == *"shard 1/3 (Slurm array task 2 of 3)"* ]] || fail "Slurm shard not logged: $err"
cmp -s slurm.jsonl s1.jsonl 2>/dev/null || "$py" -c '
import json
a=[json.loads(l)["input"] for l in open("slurm.jsonl")]; b=[json.loads(l)["input"] for l in open("s1.jsonl")]
assert a == b, (a, b)' || fail "Slurm task 2 of 1..3 differs from --shard 1/3"
run JOB_COMPLETION_INDEX=0 DEEPCOMPRESS_SHARD_COUNT=3 -- many -o out6 --manifest k8s.jsonl
[[ "$rc" == 0 && "$err" == *"shard 0/3 (Kubernetes Indexed Job"* ]] || fail "Indexed Job shard: exit $rc: $err"
run JOB_COMPLETION_INDEX=0 -- many -o out6
[[ "$rc" == 2 && "$err" == *"--shard-count"* ]] || fail "Indexed Job without a count: exit $rc: $err"

# 8. Hostile names cannot escape the output directory.
mkdir -p deep/er
cp "$sample" deep/x.pdf
(cd deep/er && run -- ../x.pdf -o ../../out7)
[[ -s out7/x.txt ]] || fail "../x.pdf was not written to out7/x.txt: $(find out7 2>/dev/null)"

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
