#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
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

# --- run: raw 8-bit RGB ---
# The same images given as rgb24 (preprocessed by the CLI) and as float32
# preprocessed here must give the same logits.  At the model's input size
# center-crop resamples with weights 1 and 0, so each value is
# (v / 255 - mean) * (1 / std), every step rounded to float32 as C does it:
# the logits must then be identical, bit for bit.
# rgb_to_f32 MEAN STD W H N <RGB >F32
rgb_to_f32 () {
  perl -e '
    my ($mean, $std, $w, $h, $n) = @ARGV;
    sub f { unpack ("f<", pack ("f<", $_[0])) }
    my @m = map { f ($_) } split /,/, $mean;
    my @inv = map { f (1 / f ($_)) } split /,/, $std;
    local $/;
    my @b = unpack ("C*", <STDIN>);
    my @out;
    for my $i (0 .. $n - 1) { for my $c (0 .. 2) { for my $y (0 .. $h - 1) { for my $x (0 .. $w - 1) {
      my $v = $b[(($i * $h + $y) * $w + $x) * 3 + $c];
      push @out, f (f (f ($v / 255) - $m[$c]) * $inv[$c]);
    } } } }
    print pack ("f<*", @out);' "$@"
}
# max_diff A.f32 B.f32: the largest |a - b| of two float32 files
max_diff () {
  paste <(od -An -v -tf4 -w4 "$1") <(od -An -v -tf4 -w4 "$2") |
    awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d } END { print m + 0 }'
}
# same_logits DESCRIPTION A.f32 B.f32
same_logits () {
  if [ ! -s "$2" ] || ! cmp -s "$2" "$3"; then
    fail "$1: logits differ (max |diff| $(max_diff "$2" "$3"))"
  fi
}

meta_model=$tmp/swin_t_meta.safetensors
expect_ok "init with mean/std" "$swin" init --arch swin_t --seed 7 --mean 0.5,0.4,0.3 \
  --std 0.2,0.25,0.3 "$meta_model"
# two random 64x64 images, run at --size 64x64 (a multiple of 32) to keep the CPU forward short
perl -e 'srand (5); print pack ("C*", map { int (rand (256)) } 1 .. (2 * 64 * 64 * 3))' >"$tmp/two.rgb"
rgb_run=(run --input "$tmp/two.rgb" --input-format rgb24 --input-size 64x64 --batch 2 --size 64x64)
f32_run=(run --input "$tmp/two.f32" --batch 2 --size 64x64 --backend cpu)

# --mean/--std given
rgb_to_f32 0.45,0.5,0.55 0.2,0.3,0.25 64 64 2 <"$tmp/two.rgb" >"$tmp/two.f32"
expect_ok "rgb24 --mean/--std" "$swin" "${rgb_run[@]}" --model "$model" --mean 0.45,0.5,0.55 \
  --std 0.2,0.3,0.25 --backend cpu --output "$tmp/rgb.f32"
expect_ok "f32 of the same" "$swin" "${f32_run[@]}" --model "$model" --output "$tmp/ref.f32"
same_logits "rgb24 --mean/--std" "$tmp/rgb.f32" "$tmp/ref.f32"
# the Vulkan forward on the same rgb24 input
expect_ok "rgb24 vulkan" "$swin" "${rgb_run[@]}" --model "$model" --mean 0.45,0.5,0.55 \
  --std 0.2,0.3,0.25 --output "$tmp/rgb_vk.f32" "${device_args[@]}"
if ! awk -v d="$(max_diff "$tmp/rgb_vk.f32" "$tmp/ref.f32")" 'BEGIN { exit !(d < 1e-3) }'; then
  fail "rgb24: vulkan and cpu logits differ by $(max_diff "$tmp/rgb_vk.f32" "$tmp/ref.f32")"
fi

