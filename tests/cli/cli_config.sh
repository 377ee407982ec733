#!/usr/bin/env bash
# --print-config: equals configs/default.toml with no config or env, and shows
# the precedence TOML file < env < flag. Usage: bash cli_config.sh BIN SRCDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"


# print_config [VAR=value...] -- [ARGS...] : sets rc, out, err.
print_config() {
  local vars=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do vars+=("$1"); shift; done
  shift
  env -i PATH="$PATH" HOME="$work" "${vars[@]}" "$bin" --print-config "$@" \
    >"$work/out" 2>"$work/err"
  rc=$?
  out="$(cat "$work/out")"
  err="$(cat "$work/err")"
}
batch_size() { sed -n 's/^batch_size = //p' <<<"$out"; }
expect_batch() {  # expect_batch N WHAT
  [[ "$rc" == 0 ]] || { fail "$2: exit $rc: $err"; return; }
  [[ "$(batch_size)" == "$1" ]] || fail "$2: batch_size = $(batch_size), expected $1"
}

print_config --
[[ "$rc" == 0 ]] || fail "--print-config exit $rc: $err"
if ! cmp -s "$work/out" "$src/configs/default.toml"; then
  fail "--print-config differs from configs/default.toml:"
  diff "$src/configs/default.toml" "$work/out"
fi

mkdir -p conf
printf '[engine]\nbatch_size = 3\n' >conf/file.toml
print_config -- --config conf/file.toml
expect_batch 3 "TOML over default"
print_config DEEPCOMPRESS_CONFIG=conf/file.toml --
expect_batch 3 "DEEPCOMPRESS_CONFIG"
print_config DEEPCOMPRESS_ENGINE_BATCH_SIZE=5 -- --config conf/file.toml
expect_batch 5 "env over TOML"
print_config DEEPCOMPRESS_ENGINE_BATCH_SIZE=5 -- --config conf/file.toml --batch-size 7
expect_batch 7 "flag over env"
print_config OCR_BATCH_SIZE=4 -- --config conf/file.toml
expect_batch 4 "OCR_BATCH_SIZE over TOML"
print_config OCR_BATCH_SIZE=4 DEEPCOMPRESS_ENGINE_BATCH_SIZE=6 --
expect_batch 6 "DEEPCOMPRESS_ENGINE_BATCH_SIZE over OCR_BATCH_SIZE"

printf '[engine]\nbatch_size = 9\n' >deepcompress.toml
print_config --
expect_batch 9 "./deepcompress.toml"
print_config -- --config conf/file.toml
expect_batch 3 "--config over ./deepcompress.toml"
rm deepcompress.toml

printf '[engine]\ndevice = "cpu"\nbach_size = 3\n' >conf/typo.toml
print_config -- --config conf/typo.toml
[[ "$rc" == 2 ]] || fail "unknown TOML key: exit $rc, expected 2"
[[ "$err" == *"engine.bach_size"*"conf/typo.toml:3"* ]] || fail "unknown TOML key message: $err"

print_config -- --config conf/none.toml
[[ "$rc" == 2 ]] || fail "missing --config file: exit $rc, expected 2"
[[ "$err" == *"conf/none.toml"* ]] || fail "missing --config file message: $err"

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
