#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Many streams through swinclassify in one process, each element with its
# own model instance or all sharing one (model-instance-id): aggregate
# frames/s (from PLAYING to EOS, so without the model's start-up) and peak
# RSS of the process.
#
# Usage: tools/bench_streams.sh [BUILD_DIR] [MODEL] [FRAMES]
#   BUILD_DIR  default build; MODEL default: a random Swin-T made with
#   `swin init`; FRAMES per stream, default 8.
# Environment: STREAMS (default "1 4 8"), DEVICE (Vulkan device), BATCH
#   (batch-size, default 8), TIMEOUT (batch-timeout in ns, default 5000000).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
model=${2:-}
frames=${3:-8}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$model" ]; then
    model=$tmp/swin_t.safetensors
    "$build/tools/swin" init --arch swin_t --seed 1 "$model" >/dev/null
fi
export GST_PLUGIN_PATH="$build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"

printf '%-8s %-9s %10s %12s %14s\n' streams instance "frames/s" "x 1 stream" "peak RSS MiB"
base=""
for n in ${STREAMS:-1 4 8}; do
    for mode in private shared; do
        launch=""
        for i in $(seq 0 $((n - 1))); do
            id=""
            [ "$mode" = shared ] && id="model-instance-id=bench"
            launch="$launch videotestsrc num-buffers=$frames pattern=$((i % 20)) !"
            launch="$launch video/x-raw,width=$((320 + 16 * i)),height=240 !"
            launch="$launch swinclassify model=$model $id ${DEVICE:+device=$DEVICE}"
            launch="$launch batch-size=${BATCH:-8} batch-timeout=${TIMEOUT:-5000000} post-messages=false !"
            launch="$launch fakesink sync=false"
        done
        # shellcheck disable=SC2086
        /usr/bin/time -f "%M" -o "$tmp/rss" gst-launch-1.0 $launch >"$tmp/out" 2>&1 ||
            { cat "$tmp/out" >&2; exit 1; }
        # "Execution ended after 0:00:05.123456789": PLAYING to EOS
        secs=$(sed -n 's/.*Execution ended after \([0-9]*\):\([0-9]*\):\([0-9.]*\).*/\1 \2 \3/p' "$tmp/out" |
               awk '{print $1 * 3600 + $2 * 60 + $3}')
        fps=$(awk -v n="$n" -v f="$frames" -v s="$secs" 'BEGIN {printf "%.2f", n * f / s}')
        [ -z "$base" ] && base=$fps
        ratio=$(awk -v a="$fps" -v b="$base" 'BEGIN {printf "%.2f", a / b}')
        rss=$(awk '{printf "%.0f", $1 / 1024}' "$tmp/rss")
        printf '%-8s %-9s %10s %12s %14s\n' "$n" "$mode" "$fps" "$ratio" "$rss"
    done
done
