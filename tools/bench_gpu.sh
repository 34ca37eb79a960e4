#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Swin-T on a GPU, in one run on one card: `swin bench` (batch 1 and 32, fp32
# and fp16) and PyTorch eager (fp32, TF32 allowed, fp16 autocast) on the same
# card, a table with the ratios and the targets of issue 13, the fp16/fp32
# top-1 agreement on 1000 random inputs, the GEMM variants against each other
# (SWIN_KERNELS), then the core test suite on that GPU (what
# -Dtest_device=system runs, with the Khronos validation layer).
#
# Two steps: the GPU machine has neither this project's build dependencies
# (glslang, GLib and json-glib headers, volk) nor a network.
#
#  1. Here, on Debian 12, in the checkout that the device tool sends (the
#     session's own checkout, on a branch with this script):
#       tools/bench_gpu.sh prepare
#     builds build-gpu/ (-Dtest_device=system -Dplugin=disabled), stages into
#     .gpu/ the binaries (stripped), the Debian libraries they load beyond
#     glibc, the validation layer and the test list, and downloads the Vulkan
#     loader packages into .gl/ (/work/.library/device/H200.md).  Both
#     folders are git-ignored; together they stay under the 64 MiB carry limit.
#
#  2. On the GPU machine (the device tool; the whole run takes ~5 minutes):
#       run(command="for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig; tools/bench_gpu.sh run",
#           carry=[".gl", ".gpu"], timeout_s=600)
#     Everything printed is also written to $OUT/bench_gpu.log, the figures
#     as JSON lines to $OUT/bench_gpu.jsonl, the tests' output to
#     $OUT/tests.log.
#
# `tools/bench_gpu.sh run --smoke` goes through every step with tiny batches,
# PyTorch on the CPU and only the loader test: to try the script here on
# lavapipe (VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json) before
# spending GPU time on it.
#
# `run` checks what is there and says so: the Vulkan device and driver, the
# python3 and the torch/torchvision it imports (PyTorch 2.11 was seen on the
# H200 machines, but that is not assumed), nvidia-smi.  Without torch it
# still benchmarks swin (on a `swin init` model) and runs the tests.
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
stage=.gpu

