#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Swin-T on a GPU in one run: `swin bench` at 224x224, batch 1 and 32, fp32
# and fp16, and batch 1 again with qkv and the attention apart
# (--unfused-attention); the fp16/fp32 top-1 agreement on 1000 random inputs; PyTorch
# (torchvision swin_t, same weights, same card, fp32 and fp16 autocast) when
# torch imports; a table with the ratios and the targets (fp16 batch 1
# <= 0.6 ms, fp16 batch 32 >= 8000 images/s, fp32 batch 32 >= 3000 images/s);
# then the core test suite on that GPU, with the validation layer as the
# tests set it (-Dtest_device=system).
#
# Two steps, since the GPU machine has neither this project's build
# dependencies nor a network:
#
#  1. Here, on Debian 12:
#       tools/bench_gpu.sh prepare
#     builds build-gpu/ (-Dtest_device=system -Dplugin=disabled) and stages,
#     into the git-ignored .gpu/: the binaries (debug info stripped), the
#     libraries they load beyond glibc, the Khronos validation layer and the
#     core test list; into .gl/: the Vulkan loader packages
#     (/work/.library/device/README.md).  Both together must stay under the
#     device tool's 64 MiB, which prepare checks.
#
#  2. On the GPU machine, through the device tool (it sends the session's
#     own checkout, so this script and the staged folders must be there):
#       run(command="for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig; tools/bench_gpu.sh run",
#           carry=[".gl", ".gpu"], timeout_s=600)
#     Everything printed also goes to $OUT/bench_gpu.log, the figures as
#     JSON lines to $OUT/bench_gpu.jsonl, the table to $OUT/table.txt, the
#     tests' output to $OUT/tests.log.  Without $OUT: .gpu-out/.
#
# `tools/bench_gpu.sh run --smoke` runs every step tiny (batch 1 and 2, one
# timed forward, 2 agreement inputs, PyTorch on the CPU with Debian's
# /usr/bin/python3, the loader test alone) on lavapipe, to try the script
# here before spending GPU time:
#   VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json tools/bench_gpu.sh run --smoke
#
# `run` exits non-zero when a step fails (a bench, the agreement, a test,
# PyTorch other than absent); a target not met is reported, not a failure.
# PYTHON overrides the python3 that runs PyTorch and the models' reference.
set -u -o pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
build="build-gpu"
stage=.gpu
# what the device tool carries: 64 MiB with the tree (~3 MiB)
carry_limit=$((60 * 1024 * 1024))

die () {
  echo "bench_gpu: $*" >&2
  exit 1
}

