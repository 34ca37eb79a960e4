#!/bin/bash
# The `swin` CLI: init -> info with the published numbers, run on both
# backends, and error handling (one "swin: ..." line, exit 1 or 2, no crash).
# Run by meson with SWIN_CLI set to the binary.
set -u

swin=${SWIN_CLI:?SWIN_CLI must point at the swin binary}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail () {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_ok DESCRIPTION CMD...: exit 0; stdout kept in $tmp/out
expect_ok () {
  local what=$1
  shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 0 ]; then
    fail "$what: exit $rc: $(cat "$tmp/err")"
  fi
}

# expect_error DESCRIPTION EXIT_CODE PATTERN CMD...: exit EXIT_CODE, stderr's
# first line starts with "swin:" and stderr contains PATTERN.
expect_error () {
  local what=$1 code=$2 pattern=$3
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne "$code" ]; then
    fail "$what: exit $rc, expected $code (stderr: $(cat "$tmp/err"))"
  elif ! head -n 1 "$tmp/err" | grep -q '^swin: '; then
    fail "$what: stderr does not start with 'swin: ': $(cat "$tmp/err")"
  elif ! grep -qF -- "$pattern" "$tmp/err"; then
    fail "$what: stderr lacks '$pattern': $(cat "$tmp/err")"
  fi
}

# expect_line DESCRIPTION "label: value": $tmp/out has exactly that line
# (whitespace after the colon collapsed).
expect_line () {
  if ! sed 's/:  */: /' "$tmp/out" | grep -qxF -- "$2"; then
    fail "$1: no line '$2' in: $(cat "$tmp/out")"
  fi
}

model=$tmp/swin_t.safetensors
model12=$tmp/swin_t_w12.safetensors

# --- init + info ---
expect_ok "init swin_t" "$swin" init --arch swin_t --seed 7 "$model"
expect_ok "info swin_t" "$swin" info "$model"
expect_line "info swin_t" "model: swin_t"
expect_line "info swin_t" "layout: torchvision"
expect_line "info swin_t" "patch size: 4"
expect_line "info swin_t" "embed dim: 96"
expect_line "info swin_t" "depths: 2, 2, 6, 2"
expect_line "info swin_t" "heads: 3, 6, 12, 24"
expect_line "info swin_t" "windows: 7, 7, 7, 7"
expect_line "info swin_t" "mlp hidden: 384, 768, 1536, 3072"
expect_line "info swin_t" "classes: 1000"
expect_line "info swin_t" "absolute pos embed: no"
expect_line "info swin_t" "default resolution: 224x224"
# torchvision documents swin_t as 28,288,354 parameters
expect_line "info swin_t" "parameters: 28288354 (28.29 M)"

# window 12, 10 classes: bias tables of 23^2 instead of 13^2 rows over
# 138 heads in all blocks (+49680), head 10x768+10 instead of 1000x768+1000
# (-761310): 28288354 + 49680 - 761310 = 27576724
expect_ok "init window 12" "$swin" init --arch swin_t --window 12 --classes 10 --layout original --seed 1 "$model12"
expect_ok "info window 12" "$swin" info "$model12"
expect_line "info window 12" "layout: original"
expect_line "info window 12" "windows: 12, 12, 12, 12"
expect_line "info window 12" "classes: 10"
expect_line "info window 12" "default resolution: 384x384"
expect_line "info window 12" "parameters: 27576724 (27.58 M)"
rm -f "$model12"

# --- run ---
# one 224x224 image with a smooth pattern, float32 little-endian
perl -e 'print pack("f<*", map { sin($_ * 0.01) } 1..(3 * 224 * 224))' >"$tmp/x.f32"
device_args=()
if [ -n "${SWIN_TEST_DEVICE:-}" ]; then
  device_args=(--device "$SWIN_TEST_DEVICE")
fi

expect_ok "run cpu" "$swin" run --model "$model" --input "$tmp/x.f32" --batch 1 --output "$tmp/cpu.f32" --backend cpu
cp "$tmp/out" "$tmp/cpu.txt"
expect_ok "run vulkan" "$swin" run --model "$model" --input "$tmp/x.f32" --output "$tmp/vk.f32" \
  --backend vulkan "${device_args[@]}"
cp "$tmp/out" "$tmp/vk.txt"

for backend in cpu vk; do
  size=$(stat -c %s "$tmp/$backend.f32" 2>/dev/null || echo 0)
  if [ "$size" -ne 4000 ]; then
    fail "$backend logits: $size bytes, expected 1000 float32"
    continue
  fi
  # the printed top-1 must be the argmax of the written logits
  argmax=$(od -An -v -tf4 -w4 "$tmp/$backend.f32" | awk 'NR == 1 || $1 > m { m = $1; i = NR - 1 } END { print i }')
  top1=$(awk '/^image 0:/ { print $3 }' "$tmp/$backend.txt")
  if [ "$top1" != "$argmax" ]; then
    fail "$backend: printed top-1 '$top1' is not the logits' argmax $argmax"
  fi
  if [ "$(grep -c '^image ' "$tmp/$backend.txt")" -ne 1 ] ||
     [ "$(awk '/^image 0:/ { print NF }' "$tmp/$backend.txt")" -ne 12 ]; then
    fail "$backend: expected one line 'image 0:' with 5 (index, logit) pairs: $(cat "$tmp/$backend.txt")"
  fi