prepare () {
  set -e
  if [ -d build-gpu ]; then
    meson setup --reconfigure build-gpu -Dtest_device=system -Dplugin=disabled >/dev/null
  else
    meson setup build-gpu -Dtest_device=system -Dplugin=disabled >/dev/null
  fi
  meson compile -C build-gpu
  rm -rf "$stage"
  mkdir -p "$stage/bin" "$stage/lib" "$stage/layer"
  for b in tools/swin tests/test-loader tests/test-kernels tests/test-net tests/test-models; do
    if [ -f "build-gpu/$b" ]; then
      cp "build-gpu/$b" "$stage/bin/"
      strip --strip-debug "$stage/bin/$(basename "$b")"
    fi
  done
  # the shared libraries beyond glibc (the GPU machine's glibc is newer)
  ldd "$stage"/bin/* | awk '/=> \// { print $3 }' | sort -u |
    grep -v -E '/(libc|libm|libpthread|libdl|librt|libresolv|libgcc_s|libstdc\+\+)\.so|/ld-linux' |
    while read -r lib; do cp -L "$lib" "$stage/lib/"; done
  # the validation layer, found through VK_LAYER_PATH next to its manifest
  cp -L /usr/lib/x86_64-linux-gnu/libVkLayer_khronos_validation.so "$stage/layer/"
  strip --strip-debug "$stage/layer/libVkLayer_khronos_validation.so"
  sed 's|"library_path": *"[^"]*"|"library_path": "./libVkLayer_khronos_validation.so"|' \
    /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json >"$stage/layer/VkLayer_khronos_validation.json"
  # the core suite as meson would run it: name, timeout, command (paths
  # relative to the repository root, binaries from $stage/bin)
  meson introspect --tests build-gpu | python3 -c '
import json, os, sys
repo, stage = sys.argv[1], sys.argv[2]
for t in json.load(sys.stdin):
    if "swinclassify:core" not in t["suite"]:
        continue
    cmd = []
    for c in t["cmd"]:
        c = os.path.normpath(c)
        if c.startswith(os.path.join(repo, "build-gpu") + "/"):
            c = os.path.join(stage, "bin", os.path.basename(c))
        elif c.startswith(repo + "/"):
            c = os.path.relpath(c, repo)
        elif os.path.basename(c) == "bash":
            c = "bash"
        cmd.append(c)
    print("%s\t%d\t%s" % (t["name"], t["timeout"], " ".join(cmd)))
' "$repo" "$stage" >"$stage/tests.tsv"
  if ! ls .gl/*.deb >/dev/null 2>&1; then
    # /work/.library/device/H200.md: the loader packages, unpacked there by
    # the run command (.gitignore has /.gl/)
    mkdir -p .gl /tmp/amd64/partial
    o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
    # shellcheck disable=SC2086
    apt-get $o update >/dev/null
    # shellcheck disable=SC2086
    (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  fi
  cat "$stage/tests.tsv"
  du -sh .gl "$stage"
  total=$(du -sb .gl "$stage" | awk '{ s += $1 } END { print s }')
  if [ "$total" -gt $((60 * 1024 * 1024)) ]; then
    echo "bench_gpu: .gl and $stage hold $total bytes: more than the device tool carries" >&2
    exit 1
  fi
  echo "bench_gpu: staged; on the GPU machine run: tools/bench_gpu.sh run (see the header)"
}

# --- the run on the GPU machine ---

out=${OUT:-$repo/.gpu-out}
work=$stage/work
swin=$stage/bin/swin
jsonl=$out/bench_gpu.jsonl
# batch sizes, iterations, agreement inputs, PyTorch device (--smoke: tiny)
big=32 iters1=100 iters32=30 warm=10 inputs=1000 torch_device=cuda smoke=0
# the python3 with torch (on the GPU machine, the first on PATH)
py=${PYTHON:-python3}

say () { echo "== $*"; }

# swin bench with --json: the JSON line, tagged, into $jsonl; the rest of the
# output stays in the log.  $1: tag; the rest: bench arguments.
swin_bench () {
  local tag=$1
  shift
  local text
  text=$(timeout 180 "$swin" bench --model "$work/swin_t.safetensors" --json "$@" 2>&1)
  local rc=$?
  echo "$text"
  if [ $rc -ne 0 ]; then
    echo "swin bench ($tag) failed: exit $rc"
    return
  fi
  echo "$text" | grep '^{' | sed "s/^{/{\"system\": \"swin\", \"tag\": \"$tag\", /" >>"$jsonl"
}

run () {
  mkdir -p "$out" "$work"
  : >"$jsonl"
  : >"$out/tests.log"
  rm -f "$work/torch.txt"
  export LD_LIBRARY_PATH="$repo/$stage/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local nv_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nv_icd" ]; then
    export VK_DRIVER_FILES=$nv_icd
  fi
  say "machine"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 | head -3
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-(unset)}"
  ldconfig -p | grep -q 'libvulkan.so.1' || echo "no libvulkan.so.1: unpack .gl/*.deb first (see the header)"
  "$py" --version 2>&1
  if [ ! -x "$swin" ]; then
    echo "no $swin: run 'tools/bench_gpu.sh prepare' on the build machine first"
    return 1
  fi

  say "model: torchvision swin_t with seeded random weights, and PyTorch's fp32 logits for one input"
  local have_torch=1
  if ! timeout 300 "$py" tools/bench_gpu_torch.py export "$work/swin_t.safetensors" "$work/x.f32" \
       "$work/torch_logits.f32" --device $torch_device; then
    have_torch=0
    echo "no usable PyTorch: swin alone, on a swin init model"
    "$swin" init --arch swin_t --seed 1 "$work/swin_t.safetensors" || return 1
  fi

  say "same function: swin run (fp32) against PyTorch on that input"
  if [ $have_torch = 1 ] && timeout 120 "$swin" run --model "$work/swin_t.safetensors" --input "$work/x.f32" \
       --output "$work/swin_logits.f32" --verbose; then
    python3 - "$work/torch_logits.f32" "$work/swin_logits.f32" <<'EOF'
import struct, sys
a, b = (open(p, "rb").read() for p in sys.argv[1:3])
a, b = (struct.unpack("<%df" % (len(x) // 4), x) for x in (a, b))
d, m = max(abs(x - y) for x, y in zip(a, b)), max(abs(x) for x in a)
print("max |swin - torch| = %.3g (max |logit| %.3g): %s" % (d, m, "agree" if d <= 1e-3 * max(1, m) else "DISAGREE"))
EOF
  fi

  say "swin bench: batch 1 and $big, fp32 and fp16 (chosen variants, per-kernel breakdown)"
  for precision in fp32 fp16; do
    swin_bench "$precision" --batch 1 --iters $iters1 --warmup $warm --precision $precision --verbose
    swin_bench "$precision" --batch $big --iters $iters32 --warmup $warm --precision $precision
  done

  say "GEMM variants against each other (SWIN_KERNELS), fp16"
  for pref in gemm=gemm_coopmat gemm=gemm_tiled_f16 gemm=gemm_tiled norm_in_gemm=0; do
    SWIN_KERNELS=$pref swin_bench "fp16 $pref" --batch 1 --iters $iters1 --warmup $warm --precision fp16
    SWIN_KERNELS=$pref swin_bench "fp16 $pref" --batch $big --iters $iters32 --warmup $warm --precision fp16
  done

  if [ $have_torch = 1 ]; then
    say "PyTorch eager: fp32 (TF32 off), TF32, fp16 autocast"
    for batch in 1 $big; do
      timeout 300 "$py" tools/bench_gpu_torch.py bench "$work/swin_t.safetensors" --batch "$batch" \
        --iters $((batch == 1 ? iters1 : iters32)) --warmup $warm --device $torch_device |
        tee -a "$work/torch.txt"
    done
    grep '^{' "$work/torch.txt" >>"$jsonl"
  fi

  say "fp16 against fp32 on $inputs random inputs (top-1 agreement, |delta logit| / logit range)"
  timeout 600 "$swin" bench --model "$work/swin_t.safetensors" --precision fp16 --batch $big --iters 1 \
    --warmup 0 --agreement $inputs | grep -E '^fp16 vs fp32|^model'

  say "table"
  python3 - "$jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def get(system, key, batch):
    for r in rows:
        if r["system"] == system and r.get("tag", r.get("mode")) == key and r["batch"] == batch:
            return r
big = max(r["batch"] for r in rows)
cols = [("swin", "fp32"), ("swin", "fp16"), ("pytorch", "fp32"), ("pytorch", "tf32"), ("pytorch", "fp16-autocast")]
print("%-20s" % "" + "".join("%23s" % ("%s %s" % c) for c in cols))
for batch, what in ((1, "median_ms"), (big, "images_per_s")):
    cells = [get(s, k, batch) for s, k in cols]
    print("%-20s" % ("batch %d %s" % (batch, "ms" if batch == 1 else "images/s")) +
          "".join("%23s" % ("%.3f" % c[what] if c else "-") for c in cells))
for batch in (1, big):
    s16, s32 = get("swin", "fp16", batch), get("swin", "fp32", batch)
    for ref in ("fp32", "fp16-autocast"):
        t = get("pytorch", ref, batch)
        if s16 and t:
            print("batch %d: swin fp16 is %.2fx PyTorch %s (images/s)" % (batch, s16["images_per_s"] / t["images_per_s"], ref))
    if s16 and s32:
        print("batch %d: swin fp16 is %.2fx swin fp32; kernels: %s" % (batch, s16["images_per_s"] / s32["images_per_s"], s16.get("variants", "")))
for r in rows:
    if r["system"] == "swin" and r["tag"].startswith("fp16 "):
        print("%-28s batch %2d: %8.3f ms, %9.1f images/s (%s)" % (r["tag"], r["batch"], r["median_ms"],
                                                                 r["images_per_s"], r.get("variants", "")))
b1, b32, t1, t32 = get("swin", "fp16", 1), get("swin", "fp16", big), get("pytorch", "fp16-autocast", 1), get("pytorch", "fp16-autocast", big)
print("targets: batch 1 <= 1.5 ms: %s; batch 32 >= 8000 images/s: %s; ahead of PyTorch fp16 autocast: %s" % (
    "met" if b1 and b1["median_ms"] <= 1.5 else "NOT met",
    "met" if b32 and b32["images_per_s"] >= 8000 else "NOT met",
    "met" if b1 and b32 and t1 and t32 and b1["median_ms"] < t1["median_ms"] and b32["images_per_s"] > t32["images_per_s"] else "NOT met or not measured"))
EOF

  say "core test suite on this GPU (validation layer on)"
  local data=$work/data
  if [ $have_torch = 1 ] && [ -x "$stage/bin/test-models" ]; then
    timeout 240 "$py" tests/gen_torchvision.py "$data" >/dev/null 2>&1 || echo "torchvision reference data not generated: the models test will fail"
  fi
  local failed=0
  while IFS=$'\t' read -r name limit cmd; do
    if [ $smoke = 1 ] && [ "$name" != loader ]; then
      continue
    fi
    # the device tool stops a command after 600 s: keep what ran
    if [ $SECONDS -gt 420 ]; then
      echo "$name: not started, $SECONDS s into the run (the device tool's limit is 600 s)"
      continue
    fi
    local t0=$SECONDS
    # shellcheck disable=SC2086
    env G_DEBUG=fatal-criticals SWIN_VK_VALIDATION=1 VK_LAYER_PATH="$repo/$stage/layer" \
      SWIN_TEST_DATA="$repo/$data" SWIN_TEST_SRCDIR="$repo/tests" SWIN_CLI="$repo/$swin" \
      timeout "$limit" $cmd >"$work/test-$name.log" 2>&1
    local rc=$?
    { echo "### $name"; cat "$work/test-$name.log"; } >>"$out/tests.log"
    local verdict=OK
    [ $rc -eq 77 ] && verdict=SKIP
    [ $rc -ne 0 ] && [ $rc -ne 77 ] && verdict="FAIL (exit $rc)" && failed=$((failed + 1))
    printf '%-10s %-16s %4ds\n' "$name" "$verdict" $((SECONDS - t0))
    grep -E '^ok .*SKIP|^not ok|^# (fp16|gemm_coopmat)|^FAIL|ERROR' "$work/test-$name.log" | head -20
  done <"$stage/tests.tsv"
  echo "$failed test(s) failed"
}

case "${1:-}" in
  prepare) prepare ;;
  run)
    if [ "${2:-}" = --smoke ]; then
      big=2 iters1=1 iters32=1 warm=0 inputs=4 torch_device=cpu smoke=1
    fi
    mkdir -p "$out"
    run 2>&1 | tee "$out/bench_gpu.log"
    ;;
  *)
    echo "usage: tools/bench_gpu.sh prepare|run (see the header)" >&2
    exit 2
    ;;
esac
