#!/usr/bin/env bash
# Token figures: --stats table, "stats" in the json output, the manifest and --summary-json,
# the cost estimate from --prices, the same figures for a cached rerun, a missing tokenizer
# (exit 3), bad price tables (exit 2) and --redact-report. Reads the one-page sample once (its
# text layer) and OCRs one small drawn image.
# Needs models: $DEEPCOMPRESS_MODELS_DIR or SRCDIR/models.
# Usage: bash cli_stats.sh BIN SRCDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_models
[[ -f "$sample" ]] || { echo "FAIL: fixture $sample missing"; exit 1; }
prices="$src/configs/prices.toml"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# run ARGS... : clean env, models from $models; sets rc, out, err.
run() {
  env -i PATH="$PATH" HOME="$work" "$bin" --model-dir "$models" "$@" </dev/null >"$work/stdout" 2>"$work/stderr"
  rc=$?
  out="$(cat "$work/stdout")"
  err="$(cat "$work/stderr")"
}

mkdir in
cp "$sample" in/a.pdf

# 1. One OCR run with every report on.
run in/a.pdf -o out --format txt,json --stats --prices "$prices" --manifest m1.jsonl --summary-json \
  --redact all --redact-report redactions.jsonl
[[ "$rc" == 0 ]] || fail "stats run: exit $rc (stderr: $err)"
echo "$out" >summary1.json
for text in "document" "faithful" "compact" "image" "recall" "in/a.pdf" "total (1)" \
            "cost estimate in USD" "as of" "gpt-4o" "claude-sonnet-4"; do
  [[ "$err" == *"$text"* ]] || fail "--stats table lacks '$text': $err"
done
[[ "$err" == *"tokens (o200k_base) over 1 document(s): faithful "* ]] || fail "no token totals in the log: $err"
[[ -f redactions.jsonl ]] || fail "--redact-report wrote no file"

# Independent checks in Python: the image baseline recomputed from the page size with
# OpenAI's published high-detail formula; costs from the TOML; every report agrees.
"$py" - "$prices" <<'PY' || fail "stats figures (see above)"
import json, math, sys, tomllib