done
# both backends compute the same function
maxdiff=$(paste <(od -An -v -tf4 -w4 "$tmp/cpu.f32") <(od -An -v -tf4 -w4 "$tmp/vk.f32") |
  awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d } END { print m + 0 }')
if ! awk -v d="$maxdiff" 'BEGIN { exit !(d < 1e-3) }'; then
  fail "cpu and vulkan logits differ by $maxdiff"
fi

# --- bench ---
# The breakdown names the variant that ran each kernel: every variant the
# core reports choosing (--verbose) appears in it, and in the JSON line.
# fp16 is also compared with fp32 on a batch of random inputs.
for precision in fp32 fp16; do
  extra=()
  if [ $precision = fp16 ]; then
    extra=(--batch 2 --agreement 3)
  fi
  expect_ok "bench $precision" "$swin" bench --model "$model" --size 64x64 --iters 1 --warmup 0 --json \
    --precision "$precision" --verbose "${extra[@]}" "${device_args[@]}"
  if ! grep -q '^kernel  *variant  *count' "$tmp/out"; then
    fail "bench $precision: no variant column: $(cat "$tmp/out")"
  fi
  json=$(grep '^{' "$tmp/out")
  for chosen in $(sed -n 's/.*: variant \([a-z0-9_]*\).*/\1/p' "$tmp/err" | sort -u); do
    if ! grep -q "^[a-z0-9_]*  *$chosen  *[0-9]" "$tmp/out" || ! grep -q "\"variants\": \"[^\"]*$chosen" <<<"$json"; then
      fail "bench $precision: variant $chosen reported but not in the breakdown: $(cat "$tmp/out")"
    fi
  done
  if ! grep -q "\"precision\": \"$precision\"" <<<"$json"; then
    fail "bench $precision: JSON line: $json"
  fi
done
if ! grep -q '^fp16 vs fp32 on 3 random inputs: top-1 agreement [0-3]/3 ' "$tmp/out"; then
  fail "bench agreement: $(cat "$tmp/out")"
fi
expect_error "bench: bad precision" 2 "unknown --precision 'fp8'" "$swin" bench --model "$model" --precision fp8

# --- errors ---
expect_error "no command" 2 "no command given" "$swin"
expect_error "unknown command" 2 "unknown command 'frobnicate'" "$swin" frobnicate
expect_error "info: no model" 2 "no model given" "$swin" info
expect_error "info: missing file" 1 "nothing.safetensors" "$swin" info "$tmp/nothing.safetensors"
echo "not a checkpoint" >"$tmp/garbage.safetensors"
expect_error "info: garbage file" 1 "runs past the end of the file" "$swin" info "$tmp/garbage.safetensors"
expect_error "info: bad option" 2 "Unknown option" "$swin" info --frobnicate "$model"
expect_error "init: unknown arch" 1 "unknown architecture 'swin_q'" "$swin" init --arch swin_q --seed 1 "$tmp/q.safetensors"
expect_error "init: no seed" 2 "--seed is required" "$swin" init --arch swin_t "$tmp/q.safetensors"
expect_error "init: bad seed" 2 "invalid --seed" "$swin" init --arch swin_t --seed -3 "$tmp/q.safetensors"
expect_error "init: bad window" 2 "invalid --window 9" "$swin" init --arch swin_t --window 9 --seed 1 "$tmp/q.safetensors"
expect_error "init: bad layout" 2 "unknown --layout 'keras'" "$swin" init --arch swin_t --layout keras --seed 1 "$tmp/q.safetensors"
expect_error "init: no output" 2 "no output file" "$swin" init --arch swin_t --seed 1
expect_error "init: unwritable" 1 "cannot create" "$swin" init --arch swin_t --seed 1 "$tmp/no/such/dir/q.safetensors"
expect_error "run: unknown backend" 2 "unknown --backend 'tpu'" \
  "$swin" run --model "$model" --input "$tmp/x.f32" --backend tpu
expect_error "run: no model" 2 "--model and --input are required" "$swin" run --input "$tmp/x.f32"
expect_error "run: bad batch" 2 "invalid --batch 0" "$swin" run --model "$model" --input "$tmp/x.f32" --batch 0
expect_error "run: bad size" 2 "invalid --size '224by224'" \
  "$swin" run --model "$model" --input "$tmp/x.f32" --size 224by224
expect_error "run: size not a multiple" 1 "not a positive multiple of 32" \
  "$swin" run --model "$model" --input "$tmp/x.f32" --size 230x224 --backend cpu
expect_error "run: wrong input size" 1 "expected 1204224 (float32 [2, 3, 224, 224])" \
  "$swin" run --model "$model" --input "$tmp/x.f32" --batch 2 --backend cpu
expect_error "run: missing input" 1 "nothing.f32" "$swin" run --model "$model" --input "$tmp/nothing.f32" --backend cpu
expect_error "run: missing model" 1 "nothing.safetensors" \
  "$swin" run --model "$tmp/nothing.safetensors" --input "$tmp/x.f32" --backend cpu
expect_error "run: unknown device" 1 "" \
  "$swin" run --model "$model" --input "$tmp/x.f32" --device no-such-device-xyz

if [ $failures -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all CLI checks passed"
