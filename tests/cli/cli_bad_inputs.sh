#!/usr/bin/env bash
# Bad inputs after the models are loaded: a text file named .pdf fails with
# exit 4 naming the file, the other inputs are still processed, and JSON logs
# are one object per line. Needs models: $DEEPCOMPRESS_MODELS_DIR or
# SRCDIR/models (scripts/fetch_models). Usage: bash cli_bad_inputs.sh BIN SRCDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_models
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

run() {
  env -i PATH="$PATH" HOME="$work" DEEPCOMPRESS_MODELS_DIR="$models" "$bin" "$@" \
    >"$work/out" 2>"$work/err"
  rc=$?
  out="$(cat "$work/out")"
  err="$(cat "$work/err")"
}

echo "this is not a PDF" >x.pdf
run x.pdf
[[ "$rc" == 4 ]] || fail "text file named x.pdf: exit $rc, expected 4 (stderr: $err)"
[[ "$err" == *"deepcompress: error: "*"x.pdf"* ]] || fail "x.pdf error message: $err"
[[ -z "$out" ]] || fail "x.pdf wrote to stdout: $out"

# A failed document does not stop the others.
sample="$src/tests/fixtures/sample.pdf"
if [[ -f "$sample" ]]; then
  cp "$sample" good.pdf
  run x.pdf missing.pdf good.pdf -o outdir --log-format json
  [[ "$rc" == 4 ]] || fail "mixed inputs: exit $rc, expected 4 (stderr: $err)"
  [[ "$err" == *"missing.pdf: no such file"* ]] || fail "mixed inputs: missing.pdf not named: $err"
  [[ -s outdir/good.txt ]] || fail "mixed inputs: outdir/good.txt not written"
  [[ ! -e outdir/x.txt ]] || fail "mixed inputs: outdir/x.txt written for a failed input"
  n_json=0
  while IFS= read -r line; do
    [[ "$line" == "{"* ]] || continue
    python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert {"ts","level","msg"} <= o.keys()' \
      "$line" 2>/dev/null || fail "log line is not a JSON object with ts/level/msg: $line"
    n_json=$((n_json + 1))
  done <<<"$err"
  ((n_json > 0)) || fail "--log-format json: no JSON log lines on stderr: $err"
else
  fail "fixture $sample missing (tests/fixtures/make_fixtures.py)"
fi

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