expect_ok "run --help" "$swin" run --help
grep -q -- "--features=OUT.f32 .*pooled features" "$tmp/out" || fail "run --help does not document --features"
# --features: the pooled features of each image (the head's input), float32
# [2, 768] for Swin-T.  The checkpoint's head applied to them here (in
# double, from the file's own weights) must give the logits written with
# them; the Vulkan forward's must match the CPU backend's.
# head_of MODEL FEATURES.f32 N: float32 logits of head.weight @ f + head.bias
head_of () {
  perl -e '
    my ($model, $feat, $n) = @ARGV;
    open (my $m, "<", $model) or die; binmode $m;
    read ($m, my $len, 8); read ($m, my $hdr, unpack ("Q<", $len));
    my $base = 8 + unpack ("Q<", $len);
    sub tensor {
      my ($name) = @_;
      $hdr =~ /"\Q$name\E":\{"dtype":"F32","shape":\[([\d,]+)\],"data_offsets":\[(\d+),(\d+)\]/ or die "no $name";
      my ($shape, $from, $to) = ($1, $2, $3);
      seek ($m, $base + $from, 0); read ($m, my $raw, $to - $from);
      return ([split /,/, $shape], [unpack ("f<*", $raw)]);
    }
    my ($ws, $w) = tensor ("head.weight");
    my (undef, $b) = tensor ("head.bias");
    my ($classes, $dim) = @$ws;
    open (my $f, "<", $feat) or die; binmode $f; local $/; my @x = unpack ("f<*", <$f>);
    die "features: " . scalar (@x) . " floats" unless @x == $n * $dim;
    my @out;
    for my $i (0 .. $n - 1) { for my $k (0 .. $classes - 1) {
      my $s = $b->[$k];
      $s += $w->[$k * $dim + $_] * $x[$i * $dim + $_] for 0 .. $dim - 1;
      push @out, $s;
    } }
    print pack ("f<*", @out);' "$@"
}
norm_args=(--mean 0.45,0.5,0.55 --std 0.2,0.3,0.25)
expect_ok "rgb24 --features cpu" "$swin" "${rgb_run[@]}" --model "$model" "${norm_args[@]}" \
  --backend cpu --features "$tmp/feat_cpu.f32" --output "$tmp/rgb_cpu2.f32"
expect_ok "rgb24 --features vulkan" "$swin" "${rgb_run[@]}" --model "$model" "${norm_args[@]}" \
  --features "$tmp/feat_vk.f32" --output "$tmp/rgb_vk2.f32" "${device_args[@]}"
size=$(stat -c %s "$tmp/feat_cpu.f32" 2>/dev/null || echo 0)
[ "$size" -eq $((2 * 768 * 4)) ] || fail "--features: $size bytes, expected 2 x 768 float32"
head_of "$model" "$tmp/feat_cpu.f32" 2 >"$tmp/head_cpu.f32" || fail "--features: head_of failed"
d=$(max_diff "$tmp/head_cpu.f32" "$tmp/ref.f32")
if [ ! -s "$tmp/head_cpu.f32" ] || ! awk -v d="$d" 'BEGIN { exit !(d < 1e-4) }'; then
  fail "--features: the head of the cpu features differs from the logits by $d"
fi
d=$(max_diff "$tmp/feat_vk.f32" "$tmp/feat_cpu.f32")
if [ ! -s "$tmp/feat_vk.f32" ] || ! awk -v d="$d" 'BEGIN { exit !(d < 1e-3) }'; then
  fail "--features: vulkan and cpu features differ by $d"
fi
# asking for the features leaves the logits as they were
same_logits "--features with --output (cpu)" "$tmp/rgb_cpu2.f32" "$tmp/ref.f32"
same_logits "--features with --output (vulkan)" "$tmp/rgb_vk2.f32" "$tmp/rgb_vk.f32"
# the two images' features differ (a constant vector would pass the above)
head -c $((768 * 4)) "$tmp/feat_cpu.f32" >"$tmp/feat_0.f32"
tail -c $((768 * 4)) "$tmp/feat_cpu.f32" >"$tmp/feat_1.f32"
if awk -v d="$(max_diff "$tmp/feat_0.f32" "$tmp/feat_1.f32")" 'BEGIN { exit !(d < 1e-3) }'; then
  fail "--features: the two images have the same features"
fi

# the checkpoint's __metadata__ mean/std by default
rgb_to_f32 0.5,0.4,0.3 0.2,0.25,0.3 64 64 2 <"$tmp/two.rgb" >"$tmp/two.f32"
expect_ok "rgb24 metadata" "$swin" "${rgb_run[@]}" --model "$meta_model" --backend cpu \
  --output "$tmp/rgb.f32"
expect_ok "f32 metadata" "$swin" "${f32_run[@]}" --model "$meta_model" --output "$tmp/ref.f32"
same_logits "rgb24 with the checkpoint's mean/std" "$tmp/rgb.f32" "$tmp/ref.f32"

# no metadata: torchvision's ImageNet normalisation, the documented default
rgb_to_f32 0.485,0.456,0.406 0.229,0.224,0.225 64 64 2 <"$tmp/two.rgb" >"$tmp/two.f32"
expect_ok "rgb24 default" "$swin" "${rgb_run[@]}" --model "$model" --backend cpu \
  --output "$tmp/rgb.f32"
expect_ok "f32 default" "$swin" "${f32_run[@]}" --model "$model" --output "$tmp/ref.f32"
same_logits "rgb24 with ImageNet's mean/std" "$tmp/rgb.f32" "$tmp/ref.f32"

# A 128x64 image of one colour: center-crop keeps the colour everywhere;
# letterbox makes it 64x32 with 16 rows of padding (0, the mean) above and
# below.  Resampling sums weights that add up to 1 only within float
# rounding: compared with a tolerance.
perl -e 'print pack ("C*", (200, 100, 50) x (128 * 64))' >"$tmp/flat.rgb"
for mode in center-crop letterbox; do
  perl -e '
    my ($mode) = @ARGV;
    my @v = (200, 100, 50); my @m = (0.45, 0.5, 0.55); my @s = (0.2, 0.3, 0.25);
    my @out;
    for my $c (0 .. 2) { for my $y (0 .. 63) { for my $x (0 .. 63) {
      my $pad = $mode eq "letterbox" && ($y < 16 || $y >= 48);
      push @out, $pad ? 0 : ($v[$c] / 255 - $m[$c]) / $s[$c];
    } } }
    print pack ("f<*", @out);' "$mode" >"$tmp/flat.f32"
  expect_ok "rgb24 $mode" "$swin" run --model "$model" --input "$tmp/flat.rgb" --input-format rgb24 \
    --input-size 128x64 --scale-mode "$mode" --mean 0.45,0.5,0.55 --std 0.2,0.3,0.25 \
    --size 64x64 --backend cpu --output "$tmp/rgb.f32"
  expect_ok "f32 $mode" "$swin" run --model "$model" --input "$tmp/flat.f32" --size 64x64 \
    --backend cpu --output "$tmp/ref.f32"
  d=$(max_diff "$tmp/rgb.f32" "$tmp/ref.f32")
  if [ ! -s "$tmp/rgb.f32" ] || ! awk -v d="$d" 'BEGIN { exit !(d < 1e-4) }'; then
    fail "rgb24 $mode of a flat image: logits differ by $d"
  fi
done
# the two modes really differ (else the loop above could not tell them apart)
expect_ok "rgb24 center-crop again" "$swin" run --model "$model" --input "$tmp/flat.rgb" \
  --input-format rgb24 --input-size 128x64 --mean 0.45,0.5,0.55 --std 0.2,0.3,0.25 --size 64x64 \
  --backend cpu --output "$tmp/crop.f32"
if awk -v d="$(max_diff "$tmp/crop.f32" "$tmp/rgb.f32")" 'BEGIN { exit !(d < 1e-2) }'; then
  fail "center-crop and letterbox logits of a flat 2:1 image do not differ"
fi
rm -f "$meta_model"

# --- errors ---
expect_error "no command" 2 "no command given" "$swin"
expect_error "unknown command" 2 "unknown command 'frobnicate'" "$swin" frobnicate
expect_error "info: no model" 2 "no model given" "$swin" info
expect_error "info: missing file" 1 "nothing.safetensors" "$swin" info "$tmp/nothing.safetensors"
echo "not a checkpoint" >"$tmp/garbage.safetensors"
expect_error "info: garbage file" 1 "runs past the end of the file" "$swin" info "$tmp/garbage.safetensors"
expect_error "info: bad option" 2 "Unknown option" "$swin" info --frobnicate "$model"
expect_error "init: unknown arch" 2 "unknown --arch 'swin_q'" "$swin" init --arch swin_q --seed 1 "$tmp/q.safetensors"
expect_error "init: no seed" 2 "--seed is required" "$swin" init --arch swin_t "$tmp/q.safetensors"
expect_error "init: bad seed" 2 "invalid --seed" "$swin" init --arch swin_t --seed -3 "$tmp/q.safetensors"
expect_error "init: bad window" 2 "invalid --window '9'" "$swin" init --arch swin_t --window 9 --seed 1 "$tmp/q.safetensors"
expect_error "init: bad layout" 2 "unknown --layout 'keras'" "$swin" init --arch swin_t --layout keras --seed 1 "$tmp/q.safetensors"
expect_error "init: no output" 2 "no output file" "$swin" init --arch swin_t --seed 1
expect_error "init: unwritable" 1 "cannot create" "$swin" init --arch swin_t --seed 1 "$tmp/no/such/dir/q.safetensors"
expect_error "run: unknown backend" 2 "unknown --backend 'tpu'" \
  "$swin" run --model "$model" --input "$tmp/x.f32" --backend tpu
expect_error "run: no model" 2 "--model and --input are required" "$swin" run --input "$tmp/x.f32"
expect_error "run: bad batch" 2 "invalid --batch '0'" "$swin" run --model "$model" --input "$tmp/x.f32" --batch 0
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

# --- bad input: hostile files and paths ---
# Every file the CLI opens must be a regular file: a FIFO would block
# forever (timeout turns a hang into exit 124), a device such as /dev/zero
# never ends.
mkfifo "$tmp/fifo"
expect_error "run: FIFO input" 1 "$tmp/fifo is not a regular file" \
  timeout 20 "$swin" run --model "$model" --input "$tmp/fifo" --backend cpu
expect_error "run: /dev/zero input" 1 "/dev/zero is not a regular file" \
  timeout 20 "$swin" run --model "$model" --input /dev/zero --backend cpu
expect_error "run: directory input" 1 "$tmp is not a regular file" \
  timeout 20 "$swin" run --model "$model" --input "$tmp" --backend cpu
expect_error "run: FIFO rgb24 input" 1 "$tmp/fifo is not a regular file" \
  timeout 20 "$swin" run --model "$model" --input "$tmp/fifo" --input-format rgb24 --input-size 8x8 \
  --backend cpu
expect_error "info: FIFO model" 1 "$tmp/fifo is not a regular file" timeout 20 "$swin" info "$tmp/fifo"
expect_error "run: FIFO model" 1 "$tmp/fifo is not a regular file" \
  timeout 20 "$swin" run --model "$tmp/fifo" --input "$tmp/x.f32" --backend cpu
expect_error "init: FIFO output" 1 "$tmp/fifo is not a regular file" \
  timeout 20 "$swin" init --arch swin_t --seed 1 "$tmp/fifo"
# --output is checked before the forward: nothing printed, the user's path named
expect_error "run: output in a missing directory" 1 "cannot write $tmp/no/such/l.f32: no directory" \
  "$swin" run --model "$model" --input "$tmp/x.f32" --backend cpu --output "$tmp/no/such/l.f32"
if [ -s "$tmp/out" ]; then
  fail "run: output in a missing directory: the forward ran first: $(cat "$tmp/out")"
fi
expect_error "run: features in a missing directory" 1 "cannot write $tmp/no/such/f.f32: no directory" \
  "$swin" run --model "$model" --input "$tmp/x.f32" --backend cpu --features "$tmp/no/such/f.f32"
expect_error "run: output is a directory" 1 "cannot write $tmp: not a regular file" \
  "$swin" run --model "$model" --input "$tmp/x.f32" --backend cpu --output "$tmp"
expect_error "run: output is a FIFO" 1 "cannot write $tmp/fifo: not a regular file" \
  timeout 20 "$swin" run --model "$model" --input "$tmp/x.f32" --backend cpu --output "$tmp/fifo"
# raw input options
expect_error "run: rgb24 without size" 2 "--input-format rgb24 needs --input-size" \
  "$swin" run --model "$model" --input "$tmp/two.rgb" --input-format rgb24
expect_error "run: unknown input format" 2 "unknown --input-format 'yuv'" \
  "$swin" run --model "$model" --input "$tmp/two.rgb" --input-format yuv
expect_error "run: input size with f32" 2 "apply to --input-format rgb24 only" \
  "$swin" run --model "$model" --input "$tmp/x.f32" --input-size 64x64
expect_error "run: bad input size" 2 "invalid --input-size '64by64'" \
  "$swin" run --model "$model" --input "$tmp/two.rgb" --input-format rgb24 --input-size 64by64
expect_error "run: unknown scale mode" 2 "unknown --scale-mode 'zoom'" \
  "$swin" run --model "$model" --input "$tmp/two.rgb" --input-format rgb24 --input-size 64x64 \
  --scale-mode zoom
expect_error "run: malformed mean" 2 "invalid --mean '0.5,0.5'" \
  "$swin" run --model "$model" --input "$tmp/two.rgb" --input-format rgb24 --input-size 64x64 \
  --mean 0.5,0.5
# finite as a double, not as a float
expect_error "run: mean 1e39" 2 "invalid --mean '1e39,0,0'" \
  "$swin" run --model "$model" --input "$tmp/two.rgb" --input-format rgb24 --input-size 64x64 \
  --mean 1e39,0,0
# so small that every activation saturates
expect_error "run: tiny std" 1 "channel 1" \
  "$swin" run --model "$model" --input "$tmp/two.rgb" --input-format rgb24 --input-size 64x64 \
  --std 0.2,1e-9,0.2 --size 64x64 --backend cpu
expect_error "run: rgb24 too short" 1 "has 24576 bytes; expected 36864 (3 rgb24 images of 64x64)" \
  "$swin" run --model "$model" --input "$tmp/two.rgb" --input-format rgb24 --input-size 64x64 \
  --batch 3 --size 64x64 --backend cpu
expect_error "run: rgb24 too long" 1 "is 24576 bytes, more than the 12288 allowed" \
  "$swin" run --model "$model" --input "$tmp/two.rgb" --input-format rgb24 --input-size 64x64 \
  --size 64x64 --backend cpu
expect_error "init: mean without std" 2 "--mean and --std go together" \
  "$swin" init --arch swin_t --seed 1 --mean 0.5,0.5,0.5 "$tmp/q.safetensors"

# --- option values: one parser, every bad value a usage error (exit 2) naming the option ---
# expect_usage DESCRIPTION PATTERN CMD...
expect_usage () {
  local what=$1 pattern=$2
  shift 2
  expect_error "$what" 2 "$pattern" "$@"
}
q=$tmp/q.safetensors
bench=("$swin" bench --model "$model" --iters 1 --warmup 0 "${device_args[@]}")
regions=("$swin" bench-regions --model "$model" --frames 1 "${device_args[@]}")
run=("$swin" run --model "$model" --input "$tmp/x.f32" --backend cpu)
rgb=("$swin" run --model "$model" --input "$tmp/two.rgb" --input-format rgb24 --backend cpu)
# a list with a zero, a sign, a word, an empty item, past the limit, far past it
for v in 0 -1 abc 1,,2 1025 100000 "" 1, +1 " 1" 0x10; do
  expect_usage "bench-regions --regions '$v'" "invalid --regions '$v'" "${regions[@]}" --regions "$v"
done
# wrapping past 2^32 or 2^64, a third dimension, trailing characters, no separator or number
for v in 4294967328x32 99999999999x32 18446744073709551648x32 32x32x32 32x32abc 32 x32 32x          " 32x32" +32x32 32X32 -32x32; do
  expect_usage "bench --size '$v'" "invalid --size '$v'" "${bench[@]}" --size "$v"
  expect_usage "run --size '$v'" "invalid --size '$v'" "${run[@]}" --size "$v"
done
expect_usage "run --input-size past the frame limit" "invalid --input-size '16385x64'" \
  "${rgb[@]}" --input-size 16385x64
expect_usage "run --input-size wrapping" "invalid --input-size '4294967360x64'" \
  "${rgb[@]}" --input-size 4294967360x64
# GOption's own integers read "010" as 8 and "0x10" as 16, and wrap nothing but say little
for v in 0 -1 010x 0x10 1e3 2147483648 " 3" 3.0; do
  expect_usage "bench --batch '$v'" "invalid --batch '$v'" "${bench[@]}" --batch "$v"
  expect_usage "run --batch '$v'" "invalid --batch '$v'" "${run[@]}" --batch "$v"
done
expect_usage "bench --iters 0" "invalid --iters '0'" "${bench[@]}" --iters 0
expect_usage "bench --iters past the limit" "invalid --iters '1000001'" "${bench[@]}" --iters 1000001
expect_usage "bench --warmup -1" "invalid --warmup '-1'" "${bench[@]}" --warmup -1
expect_usage "bench --agreement x" "invalid --agreement 'x'" "${bench[@]}" --agreement x
expect_usage "bench --precision" "unknown --precision 'fp8'" "${bench[@]}" --precision fp8
expect_usage "bench: extra argument" "unexpected argument 'extra'" "${bench[@]}" extra
expect_usage "bench: no model" "--model is required" "$swin" bench
expect_usage "bench: unknown option" "Unknown option --frobnicate" "${bench[@]}" --frobnicate
expect_usage "bench: missing value" "Missing argument for --size" "${bench[@]}" --size
expect_usage "bench-regions --frames 0" "invalid --frames '0'" "${regions[@]}" --frames 0
expect_usage "bench-regions --frames 5x" "invalid --frames '5x'" "${regions[@]}" --frames 5x
expect_usage "bench-regions: extra argument" "unexpected argument 'extra'" "${regions[@]}" extra
expect_usage "bench-regions: no model" "--model is required" "$swin" bench-regions
expect_usage "bench-regions: missing value" "Missing argument for --regions" "${regions[@]}" --regions
expect_usage "init --arch" "unknown --arch 'swin_x'" "$swin" init --arch swin_x --seed 1 "$q"
expect_usage "init: no arch" "--arch is required" "$swin" init --seed 1 "$q"
expect_usage "init --window 13" "invalid --window '13'" "$swin" init --arch swin_t --window 13 --seed 1 "$q"
expect_usage "init --window 7x" "invalid --window '7x'" "$swin" init --arch swin_t --window 7x --seed 1 "$q"
expect_usage "init --classes 0" "invalid --classes '0'" "$swin" init --arch swin_t --classes 0 --seed 1 "$q"
expect_usage "init --classes 10abc" "invalid --classes '10abc'" \
  "$swin" init --arch swin_t --classes 10abc --seed 1 "$q"
expect_usage "init --seed 2^64" "invalid --seed '18446744073709551616'" \
  "$swin" init --arch swin_t --seed 18446744073709551616 "$q"
expect_usage "init --std of two" "invalid --std '1,2'" "$swin" init --arch swin_t --seed 1 --mean 0,0,0 --std 1,2 "$q"
expect_usage "init: unknown option" "Unknown option --frobnicate" "$swin" init --arch swin_t --seed 1 --frobnicate "$q"
expect_usage "init: missing value" "Missing argument for --seed" "$swin" init --arch swin_t --seed
expect_usage "run --precision" "unknown --precision 'fp8'" "${run[@]}" --precision fp8
expect_usage "run --std 1e39" "invalid --std '1,1e39,1'" "${rgb[@]}" --input-size 64x64 --std 1,1e39,1
expect_usage "run: unknown option" "Unknown option --frobnicate" "${run[@]}" --frobnicate
expect_usage "run: missing value" "Missing argument for --batch" "${run[@]}" --batch
if [ -e "$q" ]; then
  fail "a refused init wrote $q"
fi

# the same parser takes what is valid, in the order it is documented (bench --size HxW)
expect_ok "bench --size 64x32" "${bench[@]}" --size 64x32 --batch 2
if ! head -n 1 "$tmp/out" | grep -q ', batch 2, 64x32, fp32 weights$'; then
  fail "bench --size 64x32 --batch 2: not what it ran: $(head -n 1 "$tmp/out")"
fi
# --unfused-attention is what the JSON line says it ran with (on lavapipe both run apart anyway)
expect_ok "bench --unfused-attention --json" "${bench[@]}" --size 32x32 --unfused-attention --json
if ! grep -q '"unfused_attention": true}$' "$tmp/out"; then
  fail "bench --unfused-attention --json: $(grep '^{' "$tmp/out")"
fi
expect_ok "bench --json" "${bench[@]}" --size 32x32 --json
if ! grep -q '"unfused_attention": false}$' "$tmp/out"; then
  fail "bench --json: $(grep '^{' "$tmp/out")"
fi
expect_ok "bench-regions --regions 1,2" "${regions[@]}" --regions 1,2
if [ "$(awk '$1 ~ /^[0-9]+$/ { printf "%s,", $1 }' "$tmp/out")" != "1,2," ]; then
  fail "bench-regions --regions 1,2: not one row for 1 and one for 2: $(cat "$tmp/out")"
fi
expect_ok "init --seed 2^64-1" "$swin" init --arch swin_t --classes 3 --seed 18446744073709551615 "$q"
if ! grep -qF "3 classes, torchvision layout, seed 18446744073709551615" "$tmp/out"; then
  fail "init --seed 2^64-1: $(cat "$tmp/out")"
fi
rm -f "$q"

if [ $failures -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all CLI checks passed"
