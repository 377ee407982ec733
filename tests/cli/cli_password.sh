#!/usr/bin/env bash
# Encrypted PDFs: without the password the document fails alone (exit 4, a
# one-line error naming the file); with --password-file or
# DEEPCOMPRESS_PDF_PASSWORD it is read; the password never appears in any
# output. Needs models and qpdf (installed by scripts/setup).
# Usage: bash cli_password.sh BIN SRCDIR
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
qpdf --encrypt "$secret" owner-pw 256 -- "$src/tests/fixtures/sample.pdf" locked.pdf
printf '%s\n' "$secret" >pw.txt
printf 'wrong-Pa55\n' >wrong.txt

run "$bin" locked.pdf
[[ "$rc" == 4 ]] || fail "no password: exit $rc, expected 4"
grep -q "locked.pdf" err || fail "no password: error does not name the file: $(cat err)"
grep -qi "password" err || fail "no password: error does not mention the password: $(cat err)"

run "$bin" locked.pdf --password-file wrong.txt
[[ "$rc" == 4 ]] || fail "wrong password: exit $rc, expected 4"
grep -q "wrong-Pa55" err out && fail "wrong password: the password was printed"

run "$bin" locked.pdf --password-file pw.txt --log-level debug
[[ "$rc" == 0 ]] || fail "--password-file: exit $rc: $(cat err)"
grep -q "Welcome to deepcompress" out || fail "--password-file: text not recognized"
grep -q "$secret" err out && fail "--password-file: the password was printed"

run env DEEPCOMPRESS_PDF_PASSWORD="$secret" "$bin" locked.pdf --log-level debug
[[ "$rc" == 0 ]] || fail "DEEPCOMPRESS_PDF_PASSWORD: exit $rc: $(cat err)"
grep -q "Welcome to deepcompress" out || fail "DEEPCOMPRESS_PDF_PASSWORD: text not recognized"
grep -q "$secret" err out && fail "DEEPCOMPRESS_PDF_PASSWORD: the password was printed"

[[ "$failures" == 0 ]] && echo "PASS" || exit 1
