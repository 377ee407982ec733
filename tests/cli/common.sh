# Sourced by the CLI tests (bash tests/cli/X.sh BIN SRCDIR): absolute paths
# to the binary and the source tree, a failure counter, and checks for what
# a test needs. Tests fail loudly when something is missing, never skip.
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
src="$(cd "$2" && pwd)"
sample="$src/tests/fixtures/sample.pdf"
py=/usr/bin/python3
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Sets $models; the models come from $DEEPCOMPRESS_MODELS_DIR or SRCDIR/models.
need_models() {
  models="${DEEPCOMPRESS_MODELS_DIR:-$src/models}"
  [[ -f "$models/manifest.json" ]] && return
  echo "FAIL: no models in $models (run scripts/setup, or set DEEPCOMPRESS_MODELS_DIR)"
  exit 1
}

need_command() {  # need_command NAME PACKAGE
  command -v "$1" >/dev/null && return
  echo "FAIL: $1 not installed (run scripts/setup, or apt-get install $2)"
  exit 1
}
