#!/usr/bin/env bash
# Runs the docs example that renders Markdown and dtoon through the library, and checks its
# files equal the CLI's bytes for the same document and its token figures equal the CLI's
# manifest figures.
set -euo pipefail
example="$1"; cli="$2"; src="$3"
models="${DEEPCOMPRESS_MODELS_DIR:-$src/models}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp "$src/tests/fixtures/sample.pdf" "$tmp/sample.pdf"
"$example" "$models" "$tmp/sample.pdf" "$tmp/lib" > "$tmp/figures.txt"
cat "$tmp/figures.txt"
"$cli" "$tmp/sample.pdf" --model-dir "$models" --format md,dtoon -o "$tmp/cli" --no-cache \
  --manifest "$tmp/run.jsonl" -q
for f in md dtoon; do
  [ -s "$tmp/lib.$f" ] || { echo "FAIL: the example wrote no $f"; exit 1; }
  cmp "$tmp/lib.$f" "$tmp/cli/sample.$f" || { echo "FAIL: library and CLI $f differ"; exit 1; }
done
expected=$(/usr/bin/python3 -c '
import json, sys
s = json.loads(open(sys.argv[1]).readline())["stats"]
print("tokens %s: faithful %d, compact %d, page images %d" % (s["tokenizer"], s["n_tokens_faithful"],
      s["n_tokens_compact"], s["n_tokens_image"]))' "$tmp/run.jsonl")
case "$(cat "$tmp/figures.txt")" in
  "$expected, ratio "*) ;;
  *) echo "FAIL: figures differ from the CLI's: $expected"; exit 1 ;;
esac
grep -q "compact [1-9]" "$tmp/figures.txt" || { echo "FAIL: no compact tokens"; exit 1; }
echo "PASS"
