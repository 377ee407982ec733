#!/usr/bin/env bash
# CLI checks that need no models: --help, --version, usage and config errors,
# missing inputs. Usage: bash cli_basics.sh BIN SRCDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"


# run ARGS... : runs the binary with a clean environment; sets rc, out, err.
run() {
  env -i PATH="$PATH" HOME="$work" "${extra_env[@]}" "$bin" "$@" >"$work/out" 2>"$work/err"
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
extra_env=()

run --help
expect_rc 0 "--help"
for text in "Exit codes" "--batch-size" "deepcompress scan.pdf --format md" \
            "DEEPCOMPRESS_" "3  model or device error" "4  one or more input"; do
  [[ "$out" == *"$text"* ]] || fail "--help lacks '$text'"
done

version="$(sed -n 's/^project(deepcompress VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")"
run --version
expect_rc 0 "--version"
[[ "$out" == "deepcompress $version" ]] || fail "--version printed '$out', expected 'deepcompress $version'"

for n in 0 65 x; do
  run --batch-size "$n" in.pdf
  expect_rc 2 "--batch-size $n"
  expect_err "1..64" "--batch-size $n"
  expect_err "--batch-size" "--batch-size $n"
  [[ -z "$out" ]] || fail "--batch-size $n wrote to stdout: $out"
done

run --no-such-flag in.pdf
expect_rc 2 "unknown flag"
expect_err "--no-such-flag" "unknown flag"

run --format pdf in.pdf
expect_rc 2 "--format pdf"
expect_err "output.format" "--format pdf"

run
expect_rc 2 "no inputs"

run a.pdf b.pdf
expect_rc 2 "two inputs without -o"
expect_err "--output" "two inputs without -o"

run missing-input.pdf
expect_rc 4 "missing input"
expect_err "missing-input.pdf" "missing input"
expect_err "no such file" "missing input"

extra_env=(DEEPCOMPRESS_ENGINE_BATCH_SIZE=abc)
run --print-config
expect_rc 2 "DEEPCOMPRESS_ENGINE_BATCH_SIZE=abc"
expect_err "DEEPCOMPRESS_ENGINE_BATCH_SIZE" "DEEPCOMPRESS_ENGINE_BATCH_SIZE=abc"

extra_env=(DEEPCOMPRESS_ENGINE_BACH_SIZE=4)
run --print-config
expect_rc 2 "unknown env var"
expect_err "DEEPCOMPRESS_ENGINE_BACH_SIZE" "unknown env var"

extra_env=(DEEPCOMPRESS_PDF_PASSWORD=secret DEEPCOMPRESS_CONFIG=)
run --print-config
expect_rc 0 "app-level env vars are not options"
[[ "$out" != *secret* ]] || fail "--print-config shows the password"

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