prepare () {
  local opts=(-Dtest_device=system -Dplugin=disabled -Dtests=enabled)
  if [ -d "$build" ]; then
    meson setup --reconfigure "$build" "${opts[@]}" >/dev/null || die "meson setup of $build failed"
  else
    meson setup "$build" "${opts[@]}" >/dev/null || die "meson setup of $build failed"
  fi
  meson compile -C "$build" || die "the build in $build failed"

  rm -rf "$stage"
  mkdir -p "$stage/bin" "$stage/lib" "$stage/layer" || die "cannot create $stage"
  local b
  for b in tools/swin tests/test-loader tests/test-kernels tests/test-attention tests/test-net tests/test-runner tests/test-fp16 \
           tests/test-models; do
    # test-models exists only where the build found torch
    [ -f "$build/$b" ] || continue
    cp "$build/$b" "$stage/bin/" && strip --strip-debug "$stage/bin/${b##*/}" || die "cannot stage $b"
  done
  [ -x "$stage/bin/swin" ] || die "$build/tools/swin was not built"
  # the libraries beyond glibc and the C++ runtime, which the GPU machine's
  # newer system has (Debian 12's would not load with its glibc)
  ldd "$stage"/bin/* | awk '/=> \// { print $3 }' | sort -u |
    grep -v -E '/(libc|libm|libpthread|libdl|librt|libresolv|libgcc_s|libstdc\+\+)\.so|/ld-linux' |
    while read -r lib; do cp -L "$lib" "$stage/lib/" || exit 1; done || die "cannot stage the libraries"
  # the validation layer, found through VK_LAYER_PATH beside its manifest
  local layer=/usr/lib/x86_64-linux-gnu/libVkLayer_khronos_validation.so
  local manifest=/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json
  [ -f "$layer" ] && [ -f "$manifest" ] || die "no validation layer here (apt-get install vulkan-validationlayers)"
  cp -L "$layer" "$stage/layer/" || die "cannot stage $layer"
  sed 's|"library_path": *"[^"]*"|"library_path": "./libVkLayer_khronos_validation.so"|' "$manifest" \
    >"$stage/layer/VkLayer_khronos_validation.json" || die "cannot stage $manifest"

  # The core suite as meson runs it, one test a line: name, timeout, the
  # environment meson gives it, the command; the repository's paths under
  # @REPO@, binaries taken from $stage/bin, interpreters by name (the GPU
  # machine's python3 is not /usr/bin/python3), the reference data in
  # @DATA@ (a scratch folder of the run): run fills them in.
  meson introspect --tests "$build" | python3 -c '
import json, os, sys
repo, build, stage = sys.argv[1:4]
built = os.path.join(repo, build) + "/"
def place(path):
    path = os.path.normpath(path)
    if path.startswith(built) and os.path.exists(os.path.join(stage, "bin", os.path.basename(path))):
        return os.path.join("@REPO@", stage, "bin", os.path.basename(path))
    if path.startswith(repo + "/"):
        return os.path.join("@REPO@", os.path.relpath(path, repo))
    if path.startswith("/usr/bin/"):
        return os.path.basename(path)
    return path
for t in json.load(sys.stdin):
    if "swinclassify:core" not in t["suite"]:
        continue
    env = dict(t["env"])
    if "SWIN_TEST_DATA" in env:
        env["SWIN_TEST_DATA"] = "@DATA@"
    cmd = [place(c) for c in t["cmd"]]
    if not cmd[0].startswith("@REPO@/") and cmd[0] not in ("bash", "python3"):
        sys.exit("bench_gpu: test %s runs %s, which is not staged" % (t["name"], cmd[0]))
    print("\t".join([t["name"], str(t["timeout"]),
                     " ".join("%s=%s" % (k, place(v) if v.startswith("/") else v) for k, v in sorted(env.items())),
                     " ".join(cmd)]))
' "$repo" "$build" "$stage" >"$stage/tests.tsv" || die "cannot write the test list"

  if ! ls .gl/*.deb >/dev/null 2>&1; then
    # the Vulkan loader and GL dispatch libraries that the NVIDIA driver's
    # ICD needs, unpacked over / by the run command
    # (/work/.library/device/README.md); amd64 whatever this machine is
    mkdir -p .gl /tmp/amd64/partial || die "cannot create .gl"
    local apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
    apt-get "${apt[@]}" update >/dev/null || die "apt-get update failed (for the loader packages)"
    (cd .gl && apt-get "${apt[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2) ||
      die "cannot download the loader packages into .gl"
  fi

  cut -f 1,2,4 "$stage/tests.tsv"
  du -sh .gl "$stage"
  local total
  total=$(du -sb .gl "$stage" | awk '{ s += $1 } END { print s }')
  [ "$total" -le $carry_limit ] ||
    die ".gl and $stage hold $total bytes: more than the device tool carries (64 MiB with the tree)"
  echo "bench_gpu: staged $total bytes; on the GPU machine: tools/bench_gpu.sh run (see the header)"
}

# --- the run on the GPU machine ---

out=${OUT:-$repo/.gpu-out}
swin=$stage/bin/swin
jsonl=$out/bench_gpu.jsonl
# the run's sizes (--smoke: tiny)
big=32 iters1=200 iters32=50 warm=20 inputs=1000 torch_device=cuda smoke=0
py=${PYTHON:-python3}
failed=0

say () { echo; echo "== $*"; }
fail () {
  echo "FAILED: $*"
  failed=$((failed + 1))
}

# swin bench --json: the output into the log, the JSON line, marked as
# swin's, into $jsonl.  Arguments: those of swin bench.
swin_bench () {
  local text rc
  text=$(timeout 300 "$swin" bench --model "$work/swin_t.safetensors" --json "$@" 2>&1)
  rc=$?
  echo "$text"
  if [ $rc -ne 0 ]; then
    fail "swin bench $* (exit $rc)"
    return
  fi
  echo "$text" | grep '^{' | sed 's/^{/{"system": "swin", /' >>"$jsonl"
}

table () {
  python3 - "$jsonl" "$big" "$smoke" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
big, smoke = int(sys.argv[2]), sys.argv[3] == "1"
def get(system, precision, batch, unfused=False):
    for r in rows:
        if (r.get("system") == system and r.get("precision") == precision and r.get("batch") == batch and
                r.get("unfused_attention", False) == unfused):
            return r
cols = [("swin", "fp32"), ("swin", "fp16"), ("pytorch", "fp32"), ("pytorch", "fp16-autocast")]
print("%-22s" % "" + "".join("%22s" % ("%s %s" % c) for c in cols))
for batch in (1, big):
    for what in ("median_ms", "images_per_s"):
        cells = [get(s, p, batch) for s, p in cols]
        print("%-22s" % ("batch %d %s" % (batch, "ms" if what == "median_ms" else "images/s")) +
              "".join("%22s" % ("%.4g" % c[what] if c else "-") for c in cells))
def ratio(a, b):
    return "%.2fx" % (a["images_per_s"] / b["images_per_s"]) if a and b else "-"
print()
for batch in (1, big):
    s32, s16 = get("swin", "fp32", batch), get("swin", "fp16", batch)
    t32, t16 = get("pytorch", "fp32", batch), get("pytorch", "fp16-autocast", batch)
    print("batch %d (images/s ratios): swin fp16/fp32 %s; swin/PyTorch fp32 %s; swin fp16/PyTorch fp16 autocast %s" %
          (batch, ratio(s16, s32), ratio(s32, t32), ratio(s16, t16)))
for p in ("fp32", "fp16"):
    fused, apart = get("swin", p, 1), get("swin", p, 1, True)
    if fused and apart:
        print("batch 1 %s: qkv inside the attention %.4g ms, apart (--unfused-attention) %.4g ms" %
              (p, fused["median_ms"], apart["median_ms"]))
for r in rows:
    if "agreement" in r:
        print("fp16 vs fp32 top-1 agreement: %d/%d (%.1f%%), max |delta logit| / max |logit| %.2e" %
              (r["agreement"], r["inputs"], 100.0 * r["agreement"] / r["inputs"], r["max_rel_delta"]))
def target(name, row, ok):
    verdict = "not measured" if row is None else "met" if ok(row) else "NOT met"
    print("target %-38s %s" % (name + ":", verdict))
print()
if smoke:
    print("(smoke run: tiny sizes on this machine's device; the batch 32 targets are not measured)")
b32 = None if big != 32 else 32
target("swin fp16 batch 1 <= 0.6 ms", get("swin", "fp16", 1), lambda r: r["median_ms"] <= 0.6)
target("swin fp16 batch 32 >= 8000 images/s", b32 and get("swin", "fp16", 32), lambda r: r["images_per_s"] >= 8000)
target("swin fp32 batch 32 >= 3000 images/s", b32 and get("swin", "fp32", 32), lambda r: r["images_per_s"] >= 3000)
EOF
}

run_tests () {
  local name limit envs cmd rc verdict t0
  local data=$work/data
  if [ $smoke = 0 ] && [ -x "$stage/bin/test-models" ]; then
    # test-models compares with torchvision's logits, generated here
    timeout 300 "$py" tests/gen_torchvision.py "$data" >"$work/gen_torchvision.log" 2>&1 ||
      echo "torchvision reference data not generated (see $out/tests.log): the models test will fail or skip"
    { echo "### gen_torchvision"; cat "$work/gen_torchvision.log"; } >>"$out/tests.log"
  fi
  while IFS=$'\t' read -r name limit envs cmd; do
    # smoke: one quick test; licence checks the sources with git, not the GPU
    if { [ $smoke = 1 ] && [ "$name" != loader ]; } || [ "$name" = licence ]; then
      continue
    fi
    # the device tool stops a command after 600 s: start no test late, and
    # end each in time for the log to be written
    if [ $SECONDS -gt 450 ]; then
      fail "$name: not started, $SECONDS s into the run (the device tool stops at 600 s)"
      continue
    fi
    [ "$limit" -gt $((570 - SECONDS)) ] && limit=$((570 - SECONDS))
    cmd=${cmd/#python3 /$py }
    cmd=${cmd//@REPO@/$repo}
    envs=${envs//@REPO@/$repo}
    t0=$SECONDS
    # word splitting wanted: the list holds no spaces inside its words
    # shellcheck disable=SC2086
    env ${envs//@DATA@/$data} VK_LAYER_PATH="$repo/$stage/layer" timeout "$limit" $cmd >"$work/test.log" 2>&1
    rc=$?
    { echo "### $name (exit $rc)"; cat "$work/test.log"; } >>"$out/tests.log"
    case $rc in
      0) verdict=OK ;;
      77) verdict=SKIP ;;
      *) verdict="FAIL (exit $rc)"; failed=$((failed + 1)) ;;
    esac
    printf '%-12s %-16s %4ds\n' "$name" "$verdict" $((SECONDS - t0))
    grep -E '^not ok|^ok .*# SKIP|^FAIL|ERROR|CRITICAL' "$work/test.log" | head -20
  done <"$stage/tests.tsv"
}

run () {
  [ -x "$swin" ] && [ -f "$stage/tests.tsv" ] || die "no $swin: run 'tools/bench_gpu.sh prepare' on the build machine first"
  : >"$jsonl"
  : >"$out/tests.log"
  work=$(mktemp -d "${TMPDIR:-/tmp}/bench_gpu.XXXXXX") || die "cannot create a scratch folder"
  # the model (113 MB) and the reference data stay out of the carried tree
  trap 'rm -rf "$work"' EXIT
  export LD_LIBRARY_PATH="$repo/$stage/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local nv_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nv_icd" ]; then
    export VK_DRIVER_FILES=$nv_icd
  fi

  say "machine"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 | head -3
  else
    echo "no nvidia-smi"
  fi
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-(unset)}"
  ldconfig -p | grep -q 'libvulkan.so.1' ||
    die "no libvulkan.so.1: unpack .gl/*.deb over / and run ldconfig first (see the header)"

  say "model: swin init --arch swin_t (random weights, torchvision layout)"
  "$swin" init --arch swin_t --seed 1 "$work/swin_t.safetensors" || die "swin init failed"

  say "swin bench: 224x224, batch 1 and $big, fp32 and fp16"
  local precision
  for precision in fp32 fp16; do
    swin_bench --batch 1 --iters $iters1 --warmup $warm --precision $precision
    swin_bench --batch $big --iters $iters32 --warmup $warm --precision $precision
  done
  # whether computing qkv inside the attention pays: the same forward with them apart
  for precision in fp32 fp16; do
    swin_bench --batch 1 --iters $iters1 --warmup $warm --precision $precision --unfused-attention
  done

  say "fp16 against fp32 weights on $inputs random inputs"
  local text
  if text=$(timeout 300 "$swin" bench --model "$work/swin_t.safetensors" --precision fp16 --iters 1 \
              --warmup 0 --agreement $inputs 2>&1); then
    echo "$text" | grep -E '^model|^precision fp16 vs fp32'
    # "... top-1 agreement A/N, max |delta logit| / max |logit| = X"
    echo "$text" | sed -n 's|^precision fp16 vs fp32 .*agreement \([0-9]*\)/\([0-9]*\),.* = \(.*\)$|{"system": "swin", "agreement": \1, "inputs": \2, "max_rel_delta": \3}|p' >>"$jsonl"
    grep -q '"agreement"' "$jsonl" || fail "no agreement line in swin bench's output"
  else
    echo "$text"
    fail "swin bench --agreement $inputs"
  fi

  say "PyTorch: torchvision swin_t, the same weights, on $torch_device ($py)"
  local batch rc
  for batch in 1 $big; do
    timeout 300 "$py" tools/bench_gpu_torch.py "$work/swin_t.safetensors" --batch "$batch" --device $torch_device \
      --iters $((batch == 1 ? iters1 : iters32)) --warmup $warm >"$work/torch.txt" 2>&1
    rc=$?
    cat "$work/torch.txt"
    grep '^{' "$work/torch.txt" >>"$jsonl"
    # 3: no torch, torchvision or CUDA device here, said above
    [ $rc -eq 3 ] && break
    [ $rc -ne 0 ] && fail "PyTorch at batch $batch (exit $rc)"
  done

  say "table"
  table | tee "$out/table.txt"

  say "core test suite on this device (validation as the tests set it; output in tests.log)"
  run_tests

  echo
  if [ $failed -ne 0 ]; then
    echo "bench_gpu: $failed step(s) failed"
    return 1
  fi
  echo "bench_gpu: every step ran"
}

case "${1:-}" in
  prepare)
    [ $# -eq 1 ] || die "usage: tools/bench_gpu.sh prepare"
    prepare
    ;;
  run)
    case "${2:-}" in
      "") ;;
      --smoke)
        big=2 iters1=1 iters32=1 warm=0 inputs=2 torch_device=cpu smoke=1
        py=${PYTHON:-/usr/bin/python3}
        ;;
      *) die "usage: tools/bench_gpu.sh run [--smoke]" ;;
    esac
    mkdir -p "$out" || die "cannot create $out"
    run 2>&1 | tee "$out/bench_gpu.log"
    exit "${PIPESTATUS[0]}"
    ;;
  *)
    echo "usage: tools/bench_gpu.sh prepare | run [--smoke] (see the header)" >&2
    exit 2
    ;;
esac