def openai_high_detail(w, h):
    if max(w, h) > 2048:  # fit within 2048 x 2048 (sides rounded down to whole pixels)
        w, h = (2048, h * 2048 // w) if w >= h else (w * 2048 // h, 2048)
    if min(w, h) > 768:   # then the shortest side to 768
        w, h = (768, h * 768 // w) if w <= h else (w * 768 // h, 768)
    return 85 + 170 * math.ceil(w / 512) * math.ceil(h / 512)

doc = json.load(open("out/in/a.json"))
stats = doc["stats"]
page = doc["pages"][0]
rows = [json.loads(l) for l in open("m1.jsonl")]
summary = json.load(open("summary1.json"))
assert len(rows) == 1 and rows[0]["status"] == "ok", rows
m = rows[0]["stats"]
assert m == stats, (m, stats)                      # manifest == json output
assert summary["stats"] == stats, summary["stats"]  # one document: totals == its figures
assert stats["tokenizer"] == "o200k_base"
expected_image = openai_high_detail(page["width_px"], page["height_px"])
assert stats["n_tokens_image"] == page["n_tokens_image"] == expected_image, (stats, page["width_px"], page["height_px"], expected_image)
assert 100 < stats["n_tokens_faithful"] < 1000, stats
assert 0 < stats["n_tokens_compact"] <= stats["n_tokens_faithful"] * 1.1, stats
assert abs(stats["ratio"] - stats["n_tokens_compact"] / stats["n_tokens_faithful"]) < 1e-4, stats
assert abs(stats["ratio_image"] - stats["n_tokens_compact"] / stats["n_tokens_image"]) < 1e-4, stats
assert stats["recall"] >= 0.99 and stats["n_words"] > 100, stats
assert stats["n_furniture_lines"] == len(page["furniture"]), (stats, page["furniture"])
assert isinstance(stats["redactions"], dict)
table = tomllib.load(open(sys.argv[1], "rb"))
costs = {c["model"]: c for c in summary["cost"]}
assert list(costs) == [model["name"] for model in table["model"]], costs
gpt4o = next(model for model in table["model"] if model["name"] == "gpt-4o")
c = costs["gpt-4o"]
per_token = gpt4o["usd_per_1m_input_tokens"] / 1e6
assert c["n_tokens_image"] == expected_image, c
assert abs(c["usd_faithful"] - stats["n_tokens_faithful"] * per_token) < 1e-6, c
assert abs(c["usd_compact"] - stats["n_tokens_compact"] * per_token) < 1e-6, c
assert abs(c["usd_image"] - expected_image * per_token) < 1e-6, c
for line in open("redactions.jsonl"):
    r = json.loads(line)
    assert set(r) == {"input", "page", "line", "offset", "length", "type"}, r
assert sum(1 for _ in open("redactions.jsonl")) == sum(stats["redactions"].values())
PY

# 2. A cached rerun: no OCR, the same figures everywhere.
table1="$(grep -A3 '^document' "$work/stderr")"
run in/a.pdf -o out --format txt,json --stats --prices "$prices" --manifest m2.jsonl --summary-json \
  --redact all --redact-report redactions2.jsonl
[[ "$rc" == 0 ]] || fail "cached stats rerun: exit $rc (stderr: $err)"
[[ "$err" == *"no OCR needed"* ]] || fail "stats rerun was not served from the cache: $err"
[[ "$(grep -A3 '^document' "$work/stderr")" == "$table1" ]] || fail "cached --stats table differs: $err"
echo "$out" >summary2.json
"$py" - <<'PY' || fail "cached rerun figures differ from the first run"
import json
first = json.loads(open("m1.jsonl").readline())
second = json.loads(open("m2.jsonl").readline())
assert second["status"] == "cached", second
assert second["stats"] == first["stats"], (first["stats"], second["stats"])
s1, s2 = json.load(open("summary1.json")), json.load(open("summary2.json"))
assert s1["stats"] == s2["stats"] and s1["cost"] == s2["cost"], (s1, s2)
assert open("redactions.jsonl").read() == open("redactions2.jsonl").read()
PY

# 3. --stats with txt only still needs (and says it needs) the tokenizer: exit 3.
mkdir notok
for f in "$models"/*; do [[ "$(basename "$f")" == tokenizer ]] || ln -s "$f" notok/; done
env -i PATH="$PATH" HOME="$work" "$bin" --model-dir notok --no-cache --stats in/a.pdf -o out3 \
  >/dev/null 2>"$work/stderr"
rc=$?
err="$(cat "$work/stderr")"
[[ "$rc" == 3 ]] || fail "--stats without tokenizer files: exit $rc, expected 3 (stderr: $err)"
[[ "$err" == *"notok/tokenizer/o200k_base.tiktoken"* ]] || fail "missing tokenizer not named: $err"

# 4. Bad price tables: exit 2 before any work, naming the file (and the model and key).
run in/a.pdf -o out4 --prices missing.toml
[[ "$rc" == 2 && "$err" == *"missing.toml"* ]] || fail "--prices missing.toml: exit $rc: $err"
printf 'as_of = "x"\n[[model]\nname = "m"\n' >broken.toml
run in/a.pdf -o out4 --prices broken.toml
[[ "$rc" == 2 && "$err" == *"broken.toml"*"line 2"* ]] || fail "--prices broken.toml: exit $rc: $err"
printf 'as_of = "x"\n[[model]]\nname = "m"\nusd_per_1m_input_tokens = -1\nimage = { kind = "tiles" }\n' >bad.toml
run in/a.pdf -o out4 --prices bad.toml
[[ "$rc" == 2 && "$err" == *"bad.toml"*'model "m"'*"usd_per_1m_input_tokens"* ]] \
  || fail "--prices bad.toml: exit $rc: $err"
[[ ! -e out4 ]] || fail "a bad price table still produced outputs"

# 5. --redact-report: one line per replaced value, positions and type only; the same when cached.
"$py" - <<'PY' || fail "cannot draw pii.png (python3-pil, fonts-dejavu-core: run scripts/setup)"
from PIL import Image, ImageDraw, ImageFont
font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 40)
image = Image.new("L", (1200, 260), 255)
draw = ImageDraw.Draw(image)
draw.text((60, 60), "The server is at 192.168.10.20 today.", font=font, fill=0)
draw.text((60, 150), "Nothing private on this line.", font=font, fill=0)
image.save("pii.png")
PY
for pass in 1 2; do
  run pii.png -o out5 --redact ipv4 --redact-report "report$pass.jsonl" --manifest "m5_$pass.jsonl" --stats
  [[ "$rc" == 0 ]] || fail "redaction run $pass: exit $rc (stderr: $err)"
  grep -q '^pii.png .* 1$' <<<"$err" || fail "redaction run $pass: --stats row lacks 1 redaction: $err"
done
[[ "$err" == *"no OCR needed"* ]] || fail "redaction rerun was not served from the cache: $err"
grep -q "192.168" out5/pii.txt && fail "the address was not redacted: $(cat out5/pii.txt)"
cmp -s report1.jsonl report2.jsonl || fail "cached redaction report differs: $(cat report1.jsonl report2.jsonl)"
grep -q "192.168" report1.jsonl && fail "the report holds the redacted value: $(cat report1.jsonl)"
"$py" - <<'PY' || fail "redaction report: $(cat report1.jsonl)"
import json
rows = [json.loads(l) for l in open("report1.jsonl")]
assert rows == [{"input": "pii.png", "page": 1, "line": 0, "offset": 17, "length": len("192.168.10.20"),
                 "type": "ipv4"}], rows
for name in ("m5_1.jsonl", "m5_2.jsonl"):
    m = json.loads(open(name).readline())
    assert m["stats"]["redactions"] == {"ipv4": 1}, m
PY

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
